package catalog

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/kernel"
)

// fieldList is every field error of err, in order, as "field:CODE".
func fieldList(err error) []string {
	var out []string
	if err != nil {
		for _, f := range errs.As(err).Fields {
			out = append(out, f.Field+":"+f.Code)
		}
	}
	return out
}

// TestValidatorsReportEveryBrokenRule pins, rule by rule and in order, the field errors clients get
// from each validator when everything is wrong at once.
func TestValidatorsReportEveryBrokenRule(t *testing.T) {
	const id = "0193ab12-0000-7000-8000-000000000001"
	names := Localized{kernel.LocaleKO: "가", kernel.LocaleEN: "a", kernel.LocaleJA: "あ"}
	cases := []struct {
		name string
		err  error
		want []string
	}{
		{"product", Product{ID: "x", CategoryID: "y", BrandID: "z", Status: "GONE", BasePrice: 5,
			Limits: PurchaseLimit{PerOrder: -1, PerCustomer: -1}, Names: Localized{"fr": "x", kernel.LocaleEN: "a", kernel.LocaleJA: "あ"},
			Descriptions: Localized{"de": strings.Repeat("x", 10001)}, Images: []Image{{URL: " "}},
			Markets: []kernel.Market{"XX", kernel.MarketKR, kernel.MarketKR},
			SKUs: []SKU{
				{ID: "bad", Code: "bad code", PriceDelta: -6, MarketPrices: map[kernel.Market]kernel.Money{"XX": kernel.NewMoney(1, kernel.KRW)}},
				{ID: id, Code: "A-2", MarketPrices: map[kernel.Market]kernel.Money{kernel.MarketUS: kernel.NewMoney(1, kernel.KRW)}},
				{ID: id, Code: "A-3", Attributes: map[string]string{}, MarketPrices: map[kernel.Market]kernel.Money{kernel.MarketJP: kernel.NewMoney(-1, kernel.JPY)}},
			}}.Validate(),
			[]string{"id:INVALID_ID", "categoryId:INVALID_ID", "brandId:INVALID_ID", "status:INVALID_STATUS",
				"purchaseLimit.perOrder:NEGATIVE", "purchaseLimit.perCustomer:NEGATIVE", "name.fr:UNSUPPORTED_LOCALE",
				"name.ko:INVALID_LENGTH", "description.de:UNSUPPORTED_LOCALE", "description.de:INVALID_LENGTH",
				"images[0].url:REQUIRED", "markets[0]:INVALID_MARKET", "markets[2]:DUPLICATE",
				"skus[0].id:INVALID_ID", "skus[0].code:INVALID_FORMAT", "skus[0].priceDelta:NEGATIVE_PRICE",
				"skus[0].marketPrices.XX:INVALID_MARKET", "skus[1].attributes:DUPLICATE",
				"skus[1].marketPrices.US:CURRENCY_MISMATCH", "skus[2].attributes:DUPLICATE", "skus[2].marketPrices.JP:NEGATIVE"}},
		{"product without options", Product{ID: id, CategoryID: id, Status: StatusActive, BasePrice: -1, Names: names}.Validate(),
			[]string{"basePrice:NEGATIVE", "skus:REQUIRED"}},
		{"brand", Brand{ID: "x", Slug: "Bad Slug", Name: " "}.Validate(),
			[]string{"id:INVALID_ID", "slug:INVALID_FORMAT", "name:INVALID_LENGTH"}},
		{"category, its own parent", Category{ID: id, ParentID: id, Slug: "ok", Path: []string{id}, Names: names}.Validate(),
			[]string{"parentId:CYCLE", "path:INVALID_PATH"}},
		{"category, bad ids and no path", Category{ID: "x", ParentID: "y", Slug: "-", Names: names}.Validate(),
			[]string{"id:INVALID_ID", "parentId:INVALID_ID", "slug:INVALID_FORMAT", "path:INVALID_PATH"}},
		{"category, path not through its parent", Category{ID: id, ParentID: "0193ab12-0000-7000-8000-000000000002", Slug: "ok",
			Path: []string{"0193ab12-0000-7000-8000-000000000003", id}, Names: names}.Validate(),
			[]string{"path:INVALID_PATH"}},
		{"rate", RateEntry{ID: "x", Quote: kernel.KRW, Rate: "0"}.Validate(),
			[]string{"id:INVALID_ID", "quote:INVALID_CURRENCY", "rate:INVALID_RATE", "effectiveFrom:REQUIRED"}},
		{"percent promotion", Promotion{ID: "x", Type: PromotionPercent, Value: 101, Markets: []kernel.Market{"XX"},
			ProductIDs: []string{"y"}, Names: names}.Validate(),
			[]string{"id:INVALID_ID", "value:OUT_OF_RANGE", "endsAt:INVALID_WINDOW", "markets:INVALID_MARKET", "targets:INVALID_ID"}},
		{"amount promotion", Promotion{ID: id, Type: PromotionAmount, Value: 0, StartsAt: t0, EndsAt: t0.Add(1), Names: names}.Validate(),
			[]string{"value:OUT_OF_RANGE", "markets:REQUIRED", "targets:REQUIRED"}},
		// An unknown type is a bad value, not a JSON type mismatch (it was INVALID_TYPE before).
		{"promotion of no type", Promotion{ID: id, Type: "HALF", StartsAt: t0, EndsAt: t0.Add(1), Markets: []kernel.Market{kernel.MarketKR},
			CategoryIDs: []string{id}, Names: names}.Validate(),
			[]string{"type:INVALID_VALUE"}},
		{"list parameters", func() error {
			_, err := ParseListParams(ListParams{Sort: "cheapest", Limit: "ten", Q: strings.Repeat("q", 101), Category: " "})
			return err
		}(), []string{"sort:INVALID_VALUE", "limit:INVALID_TYPE", "q:INVALID_LENGTH", "category:INVALID_VALUE"}},
	}
	for _, c := range cases {
		if got := fieldList(c.err); !slices.Equal(got, c.want) {
			t.Errorf("%s:\n got %v\nwant %v", c.name, got, c.want)
		}
		if c.err != nil && !errors.Is(c.err, errs.ErrValidation) {
			t.Errorf("%s: %v is not VALIDATION_FAILED", c.name, c.err)
		}
	}
}
