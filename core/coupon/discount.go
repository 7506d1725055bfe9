package coupon

import (
	"slices"
	"time"

	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/kernel"
)

// Terms are what one user coupon gives an order in one market: the definition's KRW figures
// converted into the market's currency (half-up to its minor unit, like every converted price), and
// its targets. The cart and order calculators take their coupon discount from Terms.Discount.
type Terms struct {
	UserCouponID string
	CouponID     string
	Code         string
	Market       kernel.Market
	Type         Type
	Percent      int64         // PERCENT: 1..100
	Fixed        kernel.Money  // FIXED: the amount off
	MaxDiscount  *kernel.Money // PERCENT: the cap, if any
	MinOrder     kernel.Money  // the eligible amount must reach it
	Targets      Targets
	ExpiresAt    time.Time
}

// TermsOf converts c's figures into market m's currency with rate (KRW → m's currency; the
// identity rate for KR).
func TermsOf(c Coupon, m kernel.Market, rate kernel.FXRate) Terms {
	krw := func(v int64) kernel.Money { return rate.Convert(kernel.NewMoney(v, kernel.KRW)) }
	t := Terms{CouponID: c.ID, Code: c.Code, Market: m, Type: c.Type, MinOrder: krw(c.MinOrderAmount),
		Targets: c.Targets.clone(), ExpiresAt: c.ValidUntil}
	switch c.Type {
	case TypePercent:
		t.Percent = c.Value
		if c.MaxDiscount != nil {
			limit := krw(*c.MaxDiscount)
			t.MaxDiscount = &limit
		}
	case TypeFixed:
		t.Fixed = krw(c.Value)
	}
	return t
}

// Line is one order line as a coupon sees it: what product (and its category with every ancestor)
// and what it costs after item promotions.
type Line struct {
	ProductID    string
	CategoryPath []string // the product's category and its ancestors
	Amount       kernel.Money
}

func (t Targets) applies(l Line) bool {
	if len(t.CategoryIDs) == 0 && len(t.ProductIDs) == 0 {
		return true
	}
	if slices.Contains(t.ProductIDs, l.ProductID) {
		return true
	}
	for _, c := range l.CategoryPath {
		if slices.Contains(t.CategoryIDs, c) {
			return true
		}
	}
	return false
}

// Discount is what the coupon takes off lines, and why it does not apply when it does not (then the
// discount is zero). The eligible amount is the total of the targeted lines; it must reach the
// minimum order amount. A percentage is of the eligible amount, rounded half-up to the minor unit
// and capped by MaxDiscount; a fixed amount is capped by the eligible amount, so a coupon never
// makes an order negative.
func (t Terms) Discount(lines []Line) (kernel.Money, []errs.FieldCode) {
	cur := t.Market.Currency()
	zero := kernel.Zero(cur)
	if len(lines) == 0 {
		return zero, []errs.FieldCode{ReasonEmptyOrder}
	}
	if len(t.Targets.Markets) > 0 && !slices.Contains(t.Targets.Markets, t.Market) {
		return zero, []errs.FieldCode{ReasonWrongMarket}
	}
	eligible, targeted := zero, false
	for _, l := range lines {
		if l.Amount.Currency != cur {
			continue // a line priced for another market is not this order's
		}
		if t.Targets.applies(l) {
			eligible, targeted = eligible.Add(l.Amount), true
		}
	}
	if !targeted {
		return zero, []errs.FieldCode{ReasonNotTargeted}
	}
	if t.MinOrder.Currency == cur && eligible.Cmp(t.MinOrder) < 0 {
		return zero, []errs.FieldCode{ReasonBelowMinimum}
	}
	var d kernel.Money
	switch t.Type {
	case TypePercent:
		d = eligible.Percent(t.Percent)
		if t.MaxDiscount != nil && t.MaxDiscount.Currency == cur {
			d = d.Min(*t.MaxDiscount)
		}
	case TypeFixed:
		d = t.Fixed
		if d.Currency != cur {
			return zero, []errs.FieldCode{ReasonWrongMarket}
		}
	default:
		return zero, []errs.FieldCode{ReasonNotActive}
	}
	return d.Min(eligible), nil
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
