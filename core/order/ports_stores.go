package order

import (
	"context"
	"time"

	"github.com/jupang/jupang/core/cart"
	"github.com/jupang/jupang/core/coupon"
	"github.com/jupang/jupang/core/integration"
	"github.com/jupang/jupang/core/inventory"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/wallet"
)

// CouponRedemptions is what orders need of the coupons area inside the order's unit of work:
// turning a customer's user coupon USED by an order, and back when the order is cancelled.
// coupon.Redemptions implements it on the coupons area's stores of the same transaction (the user
// coupon locked, its history row and its coupon.used / coupon.released event written with it).
type CouponRedemptions interface {
	// Use marks userID's user coupon USED by orderID, which it saved discount, if it is AVAILABLE
	// and usable at at; anything else is ErrCouponNotApplicable (carrying "reasons") and changes
	// nothing.
	Use(ctx context.Context, userID, userCouponID, orderID string, discount kernel.Money, at time.Time) error
	// Restore gives back the coupon orderID used: AVAILABLE again unless it expired by at, else
	// EXPIRED (SPEC §4). It reports the state reached, "" when the coupon is not (or no longer)
	// used by orderID, so an order's coupon comes back once.
	Restore(ctx context.Context, userCouponID, orderID string, at time.Time) (coupon.UserStatus, error)
}

var _ CouponRedemptions = coupon.Redemptions{}

// Stores is what the order use cases get inside one unit of work: the orders themselves, and the
// other areas' stores an order changes in the same transaction.
type Stores struct {
	Orders    Repository
	Purchases PurchaseHistory
	Inventory inventory.Stores
	Wallet    wallet.Stores
	// Coupons is nil when the coupons area is not connected; an order with a coupon is then
	// COUPON_NOT_APPLICABLE.
	Coupons CouponRedemptions
	Carts   cart.Carts
	Outbox  integration.Outbox
}
