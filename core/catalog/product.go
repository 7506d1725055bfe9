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
func (t Localized) validate(field string, maxLen int, v *errs.Validation) {
	for l := range t {
		v.Check(slices.Contains(kernel.Locales, l), field+"."+string(l), FieldUnsupportedLocale, "only ko, en and ja are supported")
	}
	for _, l := range kernel.Locales {
		n := len([]rune(strings.TrimSpace(t[l])))
		v.Check(n > 0 && n <= maxLen, field+"."+string(l), errs.FieldInvalidLength, "must be 1 to "+strconv.Itoa(maxLen)+" characters")
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
	var v errs.Validation
	v.Check(kernel.IsID(p.ID), "id", errs.FieldInvalidID, "must be a UUID")
	v.Check(kernel.IsID(p.CategoryID), "categoryId", errs.FieldInvalidID, "must be a UUID")
	v.Check(p.BrandID == "" || kernel.IsID(p.BrandID), "brandId", errs.FieldInvalidID, "must be a UUID")
	v.Check(slices.Contains([]Status{StatusActive, StatusHidden, StatusDraft}, p.Status), "status", FieldInvalidStatus,
		"must be ACTIVE, HIDDEN or DRAFT")
	v.Check(p.BasePrice >= 0, "basePrice", errs.FieldNegative, "must not be negative")
	v.Check(p.Limits.PerOrder >= 0, "purchaseLimit.perOrder", errs.FieldNegative, "must not be negative (0: no limit)")
	v.Check(p.Limits.PerCustomer >= 0, "purchaseLimit.perCustomer", errs.FieldNegative, "must not be negative (0: no limit)")
	p.Names.validate("name", 300, &v)
	for l, d := range p.Descriptions {
		v.Check(slices.Contains(kernel.Locales, l), "description."+string(l), FieldUnsupportedLocale, "only ko, en and ja are supported")
		v.Check(len([]rune(d)) <= 10000, "description."+string(l), errs.FieldInvalidLength, "must be at most 10000 characters")
	}
	for i, img := range p.Images {
		v.Check(strings.TrimSpace(img.URL) != "", "images["+strconv.Itoa(i)+"].url", errs.FieldRequired, "must not be empty")
	}
	for i, m := range p.Markets {
		_, err := kernel.ParseMarket(string(m))
		v.Check(err == nil && m != "", "markets["+strconv.Itoa(i)+"]", kernel.FieldInvalidMarket, "must be one of KR, US, JP")
		v.Check(slices.Index(p.Markets, m) == i, "markets["+strconv.Itoa(i)+"]", errs.FieldDuplicate, "listed twice")
	}
	v.Check(len(p.SKUs) > 0, "skus", errs.FieldRequired, "a product needs at least one option")
	seenAttrs := map[string]bool{}
	for i, s := range p.SKUs {
		f := "skus[" + strconv.Itoa(i) + "]"
		v.Check(kernel.IsID(s.ID), f+".id", errs.FieldInvalidID, "must be a UUID")
		v.Check(skuCodePattern.MatchString(s.Code), f+".code", errs.FieldInvalidFormat, "must be 1 to 64 of A-Z, a-z, 0-9, '.', '_' or '-'")
		v.Check(p.BasePrice+s.PriceDelta >= 0, f+".priceDelta", FieldNegativePrice, "base price plus delta must not be negative")
		key := attributesKey(s.Attributes)
		v.Check(!seenAttrs[key], f+".attributes", errs.FieldDuplicate, "two options of a product cannot have the same attributes")
		seenAttrs[key] = true
		for m, price := range s.MarketPrices {
			field := f + ".marketPrices." + string(m)
			switch {
			case !slices.Contains(kernel.Markets, m):
				v.Add(kernel.FieldInvalidMarket.At(field, "must be one of KR, US, JP"))
			case price.Currency != m.Currency():
				v.Add(kernel.FieldCurrencyMismatch.At(field, "must be in "+m.Currency().Code))
			case price.Amount < 0:
				v.Add(errs.FieldNegative.At(field, "must not be negative"))
			}
		}
	}
	return v.Err()
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
	var v errs.Validation
	v.Check(kernel.IsID(b.ID), "id", errs.FieldInvalidID, "must be a UUID")
	v.Check(slugPattern.MatchString(b.Slug), "slug", errs.FieldInvalidFormat, "must be lower-case words joined by '-'")
	n := len([]rune(strings.TrimSpace(b.Name)))
	v.Check(n > 0 && n <= 200, "name", errs.FieldInvalidLength, "must be 1 to 200 characters")
	return v.Err()
}
