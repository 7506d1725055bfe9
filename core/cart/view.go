package cart

import (
	"context"
	"time"

	"github.com/jupang/jupang/core/catalog"
	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/kernel"
)

// Availability is whether a cart line can be bought as it is now.
type Availability string

// Line availabilities. IN_STOCK and LOW_STOCK lines count in the totals; an OUT_OF_STOCK line
// (fewer units left than its quantity) and an UNAVAILABLE one (its SKU was deactivated, its product
// hidden, or it is not sold in the request's market) are shown, flagged, and left out of the totals.
const (
	LineInStock     Availability = "IN_STOCK"
	LineLowStock    Availability = "LOW_STOCK"
	LineOutOfStock  Availability = "OUT_OF_STOCK"
	LineUnavailable Availability = "UNAVAILABLE"
)

// Counts reports whether a line of this availability counts in the totals.
func (a Availability) Counts() bool { return a == LineInStock || a == LineLowStock }

// ItemView is a cart line as the customer sees it, priced now in the request's market.
type ItemView struct {
	ID         string
	SKUID      string
	ProductID  string
	Name       string // in the request's language ("" for a product the catalog no longer has)
	Attributes map[string]string
	Quantity   int
	// Available is how many units of the SKU are left in stock.
	Available    int
	Availability Availability
	// Priced is false for UNAVAILABLE lines: the prices below are then zero.
	Priced    bool
	UnitPrice kernel.Money // sale price of one unit (after the promotion)
	ListPrice kernel.Money // list price of one unit
	LineTotal kernel.Money // UnitPrice × Quantity
	// CouponShare is the part of the coupon discount this line carries (zero unless it counts).
	CouponShare kernel.Money
}

// View is a cart priced for one request: current catalog prices and promotions of the request's
// market, texts in its language. A cart filled in another market is simply priced in this one (its
// lines not sold here are UNAVAILABLE); its Market is updated on its next change.
type View struct {
	ID           string // "" when the owner has no cart yet
	Owner        Owner
	Status       Status
	Market       kernel.Market // the market it is priced in: the request's
	Items        []ItemView
	UserCouponID string // the applied coupon, when it can still be used ("" otherwise)
	CouponCode   string
	Coupon       CouponOutcome
	Totals       Totals
	ExpiresAt    time.Time // guest carts
	UpdatedAt    time.Time
}

// AdjustmentReason says why a merge put fewer units in a line than the two carts held.
type AdjustmentReason string

// Adjustment reasons.
const (
	AdjustedOutOfStock    AdjustmentReason = "OUT_OF_STOCK"
	AdjustedPurchaseLimit AdjustmentReason = "PURCHASE_LIMIT_EXCEEDED"
	AdjustedMaxQuantity   AdjustmentReason = "MAX_QUANTITY"
	AdjustedUnavailable   AdjustmentReason = "UNAVAILABLE"
)

// Adjustment is one line a merge capped: the units the two carts held together, and those it kept.
type Adjustment struct {
	SKUID     string
	Requested int
	Applied   int
	Reason    AdjustmentReason
}

// MergeResult is the customer's cart after a merge and the caps the merge applied.
type MergeResult struct {
	Cart        View
	Adjustments []Adjustment
}

// price prices cart c for request r.
func (s *Service) price(ctx context.Context, r kernel.Request, c Cart) (View, error) {
	m := r.Market
	now := s.now()
	v := View{ID: c.ID, Owner: c.Owner, Status: c.Status, Market: m, Items: []ItemView{}, ExpiresAt: c.ExpiresAt, UpdatedAt: c.UpdatedAt}
	in := Input{Market: m}
	if len(c.Items) > 0 {
		pr, err := s.pricing(ctx, m, now, c.Items)
		if err != nil {
			return View{}, err
		}
		in.Rate = pr.rate
		v.Items, in.Lines = pr.lines(c.Items, r.Locale)
	}
	terms, err := s.couponTerms(ctx, c, m, now)
	if err != nil {
		return View{}, err
	}
	if terms != nil {
		in.Coupon = terms
		v.UserCouponID, v.CouponCode = terms.UserCouponID, terms.Code
		if v.UserCouponID == "" {
			v.UserCouponID = c.UserCouponID
		}
	}
	if in.Coupon != nil && in.Rate.Rate == nil && m.Currency() != kernel.KRW {
		// an empty cart needs no rate for its lines, but its coupon's amounts do
		rate, err := s.rate(ctx, m, now)
		if err != nil {
			return View{}, err
		}
		in.Rate = rate
	}
	t, err := Calculate(in)
	if err != nil {
		return View{}, err
	}
	v.Totals, v.Coupon = t, t.Coupon
	shares := make(map[string]kernel.Money, len(t.Lines))
	for _, l := range t.Lines {
		shares[l.Key] = l.CouponShare
	}
	for i := range v.Items {
		if sh, ok := shares[v.Items[i].ID]; ok {
			v.Items[i].CouponShare = sh
		} else {
			v.Items[i].CouponShare = kernel.Zero(m.Currency())
		}
	}
	return v, nil
}

// couponTerms asks the coupons area again whether the cart's coupon can be used now; a coupon
// that cannot is simply not applied, but an outage of the coupons store is the read's error.
func (s *Service) couponTerms(ctx context.Context, c Cart, m kernel.Market, now time.Time) (*CouponTerms, error) {
	if c.UserCouponID == "" || s.coupons == nil || c.Owner.IsGuest() {
		return nil, nil
	}
	terms, err := s.coupons.Terms(ctx, c.Owner.UserID, c.UserCouponID, m, now)
	if err != nil {
		if k := errs.KindOf(err); k == errs.Internal || k == errs.Unavailable {
			return nil, err
		}
		return nil, nil
	}
	return &terms, nil
}

// pricing is what pricing a cart's lines reads of the catalog and stock.
type pricing struct {
	market   kernel.Market
	pricer   catalog.Pricer
	tree     catalog.CategoryTree
	rate     kernel.FXRate
	products map[string]catalog.Product
	stock    map[string]int
}

func (s *Service) rate(ctx context.Context, m kernel.Market, now time.Time) (kernel.FXRate, error) {
	entries, err := s.catalog.CurrentRates(ctx, now)
	if err != nil {
		return kernel.FXRate{}, err
	}
	rates, err := catalog.CurrentRates(entries, now)
	if err != nil {
		return kernel.FXRate{}, err
	}
	return rates.For(m)
}

func (s *Service) pricing(ctx context.Context, m kernel.Market, now time.Time, items []Item) (pricing, error) {
	var productIDs, skuIDs []string
	for _, it := range items {
		productIDs = append(productIDs, it.ProductID)
		skuIDs = append(skuIDs, it.SKUID)
	}
	products, err := s.catalog.Products(ctx, productIDs)
	if err != nil {
		return pricing{}, err
	}
	cats, err := s.catalog.Categories(ctx)
	if err != nil {
		return pricing{}, err
	}
	entries, err := s.catalog.CurrentRates(ctx, now)
	if err != nil {
		return pricing{}, err
	}
	rates, err := catalog.CurrentRates(entries, now)
	if err != nil {
		return pricing{}, err
	}
	promos, err := s.catalog.Promotions(ctx, m, now)
	if err != nil {
		return pricing{}, err
	}
	tree := catalog.NewCategoryTree(cats)
	pricer, err := catalog.NewPricer(m, rates, promos, tree, now)
	if err != nil {
		return pricing{}, err
	}
	rate, err := rates.For(m)
	if err != nil {
		return pricing{}, err
	}
	stock, err := s.read.Stock.Available(ctx, skuIDs)
	if err != nil {
		return pricing{}, err
	}
	byID := make(map[string]catalog.Product, len(products))
	for _, p := range products {
		byID[p.ID] = p
	}
	return pricing{market: m, pricer: pricer, tree: tree, rate: rate, products: byID, stock: stock}, nil
}

// lines prices items: their views, and the calculator's lines of those that count in the totals.
func (pr pricing) lines(items []Item, l kernel.Locale) ([]ItemView, []Line) {
	views := make([]ItemView, 0, len(items))
	var lines []Line
	for _, it := range items {
		iv, line := pr.line(it, l)
		views = append(views, iv)
		if iv.Availability.Counts() {
			lines = append(lines, line)
		}
	}
	return views, lines
}

// line prices item it: its view and, when it counts, its line for the calculator.
func (pr pricing) line(it Item, l kernel.Locale) (ItemView, Line) {
	zero := kernel.Zero(pr.market.Currency())
	iv := ItemView{ID: it.ID, SKUID: it.SKUID, ProductID: it.ProductID, Quantity: it.Quantity, Available: max(0, pr.stock[it.SKUID]),
		Availability: LineUnavailable, UnitPrice: zero, ListPrice: zero, LineTotal: zero, CouponShare: zero}
	p, ok := pr.products[it.ProductID]
	if !ok {
		return iv, Line{}
	}
	iv.Name = p.Names.In(l)
	sku, ok := p.SKU(it.SKUID)
	if ok {
		iv.Attributes = sku.Attributes
	}
	if !ok || !sku.Active || !p.Visible(pr.market) {
		return iv, Line{}
	}
	price := pr.pricer.SKUPrice(p, sku)
	iv.Priced, iv.UnitPrice, iv.ListPrice = true, price.Sale, price.List
	iv.LineTotal = price.Sale.Mul(int64(it.Quantity))
	switch {
	case iv.Available < it.Quantity:
		iv.Availability = LineOutOfStock
	case iv.Available <= catalog.DefaultLowStockThreshold:
		iv.Availability = LineLowStock
	default:
		iv.Availability = LineInStock
	}
	return iv, PricedLine(it.ID, p, price, pr.tree, it.Quantity)
}

// PricedLine is the calculator's line for quantity units of a SKU of product p at price (what
// catalog.Pricer answered), its category ancestry taken from tree for coupon targets.
func PricedLine(key string, p catalog.Product, price catalog.Price, tree catalog.CategoryTree, quantity int) Line {
	line := Line{Key: key, ProductID: p.ID, CategoryAncestry: tree.Ancestry(p.CategoryID), UnitPrice: price.List.Amount,
		UnitPromotionDiscount: price.List.Sub(price.Sale).Amount, Quantity: int64(quantity)}
	if price.Promotion != nil {
		line.PromotionID = price.Promotion.ID
	}
	return line
}
