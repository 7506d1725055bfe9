package order

import (
	"context"
	"time"

	"github.com/jupang/jupang/core/catalog"
	"github.com/jupang/jupang/core/kernel"
)

var _ Prices = (*catalog.Service)(nil)

// Repository keeps orders with their lines, timeline and payments, and the customers' purchase
// counts. Every method runs inside the unit of work it was built for.
type Repository interface {
	// Create inserts o with its lines, its timeline and its payments. A second order of the same
	// customer with the same IdempotencyKey is ErrOrderKeyTaken.
	Create(ctx context.Context, o Order) error
	// ByID returns the order, or ErrOrderNotFound.
	ByID(ctx context.Context, id string) (Order, error)
	// Lock returns the order locked until the unit of work ends (FOR UPDATE), or ErrOrderNotFound.
	// Every change of an order reads it through Lock, so two changes of one order queue.
	Lock(ctx context.Context, id string) (Order, error)
	// ByIdempotencyKey returns the customer's order placed with key, or ErrOrderNotFound.
	ByIdempotencyKey(ctx context.Context, userID, key string) (Order, error)
	// Update saves o's status, its timestamps, refunded amounts, payments and the timeline
	// entries it gained, if the stored version is still version (else errs.ErrVersionConflict).
	Update(ctx context.Context, o Order, version int) error
	// List returns at most q.Limit of the customer's orders matching q, newest first.
	List(ctx context.Context, q ListQuery) ([]Order, error)
	// ExpiredPending locks (skipping rows others hold) at most limit PENDING orders whose payment
	// deadline is before now, oldest deadline first.
	ExpiredPending(ctx context.Context, now time.Time, limit int) ([]Order, error)
	// DueCardPayments locks (skipping rows others hold) at most limit orders whose card payment is
	// due (NextAttemptAt <= now), oldest first.
	DueCardPayments(ctx context.Context, now time.Time, limit int) ([]Order, error)
}

// PurchaseHistory counts how much of each product a customer bought, for per-customer purchase
// limits. Add is one conditional statement, so concurrent orders of one customer never pass the
// limit together.
type PurchaseHistory interface {
	// Add adds each purchase to the customer's count of its product where the result stays within
	// its limit, in one step (purchases name each product at most once). It returns the first
	// purchase, in the order given, that would pass its limit ("" when every one was added); the
	// caller must then fail its unit of work, which undoes whatever Add did write.
	Add(ctx context.Context, userID string, purchases []Purchase) (refused string, err error)
	// Subtract takes quantity back (a cancellation, a refund); the count never goes below zero.
	Subtract(ctx context.Context, userID, productID string, quantity int) error
	// Bought returns the customer's counts of these products (absent: none).
	Bought(ctx context.Context, userID string, productIDs []string) (map[string]int, error)
}

// Purchase is a quantity of one product in an order, and the product's per-customer limit (0: none).
type Purchase struct {
	ProductID       string
	Quantity, Limit int
}

// Numbers hands out the daily sequence of order numbers. It runs outside the unit of work (like a
// database sequence), so a hot counter is never held for a whole checkout; a number whose order
// rolled back is skipped.
type Numbers interface {
	// Next returns the next sequence value of day (1 for its first order).
	Next(ctx context.Context, day time.Time) (int64, error)
}

// Prices is what orders need of the catalog before the unit of work: a quote of the ordered SKUs
// in the order's market at the order's instant (catalog.Service implements it from its read model).
type Prices interface {
	Quote(ctx context.Context, m kernel.Market, skuIDs []string, at time.Time) (catalog.Quote, error)
}

// Customers is what orders need of identity: the default shipping address.
type Customers interface {
	// DefaultAddress returns the customer's saved default address, or nil.
	DefaultAddress(ctx context.Context, userID string) (*Address, error)
}

// ListQuery selects a customer's orders: optional status, a [From, To) creation window, and a keyset
// position (orders created before AfterCreated, or at it with a smaller id).
type ListQuery struct {
	UserID       string
	Status       Status // empty: any
	From, To     *time.Time
	AfterCreated *time.Time
	AfterID      string
	Limit        int
}
