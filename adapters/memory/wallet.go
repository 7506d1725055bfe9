package memory

import (
	"context"
	"strings"

	"github.com/jupang/jupang/core/wallet"
)

// walletTables are the wallets and their ledger (00007_orders_wallet.sql), with the ledger's
// indexes and its partial unique keys.
type walletTables struct {
	Wallets         *Table[string, wallet.Wallet] // user id → wallet
	Ledger          *Table[string, wallet.Entry]  // append-only: never Put twice, never Deleted
	PaymentByOrder  *Table[string, string]        // order id → entry id (wallet_ledger_one_payment_per_order)
	ReversalByOrder *Table[string, string]        // order id → entry id (wallet_ledger_one_reversal_per_order)
	CreditByRefund  *Table[string, string]        // refund id → entry id (wallet_ledger_one_credit_per_refund)
}

// newestEntryFirst orders a wallet's entries by id descending (UUIDv7: newest first).
func newestEntryFirst(a, b wallet.Entry) int { return strings.Compare(b.ID, a.ID) }

// The ledger indexes: wallet_ledger_user_id_idx and wallet_ledger_user_type_id_idx.
var (
	entriesByUser     = &Index[wallet.Entry]{Group: func(e wallet.Entry) string { return e.UserID }, Order: newestEntryFirst}
	entriesByUserType = &Index[wallet.Entry]{Group: func(e wallet.Entry) string { return e.UserID + "/" + string(e.Type) }, Order: newestEntryFirst}
)

func newWalletTables() walletTables {
	return walletTables{
		Wallets:         newTable[string, wallet.Wallet](strings.Compare),
		Ledger:          newTable(strings.Compare, entriesByUser, entriesByUserType),
		PaymentByOrder:  newTable[string, string](strings.Compare),
		ReversalByOrder: newTable[string, string](strings.Compare),
		CreditByRefund:  newTable[string, string](strings.Compare),
	}
}

// WalletStores builds wallet.Stores for a unit of work; the order area's stores embed it.
func WalletStores(tx *Tx) wallet.Stores {
	return wallet.Stores{Ledger: &Ledger{tx: tx}, Outbox: NewOutbox(tx)}
}

// Ledger is the in-memory wallet.Ledger of one unit of work.
type Ledger struct{ tx *Tx }

// Open implements wallet.Ledger.
func (l *Ledger) Open(_ context.Context, w wallet.Wallet) (wallet.Wallet, error) {
	st := l.tx.State
	if have, ok := st.Wallet.Wallets.Get(w.UserID); ok {
		return have, nil
	}
	if _, ok := st.Identity.Users.Get(w.UserID); !ok {
		return wallet.Wallet{}, wallet.ErrWalletNotFound
	}
	Mutable(l.tx, &st.Wallet.Wallets).Put(w.UserID, w)
	return w, nil
}

// Debit implements wallet.Ledger.
func (l *Ledger) Debit(ctx context.Context, e wallet.Entry) (wallet.Entry, error) {
	return l.move(ctx, e)
}

// Credit implements wallet.Ledger.
func (l *Ledger) Credit(ctx context.Context, e wallet.Entry) (wallet.Entry, error) {
	return l.move(ctx, e)
}

// move adds the signed e.Amount when the balance stays non-negative, with the ledger row and its
// unique keys; units of work that write run one at a time, so the check and the write are one step.
func (l *Ledger) move(_ context.Context, e wallet.Entry) (wallet.Entry, error) {
	t := &l.tx.State.Wallet
	w, ok := t.Wallets.Get(e.UserID)
	if !ok {
		return wallet.Entry{}, wallet.ErrWalletNotFound
	}
	if w.Balance+e.Amount < 0 {
		return wallet.Entry{}, wallet.ErrInsufficientBalance.WithExtra("balance", w.Balance)
	}
	var unique **Table[string, string]
	key := e.OrderID
	switch e.Type {
	case wallet.TypePayment:
		unique = &t.PaymentByOrder
	case wallet.TypePaymentReversal:
		unique = &t.ReversalByOrder
	case wallet.TypeRefund:
		unique, key = &t.CreditByRefund, e.RefundID
	}
	if unique != nil && !putUnique(l.tx, unique, key, "", e.ID) {
		return wallet.Entry{}, wallet.ErrDuplicateMovement
	}
	w.Balance += e.Amount
	w.UpdatedAt = e.CreatedAt
	e.BalanceAfter, e.Currency = w.Balance, w.Currency
	Mutable(l.tx, &t.Wallets).Put(w.UserID, w)
	Mutable(l.tx, &t.Ledger).Put(e.ID, e)
	return e, nil
}

// WalletReader is the in-memory wallet.Reader over committed state.
type WalletReader struct{ store *Store }

// NewWalletReader returns a reader over store.
func NewWalletReader(store *Store) *WalletReader { return &WalletReader{store: store} }

// Wallet implements wallet.Reader.
func (r *WalletReader) Wallet(ctx context.Context, userID string) (wallet.Wallet, error) {
	w, ok := r.store.Snapshot(ctx).Wallet.Wallets.Get(userID)
	if !ok {
		return wallet.Wallet{}, wallet.ErrWalletNotFound
	}
	return w, nil
}

// Entries implements wallet.Reader.
func (r *WalletReader) Entries(ctx context.Context, q wallet.EntryQuery) ([]wallet.Entry, error) {
	t := r.store.Snapshot(ctx).Wallet.Ledger
	ix, seek := entriesByUser, Seek[wallet.Entry]{Group: q.UserID}
	if q.Type != "" {
		ix, seek.Group = entriesByUserType, q.UserID+"/"+string(q.Type)
	}
	if q.AfterID != "" {
		seek.Pivot, seek.Past = &wallet.Entry{ID: q.AfterID}, true
	}
	out := []wallet.Entry{}
	for _, e := range t.Ascend(ix, seek) {
		if out = append(out, e); len(out) == q.Limit {
			break
		}
	}
	return out, nil
}
