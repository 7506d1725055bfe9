package refund

import (
	"context"
	"time"

	"github.com/jupang/jupang/core/catalog"
	"github.com/jupang/jupang/core/integration"
	"github.com/jupang/jupang/core/inventory"
	"github.com/jupang/jupang/core/notification"
	"github.com/jupang/jupang/core/order"
	"github.com/jupang/jupang/core/wallet"
)

// Store keeps refunds with their items inside a unit of work.
type Store interface {
	// Create inserts r with its items. A second refund of the customer with the same
	// IdempotencyKey is ErrRefundKeyTaken.
	Create(ctx context.Context, r Refund) error
	// ByID returns the refund, or ErrRefundNotFound.
	ByID(ctx context.Context, id string) (Refund, error)
	// ByIdempotencyKey returns the customer's refund requested with key, or ErrRefundNotFound.
	ByIdempotencyKey(ctx context.Context, userID, key string) (Refund, error)
	// Claimed sums the refunds of the order that are not REJECTED: units per order line and amount.
	// The caller holds the order's lock, so no refund of the order is written meanwhile.
	Claimed(ctx context.Context, orderID string) (order.Claims, error)
	// Update saves r's status and decision if the stored status is still from (one conditional
	// statement); otherwise it is INVALID_STATE_TRANSITION and nothing changes.
	Update(ctx context.Context, r Refund, from Status) error
	// AddRefunded adds the units to each order line's refunded quantity and amount to the order's
	// refunded amount, each only while it stays within the line's quantity and the order's total
	// (single guarded statements); otherwise REFUND_EXCEEDS_PAID, and the caller fails its unit of work.
	AddRefunded(ctx context.Context, orderID string, lines []order.RefundLine, amount int64) error
}

// Stores is what the refund use cases get inside one unit of work: the refunds, the order and the
// other areas' stores a completed refund changes in the same transaction.
type Stores struct {
	Refunds   Store
	Orders    order.Repository
	Purchases order.PurchaseHistory
	Inventory inventory.Stores
	Wallet    wallet.Stores
	Outbox    integration.Outbox
	Notifier  notification.Notifier
}

// Rates are the FX rates, for the KRW credit of a US or JP order that was paid by card only (an
// order with a wallet part carries its own rate).
type Rates interface {
	CurrentRates(ctx context.Context, at time.Time) ([]catalog.RateEntry, error)
}
