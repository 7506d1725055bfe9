package cart

import (
	"cmp"
	"math/big"
	"slices"

	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/kernel"
)

// Line is one priced line the totals calculator adds up: a cart line or an order line. Prices are
// the server's, in minor units of the market's currency: the list unit price and the per-unit
// discount of the promotion catalog.Pricer chose for it (promotions do not stack).
type Line struct {
	// Key identifies the line to the caller (a cart item id, an order line id); LineTotals carry it.
	Key       string
	ProductID string
	// CategoryAncestry is the id of the product's category and of each ancestor, for coupon targets.
	CategoryAncestry []string
	UnitPrice        int64 // list price of one unit
	// UnitPromotionDiscount is what the promotion takes off one unit (0 without one), ≤ UnitPrice.
	UnitPromotionDiscount int64
	PromotionID           string // "" without a promotion
	Quantity              int64  // 1..999
}

// Input is everything the totals depend on. Rate converts the coupon's KRW amounts to the market's
// currency (KRW→KRW is exact; the zero Rate is accepted for KR or when no coupon has amounts).
type Input struct {
	Market kernel.Market
	Lines  []Line
	Coupon *CouponTerms // nil: no coupon
	Rate   kernel.FXRate
}

// LineTotal is one line's part of the totals. Gross − ItemDiscount = Net (the cart's lineTotal);
// Net − CouponShare = Total, what the customer pays for the line before shipping and added tax.
type LineTotal struct {
	Key          string
	Gross        kernel.Money
	ItemDiscount kernel.Money
	Net          kernel.Money
	CouponShare  kernel.Money
	Total        kernel.Money
}

// CouponOutcome says what the coupon did: Applied with a discount, or the reasons it gave none.
type CouponOutcome struct {
	Terms   *CouponTerms // nil when the input had no coupon
	Applied bool
	Reasons []CouponReason
	// Eligible is the merchandise (after promotions) of the lines the coupon targets.
	Eligible kernel.Money
}

// Totals are what an order of these lines costs, in minor units of the market's currency.
//
//	Merchandise = Subtotal − ItemDiscount − CouponDiscount
//	Total       = Merchandise + ShippingFee            (KR, JP: EstimatedTax is the included part)
//	Total       = Merchandise + ShippingFee + EstimatedTax   (US: sales tax added)
type Totals struct {
	Market         kernel.Market
	Subtotal       kernel.Money // Σ list price × quantity
	ItemDiscount   kernel.Money // Σ promotion discounts
	CouponDiscount kernel.Money // = Σ Lines[i].CouponShare
	Merchandise    kernel.Money // = Σ Lines[i].Total
	ShippingFee    kernel.Money
	EstimatedTax   kernel.Money
	TaxIncluded    bool
	Total          kernel.Money
	Lines          []LineTotal // in the order of Input.Lines
	Coupon         CouponOutcome
}

// Shipping is a market's delivery charge: Fee below FreeFrom of merchandise, nothing from it on.
type Shipping struct {
	FreeFrom kernel.Money
	Fee      kernel.Money
}

// ShippingOf returns market m's shipping rule: KR free from ₩19,800 else ₩3,000; US free from
// $49.00 else $5.99; JP free from ¥3,500 else ¥500.
func ShippingOf(m kernel.Market) Shipping {
	c := m.Currency()
	switch m {
	case kernel.MarketUS:
		return Shipping{FreeFrom: kernel.NewMoney(4900, c), Fee: kernel.NewMoney(599, c)}
	case kernel.MarketJP:
		return Shipping{FreeFrom: kernel.NewMoney(3500, c), Fee: kernel.NewMoney(500, c)}
	default:
		return Shipping{FreeFrom: kernel.NewMoney(19800, c), Fee: kernel.NewMoney(3000, c)}
	}
}

// invalidInput is a caller's bug (an Internal error): a line with a quantity outside 1..999, a
// negative price or a promotion discount above the price, or coupon amounts without a rate.
func invalidInput(format string, args ...any) error {
	return errs.ErrInternal.WithMessage("cart totals: "+format, args...)
}

// Calculate computes the totals of in. It is pure and exact; the rules, in the order applied:
//
//  1. Each line: Gross = UnitPrice × Quantity, ItemDiscount = UnitPromotionDiscount × Quantity
//     (both exact: the catalog already rounded unit prices half-up), Net = Gross − ItemDiscount.
//  2. Coupon: it needs the market among its targets and at least one targeted line with a Net
//     above zero. Its KRW amounts (Value of FIXED, MaxDiscount, MinOrderAmount) are converted to the
//     market's currency at in.Rate, rounded half-up, each once. PERCENT: Value % of the eligible Net,
//     rounded half-up once, then capped by MaxDiscount; FIXED: the converted Value. Never more than
//     the eligible Net. It applies only if the merchandise after promotions and the coupon still
//     reaches MinOrderAmount; otherwise it gives nothing and says why.
//  3. The coupon discount is shared over the targeted lines in proportion to their Net, by largest
//     remainder (floor shares, then one minor unit each to the largest remainders, ties to the
//     earlier line), so shares add up to the discount exactly and none exceeds its line's Net.
//  4. Shipping on the merchandise after promotions and coupon: free from the market's threshold,
//     else its fee; nothing to ship (no lines) costs nothing.
//  5. Tax on the merchandise after discounts, never on shipping, rounded half-up once on the total
//     merchandise (not per line), so line sums and totals always agree: KR VAT and JP consumption tax
//     (10 %) are included in prices and only reported (amount × 10 / 110); US sales tax (8 %) is added.
func Calculate(in Input) (Totals, error) {
	cur := in.Market.Currency()
	money := func(a int64) kernel.Money { return kernel.NewMoney(a, cur) }
	t := Totals{Market: in.Market, Lines: make([]LineTotal, len(in.Lines))}
	var subtotal, itemDiscount int64
	for i, l := range in.Lines {
		if l.Quantity < 1 || l.Quantity > MaxQuantity || l.UnitPrice < 0 || l.UnitPromotionDiscount < 0 || l.UnitPromotionDiscount > l.UnitPrice {
			return Totals{}, invalidInput("line %d (%s) is not a priced line", i, l.Key)
		}
		gross, disc := l.UnitPrice*l.Quantity, l.UnitPromotionDiscount*l.Quantity
		t.Lines[i] = LineTotal{Key: l.Key, Gross: money(gross), ItemDiscount: money(disc), Net: money(gross - disc), CouponShare: money(0)}
		subtotal += gross
		itemDiscount += disc
	}
	afterPromotions := subtotal - itemDiscount

	var couponDiscount int64
	if in.Coupon != nil {
		outcome, shares, err := applyCoupon(in, t.Lines, afterPromotions)
		if err != nil {
			return Totals{}, err
		}
		t.Coupon = outcome
		for i, s := range shares {
			couponDiscount += s
			t.Lines[i].CouponShare = money(s)
		}
	} else {
		t.Coupon.Eligible = money(0)
	}
	for i := range t.Lines {
		t.Lines[i].Total = t.Lines[i].Net.Sub(t.Lines[i].CouponShare)
	}

	merchandise := afterPromotions - couponDiscount
	var shipping int64
	if rule := ShippingOf(in.Market); len(in.Lines) > 0 && merchandise < rule.FreeFrom.Amount {
		shipping = rule.Fee.Amount
	}
	tax := in.Market.TaxRule()
	t.TaxIncluded = tax.Included
	var estimatedTax, total int64
	if tax.Included {
		estimatedTax = money(merchandise).IncludedTax(tax.RatePercent).Amount
		total = merchandise + shipping
	} else {
		estimatedTax = money(merchandise).Percent(tax.RatePercent).Amount
		total = merchandise + shipping + estimatedTax
	}
	t.Subtotal, t.ItemDiscount, t.CouponDiscount = money(subtotal), money(itemDiscount), money(couponDiscount)
	t.Merchandise, t.ShippingFee, t.EstimatedTax, t.Total = money(merchandise), money(shipping), money(estimatedTax), money(total)
	return t, nil
}

// applyCoupon decides the coupon's discount (rule 2) and shares it over the lines (rule 3).
func applyCoupon(in Input, lines []LineTotal, afterPromotions int64) (CouponOutcome, []int64, error) {
	terms := *in.Coupon
	cur := in.Market.Currency()
	out := CouponOutcome{Terms: &terms, Eligible: kernel.Zero(cur)}
	shares := make([]int64, len(lines))
	convert := func(krw int64) (int64, error) {
		if krw == 0 || cur == kernel.KRW {
			return krw, nil
		}
		if in.Rate.Rate == nil || in.Rate.From != kernel.KRW || in.Rate.To != cur {
			return 0, invalidInput("coupon amounts need a KRW→%s rate", cur.Code)
		}
		return in.Rate.Convert(kernel.NewMoney(krw, kernel.KRW)).Amount, nil
	}
	var eligible []int
	var eligibleNet int64
	for i, l := range in.Lines {
		if terms.Targets.covers(l) && lines[i].Net.Amount > 0 {
			eligible = append(eligible, i)
			eligibleNet += lines[i].Net.Amount
		}
	}
	out.Eligible = kernel.NewMoney(eligibleNet, cur)
	if !terms.Targets.coversMarket(in.Market) {
		out.Reasons = append(out.Reasons, CouponMarketNotTargeted)
	}
	if len(eligible) == 0 {
		out.Reasons = append(out.Reasons, CouponNoEligibleLines)
	}
	if len(out.Reasons) > 0 {
		return out, shares, nil
	}
	var discount int64
	switch terms.Type {
	case CouponPercent:
		discount = kernel.NewMoney(eligibleNet, cur).Percent(terms.Value).Amount
		capAmount, err := convert(terms.MaxDiscount)
		if err != nil {
			return out, nil, err
		}
		if terms.MaxDiscount > 0 {
			discount = min(discount, capAmount)
		}
	case CouponFixed:
		v, err := convert(terms.Value)
		if err != nil {
			return out, nil, err
		}
		discount = v
	default:
		return out, nil, invalidInput("coupon type %q", terms.Type)
	}
	discount = max(0, min(discount, eligibleNet))
	minOrder, err := convert(terms.MinOrderAmount)
	if err != nil {
		return out, nil, err
	}
	if afterPromotions-discount < minOrder {
		out.Reasons = append(out.Reasons, CouponMinOrderNotMet)
		return out, shares, nil
	}
	out.Applied = discount > 0
	nets := make([]int64, len(eligible))
	for k, i := range eligible {
		nets[k] = lines[i].Net.Amount
	}
	for k, s := range AllocateLargestRemainder(discount, nets) {
		shares[eligible[k]] = s
	}
	return out, shares, nil
}

// AllocateLargestRemainder splits amount over parts in proportion to weights: each part gets the
// floor of its exact share, and the units left over go one each to the parts with the largest
// remainders (ties to the earlier part). The result adds up to amount exactly; with
// 0 ≤ amount ≤ Σ weights, no part gets more than its weight. Weights must not be negative; when
// they are all zero every part gets zero (and amount must be zero).
func AllocateLargestRemainder(amount int64, weights []int64) []int64 {
	out := make([]int64, len(weights))
	total := new(big.Int)
	for _, w := range weights {
		total.Add(total, big.NewInt(w))
	}
	if total.Sign() == 0 || amount == 0 {
		return out
	}
	type rem struct {
		index int
		r     *big.Int
	}
	rems := make([]rem, len(weights))
	a := big.NewInt(amount)
	left := amount
	for i, w := range weights {
		q, r := new(big.Int).QuoRem(new(big.Int).Mul(a, big.NewInt(w)), total, new(big.Int))
		out[i] = q.Int64()
		left -= out[i]
		rems[i] = rem{i, r}
	}
	slices.SortStableFunc(rems, func(x, y rem) int { return cmp.Or(y.r.Cmp(x.r), cmp.Compare(x.index, y.index)) })
	for k := 0; left > 0 && k < len(rems); k++ {
		out[rems[k].index]++
		left--
	}
	return out
}
