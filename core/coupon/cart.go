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
	return CartTerms(c, uc.ID), nil
}

// Carts is what validation against the current cart needs of the carts area: the lines of the
// caller's current cart that count in its totals, as the totals calculator takes them (with
// category ancestry, for targets). cart.Service satisfies it.
type Carts interface {
	CurrentLines(ctx context.Context, r kernel.Request) ([]cart.Line, error)
}

var _ Carts = (*cart.Service)(nil)

// CartValidation validates coupons against the caller's current cart (POST /v1/coupons/validate
// {cart: "current"}). It is apart from Service because the carts area already depends on the
// coupon service (CartPort): the two are built one after the other.
type CartValidation struct {
	Coupons *Service
	Carts   Carts
}

// Validate is Service.Validate of in's coupon against the lines of r's current cart (in.Items and
// in.Lines are ignored).
func (v CartValidation) Validate(ctx context.Context, r kernel.Request, in ValidateInput) (Verdict, error) {
	lines, err := v.Carts.CurrentLines(ctx, r)
	if err != nil {
		return Verdict{}, err
	}
	in.Items, in.Lines = nil, lines
	if in.Lines == nil {
		in.Lines = []cart.Line{}
	}
	return v.Coupons.Validate(ctx, r.Principal.ID, r.Market, in)
}
