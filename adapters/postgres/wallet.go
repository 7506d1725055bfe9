package postgres

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"time"

	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/wallet"
)

// WalletStores builds wallet.Stores on q (the primary, inside a unit of work); the order area's
// stores embed it.
func WalletStores(q Querier) wallet.Stores {
	return wallet.Stores{Ledger: &Ledger{q: q}, Outbox: NewOutbox(q)}
}

// Ledger is wallet.Ledger on tables wallets and wallet_ledger.
type Ledger struct{ q Querier }

type walletRow struct {
	UserID    string    `db:"user_id"`
	Balance   int64     `db:"balance"`
	Currency  string    `db:"currency"`
	CreatedAt time.Time `db:"created_at"`
	UpdatedAt time.Time `db:"updated_at"`
}

func (r walletRow) wallet() (wallet.Wallet, error) {
	c, err := kernel.CurrencyOf(r.Currency)
	if err != nil {
		return wallet.Wallet{}, err
	}
	return wallet.Wallet{UserID: r.UserID, Balance: r.Balance, Currency: c, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}, nil
}

// Open implements wallet.Ledger.
func (l *Ledger) Open(ctx context.Context, w wallet.Wallet) (wallet.Wallet, error) {
	_, err := l.q.ExecContext(ctx, `
		INSERT INTO wallets (user_id, balance, currency, created_at, updated_at) VALUES ($1, 0, $2, $3, $3)
		ON CONFLICT (user_id) DO NOTHING`, w.UserID, w.Currency.Code, w.CreatedAt)
	if IsForeignKeyViolation(err) {
		return wallet.Wallet{}, wallet.ErrWalletNotFound
	}
	if err != nil {
		return wallet.Wallet{}, err
	}
	return loadWallet(ctx, l.q, w.UserID)
}

func loadWallet(ctx context.Context, q Querier, userID string) (wallet.Wallet, error) {
	var row walletRow
	err := q.GetContext(ctx, &row, `SELECT user_id, balance, currency, created_at, updated_at FROM wallets WHERE user_id = $1`, userID)
	if errors.Is(err, sql.ErrNoRows) {
		return wallet.Wallet{}, wallet.ErrWalletNotFound
	}
	if err != nil {
		return wallet.Wallet{}, err
	}
	return row.wallet()
}

// moveMoney is Debit's and Credit's one statement: the balance changes only when it stays
// non-negative (the guard and the write are one UPDATE), and the ledger row records the balance
// the UPDATE left.
const moveMoney = `
WITH w AS (
    UPDATE wallets SET balance = balance + $3, updated_at = $10
     WHERE user_id = $2 AND balance + $3 >= 0
    RETURNING balance, currency
)
INSERT INTO wallet_ledger (id, user_id, type, amount, balance_after, currency, order_id, refund_id, actor_id, note, trace_id, created_at)
SELECT $1, $2, $4, $3, w.balance, w.currency, $5::uuid, $6::uuid, $7::uuid, $8, $9, $10 FROM w
RETURNING balance_after, currency`

// Debit implements wallet.Ledger.
func (l *Ledger) Debit(ctx context.Context, e wallet.Entry) (wallet.Entry, error) {
	return l.move(ctx, e)
}

// Credit implements wallet.Ledger.
func (l *Ledger) Credit(ctx context.Context, e wallet.Entry) (wallet.Entry, error) {
	return l.move(ctx, e)
}

func (l *Ledger) move(ctx context.Context, e wallet.Entry) (wallet.Entry, error) {
	var rows []struct {
		BalanceAfter int64  `db:"balance_after"`
		Currency     string `db:"currency"`
	}
	err := l.q.SelectContext(ctx, &rows, moveMoney, e.ID, e.UserID, e.Amount, string(e.Type), nullString(e.OrderID),
		nullString(e.RefundID), nullString(e.ActorID), e.Note, e.TraceID, e.CreatedAt)
	if IsUniqueViolation(err, "") {
		return wallet.Entry{}, wallet.ErrDuplicateMovement
	}
	if err != nil {
		return wallet.Entry{}, err
	}
	if len(rows) == 0 {
		w, err := loadWallet(ctx, l.q, e.UserID)
		if err != nil {
			return wallet.Entry{}, err
		}
		return wallet.Entry{}, wallet.ErrInsufficientBalance.WithExtra("balance", w.Balance)
	}
	c, err := kernel.CurrencyOf(rows[0].Currency)
	if err != nil {
		return wallet.Entry{}, err
	}
	e.BalanceAfter, e.Currency = rows[0].BalanceAfter, c
	return e, nil
}

// WalletReader is wallet.Reader on the primary (a customer reads their own balance after paying).
type WalletReader struct{ db *DB }

// NewWalletReader returns a reader over db.
func NewWalletReader(db *DB) *WalletReader { return &WalletReader{db: db} }

// Wallet implements wallet.Reader.
func (r *WalletReader) Wallet(ctx context.Context, userID string) (wallet.Wallet, error) {
	return loadWallet(ctx, r.db.Q(ctx), userID)
}

// Entries implements wallet.Reader on wallet_ledger_user_id_idx (or _user_type_id_idx with a type).
func (r *WalletReader) Entries(ctx context.Context, q wallet.EntryQuery) ([]wallet.Entry, error) {
	args := []any{q.UserID}
	where := "user_id = $1"
	if q.Type != "" {
		args = append(args, string(q.Type))
		where += " AND type = $" + strconv.Itoa(len(args))
	}
	if q.AfterID != "" {
		args = append(args, q.AfterID)
		where += " AND id < $" + strconv.Itoa(len(args)) + "::uuid"
	}
	args = append(args, q.Limit)
	var rows []struct {
		ID           string         `db:"id"`
		UserID       string         `db:"user_id"`
		Type         string         `db:"type"`
		Amount       int64          `db:"amount"`
		BalanceAfter int64          `db:"balance_after"`
		Currency     string         `db:"currency"`
		OrderID      sql.NullString `db:"order_id"`
		RefundID     sql.NullString `db:"refund_id"`
		ActorID      sql.NullString `db:"actor_id"`
		Note         string         `db:"note"`
		TraceID      string         `db:"trace_id"`
		CreatedAt    time.Time      `db:"created_at"`
	}
	err := r.db.Q(ctx).SelectContext(ctx, &rows, `
		SELECT id, user_id, type, amount, balance_after, currency, order_id, refund_id, actor_id, note, trace_id, created_at
		  FROM wallet_ledger WHERE `+where+` ORDER BY id DESC LIMIT $`+strconv.Itoa(len(args)), args...)
	if err != nil {
		return nil, err
	}
	out := make([]wallet.Entry, len(rows))
	for i, row := range rows {
		c, err := kernel.CurrencyOf(row.Currency)
		if err != nil {
			return nil, err
		}
		out[i] = wallet.Entry{ID: row.ID, UserID: row.UserID, Type: wallet.Type(row.Type), Amount: row.Amount,
			BalanceAfter: row.BalanceAfter, Currency: c, OrderID: row.OrderID.String, RefundID: row.RefundID.String,
			ActorID: row.ActorID.String, Note: row.Note, TraceID: row.TraceID, CreatedAt: row.CreatedAt.UTC()}
	}
	return out, nil
}
