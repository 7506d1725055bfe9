// Package catalog is what Jupang sells and at what price: a category tree, products with their texts
// in Korean, English and Japanese, options (SKUs) with attributes and price deltas, explicit market
// prices that fall back to FX conversion, promotions that produce a sale price, availability from
// stock, the product list and detail, and the top-products ranking built from paid order lines.
//
// Prices: a SKU's list price in a market is its explicit market price when one is set, else
// (product base price + SKU delta) in KRW converted at the market's current FX rate, rounded half-up
// to the currency's minor unit. Its sale price is the list price minus the best promotion that is
// active now, targets the market and the product (directly or through an ancestor category).
package catalog

import (
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/kernel"
)

// Localized is a text in several languages.
type Localized map[kernel.Locale]string

// In returns the text in l, else English, else Korean, else Japanese ("" when there is none).
func (t Localized) In(l kernel.Locale) string {
	for _, try := range []kernel.Locale{l, kernel.LocaleEN, kernel.LocaleKO, kernel.LocaleJA} {
		if s := t[try]; s != "" {
			return s
		}
	}
	return ""
}

// validate checks every supported language has a text of 1..max characters and no other language is present.
func (t Localized) validate(field string, maxLen int, e *validation) {
	for l := range t {
		if !slices.Contains(kernel.Locales, l) {
			e.add(field+"."+string(l), "UNSUPPORTED_LOCALE", "only ko, en and ja are supported")
		}
	}
	for _, l := range kernel.Locales {
		n := len([]rune(strings.TrimSpace(t[l])))
		if n == 0 || n > maxLen {
			e.add(field+"."+string(l), "INVALID_LENGTH", "must be 1 to "+strconv.Itoa(maxLen)+" characters")
		}
	}
}

// Status says whether a product is shown to shoppers.
type Status string

// Product statuses. Only ACTIVE products are listed or shown.
const (
	StatusActive Status = "ACTIVE"
	StatusHidden Status = "HIDDEN"
	StatusDraft  Status = "DRAFT"
)

// Image is a product picture; the first one of a product is its list thumbnail.
type Image struct {
	URL string
	Alt string
}

// Brand is who makes a product.
type Brand struct {
	ID   string
	Slug string
	Name string
}

// SKU is one purchasable option of a product ("red, M").
type SKU struct {
	ID         string
	Code       string            // unique across the catalog
	Attributes map[string]string // {"color":"red","size":"M"}; unique within a product
	PriceDelta int64             // KRW added to the product's base price; the sum stays >= 0
	Active     bool
	// MarketPrices are explicit prices in a market's own currency, overriding FX conversion.
	MarketPrices map[kernel.Market]kernel.Money
}

// Product is a catalog item with its options. It is one aggregate: texts, images and SKUs are saved
// and loaded together.
type Product struct {
	ID           string
	CategoryID   string
	BrandID      string // "" when the product has no brand
	Status       Status
	BasePrice    int64 // KRW
	Names        Localized
	Descriptions Localized
	Images       []Image
	SKUs         []SKU // display order
	// Markets the product is sold in; it has a listing row in each.
	Markets []kernel.Market
	Limits  PurchaseLimit
	// CreatedAt orders "newest"; kept at microsecond precision, as PostgreSQL stores it.
	CreatedAt time.Time
	UpdatedAt time.Time
}

// PurchaseLimit caps how many units of a product one order, and one customer over time, may buy.
// Zero means no limit.
type PurchaseLimit struct {
	PerOrder    int
	PerCustomer int
}

// Clone deep-copies the product, so no slice or map is shared with the original.
func (p Product) Clone() Product {
	p.Names = maps.Clone(p.Names)
	p.Descriptions = maps.Clone(p.Descriptions)
	p.Images = slices.Clone(p.Images)
	p.Markets = slices.Clone(p.Markets)
	skus := make([]SKU, len(p.SKUs))
	for i, s := range p.SKUs {
		s.Attributes = maps.Clone(s.Attributes)
		s.MarketPrices = maps.Clone(s.MarketPrices)
		skus[i] = s
	}
	p.SKUs = skus
	return p
}

// Thumbnail returns the URL of the first image ("" when there is none).
func (p Product) Thumbnail() string {
	if len(p.Images) == 0 {
		return ""
	}
	return p.Images[0].URL
}

// SKU returns the option with id.
func (p Product) SKU(id string) (SKU, bool) {
	for _, s := range p.SKUs {
		if s.ID == id {
			return s, true
		}
	}
	return SKU{}, false
}

// ActiveSKUs returns the options that can be bought, in display order.
func (p Product) ActiveSKUs() []SKU {
	out := make([]SKU, 0, len(p.SKUs))
	for _, s := range p.SKUs {
		if s.Active {
			out = append(out, s)
		}
	}
	return out
}

// SoldIn reports whether the product is sold in market m.
func (p Product) SoldIn(m kernel.Market) bool { return slices.Contains(p.Markets, m) }

// Visible reports whether shoppers in market m may see the product.
func (p Product) Visible(m kernel.Market) bool { return p.Status == StatusActive && p.SoldIn(m) }

var (
	slugPattern    = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	skuCodePattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)
)

// Validate checks the product's invariants; every problem becomes a field error of one
// VALIDATION_FAILED error.
func (p Product) Validate() error {
	var e validation
	if !kernel.IsID(p.ID) {
		e.add("id", "INVALID_ID", "must be a UUID")
	}
	if !kernel.IsID(p.CategoryID) {
		e.add("categoryId", "INVALID_ID", "must be a UUID")
	}
	if p.BrandID != "" && !kernel.IsID(p.BrandID) {
		e.add("brandId", "INVALID_ID", "must be a UUID")
	}
	switch p.Status {
	case StatusActive, StatusHidden, StatusDraft:
	default:
		e.add("status", "INVALID_STATUS", "must be ACTIVE, HIDDEN or DRAFT")
	}
	if p.BasePrice < 0 {
		e.add("basePrice", "NEGATIVE", "must not be negative")
	}
	if p.Limits.PerOrder < 0 {
		e.add("purchaseLimit.perOrder", "NEGATIVE", "must not be negative (0: no limit)")
	}
	if p.Limits.PerCustomer < 0 {
		e.add("purchaseLimit.perCustomer", "NEGATIVE", "must not be negative (0: no limit)")
	}
	p.Names.validate("name", 300, &e)
	for l, d := range p.Descriptions {
		if !slices.Contains(kernel.Locales, l) {
			e.add("description."+string(l), "UNSUPPORTED_LOCALE", "only ko, en and ja are supported")
		}
		if len([]rune(d)) > 10000 {
			e.add("description."+string(l), "INVALID_LENGTH", "must be at most 10000 characters")
		}
	}
	for i, img := range p.Images {
		if strings.TrimSpace(img.URL) == "" {
			e.add("images["+strconv.Itoa(i)+"].url", "REQUIRED", "must not be empty")
		}
	}
	for i, m := range p.Markets {
		if _, err := kernel.ParseMarket(string(m)); err != nil || m == "" {
			e.add("markets["+strconv.Itoa(i)+"]", "INVALID_MARKET", "must be one of KR, US, JP")
		}
		if slices.Index(p.Markets, m) != i {
			e.add("markets["+strconv.Itoa(i)+"]", "DUPLICATE", "listed twice")
		}
	}
	if len(p.SKUs) == 0 {
		e.add("skus", "REQUIRED", "a product needs at least one option")
	}
	seenAttrs := map[string]bool{}
	for i, s := range p.SKUs {
		f := "skus[" + strconv.Itoa(i) + "]"
		if !kernel.IsID(s.ID) {
			e.add(f+".id", "INVALID_ID", "must be a UUID")
		}
		if !skuCodePattern.MatchString(s.Code) {
			e.add(f+".code", "INVALID_FORMAT", "must be 1 to 64 of A-Z, a-z, 0-9, '.', '_' or '-'")
		}
		if p.BasePrice+s.PriceDelta < 0 {
			e.add(f+".priceDelta", "NEGATIVE_PRICE", "base price plus delta must not be negative")
		}
		key := attributesKey(s.Attributes)
		if seenAttrs[key] {
			e.add(f+".attributes", "DUPLICATE", "two options of a product cannot have the same attributes")
		}
		seenAttrs[key] = true
		for m, price := range s.MarketPrices {
			switch {
			case !slices.Contains(kernel.Markets, m):
				e.add(f+".marketPrices."+string(m), "INVALID_MARKET", "must be one of KR, US, JP")
			case price.Currency != m.Currency():
				e.add(f+".marketPrices."+string(m), "CURRENCY_MISMATCH", "must be in "+m.Currency().Code)
			case price.Amount < 0:
				e.add(f+".marketPrices."+string(m), "NEGATIVE", "must not be negative")
			}
		}
	}
	return e.err()
}

// attributesKey is a canonical form of an attribute set, for uniqueness checks.
func attributesKey(attrs map[string]string) string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(attrs)) {
		b.WriteString(k)
		b.WriteByte(0)
		b.WriteString(attrs[k])
		b.WriteByte(0)
	}
	return b.String()
}

// Validate checks a brand's invariants.
func (b Brand) Validate() error {
	var e validation
	if !kernel.IsID(b.ID) {
		e.add("id", "INVALID_ID", "must be a UUID")
	}
	if !slugPattern.MatchString(b.Slug) {
		e.add("slug", "INVALID_FORMAT", "must be lower-case words joined by '-'")
	}
	if n := len([]rune(strings.TrimSpace(b.Name))); n == 0 || n > 200 {
		e.add("name", "INVALID_LENGTH", "must be 1 to 200 characters")
	}
	return e.err()
}

// validation collects field errors into one VALIDATION_FAILED error.
type validation struct{ e *errs.Error }

func (v *validation) add(field, code, message string) {
	if v.e == nil {
		v.e = errs.ErrValidation
	}
	v.e = v.e.WithField(field, code, message)
}

func (v *validation) err() error {
	if v.e == nil {
		return nil
	}
	return v.e
}
