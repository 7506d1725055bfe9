package memory

import (
	"cmp"
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jupang/jupang/core/catalog"
	"github.com/jupang/jupang/core/coupon"
	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/order"
)

// orderTables are the orders area's in-memory tables (00007_orders_wallet.sql, 00065–00067), with
// the indexes its queries use.
type orderTables struct {
	Orders    *Table[string, order.Order] // orders with their lines, timeline and payments
	ByKey     *Table[string, string]      // user id/idempotency key → order id (orders_user_idempotency_key)
	Purchases *Table[string, int]         // user id/product id → units bought (customer_product_purchases)
}

// Indexes of Orders: orders_user_created_idx, orders_pending_deadline_idx and payments_due_idx.
var (
	ordersByUser = &Index[order.Order]{
		Group: func(o order.Order) string { return o.UserID },
		Order: func(a, b order.Order) int {
			return cmp.Or(b.CreatedAt.Compare(a.CreatedAt), strings.Compare(b.ID, a.ID))
		},
	}
	ordersPendingByDeadline = &Index[order.Order]{
		Order: func(a, b order.Order) int { return a.PaymentDeadline.Compare(*b.PaymentDeadline) },
		Where: func(o order.Order) bool { return o.Status == order.Pending && o.PaymentDeadline != nil },
	}
	// ordersByPaidAt finds the orders paid in a window (orders_paid_at_idx), for the ranking.
	ordersByPaidAt = &Index[order.Order]{
		Order: func(a, b order.Order) int { return a.PaidAt.Compare(*b.PaidAt) },
		Where: func(o order.Order) bool { return o.PaidAt != nil },
	}
	ordersCardDue = &Index[order.Order]{
		Order: func(a, b order.Order) int { return a.Payment.Card.NextAttemptAt.Compare(*b.Payment.Card.NextAttemptAt) },
		Where: func(o order.Order) bool { return o.Payment.Card != nil && o.Payment.Card.NextAttemptAt != nil },
	}
)

func newOrderTables() orderTables {
	return orderTables{
		Orders:    newTable(strings.Compare, ordersByUser, ordersPendingByDeadline, ordersCardDue, ordersByPaidAt),
		ByKey:     newTable[string, string](strings.Compare),
		Purchases: newTable[string, int](strings.Compare),
	}
}

// OrderStores builds order.Stores for a unit of work; the order's coupon is redeemed on the
// coupons area's stores of the same unit of work.
func OrderStores(tx *Tx) order.Stores {
	return order.Stores{Orders: &Orders{tx}, Purchases: &Purchases{tx: tx}, Inventory: InventoryStores(tx),
		Wallet: WalletStores(tx), Coupons: coupon.Redemptions{St: CouponStores(tx)}, Carts: CartStores(tx).Carts, Outbox: NewOutbox(tx)}
}

// Orders is the in-memory order.Repository of one unit of work. Units of work that write run one
// at a time, so Lock only reads.
type Orders struct{ tx *Tx }

func cloneOrder(o order.Order) order.Order {
	o.Lines = slices.Clone(o.Lines)
	for i := range o.Lines {
		o.Lines[i].Attributes = maps.Clone(o.Lines[i].Attributes)
	}
	o.Timeline = slices.Clone(o.Timeline)
	if o.Payment.Card != nil {
		c := *o.Payment.Card
		o.Payment.Card = &c
	}
	return o
}

// Create implements order.Repository.
func (s *Orders) Create(_ context.Context, o order.Order) error {
	t := &s.tx.State.Order
	if o.IdempotencyKey != "" {
		if !putUnique(s.tx, &t.ByKey, o.UserID+"/"+o.IdempotencyKey, "", o.ID) {
			return order.ErrOrderKeyTaken
		}
	}
	Mutable(s.tx, &t.Orders).Put(o.ID, cloneOrder(o))
	return nil
}

// ByID implements order.Repository.
func (s *Orders) ByID(_ context.Context, id string) (order.Order, error) {
	o, ok := s.tx.State.Order.Orders.Get(id)
	if !ok {
		return order.Order{}, order.ErrOrderNotFound
	}
	return cloneOrder(o), nil
}

// Lock implements order.Repository.
func (s *Orders) Lock(ctx context.Context, id string) (order.Order, error) { return s.ByID(ctx, id) }

// ByIdempotencyKey implements order.Repository.
func (s *Orders) ByIdempotencyKey(ctx context.Context, userID, key string) (order.Order, error) {
	id, ok := s.tx.State.Order.ByKey.Get(userID + "/" + key)
	if !ok {
		return order.Order{}, order.ErrOrderNotFound
	}
	return s.ByID(ctx, id)
}

// Update implements order.Repository.
func (s *Orders) Update(_ context.Context, o order.Order, version int) error {
	t := &s.tx.State.Order
	old, ok := t.Orders.Get(o.ID)
	if !ok {
		return order.ErrOrderNotFound
	}
	if old.Version != version {
		return errs.ErrVersionConflict
	}
	// Only what Update may change: the lines, amounts and address are the purchase's facts.
	next := cloneOrder(old)
	next.Status, next.PaymentDeadline, next.CancelReason = o.Status, o.PaymentDeadline, o.CancelReason
	next.PaidAt, next.ShippedAt, next.DeliveredAt, next.CancelledAt = o.PaidAt, o.ShippedAt, o.DeliveredAt, o.CancelledAt
	next.RefundedAmount, next.Version, next.UpdatedAt = o.RefundedAmount, o.Version, o.UpdatedAt
	for i := range next.Lines {
		for _, l := range o.Lines {
			if l.ID == next.Lines[i].ID {
				next.Lines[i].RefundedQuantity = l.RefundedQuantity
			}
		}
	}
	next.Timeline = slices.Clone(o.Timeline)
	next.Payment = cloneOrder(o).Payment
	Mutable(s.tx, &t.Orders).Put(o.ID, next)
	return nil
}

// List implements order.Repository.
func (s *Orders) List(_ context.Context, q order.ListQuery) ([]order.Order, error) {
	seek := Seek[order.Order]{Group: q.UserID}
	if q.AfterCreated != nil {
		seek.Pivot, seek.Past = &order.Order{CreatedAt: *q.AfterCreated, ID: q.AfterID}, true
	}
	var out []order.Order
	for _, o := range s.tx.State.Order.Orders.Ascend(ordersByUser, seek) {
		if q.To != nil && !o.CreatedAt.Before(*q.To) {
			continue
		}
		if q.From != nil && o.CreatedAt.Before(*q.From) {
			break
		}
		if q.Status != "" && o.Status != q.Status {
			continue
		}
		if out = append(out, cloneOrder(o)); len(out) == q.Limit {
			break
		}
	}
	return out, nil
}

// ExpiredPending implements order.Repository.
func (s *Orders) ExpiredPending(_ context.Context, now time.Time, limit int) ([]order.Order, error) {
	var out []order.Order
	for _, o := range s.tx.State.Order.Orders.Ascend(ordersPendingByDeadline, Seek[order.Order]{}) {
		if !o.PaymentDeadline.Before(now) || len(out) == limit {
			break
		}
		out = append(out, cloneOrder(o))
	}
	return out, nil
}

// DueCardPayments implements order.Repository.
func (s *Orders) DueCardPayments(_ context.Context, now time.Time, limit int) ([]order.Order, error) {
	var out []order.Order
	for _, o := range s.tx.State.Order.Orders.Ascend(ordersCardDue, Seek[order.Order]{}) {
		if o.Payment.Card.NextAttemptAt.After(now) || len(out) == limit {
			break
		}
		out = append(out, cloneOrder(o))
	}
	return out, nil
}

// Purchases is the in-memory order.PurchaseHistory of one unit of work, and the cart.Purchases
// carts read the same counts through (NewPurchaseReads outside a unit of work).
type Purchases struct {
	tx   *Tx                              // nil for reads outside a unit of work
	read func(ctx context.Context) *State // set when tx is nil
}

// NewPurchaseReads returns the cart.Purchases of reads outside a unit of work: over the committed
// state (or the caller's open unit of work).
func NewPurchaseReads(store *Store) *Purchases { return &Purchases{read: store.Snapshot} }

var errPurchasesReadOnly = errors.New("memory: purchase count written outside a unit of work")

func (s *Purchases) state(ctx context.Context) *State {
	if s.tx != nil {
		return s.tx.State
	}
	return s.read(ctx)
}

// Add implements order.PurchaseHistory.
func (s *Purchases) Add(_ context.Context, userID string, purchases []order.Purchase) (string, error) {
	if s.tx == nil {
		return "", errPurchasesReadOnly
	}
	t := &s.tx.State.Order
	for _, p := range purchases {
		if n, _ := t.Purchases.Get(userID + "/" + p.ProductID); p.Limit > 0 && n+p.Quantity > p.Limit {
			return p.ProductID, nil
		}
	}
	for _, p := range purchases {
		n, _ := t.Purchases.Get(userID + "/" + p.ProductID)
		Mutable(s.tx, &t.Purchases).Put(userID+"/"+p.ProductID, n+p.Quantity)
	}
	return "", nil
}

// Subtract implements order.PurchaseHistory.
func (s *Purchases) Subtract(_ context.Context, userID, productID string, quantity int) error {
	if s.tx == nil {
		return errPurchasesReadOnly
	}
	t := &s.tx.State.Order
	n, _ := t.Purchases.Get(userID + "/" + productID)
	Mutable(s.tx, &t.Purchases).Put(userID+"/"+productID, max(0, n-quantity))
	return nil
}

// Bought implements order.PurchaseHistory.
func (s *Purchases) Bought(ctx context.Context, userID string, productIDs []string) (map[string]int, error) {
	t := s.state(ctx).Order.Purchases
	out := map[string]int{}
	for _, p := range productIDs {
		if n, ok := t.Get(userID + "/" + p); ok && n > 0 {
			out[p] = n
		}
	}
	return out, nil
}

// Purchased implements cart.Purchases: carts check per-customer limits against the same counts.
func (s *Purchases) Purchased(ctx context.Context, userID string, productIDs []string) (map[string]int, error) {
	return s.Bought(ctx, userID, productIDs)
}

// Sales is catalog.SalesSource on the orders table: the ranking counts the lines of paid orders.
type Sales struct{ tx *Tx }

// PaidLines implements catalog.SalesSource.
func (s *Sales) PaidLines(_ context.Context, from, to time.Time) ([]catalog.SaleLine, error) {
	var out []catalog.SaleLine
	for _, o := range s.tx.State.Order.Orders.Ascend(ordersByPaidAt, Seek[order.Order]{Pivot: &order.Order{PaidAt: &from}}) {
		if !o.PaidAt.Before(to) {
			break
		}
		if !slices.Contains(catalog.PaidStatuses, string(o.Status)) {
			continue
		}
		for _, l := range o.Lines {
			out = append(out, catalog.SaleLine{Market: o.Market, ProductID: l.ProductID, PaidAt: *o.PaidAt, Quantity: int64(l.Quantity),
				RefundedQuantity: int64(l.RefundedQuantity), LineTotal: l.LineTotal})
		}
	}
	return out, nil
}

// OrderNumbers is the in-memory order.Numbers: a counter per day, outside units of work (like a
// database sequence).
type OrderNumbers struct {
	mu   sync.Mutex
	last map[time.Time]int64
}

// NewOrderNumbers returns counters that start at 1 each day.
func NewOrderNumbers() *OrderNumbers { return &OrderNumbers{last: map[time.Time]int64{}} }

// Next implements order.Numbers.
func (n *OrderNumbers) Next(_ context.Context, day time.Time) (int64, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.last[day]++
	return n.last[day], nil
}

// Customers reads default addresses from the identity tables (order.Customers).
type Customers struct{ store *Store }

// NewCustomers returns the reader on store.
func NewCustomers(store *Store) *Customers { return &Customers{store: store} }

// DefaultAddress implements order.Customers.
func (c *Customers) DefaultAddress(ctx context.Context, userID string) (*order.Address, error) {
	u, ok := c.store.Snapshot(ctx).Identity.Users.Get(userID)
	if !ok || u.DefaultAddress == nil {
		return nil, nil
	}
	a := *u.DefaultAddress
	return &a, nil
}
