package order

import (
	"context"
	"time"

	"github.com/jupang/jupang/core/cart"
	"github.com/jupang/jupang/core/integration"
	"github.com/jupang/jupang/core/inventory"
	"github.com/jupang/jupang/core/wallet"
)

// CouponRedemptions is what orders need of the coupons area inside the order's unit of work:
// turning a customer's user coupon USED by an order, and AVAILABLE again when the order is
// cancelled. The coupons area implements it on its own tables (each a single conditional
// statement) and keeps the coupon's history and its coupon.used / coupon.restored events.
type CouponRedemptions interface {
	// Use marks userID's user coupon USED by orderID if it is AVAILABLE and usable at at;
	// anything else is ErrCouponNotApplicable (carrying "reasons") and changes nothing.
	Use(ctx context.Context, userID, userCouponID, orderID string, at time.Time) error
	// Restore makes the coupon orderID used AVAILABLE again unless it expired by at; restored
	// reports whether it did (an expired coupon stays used up, as SPEC §4 says).
	Restore(ctx context.Context, userCouponID, orderID string, at time.Time) (restored bool, err error)
}

// Stores is what the order use cases get inside one unit of work: the orders themselves, and the
// other areas' stores an order changes in the same transaction.
type Stores struct {
	Orders    Repository
	Purchases PurchaseHistory
	Inventory inventory.Stores
	Wallet    wallet.Stores
	// Coupons is nil until the coupons area is connected; an order with a coupon is then
	// COUPON_NOT_APPLICABLE.
	Coupons CouponRedemptions
	Carts   cart.Carts
	Outbox  integration.Outbox
}
