package coupon

import (
	"slices"
	"time"

	"github.com/jupang/jupang/core/cart"
	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/kernel"
)

// CartTerms are coupon c's figures as the cart and order totals calculator (cart.Calculate) takes
// them, for user coupon userCouponID: KRW amounts, converted there to the market's currency.
func CartTerms(c Coupon, userCouponID string) cart.CouponTerms {
	t := cart.CouponTerms{UserCouponID: userCouponID, CouponID: c.ID, Code: c.Code, Type: cart.CouponType(c.Type), Value: c.Value,
		MinOrderAmount: c.MinOrderAmount, Targets: cart.CouponTargets{Markets: slices.Clone(c.Targets.Markets),
			ProductIDs: slices.Clone(c.Targets.ProductIDs), CategoryIDs: slices.Clone(c.Targets.CategoryIDs)}}
	if c.MaxDiscount != nil {
		t.MaxDiscount = *c.MaxDiscount
	}
	return t
}

// Discount is what terms take off lines in market m (rate converts KRW into m's currency), and why
// they do not apply when they do not (then the discount is zero). It is the totals calculator's
// rule itself (cart.Calculate: targets, rounding, cap, minimum order), so validation, the cart and
// the order can never disagree on eligibility or amount.
func Discount(terms cart.CouponTerms, m kernel.Market, rate kernel.FXRate, lines []cart.Line) (kernel.Money, []Reason, error) {
	zero := kernel.Zero(m.Currency())
	if len(lines) == 0 {
		return zero, []Reason{ReasonEmptyOrder}, nil
	}
	t, err := cart.Calculate(cart.Input{Market: m, Lines: lines, Coupon: &terms, Rate: rate})
	if err != nil {
		return zero, nil, err
	}
	if len(t.Coupon.Reasons) == 0 {
		return t.CouponDiscount, nil, nil
	}
	reasons := make([]Reason, 0, len(t.Coupon.Reasons))
	for _, r := range t.Coupon.Reasons {
		reasons = append(reasons, reasonOf[r])
	}
	return zero, reasons, nil
}

// reasonOf translates the calculator's reasons into validation's.
var reasonOf = map[cart.CouponReason]Reason{
	cart.CouponMarketNotTargeted: ReasonWrongMarket,
	cart.CouponNoEligibleLines:   ReasonNotTargeted,
	cart.CouponMinOrderNotMet:    ReasonBelowMinimum,
}

// UsableAt lists why user coupon uc of coupon c cannot be used at instant at (nil: it can).
func UsableAt(c Coupon, uc *UserCoupon, at time.Time) []errs.FieldCode {
	var reasons []errs.FieldCode
	if c.Status == StatusArchived || c.Status == StatusDraft {
		reasons = append(reasons, ReasonNotActive)
	}
	if at.Before(c.ValidFrom) {
		reasons = append(reasons, ReasonNotYetValid)
	}
	if uc == nil {
		if !at.Before(c.ValidUntil) {
			reasons = append(reasons, ReasonExpired)
		}
		return append(reasons, ReasonNotClaimed)
	}
	switch {
	case uc.Status == UserUsed:
		reasons = append(reasons, ReasonAlreadyUsed)
	case uc.Status == UserCancelled:
		reasons = append(reasons, ReasonCancelled)
	case uc.Status == UserExpired || !at.Before(uc.ExpiresAt):
		reasons = append(reasons, ReasonExpired)
	}
	return reasons
}
