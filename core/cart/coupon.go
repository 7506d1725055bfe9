package cart

import (
	"slices"

	"github.com/jupang/jupang/core/kernel"
)

// CouponType says how a coupon lowers the merchandise it applies to.
type CouponType string

// Coupon types: PERCENT takes Value % off the eligible merchandise (capped by MaxDiscount); FIXED
// takes Value KRW, converted to the market's currency, off it.
const (
	CouponPercent CouponType = "PERCENT"
	CouponFixed   CouponType = "FIXED"
)

// CouponTerms are what the totals calculator needs of a coupon: the coupons area fills them (through
// the Coupons port) from a customer's user coupon. Amounts are KRW, as coupons are defined; the
// calculator converts them to the market's currency at the current rate, rounded half-up.
type CouponTerms struct {
	UserCouponID string
	CouponID     string
	Code         string
	Type         CouponType
	// Value is a percentage (1..100) for PERCENT, a KRW amount for FIXED.
	Value int64
	// MaxDiscount caps a PERCENT coupon's discount, in KRW; 0 means no cap.
	MaxDiscount int64
	// MinOrderAmount is the least merchandise (after promotions and the coupon) the order must
	// reach for the coupon to apply, in KRW; 0 means no minimum.
	MinOrderAmount int64
	Targets        CouponTargets
}

// CouponTargets restrict where a coupon applies. An empty list does not restrict: no markets means
// every market, no products and no categories means every line.
type CouponTargets struct {
	Markets     []kernel.Market
	ProductIDs  []string
	CategoryIDs []string // each covers its whole subtree
}

// coversMarket reports whether the coupon may be used in market m.
func (t CouponTargets) coversMarket(m kernel.Market) bool {
	return len(t.Markets) == 0 || slices.Contains(t.Markets, m)
}

// covers reports whether the coupon applies to line l.
func (t CouponTargets) covers(l Line) bool {
	if len(t.ProductIDs) == 0 && len(t.CategoryIDs) == 0 {
		return true
	}
	if slices.Contains(t.ProductIDs, l.ProductID) {
		return true
	}
	for _, c := range t.CategoryIDs {
		if slices.Contains(l.CategoryAncestry, c) {
			return true
		}
	}
	return false
}

// CouponReason says why a coupon gave no discount.
type CouponReason string

// Reasons a coupon does not apply to a set of lines.
const (
	CouponMarketNotTargeted CouponReason = "MARKET_NOT_TARGETED"
	CouponNoEligibleLines   CouponReason = "NO_ELIGIBLE_ITEMS"
	CouponMinOrderNotMet    CouponReason = "MIN_ORDER_NOT_MET"
)
