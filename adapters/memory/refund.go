package memory

import (
	"context"
	"maps"
	"slices"
	"strings"

	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/notification"
	"github.com/jupang/jupang/core/order"
	"github.com/jupang/jupang/core/refund"
)

// refundTables are the refunds with their items (00007, 00070) and the customers' notifications
// (00008), with the indexes their queries use.
type refundTables struct {
	Refunds       *Table[string, refund.Refund]             // refunds with their items
	ByKey         *Table[string, string]                    // user id/idempotency key → refund id (refunds_user_idempotency_key)
	Notifications *Table[string, notification.Notification] // notifications
	ByDedup       *Table[string, string]                    // user id/dedup key → notification id (notifications_user_dedup_key)
}

var (
	// refundsByOrder is refunds_order_created_idx.
	refundsByOrder = &Index[refund.Refund]{Group: func(r refund.Refund) string { return r.OrderID },
		Order: func(a, b refund.Refund) int { return strings.Compare(a.ID, b.ID) }}
	// notificationsByUser is notifications_user_id_idx (newest first).
	notificationsByUser = &Index[notification.Notification]{Group: func(n notification.Notification) string { return n.UserID },
		Order: func(a, b notification.Notification) int { return strings.Compare(b.ID, a.ID) }}
)

func newRefundTables() refundTables {
	return refundTables{
		Refunds:       newTable(strings.Compare, refundsByOrder),
		ByKey:         newTable[string, string](strings.Compare),
		Notifications: newTable(strings.Compare, notificationsByUser),
		ByDedup:       newTable[string, string](strings.Compare),
	}
}

// RefundStores builds refund.Stores for a unit of work.
func RefundStores(tx *Tx) refund.Stores {
	o := OrderStores(tx)
	return refund.Stores{Refunds: &Refunds{tx}, Orders: o.Orders, Purchases: o.Purchases, Inventory: o.Inventory, Wallet: o.Wallet,
		Outbox: o.Outbox, Notifier: &Notifications{tx}}
}

// Refunds is the in-memory refund.Store of one unit of work.
type Refunds struct{ tx *Tx }

func cloneRefund(r refund.Refund) refund.Refund {
	r.Items = slices.Clone(r.Items)
	return r
}

// Create implements refund.Store.
func (s *Refunds) Create(_ context.Context, r refund.Refund) error {
	t := &s.tx.State.Refund
	if r.IdempotencyKey != "" && !putUnique(s.tx, &t.ByKey, r.UserID+"/"+r.IdempotencyKey, "", r.ID) {
		return refund.ErrRefundKeyTaken
	}
	Mutable(s.tx, &t.Refunds).Put(r.ID, cloneRefund(r))
	return nil
}

// ByID implements refund.Store.
func (s *Refunds) ByID(_ context.Context, id string) (refund.Refund, error) {
	r, ok := s.tx.State.Refund.Refunds.Get(id)
	if !ok {
		return refund.Refund{}, refund.ErrRefundNotFound
	}
	return cloneRefund(r), nil
}

// ByIdempotencyKey implements refund.Store.
func (s *Refunds) ByIdempotencyKey(ctx context.Context, userID, key string) (refund.Refund, error) {
	id, ok := s.tx.State.Refund.ByKey.Get(userID + "/" + key)
	if !ok {
		return refund.Refund{}, refund.ErrRefundNotFound
	}
	return s.ByID(ctx, id)
}

// Claimed implements refund.Store.
func (s *Refunds) Claimed(_ context.Context, orderID string) (order.Claims, error) {
	c := order.Claims{Units: map[string]int{}}
	for _, r := range s.tx.State.Refund.Refunds.Ascend(refundsByOrder, Seek[refund.Refund]{Group: orderID}) {
		if r.Status == refund.Rejected {
			continue
		}
		c.Amount += r.Amount
		for _, it := range r.Items {
			c.Units[it.OrderItemID] += it.Quantity
		}
	}
	return c, nil
}

// Update implements refund.Store.
func (s *Refunds) Update(_ context.Context, r refund.Refund, from refund.Status) error {
	t := &s.tx.State.Refund
	old, ok := t.Refunds.Get(r.ID)
	if !ok {
		return refund.ErrRefundNotFound
	}
	if old.Status != from {
		return errs.ErrInvalidTransition.WithMessage("the refund is %s, not %s", old.Status, from)
	}
	next := cloneRefund(old)
	next.Status, next.ApprovedBy, next.AutoApproved, next.RejectedBy = r.Status, r.ApprovedBy, r.AutoApproved, r.RejectedBy
	next.DecisionNote, next.DecidedAt, next.CompletedAt, next.UpdatedAt = r.DecisionNote, r.DecidedAt, r.CompletedAt, r.UpdatedAt
	Mutable(s.tx, &t.Refunds).Put(r.ID, next)
	return nil
}

// AddRefunded implements refund.Store on the order's row (its lines are part of it here).
func (s *Refunds) AddRefunded(_ context.Context, orderID string, lines []order.RefundLine, amount int64) error {
	t := &s.tx.State.Order
	o, ok := t.Orders.Get(orderID)
	if !ok {
		return order.ErrOrderNotFound
	}
	o = cloneOrder(o)
	for _, rl := range lines {
		i := slices.IndexFunc(o.Lines, func(l order.Line) bool { return l.ID == rl.LineID })
		if i < 0 || o.Lines[i].RefundedQuantity+rl.Quantity > o.Lines[i].Quantity {
			return order.ErrRefundExceedsPaid.WithExtra("orderItemId", rl.LineID)
		}
		o.Lines[i].RefundedQuantity += rl.Quantity
	}
	if o.RefundedAmount+amount > o.Amounts.Total {
		return order.ErrRefundExceedsPaid
	}
	o.RefundedAmount += amount
	Mutable(s.tx, &t.Orders).Put(orderID, o)
	return nil
}

// Notifications is the stored notification.Notifier of one unit of work.
type Notifications struct{ tx *Tx }

// Notify implements notification.Notifier.
func (s *Notifications) Notify(_ context.Context, n notification.Notification) error {
	t := &s.tx.State.Refund
	if n.DedupKey != "" && !putUnique(s.tx, &t.ByDedup, n.UserID+"/"+n.DedupKey, "", n.ID) {
		return nil
	}
	n.Data = maps.Clone(n.Data)
	Mutable(s.tx, &t.Notifications).Put(n.ID, n)
	return nil
}

// NotificationReader is notification.Reader on the committed state.
type NotificationReader struct{ store *Store }

// NewNotificationReader returns the reader on store.
func NewNotificationReader(store *Store) *NotificationReader {
	return &NotificationReader{store: store}
}

// List implements notification.Reader.
func (r *NotificationReader) List(ctx context.Context, userID, afterID string, limit int) ([]notification.Notification, error) {
	seek := Seek[notification.Notification]{Group: userID}
	if afterID != "" {
		seek.Pivot, seek.Past = &notification.Notification{UserID: userID, ID: afterID}, true
	}
	var out []notification.Notification
	for _, n := range r.store.Snapshot(ctx).Refund.Notifications.Ascend(notificationsByUser, seek) {
		n.Data = maps.Clone(n.Data)
		if out = append(out, n); len(out) == limit {
			break
		}
	}
	return out, nil
}
