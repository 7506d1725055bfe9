package cart

import (
	"context"
	"time"

	"github.com/jupang/jupang/core/catalog"
	"github.com/jupang/jupang/core/kernel"
)

// Stock is what carts need of the inventory area: how many units of each SKU can be bought now
// (on hand − reserved), on the inventory area's table.
type Stock interface {
	// Available returns the units left of each of these SKUs; a SKU without stock is absent (0).
	Available(ctx context.Context, skuIDs []string) (map[string]int, error)
}

// Purchases is what carts need of the orders area: how many units of each product a customer has
// already bought, for per-customer purchase limits: the counts the orders area keeps as it places,
// cancels and refunds orders (order.PurchaseHistory; the orders area's adapters implement both).
type Purchases interface {
	// Purchased returns the units of these products userID has bought; a product never bought is
	// absent (0).
	Purchased(ctx context.Context, userID string, productIDs []string) (map[string]int, error)
}

// Coupons is what carts need of the coupons area: the terms of a customer's user coupon, if it can
// be used now in market m. The cart keeps the applied user coupon's id and asks again on every
// read, so a coupon that expired, was used or was cancelled since simply stops applying. A
// coupon that cannot be used is an error (any errs kind); the cart then shows no coupon. Without
// a Coupons port (nil) carts have no coupons.
type Coupons interface {
	Terms(ctx context.Context, userID, userCouponID string, m kernel.Market, at time.Time) (CouponTerms, error)
}

// Catalog is what carts read of the catalog to price their lines on every read: products with
// their SKUs and limits, the category tree (for promotion and coupon targets), the market's
// promotions and the exchange rates. catalog.Reader satisfies it; on PostgreSQL it may lag the
// primary slightly, which prices can afford (stock and limits are read in the unit of work).
type Catalog interface {
	Products(ctx context.Context, ids []string) ([]catalog.Product, error)
	Categories(ctx context.Context) ([]catalog.Category, error)
	Promotions(ctx context.Context, m kernel.Market, at time.Time) ([]catalog.Promotion, error)
	CurrentRates(ctx context.Context, at time.Time) ([]catalog.RateEntry, error)
}
