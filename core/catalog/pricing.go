package catalog

import (
	"cmp"
	"maps"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/kernel"
)

// RateEntry is an effective-dated exchange rate from KRW (the base-price currency) to Quote.
type RateEntry struct {
	ID            string
	Quote         kernel.Currency
	Rate          string // exact decimal: 1 KRW = Rate Quote, e.g. "0.00072"
	EffectiveFrom time.Time
}

// maxRate is the largest rate numeric(20,10) holds.
var maxRate = new(big.Rat).SetInt64(10_000_000_000)

// Validate checks the rate is a positive decimal with at most 10 decimals and 10 integer digits.
func (r RateEntry) Validate() error {
	var v errs.Validation
	v.Check(kernel.IsID(r.ID), "id", errs.FieldInvalidID, "must be a UUID")
	_, err := kernel.CurrencyOf(r.Quote.Code)
	v.Check(err == nil && r.Quote != kernel.KRW, "quote", FieldInvalidCurrency, "must be USD or JPY")
	rat, ok := new(big.Rat).SetString(r.Rate)
	scaled := new(big.Rat)
	if ok {
		scaled.Mul(rat, new(big.Rat).SetInt64(10_000_000_000))
	}
	v.Check(ok && rat.Sign() > 0 && rat.Cmp(maxRate) < 0 && scaled.IsInt(), "rate", FieldInvalidRate,
		"must be a positive decimal below 10^10 with at most 10 decimals")
	v.Check(!r.EffectiveFrom.IsZero(), "effectiveFrom", errs.FieldRequired, "must be set")
	return v.Err()
}

// FXRate returns the rate as a kernel.FXRate.
func (r RateEntry) FXRate() (kernel.FXRate, error) {
	return kernel.ParseFXRate(kernel.KRW, r.Quote, r.Rate)
}

// Rates are the exchange rates in effect at one instant, by quote currency code.
type Rates map[string]kernel.FXRate

// identity converts KRW to KRW.
var identity = kernel.FXRate{From: kernel.KRW, To: kernel.KRW, Rate: big.NewRat(1, 1)}

// For returns the rate from KRW to market m's currency.
func (r Rates) For(m kernel.Market) (kernel.FXRate, error) {
	c := m.Currency()
	if c == kernel.KRW {
		return identity, nil
	}
	rate, ok := r[c.Code]
	if !ok {
		return kernel.FXRate{}, ErrPriceUnavailable.WithMessage("no KRW→%s rate is in effect", c.Code)
	}
	return rate, nil
}

// CurrentRates picks, for each quote currency, the entry with the latest EffectiveFrom not after at.
func CurrentRates(entries []RateEntry, at time.Time) (Rates, error) {
	best := map[string]RateEntry{}
	for _, e := range entries {
		if e.EffectiveFrom.After(at) {
			continue
		}
		if cur, ok := best[e.Quote.Code]; !ok || e.EffectiveFrom.After(cur.EffectiveFrom) {
			best[e.Quote.Code] = e
		}
	}
	out := make(Rates, len(best))
	for code, e := range best {
		r, err := e.FXRate()
		if err != nil {
			return nil, err
		}
		out[code] = r
	}
	return out, nil
}

// PromotionType says how a promotion lowers a price.
type PromotionType string

// Promotion types: PERCENT takes Value % off; AMOUNT takes Value KRW (converted to the market's
// currency at the current rate) off each unit.
const (
	PromotionPercent PromotionType = "PERCENT"
	PromotionAmount  PromotionType = "AMOUNT"
)

// Promotion lowers the price of some products in some markets for a while.
type Promotion struct {
	ID          string
	Type        PromotionType
	Value       int64 // percent (1..100) or KRW amount off per unit
	StartsAt    time.Time
	EndsAt      time.Time // exclusive
	Markets     []kernel.Market
	ProductIDs  []string
	CategoryIDs []string // each covers its whole subtree
	Names       Localized
}

// Validate checks the promotion's invariants.
func (p Promotion) Validate() error {
	var v errs.Validation
	v.Check(kernel.IsID(p.ID), "id", errs.FieldInvalidID, "must be a UUID")
	switch p.Type {
	case PromotionPercent:
		v.Check(p.Value >= 1 && p.Value <= 100, "value", errs.FieldOutOfRange, "a percentage must be 1 to 100")
	case PromotionAmount:
		v.Check(p.Value >= 1, "value", errs.FieldOutOfRange, "an amount must be positive")
	default:
		v.Add(errs.FieldInvalidValue.At("type", "must be PERCENT or AMOUNT"))
	}
	v.Check(p.EndsAt.After(p.StartsAt), "endsAt", FieldInvalidWindow, "must be after startsAt")
	v.Check(len(p.Markets) > 0, "markets", errs.FieldRequired, "at least one market")
	for _, m := range p.Markets {
		v.Check(slices.Contains(kernel.Markets, m), "markets", kernel.FieldInvalidMarket, "must be among KR, US, JP")
	}
	v.Check(len(p.ProductIDs)+len(p.CategoryIDs) > 0, "targets", errs.FieldRequired, "at least one product or category")
	for _, id := range append(slices.Clone(p.ProductIDs), p.CategoryIDs...) {
		v.Check(kernel.IsID(id), "targets", errs.FieldInvalidID, "must be UUIDs")
	}
	p.Names.validate("name", 200, &v)
	return v.Err()
}

// Clone deep-copies the promotion.
func (p Promotion) Clone() Promotion {
	p.Markets = slices.Clone(p.Markets)
	p.ProductIDs = slices.Clone(p.ProductIDs)
	p.CategoryIDs = slices.Clone(p.CategoryIDs)
	p.Names = maps.Clone(p.Names)
	return p
}

// ActiveAt reports whether t is inside the promotion's window.
func (p Promotion) ActiveAt(t time.Time) bool { return !t.Before(p.StartsAt) && t.Before(p.EndsAt) }

// AppliesTo reports whether the promotion covers product prod in market m; ancestry is the ids of
// the product's category and its ancestors.
func (p Promotion) AppliesTo(prod Product, ancestry []string, m kernel.Market) bool {
	if !slices.Contains(p.Markets, m) {
		return false
	}
	if slices.Contains(p.ProductIDs, prod.ID) {
		return true
	}
	for _, c := range p.CategoryIDs {
		if slices.Contains(ancestry, c) {
			return true
		}
	}
	return false
}

// Discount is how much the promotion takes off one unit listed at list; never more than list.
// rate converts an AMOUNT promotion's KRW value into the list price's currency.
func (p Promotion) Discount(list kernel.Money, rate kernel.FXRate) kernel.Money {
	var off kernel.Money
	switch p.Type {
	case PromotionPercent:
		off = list.Percent(p.Value)
	case PromotionAmount:
		off = rate.Convert(kernel.NewMoney(p.Value, kernel.KRW))
	default:
		return kernel.Zero(list.Currency)
	}
	return off.Min(list)
}

// Pricer prices products for one market at one instant.
type Pricer struct {
	market kernel.Market
	rate   kernel.FXRate
	promos []Promotion // active in the market, sorted by EndsAt then ID
	tree   CategoryTree
}

// NewPricer prices for market m at instant at, with the rates in effect then and every promotion
// that might apply (inactive ones and other markets' are ignored).
func NewPricer(m kernel.Market, rates Rates, promotions []Promotion, tree CategoryTree, at time.Time) (Pricer, error) {
	rate, err := rates.For(m)
	if err != nil {
		return Pricer{}, err
	}
	var active []Promotion
	for _, p := range promotions {
		if p.ActiveAt(at) && slices.Contains(p.Markets, m) {
			active = append(active, p)
		}
	}
	slices.SortFunc(active, func(a, b Promotion) int {
		return cmp.Or(a.EndsAt.Compare(b.EndsAt), strings.Compare(a.ID, b.ID))
	})
	return Pricer{market: m, rate: rate, promos: active, tree: tree}, nil
}

// Market is the market the pricer prices for.
func (p Pricer) Market() kernel.Market { return p.market }

// ListPrice is a SKU's price before promotions: its explicit market price, else the KRW base price
// plus delta converted at the current rate (half-up).
func (p Pricer) ListPrice(prod Product, s SKU) kernel.Money {
	var explicit *kernel.Money
	if m, ok := s.MarketPrices[p.market]; ok {
		explicit = &m
	}
	return kernel.MarketPrice(kernel.NewMoney(prod.BasePrice+s.PriceDelta, kernel.KRW), explicit, p.rate)
}

// Promotions are the active promotions covering prod, soonest-ending first.
func (p Pricer) Promotions(prod Product) []Promotion {
	ancestry := p.tree.Ancestry(prod.CategoryID)
	var out []Promotion
	for _, promo := range p.promos {
		if promo.AppliesTo(prod, ancestry, p.market) {
			out = append(out, promo)
		}
	}
	return out
}

// Price is a SKU's list price and sale price, with the promotion that made the sale price (nil when
// none applies). Promotions do not stack: the one giving the lowest price wins; on a tie the one
// ending soonest, then the smallest id.
type Price struct {
	List      kernel.Money
	Sale      kernel.Money
	Promotion *Promotion
}

// SKUPrice prices one option of prod.
func (p Pricer) SKUPrice(prod Product, s SKU) Price {
	return p.priceWith(prod, s, p.Promotions(prod))
}

func (p Pricer) priceWith(prod Product, s SKU, promos []Promotion) Price {
	list := p.ListPrice(prod, s)
	out := Price{List: list, Sale: list}
	for i := range promos {
		sale := list.Sub(promos[i].Discount(list, p.rate))
		if sale.Cmp(out.Sale) < 0 {
			out.Sale, out.Promotion = sale, &promos[i]
		}
	}
	return out
}

// FromPrice is what a product costs at least: the lowest list and sale price over its active SKUs.
// Every promotion lowers prices monotonically, so both come from the same (cheapest) SKU. A product
// without active SKUs is priced at its converted base price.
func (p Pricer) FromPrice(prod Product) Price {
	promos := p.Promotions(prod)
	var best *Price
	for _, s := range prod.ActiveSKUs() {
		pr := p.priceWith(prod, s, promos)
		if best == nil || pr.List.Cmp(best.List) < 0 || (pr.List.Cmp(best.List) == 0 && pr.Sale.Cmp(best.Sale) < 0) {
			best = &pr
		}
	}
	if best == nil {
		return p.priceWith(prod, SKU{}, promos)
	}
	return *best
}
