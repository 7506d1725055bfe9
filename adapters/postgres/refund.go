package postgres

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/notification"
	"github.com/jupang/jupang/core/order"
	"github.com/jupang/jupang/core/refund"
)

// RefundStores builds refund.Stores on q (the primary, inside a unit of work).
func RefundStores(q Querier) refund.Stores {
	o := OrderStores(q)
	return refund.Stores{Refunds: &Refunds{q: q}, Orders: o.Orders, Purchases: o.Purchases, Inventory: o.Inventory, Wallet: o.Wallet,
		Outbox: o.Outbox, Notifier: &Notifications{q: q}}
}

// Refunds is refund.Store on refunds and refund_items.
type Refunds struct{ q Querier }

type refundRow struct {
	ID             string         `db:"id"`
	OrderID        string         `db:"order_id"`
	UserID         string         `db:"user_id"`
	Status         string         `db:"status"`
	Amount         int64          `db:"amount"`
	Currency       string         `db:"currency"`
	AmountKRW      int64          `db:"amount_krw"`
	Reason         string         `db:"reason"`
	Source         string         `db:"source"`
	RequestedBy    string         `db:"requested_by"`
	ApprovedBy     sql.NullString `db:"approved_by"`
	AutoApproved   bool           `db:"auto_approved"`
	RejectedBy     sql.NullString `db:"rejected_by"`
	DecisionNote   sql.NullString `db:"decision_note"`
	DecidedAt      sql.NullTime   `db:"decided_at"`
	CompletedAt    sql.NullTime   `db:"completed_at"`
	Restock        bool           `db:"restock"`
	IdempotencyKey sql.NullString `db:"idempotency_key"`
	CreatedAt      time.Time      `db:"created_at"`
	UpdatedAt      time.Time      `db:"updated_at"`
}

const refundColumns = `id, order_id, user_id, status, amount, currency, amount_krw, reason, source, requested_by, approved_by,
	auto_approved, rejected_by, decision_note, decided_at, completed_at, restock, idempotency_key, created_at, updated_at`

// Create implements refund.Store.
func (s *Refunds) Create(ctx context.Context, r refund.Refund) error {
	_, err := s.q.ExecContext(ctx, `
		INSERT INTO refunds (id, order_id, user_id, status, amount, currency, amount_krw, reason, source, requested_by, restock,
		                     idempotency_key, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)`,
		r.ID, r.OrderID, r.UserID, string(r.Status), r.Amount, r.Currency.Code, r.AmountKRW, r.Reason, string(r.Source), r.RequestedBy,
		r.Restock, nullString(r.IdempotencyKey), r.CreatedAt)
	if IsUniqueViolation(err, "refunds_user_idempotency_key") {
		return refund.ErrRefundKeyTaken
	}
	if err != nil {
		return err
	}
	for _, it := range r.Items {
		if _, err := s.q.ExecContext(ctx, `INSERT INTO refund_items (id, refund_id, order_item_id, quantity, amount)
			VALUES ($1, $2, $3, $4, $5)`, it.ID, r.ID, it.OrderItemID, it.Quantity, it.Amount); err != nil {
			return err
		}
	}
	return nil
}

// ByID implements refund.Store.
func (s *Refunds) ByID(ctx context.Context, id string) (refund.Refund, error) {
	return s.one(ctx, `SELECT `+refundColumns+` FROM refunds WHERE id = $1`, id)
}

// ByIdempotencyKey implements refund.Store.
func (s *Refunds) ByIdempotencyKey(ctx context.Context, userID, key string) (refund.Refund, error) {
	return s.one(ctx, `SELECT `+refundColumns+` FROM refunds WHERE user_id = $1 AND idempotency_key = $2`, userID, key)
}

func (s *Refunds) one(ctx context.Context, query string, args ...any) (refund.Refund, error) {
	var row refundRow
	err := s.q.GetContext(ctx, &row, query, args...)
	if errors.Is(err, sql.ErrNoRows) {
		return refund.Refund{}, refund.ErrRefundNotFound
	}
	if err != nil {
		return refund.Refund{}, err
	}
	c, err := kernel.CurrencyOf(row.Currency)
	if err != nil {
		return refund.Refund{}, err
	}
	r := refund.Refund{ID: row.ID, OrderID: row.OrderID, UserID: row.UserID, Status: refund.Status(row.Status), Amount: row.Amount,
		Currency: c, AmountKRW: row.AmountKRW, Reason: row.Reason, Source: refund.Source(row.Source), RequestedBy: row.RequestedBy,
		ApprovedBy: row.ApprovedBy.String, AutoApproved: row.AutoApproved, RejectedBy: row.RejectedBy.String,
		DecisionNote: row.DecisionNote.String, DecidedAt: orderTime(row.DecidedAt), CompletedAt: orderTime(row.CompletedAt),
		Restock: row.Restock, IdempotencyKey: row.IdempotencyKey.String, CreatedAt: row.CreatedAt.UTC(), UpdatedAt: row.UpdatedAt.UTC()}
	var items []struct {
		ID          string `db:"id"`
		OrderItemID string `db:"order_item_id"`
		SKUID       string `db:"sku_id"`
		Quantity    int    `db:"quantity"`
		Amount      int64  `db:"amount"`
	}
	if err := s.q.SelectContext(ctx, &items, `SELECT ri.id, ri.order_item_id, oi.sku_id, ri.quantity, ri.amount
		FROM refund_items ri JOIN order_items oi ON oi.id = ri.order_item_id WHERE ri.refund_id = $1
		ORDER BY oi.unit_price * oi.quantity DESC, oi.id`, r.ID); err != nil {
		return refund.Refund{}, err
	}
	for _, it := range items {
		r.Items = append(r.Items, refund.Item{ID: it.ID, OrderItemID: it.OrderItemID, SKUID: it.SKUID, Quantity: it.Quantity, Amount: it.Amount})
	}
	return r, nil
}

// Claimed implements refund.Store on refunds_order_created_idx and refund_items_refund_item_key.
func (s *Refunds) Claimed(ctx context.Context, orderID string) (order.Claims, error) {
	c := order.Claims{Units: map[string]int{}}
	if err := s.q.GetContext(ctx, &c.Amount, `SELECT COALESCE(sum(amount), 0) FROM refunds
		WHERE order_id = $1 AND status <> 'REJECTED'`, orderID); err != nil {
		return order.Claims{}, err
	}
	var rows []struct {
		OrderItemID string `db:"order_item_id"`
		Quantity    int    `db:"quantity"`
	}
	if err := s.q.SelectContext(ctx, &rows, `SELECT ri.order_item_id, sum(ri.quantity) AS quantity
		FROM refunds r JOIN refund_items ri ON ri.refund_id = r.id
		WHERE r.order_id = $1 AND r.status <> 'REJECTED' GROUP BY ri.order_item_id`, orderID); err != nil {
		return order.Claims{}, err
	}
	for _, r := range rows {
		c.Units[r.OrderItemID] = r.Quantity
	}
	return c, nil
}

// Update implements refund.Store: one statement guarded by the status it expects.
func (s *Refunds) Update(ctx context.Context, r refund.Refund, from refund.Status) error {
	res, err := s.q.ExecContext(ctx, `
		UPDATE refunds SET status = $3, approved_by = $4, auto_approved = $5, rejected_by = $6, decision_note = $7, decided_at = $8,
		       completed_at = $9, updated_at = $10
		 WHERE id = $1 AND status = $2`,
		r.ID, string(from), string(r.Status), nullString(r.ApprovedBy), r.AutoApproved, nullString(r.RejectedBy),
		nullString(r.DecisionNote), orderNullTime(r.DecidedAt), orderNullTime(r.CompletedAt), r.UpdatedAt)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return errs.ErrInvalidTransition.WithMessage("the refund is no longer %s", from)
	}
	return nil
}

// AddRefunded implements refund.Store with guarded statements: each line only while its refunded
// units stay within its quantity, the order only while its refunded amount stays within its total.
func (s *Refunds) AddRefunded(ctx context.Context, orderID string, lines []order.RefundLine, amount int64) error {
	for _, l := range lines {
		res, err := s.q.ExecContext(ctx, `UPDATE order_items SET refunded_quantity = refunded_quantity + $3
			WHERE id = $1 AND order_id = $2 AND refunded_quantity + $3 <= quantity`, l.LineID, orderID, l.Quantity)
		if err := exceeded(res, err); err != nil {
			return err
		}
	}
	res, err := s.q.ExecContext(ctx, `UPDATE orders SET refunded_amount = refunded_amount + $2
		WHERE id = $1 AND refunded_amount + $2 <= total`, orderID, amount)
	return exceeded(res, err)
}

func exceeded(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return order.ErrRefundExceedsPaid
	}
	return nil
}

// Notifications is the stored notification.Notifier on notifications.
type Notifications struct{ q Querier }

// Notify implements notification.Notifier; a second notification with the user's dedup key is
// dropped by notifications_user_dedup_key.
func (s *Notifications) Notify(ctx context.Context, n notification.Notification) error {
	data, err := json.Marshal(orEmpty(n.Data))
	if err != nil {
		return err
	}
	_, err = s.q.ExecContext(ctx, `
		INSERT INTO notifications (id, user_id, type, locale, title, body, data, channels, dedup_key, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, '{}', $8, $9)
		ON CONFLICT (user_id, dedup_key) WHERE dedup_key IS NOT NULL DO NOTHING`,
		n.ID, n.UserID, n.Type, string(n.Locale), n.Title, n.Body, data, nullString(n.DedupKey), n.CreatedAt)
	return err
}

// NotificationReader is notification.Reader on the primary.
type NotificationReader struct{ db *DB }

// NewNotificationReader returns the reader on db.
func NewNotificationReader(db *DB) *NotificationReader { return &NotificationReader{db: db} }

// List implements notification.Reader on notifications_user_id_idx.
func (r *NotificationReader) List(ctx context.Context, userID, afterID string, limit int) ([]notification.Notification, error) {
	var rows []struct {
		ID        string         `db:"id"`
		UserID    string         `db:"user_id"`
		Type      string         `db:"type"`
		Locale    string         `db:"locale"`
		Title     string         `db:"title"`
		Body      string         `db:"body"`
		Data      []byte         `db:"data"`
		DedupKey  sql.NullString `db:"dedup_key"`
		ReadAt    sql.NullTime   `db:"read_at"`
		CreatedAt time.Time      `db:"created_at"`
	}
	if err := r.db.Q(ctx).SelectContext(ctx, &rows, `SELECT id, user_id, type, locale, title, body, data, dedup_key, read_at, created_at
		FROM notifications WHERE user_id = $1 AND ($2 = '' OR id < $2::uuid) ORDER BY id DESC LIMIT $3`, userID, afterID, limit); err != nil {
		return nil, err
	}
	out := make([]notification.Notification, len(rows))
	for i, n := range rows {
		var data map[string]string
		if err := json.Unmarshal(n.Data, &data); err != nil {
			return nil, err
		}
		out[i] = notification.Notification{ID: n.ID, UserID: n.UserID, Type: n.Type, Locale: kernel.Locale(n.Locale), Title: n.Title,
			Body: n.Body, Data: data, DedupKey: n.DedupKey.String, ReadAt: orderTime(n.ReadAt), CreatedAt: n.CreatedAt.UTC()}
	}
	return out, nil
}
