package coupon

import (
	"context"
	"time"

	"github.com/jupang/jupang/core/cart"
	"github.com/jupang/jupang/core/kernel"
)

// CartPort is the carts area's Coupons port (cart.Coupons) on the coupon service: the terms of a
// customer's user coupon, in KRW as coupons are defined (the cart's calculator converts them), or
// an error when it cannot be used now: someone else's or unknown (USER_COUPON_NOT_FOUND), used,
// expired, cancelled, archived or not yet valid (COUPON_NOT_APPLICABLE, the reason as its field).
type CartPort struct{ Svc *Service }

var _ cart.Coupons = CartPort{}

// Terms implements cart.Coupons.
func (p CartPort) Terms(ctx context.Context, userID, userCouponID string, _ kernel.Market, at time.Time) (cart.CouponTerms, error) {
	c, uc, err := p.Svc.held(ctx, userID, userCouponID)
	if err != nil {
		return cart.CouponTerms{}, err
	}
	if reasons := UsableAt(c, &uc, at); len(reasons) > 0 {
		return cart.CouponTerms{}, ErrNotUsable.WithField("userCouponId", reasons[0].Code, reasons[0].Text.EN)
	}
	t := cart.CouponTerms{UserCouponID: uc.ID, CouponID: c.ID, Code: c.Code, Type: cart.CouponType(c.Type), Value: c.Value,
		MinOrderAmount: c.MinOrderAmount, Targets: cart.CouponTargets{Markets: append([]kernel.Market(nil), c.Targets.Markets...),
			ProductIDs: append([]string(nil), c.Targets.ProductIDs...), CategoryIDs: append([]string(nil), c.Targets.CategoryIDs...)}}
	if c.MaxDiscount != nil {
		t.MaxDiscount = *c.MaxDiscount
	}
	return t, nil
}
