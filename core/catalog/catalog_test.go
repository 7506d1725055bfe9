package catalog

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/kernel"
)

func TestLocalizedFallsBackToEnglishThenKorean(t *testing.T) {
	all := Localized{kernel.LocaleKO: "사과", kernel.LocaleEN: "apple", kernel.LocaleJA: "りんご"}
	for _, c := range []struct {
		t    Localized
		l    kernel.Locale
		want string
	}{
		{all, kernel.LocaleJA, "りんご"},
		{Localized{kernel.LocaleKO: "사과", kernel.LocaleEN: "apple"}, kernel.LocaleJA, "apple"},
		{Localized{kernel.LocaleKO: "사과"}, kernel.LocaleEN, "사과"},
		{Localized{kernel.LocaleJA: "りんご"}, kernel.LocaleKO, "りんご"},
		{Localized{}, kernel.LocaleKO, ""},
	} {
		if got := c.t.In(c.l); got != c.want {
			t.Errorf("%v.In(%s) = %q, want %q", c.t, c.l, got, c.want)
		}
	}
}

func rate(t *testing.T, to kernel.Currency, r string) kernel.FXRate {
	t.Helper()
	fx, err := kernel.ParseFXRate(kernel.KRW, to, r)
	if err != nil {
		t.Fatal(err)
	}
	return fx
}

var t0 = time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)

func promo(id string, typ PromotionType, value int64, markets ...kernel.Market) Promotion {
	return Promotion{ID: id, Type: typ, Value: value, StartsAt: t0.Add(-time.Hour), EndsAt: t0.Add(time.Hour), Markets: markets}
}

func TestPromotionDiscount(t *testing.T) {
	usd := rate(t, kernel.USD, "0.00075")
	for _, c := range []struct {
		name string
		p    Promotion
		list kernel.Money
		rate kernel.FXRate
		want int64
	}{
		{"10 % of ₩12,900 rounds half-up", promo("a", PromotionPercent, 10), kernel.NewMoney(12_905, kernel.KRW), identity, 1291},
		{"15 % of $9.99 in cents", promo("a", PromotionPercent, 15), kernel.NewMoney(999, kernel.USD), usd, 150},
		{"100 % is the whole price", promo("a", PromotionPercent, 100), kernel.NewMoney(999, kernel.USD), usd, 999},
		{"₩5,000 off in KRW", promo("a", PromotionAmount, 5000), kernel.NewMoney(12_900, kernel.KRW), identity, 5000},
		{"₩5,000 off converted to $3.75", promo("a", PromotionAmount, 5000), kernel.NewMoney(999, kernel.USD), usd, 375},
		{"never more than the price", promo("a", PromotionAmount, 50_000), kernel.NewMoney(999, kernel.USD), usd, 999},
	} {
		if got := c.p.Discount(c.list, c.rate); got.Amount != c.want || got.Currency != c.list.Currency {
			t.Errorf("%s: %v, want %d", c.name, got, c.want)
		}
	}
}

func pricingFixture() (Product, CategoryTree) {
	root, _ := NewCategory("00000000-0000-7000-8000-000000000001", "root", nil, 0, nil)
	leaf, _ := NewCategory("00000000-0000-7000-8000-000000000002", "leaf", &root, 0, nil)
	p := Product{ID: "00000000-0000-7000-8000-0000000000aa", CategoryID: leaf.ID, Status: StatusActive, BasePrice: 10_000,
		Markets: kernel.Markets, SKUs: []SKU{
			{ID: "s1", Active: true, PriceDelta: 2_000},
			{ID: "s2", Active: true, MarketPrices: map[kernel.Market]kernel.Money{kernel.MarketUS: kernel.NewMoney(700, kernel.USD)}},
			{ID: "s3", Active: false, PriceDelta: -9_000},
		}}
	return p, NewCategoryTree([]Category{root, leaf})
}

func TestPricerListSalePriceAndBestPromotion(t *testing.T) {
	p, tree := pricingFixture()
	rates := Rates{"USD": rate(t, kernel.USD, "0.00075"), "JPY": rate(t, kernel.JPY, "0.11")}
	onProduct := promo("p-product", PromotionAmount, 3_000, kernel.MarketKR, kernel.MarketUS)
	onProduct.ProductIDs = []string{p.ID}
	onRoot := promo("p-root", PromotionPercent, 10, kernel.MarketKR, kernel.MarketUS, kernel.MarketJP)
	onRoot.CategoryIDs = []string{"00000000-0000-7000-8000-000000000001"}
	elsewhere := promo("p-else", PromotionPercent, 90, kernel.MarketKR)
	elsewhere.CategoryIDs = []string{"00000000-0000-7000-8000-0000000000ff"}
	expired := promo("p-old", PromotionPercent, 90, kernel.MarketKR)
	expired.ProductIDs, expired.EndsAt = []string{p.ID}, t0
	all := []Promotion{onProduct, onRoot, elsewhere, expired}

	kr, err := NewPricer(kernel.MarketKR, rates, all, tree, t0)
	if err != nil {
		t.Fatal(err)
	}
	// s1 lists at ₩12,000: 10 % is ₩1,200, ₩3,000 off wins → ₩9,000.
	if got := kr.SKUPrice(p, p.SKUs[0]); got.List.Amount != 12_000 || got.Sale.Amount != 9_000 || got.Promotion.ID != "p-product" {
		t.Errorf("KR s1 = %+v", got)
	}
	// s2 lists at ₩10,000: ₩3,000 off beats ₩1,000 → ₩7,000; the cheapest active option is s2.
	if from := kr.FromPrice(p); from.List.Amount != 10_000 || from.Sale.Amount != 7_000 {
		t.Errorf("KR from = %+v", from)
	}
	if ps := kr.Promotions(p); len(ps) != 2 {
		t.Errorf("KR promotions = %v", ps)
	}
	us, _ := NewPricer(kernel.MarketUS, rates, all, tree, t0)
	// s2 has an explicit $7.00; ₩3,000 is $2.25; 10 % is $0.70 → $4.75.
	if got := us.SKUPrice(p, p.SKUs[1]); got.List.Amount != 700 || got.Sale.Amount != 475 {
		t.Errorf("US s2 = %+v", got)
	}
	// s1 converts: ₩12,000 × 0.00075 = $9.00; less $2.25 → $6.75. From price: s2 ($7.00 list).
	if from := us.FromPrice(p); from.List.Amount != 700 || from.Sale.Amount != 475 {
		t.Errorf("US from = %+v", from)
	}
	jp, _ := NewPricer(kernel.MarketJP, rates, all, tree, t0)
	// JP: only the category promotion; ₩10,000 × 0.11 = ¥1,100 less 10 %.
	if from := jp.FromPrice(p); from.List != kernel.NewMoney(1_100, kernel.JPY) || from.Sale != kernel.NewMoney(990, kernel.JPY) {
		t.Errorf("JP from = %+v", from)
	}
	if _, err := NewPricer(kernel.MarketJP, Rates{}, nil, tree, t0); !errors.Is(err, ErrPriceUnavailable) {
		t.Errorf("no JPY rate: %v", err)
	}
	// Equal discounts: the promotion ending first wins, then the smaller id.
	a, b := promo("b", PromotionPercent, 10, kernel.MarketKR), promo("a", PromotionPercent, 10, kernel.MarketKR)
	a.ProductIDs, b.ProductIDs = []string{p.ID}, []string{p.ID}
	tie, _ := NewPricer(kernel.MarketKR, rates, []Promotion{a, b}, tree, t0)
	if got := tie.SKUPrice(p, p.SKUs[0]); got.Promotion.ID != "a" {
		t.Errorf("tie = %s", got.Promotion.ID)
	}
	a.EndsAt = t0.Add(30 * time.Minute)
	tie, _ = NewPricer(kernel.MarketKR, rates, []Promotion{a, b}, tree, t0)
	if got := tie.SKUPrice(p, p.SKUs[0]); got.Promotion.ID != "b" {
		t.Errorf("sooner end = %s", got.Promotion.ID)
	}
}

func TestCurrentRatesPicksTheLatestEffectiveEntry(t *testing.T) {
	entries := []RateEntry{
		{Quote: kernel.USD, Rate: "0.0007", EffectiveFrom: t0.Add(-2 * time.Hour)},
		{Quote: kernel.USD, Rate: "0.0008", EffectiveFrom: t0},
		{Quote: kernel.USD, Rate: "0.0009", EffectiveFrom: t0.Add(time.Nanosecond)},
		{Quote: kernel.JPY, Rate: "0.1", EffectiveFrom: t0.Add(-time.Hour)},
	}
	rates, err := CurrentRates(entries, t0)
	if err != nil {
		t.Fatal(err)
	}
	if rates["USD"].Rate.FloatString(4) != "0.0008" || rates["JPY"].Rate.FloatString(1) != "0.1" {
		t.Errorf("rates = %v", rates)
	}
}

func TestAvailability(t *testing.T) {
	two := 2
	for _, c := range []struct {
		s    StockLevel
		want Availability
	}{
		{StockLevel{OnHand: 0}, OutOfStock},
		{StockLevel{OnHand: 5, Reserved: 5}, OutOfStock},
		{StockLevel{OnHand: 6, Reserved: 1}, LowStock},
		{StockLevel{OnHand: 1}, LowStock},
		{StockLevel{OnHand: 6}, InStock},
		{StockLevel{OnHand: 3, LowThreshold: &two}, InStock},
		{StockLevel{OnHand: 2, LowThreshold: &two}, LowStock},
	} {
		if got := c.s.Availability(); got != c.want {
			t.Errorf("%+v = %s, want %s", c.s, got, c.want)
		}
	}
	p, _ := pricingFixture()
	stock := map[string]StockLevel{"s1": {OnHand: 3}, "s2": {OnHand: 2}, "s3": {OnHand: 100}}
	if got := ProductAvailability(p, stock); got != LowStock { // 5 left over active options; s3 is inactive
		t.Errorf("product = %s", got)
	}
	stock["s2"] = StockLevel{OnHand: 3}
	if got := ProductAvailability(p, stock); got != InStock {
		t.Errorf("product with 6 left = %s", got)
	}
	if got := ProductAvailability(p, nil); got != OutOfStock {
		t.Errorf("product without inventory rows = %s", got)
	}
}

func fields(err error) map[string]string {
	out := map[string]string{}
	var e *errs.Error
	if errors.As(err, &e) {
		for _, f := range e.Fields {
			out[f.Field] = f.Code
		}
	}
	return out
}

func TestParseListParams(t *testing.T) {
	ok, err := ParseListParams(ListParams{})
	if err != nil || ok.Sort != SortNewest || ok.Limit != DefaultLimit {
		t.Fatalf("defaults = %+v, %v", ok, err)
	}
	ok, err = ParseListParams(ListParams{Category: " laptops ", Q: " 노트북 ", Sort: "popular", Limit: "100"})
	if err != nil || ok.Category != "laptops" || ok.Q != "노트북" || ok.Sort != SortPopular || ok.Limit != 100 {
		t.Fatalf("parsed = %+v, %v", ok, err)
	}
	for _, c := range []struct {
		p    ListParams
		want map[string]string
	}{
		{ListParams{Limit: "0"}, map[string]string{"limit": "OUT_OF_RANGE"}},
		{ListParams{Limit: "101"}, map[string]string{"limit": "OUT_OF_RANGE"}},
		{ListParams{Limit: "1e3"}, map[string]string{"limit": "INVALID_TYPE"}},
		{ListParams{Sort: "NEWEST"}, map[string]string{"sort": "INVALID_VALUE"}},
		{ListParams{Q: strings.Repeat("가", 101)}, map[string]string{"q": "INVALID_LENGTH"}},
		{ListParams{Q: "\xff"}, map[string]string{"q": "INVALID_LENGTH"}},
		{ListParams{Category: "   "}, map[string]string{"category": "INVALID_VALUE"}},
		{ListParams{Sort: "x", Limit: "x"}, map[string]string{"sort": "INVALID_VALUE", "limit": "INVALID_TYPE"}},
	} {
		_, err := ParseListParams(c.p)
		if !errors.Is(err, errs.ErrValidation) {
			t.Errorf("%+v: %v", c.p, err)
			continue
		}
		if got := fields(err); len(got) != len(c.want) || func() bool {
			for k, v := range c.want {
				if got[k] != v {
					return true
				}
			}
			return false
		}() {
			t.Errorf("%+v: fields %v, want %v", c.p, got, c.want)
		}
	}
	if _, err := ParseListParams(ListParams{Q: strings.Repeat("가", 100)}); err != nil {
		t.Errorf("100 Korean characters: %v", err)
	}
}

func TestCursorIsBoundToItsSortAndScope(t *testing.T) {
	pos := Position{CreatedAt: t0.Add(123 * time.Microsecond), Price: 900, Popularity: 4, ProductID: "0193ab12-0000-7000-8000-000000000001"}
	scope := cursorScope(kernel.MarketKR, kernel.LocaleKO, "", "")
	token := encodeCursor(SortPriceAsc, scope, pos)
	got, err := decodeCursor(token, SortPriceAsc, scope)
	if err != nil || *got != pos {
		t.Fatalf("round trip = %+v, %v", got, err)
	}
	if p, err := decodeCursor("", SortNewest, scope); p != nil || err != nil {
		t.Errorf("empty cursor = %v, %v", p, err)
	}
	// The search text's language matters only when there is a search text.
	if cursorScope(kernel.MarketKR, kernel.LocaleEN, "", "") != scope || cursorScope(kernel.MarketKR, kernel.LocaleEN, "", "a") == cursorScope(kernel.MarketKR, kernel.LocaleKO, "", "a") {
		t.Error("scope and language")
	}
	for name, c := range map[string]struct {
		token string
		sort  Sort
		scope string
	}{
		"another sort":     {token, SortPriceDesc, scope},
		"another market":   {token, SortPriceAsc, cursorScope(kernel.MarketUS, kernel.LocaleKO, "", "")},
		"another category": {token, SortPriceAsc, cursorScope(kernel.MarketKR, kernel.LocaleKO, "x", "")},
		"not base64":       {"%%%", SortPriceAsc, scope},
		"not JSON":         {"bm90LWpzb24", SortPriceAsc, scope},
		"a JSON number":    {kernel.EncodeCursor(7), SortPriceAsc, scope},
		"no product id":    {kernel.EncodeCursor(cursor{V: 1, Sort: SortPriceAsc, Scope: scope}), SortPriceAsc, scope},
		"another version":  {kernel.EncodeCursor(cursor{V: 2, Sort: SortPriceAsc, Scope: scope, ID: pos.ProductID}), SortPriceAsc, scope},
	} {
		if _, err := decodeCursor(c.token, c.sort, c.scope); !errors.Is(err, kernel.ErrInvalidCursor) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestSortCompareAndAfter(t *testing.T) {
	a := Listing{ProductID: "a", Price: 100, Popularity: 5, CreatedAt: t0}
	b := Listing{ProductID: "b", Price: 100, Popularity: 5, CreatedAt: t0}
	c := Listing{ProductID: "c", Price: 50, Popularity: 9, CreatedAt: t0.Add(time.Second)}
	for _, tc := range []struct {
		s    Sort
		want []Listing
	}{
		{SortNewest, []Listing{c, b, a}},
		{SortPriceAsc, []Listing{c, a, b}},
		{SortPriceDesc, []Listing{b, a, c}},
		{SortPopular, []Listing{c, a, b}},
	} {
		for i := 1; i < len(tc.want); i++ {
			if tc.s.Compare(tc.want[i-1], tc.want[i]) >= 0 || !tc.s.After(tc.want[i], PositionOf(tc.want[i-1])) || tc.s.After(tc.want[i-1], PositionOf(tc.want[i-1])) {
				t.Errorf("%s: %s should come before %s", tc.s, tc.want[i-1].ProductID, tc.want[i].ProductID)
			}
		}
	}
}

func TestSaleLineNetAfterRefunds(t *testing.T) {
	for _, c := range []struct {
		l        SaleLine
		qty, rev int64
	}{
		{SaleLine{Quantity: 3, LineTotal: 30_000}, 3, 30_000},
		{SaleLine{Quantity: 3, RefundedQuantity: 1, LineTotal: 10_000}, 2, 6_667}, // 6,666.67 half-up
		{SaleLine{Quantity: 2, RefundedQuantity: 1, LineTotal: 3}, 1, 2},          // 1.5 → 2
		{SaleLine{Quantity: 3, RefundedQuantity: 3, LineTotal: 10_000}, 0, 0},
	} {
		if q, r := c.l.Net(); q != c.qty || r != c.rev {
			t.Errorf("%+v: %d, %d; want %d, %d", c.l, q, r, c.qty, c.rev)
		}
	}
}

func TestBucketizeAndRank(t *testing.T) {
	h := t0
	lines := []SaleLine{
		{Market: kernel.MarketKR, ProductID: "p1", PaidAt: h.Add(10 * time.Minute), Quantity: 2, LineTotal: 200},
		{Market: kernel.MarketKR, ProductID: "p1", PaidAt: h.Add(59 * time.Minute), Quantity: 1, LineTotal: 100},
		{Market: kernel.MarketKR, ProductID: "p1", PaidAt: h.Add(60 * time.Minute), Quantity: 1, LineTotal: 100},
		{Market: kernel.MarketUS, ProductID: "p1", PaidAt: h, Quantity: 7, LineTotal: 7},
		{Market: kernel.MarketKR, ProductID: "p2", PaidAt: h, Quantity: 1, RefundedQuantity: 1, LineTotal: 100},
	}
	got := Bucketize(lines)
	want := []SalesBucket{
		{Market: kernel.MarketKR, Hour: h, ProductID: "p1", Quantity: 3, Revenue: 300},
		{Market: kernel.MarketKR, Hour: h.Add(time.Hour), ProductID: "p1", Quantity: 1, Revenue: 100},
		{Market: kernel.MarketUS, Hour: h, ProductID: "p1", Quantity: 7, Revenue: 7},
	}
	if len(got) != len(want) {
		t.Fatalf("buckets = %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("bucket %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	if sums := SumBuckets(got, kernel.MarketKR, h, h.Add(time.Hour)); len(sums) != 1 || sums[0].Quantity != 3 {
		t.Errorf("sums of the first hour = %+v", sums)
	}
	sales := []ProductSales{
		{ProductID: "d", Quantity: 5, Revenue: 100},
		{ProductID: "c", Quantity: 5, Revenue: 100},
		{ProductID: "b", Quantity: 5, Revenue: 900},
		{ProductID: "a", Quantity: 1, Revenue: 5000},
		{ProductID: "z", Quantity: 0, Revenue: 0},
	}
	ids := func(es []RankEntry) string {
		var s []string
		for _, e := range es {
			s = append(s, e.ProductID)
		}
		return strings.Join(s, ",")
	}
	if got := ids(Rank(sales, ByQuantity, 10)); got != "b,c,d,a" {
		t.Errorf("by quantity = %s", got)
	}
	if got := ids(Rank(sales, ByRevenue, 10)); got != "a,b,c,d" {
		t.Errorf("by revenue = %s", got)
	}
	if got := Rank(sales, ByQuantity, 2); len(got) != 2 || got[1].Rank != 2 {
		t.Errorf("top 2 = %+v", got)
	}
	start, end := RankingWindowAt(t0.Add(30 * time.Minute))
	if !start.Equal(t0.Add(-72*time.Hour)) || !end.Equal(t0.Add(30*time.Minute)) {
		t.Errorf("window = %v – %v", start, end)
	}
}

func TestParseRankBy(t *testing.T) {
	for in, want := range map[string]RankBy{"": ByQuantity, "quantity": ByQuantity, "revenue": ByRevenue} {
		if got, err := ParseRankBy(in); err != nil || got != want {
			t.Errorf("%q = %s, %v", in, got, err)
		}
	}
	if _, err := ParseRankBy("Revenue"); fields(err)["by"] != "INVALID_VALUE" {
		t.Errorf("Revenue: %v", err)
	}
}

func TestProductValidate(t *testing.T) {
	valid := func() Product {
		return Product{ID: "0193ab12-0000-7000-8000-000000000001", CategoryID: "0193ab12-0000-7000-8000-000000000002", Status: StatusActive,
			BasePrice: 1000, Names: Localized{kernel.LocaleKO: "가", kernel.LocaleEN: "a", kernel.LocaleJA: "あ"}, Markets: []kernel.Market{kernel.MarketKR},
			SKUs: []SKU{{ID: "0193ab12-0000-7000-8000-000000000003", Code: "A-1", Active: true}}}
	}
	if err := valid().Validate(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		mod   func(*Product)
		field string
	}{
		{func(p *Product) { p.Status = "GONE" }, "status"},
		{func(p *Product) { p.BasePrice = -1 }, "basePrice"},
		{func(p *Product) { p.Names[kernel.LocaleJA] = " " }, "name.ja"},
		{func(p *Product) { p.Names["fr"] = "x" }, "name.fr"},
		{func(p *Product) { p.SKUs = nil }, "skus"},
		{func(p *Product) { p.SKUs[0].Code = "bad code" }, "skus[0].code"},
		{func(p *Product) { p.SKUs[0].PriceDelta = -1001 }, "skus[0].priceDelta"},
		{func(p *Product) { p.SKUs = append(p.SKUs, SKU{ID: p.SKUs[0].ID, Code: "A-2"}) }, "skus[1].attributes"},
		{func(p *Product) {
			p.SKUs[0].MarketPrices = map[kernel.Market]kernel.Money{kernel.MarketUS: kernel.NewMoney(1, kernel.KRW)}
		}, "skus[0].marketPrices.US"},
		{func(p *Product) { p.Markets = append(p.Markets, kernel.MarketKR) }, "markets[1]"},
		{func(p *Product) { p.Limits.PerOrder = -1 }, "purchaseLimit.perOrder"},
	} {
		p := valid()
		c.mod(&p)
		if got := fields(p.Validate()); got[c.field] == "" {
			t.Errorf("%s: field errors %v", c.field, got)
		}
	}
}

func TestCategoryPathInvariants(t *testing.T) {
	names := Localized{kernel.LocaleKO: "가", kernel.LocaleEN: "a", kernel.LocaleJA: "あ"}
	root, err := NewCategory("0193ab12-0000-7000-8000-000000000001", "root", nil, 0, names)
	if err != nil || root.Depth() != 0 {
		t.Fatalf("root = %+v, %v", root, err)
	}
	child, err := NewCategory("0193ab12-0000-7000-8000-000000000002", "child", &root, 0, names)
	if err != nil || child.Depth() != 1 || child.Path[0] != root.ID {
		t.Fatalf("child = %+v, %v", child, err)
	}
	bad := child
	bad.Path = []string{child.ID}
	if fields(bad.Validate())["path"] == "" {
		t.Error("a child with a root's path is valid")
	}
	if _, err := NewCategory("0193ab12-0000-7000-8000-000000000003", "Bad Slug", nil, 0, names); fields(err)["slug"] == "" {
		t.Errorf("bad slug: %v", err)
	}
	tree := NewCategoryTree([]Category{root, child})
	if sub := tree.Subtree(root.ID); len(sub) != 2 {
		t.Errorf("subtree = %v", sub)
	}
	if c, ok := tree.Find("child"); !ok || c.ID != child.ID {
		t.Error("find by slug")
	}
	if refs := tree.PathRefs(child.ID, kernel.LocaleJA); len(refs) != 2 || refs[0].Name != "あ" {
		t.Errorf("path refs = %v", refs)
	}
}

func TestRateEntryValidate(t *testing.T) {
	ok := RateEntry{ID: "0193ab12-0000-7000-8000-000000000001", Quote: kernel.USD, Rate: "0.00075", EffectiveFrom: t0}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, r := range []string{"0", "-1", "abc", "0.00000000001", "10000000000"} {
		bad := ok
		bad.Rate = r
		if fields(bad.Validate())["rate"] == "" {
			t.Errorf("rate %q accepted", r)
		}
	}
	bad := ok
	bad.Quote = kernel.KRW
	if fields(bad.Validate())["quote"] == "" {
		t.Error("KRW→KRW accepted")
	}
}
