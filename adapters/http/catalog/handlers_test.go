package cataloghttp_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	cataloghttp "github.com/jupang/jupang/adapters/http/catalog"
	"github.com/jupang/jupang/adapters/http/handlertest"
	"github.com/jupang/jupang/adapters/http/rbactest"
	"github.com/jupang/jupang/adapters/http/server"
	"github.com/jupang/jupang/adapters/memory"
	"github.com/jupang/jupang/core/catalog"
	"github.com/jupang/jupang/core/contracttest"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/order"
)

const ttl = 30 * time.Second

// env is a seeded catalog on the memory adapters behind a storefront and an admin server.
type env struct {
	kit               *handlertest.Env
	w                 *contracttest.CatalogWorld
	source            *countingSource
	storefront, admin *handlertest.Client
	// products by English name
	p map[string]catalog.Product
	// visible[m] is every product listed in market m
	visible map[kernel.Market][]string
	buyer   string
}

// countingSource counts the calls a TopCache makes to the service.
type countingSource struct {
	svc   *catalog.Service
	calls atomic.Int64
	gate  chan struct{} // when set, calls wait for it to close
}

func (s *countingSource) TopProducts(ctx context.Context, v catalog.View, by catalog.RankBy) (catalog.TopList, error) {
	s.calls.Add(1)
	if s.gate != nil {
		<-s.gate
	}
	return s.svc.TopProducts(ctx, v, by)
}

func newEnv(t *testing.T) *env {
	t.Helper()
	kit := handlertest.New(t)
	h := contracttest.CatalogHarness{Tx: memory.NewUnitOfWork(kit.Store, memory.CatalogStores), Reader: memory.NewCatalogReader(kit.Store),
		StockTx: memory.NewUnitOfWork(kit.Store, memory.InventoryStores), StockReader: memory.NewInventoryReader(kit.Store),
		NewBuyer: func(*testing.T) string { return kernel.NewID() }, NewFeed: func() catalog.ChangeFeed { return memory.NewCatalogChangeFeed(kit.Store) },
		OrderTx: memory.NewUnitOfWork(kit.Store, memory.OrderStores), Numbers: memory.NewOrderNumbers(),
		WalletTx: memory.NewUnitOfWork(kit.Store, memory.WalletStores), WalletReader: memory.NewWalletReader(kit.Store)}
	e := &env{kit: kit, w: contracttest.NewCatalogWorld(t, h), p: map[string]catalog.Product{}, visible: map[kernel.Market][]string{}}
	buyer, err := kit.Identity.UserByEmail(context.Background(), "customer@jupang.test")
	if err != nil {
		t.Fatal(err)
	}
	e.buyer = buyer.ID
	add := func(spec contracttest.ProductSpec) {
		e.w.Clock.Advance(time.Minute)
		p := e.w.AddProduct(t, spec)
		e.p[spec.Name] = p
		if p.Status == catalog.StatusActive {
			for _, m := range p.Markets {
				e.visible[m] = append(e.visible[m], p.ID)
			}
		}
	}
	add(contracttest.ProductSpec{Name: "Laptop Pro", Category: e.w.Laptops, Base: 1_500_000, Stock: []int{3, 0}, Mod: func(p *catalog.Product) {
		p.Names = catalog.Localized{kernel.LocaleKO: "노트북 프로", kernel.LocaleEN: "Laptop Pro", kernel.LocaleJA: "ノートパソコン プロ"}
		p.Limits = catalog.PurchaseLimit{PerOrder: 2}
		p.SKUs[0].MarketPrices = map[kernel.Market]kernel.Money{kernel.MarketUS: kernel.NewMoney(99_900, kernel.USD)}
	}})
	add(contracttest.ProductSpec{Name: "Laptop Air", Category: e.w.Laptops, Base: 1_100_000, Stock: []int{0}})
	add(contracttest.ProductSpec{Name: "Phone X", Category: e.w.Phones, Base: 990_000, Stock: []int{40, 2}})
	add(contracttest.ProductSpec{Name: "Phone Mini", Category: e.w.Phones, Base: 690_000})
	add(contracttest.ProductSpec{Name: "Kimchi", Category: e.w.Kitchen, Base: 19_900, Markets: []kernel.Market{kernel.MarketKR}})
	add(contracttest.ProductSpec{Name: "Frying Pan", Category: e.w.Kitchen, Base: 35_000})
	add(contracttest.ProductSpec{Name: "Knife", Category: e.w.Kitchen, Base: 35_000})
	add(contracttest.ProductSpec{Name: "Kettle", Category: e.w.Kitchen, Base: 45_000, Mod: func(p *catalog.Product) { p.Images = nil }})
	add(contracttest.ProductSpec{Name: "Hidden Phone", Category: e.w.Phones, Base: 1, Status: catalog.StatusHidden})
	add(contracttest.ProductSpec{Name: "Draft Pan", Category: e.w.Kitchen, Base: 1, Status: catalog.StatusDraft})
	for i := range 6 {
		add(contracttest.ProductSpec{Name: fmt.Sprint("Mug ", i), Category: e.w.Kitchen, Base: int64(8_000 + 1000*(i%3))})
	}
	ctx := context.Background()
	if _, err := e.w.Svc.SavePromotion(ctx, catalog.Promotion{Type: catalog.PromotionPercent, Value: 10, StartsAt: e.w.Clock.Now().Add(-time.Hour),
		EndsAt: e.w.Clock.Now().Add(72 * time.Hour), Markets: kernel.Markets, CategoryIDs: []string{e.w.Laptops.ID},
		Names: catalog.Localized{kernel.LocaleKO: "노트북 할인", kernel.LocaleEN: "Laptop sale", kernel.LocaleJA: "ノートパソコンセール"}}); err != nil {
		t.Fatal(err)
	}
	e.sell(t, "Phone Mini", 9)
	e.sell(t, "Frying Pan", 4)
	e.sell(t, "Knife", 4)
	e.sell(t, "Mug 2", 1)
	if err := e.w.Svc.RefreshRankings(ctx); err != nil {
		t.Fatal(err)
	}
	e.source = &countingSource{svc: e.w.Svc}
	e.storefront = e.server(t, "storefront")
	e.admin = e.server(t, "admin")
	return e
}

// server builds one instance of binary, with its own top-products cache.
func (e *env) server(t *testing.T, binary string) *handlertest.Client {
	t.Helper()
	h := cataloghttp.NewHandlers(e.w.Svc, cataloghttp.NewTopCache(e.source, e.w.Clock, ttl))
	return e.kit.Server(t, binary, cataloghttp.Routes(h))
}

// sell places a paid KR order of qty units of the named product, paid a minute ago.
func (e *env) sell(t *testing.T, name string, qty int) {
	t.Helper()
	e.w.Sell(t, e.buyer, kernel.MarketKR, e.w.Clock.Now().Add(-time.Minute), order.ItemInput{SKUID: e.p[name].SKUs[0].ID, Quantity: qty})
}

func ids(items []map[string]any) []string {
	var out []string
	for _, it := range items {
		out = append(out, it["id"].(string))
	}
	return out
}

func money(v any) (int64, string, string) {
	m := v.(map[string]any)
	return int64(m["amount"].(float64)), m["currency"].(string), m["formatted"].(string)
}

// listAll pages through /v1/products with query q and page size limit.
func listAll(t *testing.T, srv *handlertest.Client, q url.Values, limit int, opts ...handlertest.RequestOption) ([]map[string]any, int) {
	t.Helper()
	q.Set("limit", fmt.Sprint(limit))
	var all []map[string]any
	pages := 0
	for {
		r := srv.Get(t, "/v1/products?"+q.Encode(), opts...)
		if r.Status != http.StatusOK {
			t.Fatalf("page %d: %d %s", pages, r.Status, r.Raw)
		}
		pages++
		items := r.Items(t)
		if len(items) > limit {
			t.Fatalf("page of %d items with limit %d", len(items), limit)
		}
		all = append(all, items...)
		next, _ := r.Body["nextCursor"].(string)
		if next == "" {
			return all, pages
		}
		if len(items) != limit {
			t.Fatalf("a short page (%d) with a next cursor", len(items))
		}
		q.Set("cursor", next)
		if pages > 50 {
			t.Fatal("pagination does not end")
		}
	}
}

func TestListDefaultsToNewestInTheMarketLanguage(t *testing.T) {
	e := newEnv(t)
	r := e.storefront.Get(t, "/v1/products")
	if r.Status != http.StatusOK || r.Header.Get("Content-Language") != "ko" || r.Header.Get("Vary") != "Accept-Language, X-Market" {
		t.Fatalf("%d %v %s", r.Status, r.Header, r.Raw)
	}
	items := r.Items(t)
	want := slices.Clone(e.visible[kernel.MarketKR])
	slices.Reverse(want)
	if len(items) != len(want) || !slices.Equal(ids(items), want) {
		t.Fatalf("newest first:\n got %v\nwant %v", ids(items), want)
	}
	if r.Body["nextCursor"] != nil {
		t.Errorf("nextCursor = %v on the only page", r.Body["nextCursor"])
	}
	mug := items[0] // the last product added
	if mug["name"] != "상품 Mug 5" || mug["category"].(map[string]any)["name"] != "주방" || mug["availability"] != "IN_STOCK" {
		t.Errorf("summary = %v", mug)
	}
	if amount, cur, text := money(mug["price"]); amount != 10_000 || cur != "KRW" || text != "₩10,000" {
		t.Errorf("price = %d %s %q", amount, cur, text)
	}
	if !strings.HasPrefix(mug["thumbnailUrl"].(string), "https://img.jupang.test/") {
		t.Errorf("thumbnail = %v", mug["thumbnailUrl"])
	}
	for _, it := range items {
		if it["id"] == e.p["Kettle"].ID && it["thumbnailUrl"] != nil {
			t.Errorf("a product without images has thumbnail %v", it["thumbnailUrl"])
		}
	}
}

func TestListEverySortPagesWithoutRepeatsOrGaps(t *testing.T) {
	e := newEnv(t)
	for _, m := range kernel.Markets {
		for _, s := range catalog.Sorts {
			for _, limit := range []int{1, 3, 100} {
				q := url.Values{"sort": {string(s)}}
				all, pages := listAll(t, e.storefront, q, limit, handlertest.Market(string(m)))
				got := ids(all)
				sorted := slices.Clone(got)
				slices.Sort(sorted)
				if len(slices.Compact(sorted)) != len(got) {
					t.Fatalf("%s %s limit %d: a product appears twice: %v", m, s, limit, got)
				}
				want := slices.Clone(e.visible[m])
				slices.Sort(want)
				if !slices.Equal(sorted, want) {
					t.Fatalf("%s %s limit %d: got %d products, want %d", m, s, limit, len(sorted), len(want))
				}
				if wantPages := (len(want) + limit - 1) / limit; pages != max(wantPages, 1) && pages != wantPages+1 {
					t.Errorf("%s %s limit %d: %d pages for %d products", m, s, limit, pages, len(want))
				}
				checkOrder(t, e, m, s, all)
			}
		}
	}
}

// checkOrder checks a complete list against the sort's rule.
func checkOrder(t *testing.T, e *env, m kernel.Market, s catalog.Sort, items []map[string]any) {
	t.Helper()
	sold := map[string]int64{e.p["Phone Mini"].ID: 9, e.p["Frying Pan"].ID: 4, e.p["Knife"].ID: 4, e.p["Mug 2"].ID: 1}
	created := map[string]time.Time{}
	for _, p := range e.p {
		created[p.ID] = p.CreatedAt
	}
	for i := 1; i < len(items); i++ {
		a, b := items[i-1], items[i]
		ida, idb := a["id"].(string), b["id"].(string)
		pa, _, _ := money(a["listPrice"])
		pb, _, _ := money(b["listPrice"])
		var ok bool
		switch s {
		case catalog.SortNewest:
			ok = created[ida].After(created[idb])
		case catalog.SortPriceAsc:
			ok = pa < pb || pa == pb && ida < idb
		case catalog.SortPriceDesc:
			ok = pa > pb || pa == pb && ida > idb
		case catalog.SortPopular:
			qa, qb := sold[ida], sold[idb]
			if m != kernel.MarketKR {
				qa, qb = 0, 0
			}
			ok = qa > qb || qa == qb && ida < idb
		}
		if !ok {
			t.Fatalf("%s %s: %v (%d) before %v (%d)", m, s, a["name"], pa, b["name"], pb)
		}
	}
}

func TestListFilters(t *testing.T) {
	e := newEnv(t)
	cases := []struct {
		name           string
		query          string
		market, accept string
		want           []string
	}{
		{"category by id includes nothing else", "category=" + e.w.Phones.ID, "", "", []string{"Phone X", "Phone Mini"}},
		{"category by slug includes its subtree", "category=electronics", "", "", []string{"Laptop Pro", "Laptop Air", "Phone X", "Phone Mini"}},
		{"search in Korean", "q=" + url.QueryEscape("노트북"), "", "", []string{"Laptop Pro"}},
		{"search in the request language", "q=" + url.QueryEscape("パソコン"), "", "ja", []string{"Laptop Pro"}},
		{"search in another language finds nothing", "q=" + url.QueryEscape("パソコン"), "", "", nil},
		{"search ignores case", "q=LAPTOP", "", "en-US", []string{"Laptop Pro", "Laptop Air"}},
		{"search and category", "q=mug&category=kitchen", "", "en", []string{"Mug 0", "Mug 1", "Mug 2", "Mug 3", "Mug 4", "Mug 5"}},
		{"a KR-only product is not in the US list", "category=kitchen&q=kimchi", "US", "en", nil},
		{"a KR-only product is in the KR list", "category=kitchen&q=kimchi", "", "en", []string{"Kimchi"}},
		{"hidden and draft products never appear", "q=" + url.QueryEscape("Hidden"), "", "en", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			all, _ := listAll(t, e.storefront, mustQuery(t, c.query), 2, in(c.market, c.accept)...)
			var want []string
			for _, n := range c.want {
				want = append(want, e.p[n].ID)
			}
			got := ids(all)
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("got %d products, want %v", len(got), c.want)
			}
		})
	}
}

// in asks for a market and languages; empty ones are not sent, so the defaults apply.
func in(market, acceptLanguage string) []handlertest.RequestOption {
	var opts []handlertest.RequestOption
	if market != "" {
		opts = append(opts, handlertest.Market(market))
	}
	if acceptLanguage != "" {
		opts = append(opts, handlertest.Language(acceptLanguage))
	}
	return opts
}

func mustQuery(t *testing.T, s string) url.Values {
	t.Helper()
	q, err := url.ParseQuery(s)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func TestListPricesAndTextsFollowMarketAndLanguage(t *testing.T) {
	e := newEnv(t)
	find := func(r handlertest.Response, id string) map[string]any {
		t.Helper()
		for _, it := range r.Items(t) {
			if it["id"] == id {
				return it
			}
		}
		t.Fatalf("%s not listed: %s", id, r.Raw)
		return nil
	}
	laptop := e.p["Laptop Pro"].ID
	cases := []struct {
		market, accept       string
		lang, name           string
		price, list          int64
		currency, listFormat string
	}{
		// 10 % laptop promotion; KR 1,500,000 won.
		{"", "", "ko", "노트북 프로", 1_350_000, 1_500_000, "KRW", "₩1,500,000"},
		{"", "en", "en", "Laptop Pro", 1_350_000, 1_500_000, "KRW", "₩1,500,000"},
		// US: the explicit price $999.00, less 10 %.
		{"US", "", "en", "Laptop Pro", 89_910, 99_900, "USD", "$999.00"},
		// JP: converted at 0.11, ¥165,000, less 10 %; Japanese by the market's default.
		{"JP", "", "ja", "ノートパソコン プロ", 148_500, 165_000, "JPY", "￥165,000"},
		{"JP", "ko;q=0.9, fr", "ko", "노트북 프로", 148_500, 165_000, "JPY", "JP¥165,000"},
		{"US", "zz", "en", "Laptop Pro", 89_910, 99_900, "USD", "$999.00"},
	}
	for _, c := range cases {
		r := e.storefront.Get(t, "/v1/products?category=laptops", in(c.market, c.accept)...)
		if r.Status != http.StatusOK || r.Header.Get("Content-Language") != c.lang {
			t.Fatalf("%s/%s: %d, Content-Language %q", c.market, c.accept, r.Status, r.Header.Get("Content-Language"))
		}
		it := find(r, laptop)
		price, cur, _ := money(it["price"])
		list, _, listText := money(it["listPrice"])
		if it["name"] != c.name || price != c.price || list != c.list || cur != c.currency || listText != c.listFormat {
			t.Errorf("%s/%s: %v %d/%d %s %q", c.market, c.accept, it["name"], price, list, cur, listText)
		}
	}
	if r := e.storefront.Get(t, "/v1/products", handlertest.Market("CN")); r.Status != http.StatusBadRequest || r.Body["code"] != "INVALID_MARKET" {
		t.Errorf("X-Market CN: %d %s", r.Status, r.Raw)
	}
}

func TestListRejectsBadParameters(t *testing.T) {
	e := newEnv(t)
	first := e.storefront.Get(t, "/v1/products?limit=2&sort=price_asc")
	cursor := first.Body["nextCursor"].(string)
	cases := []struct {
		query  string
		code   string
		fields map[string]string
	}{
		{"limit=0", "VALIDATION_FAILED", map[string]string{"limit": "OUT_OF_RANGE"}},
		{"limit=101", "VALIDATION_FAILED", map[string]string{"limit": "OUT_OF_RANGE"}},
		{"limit=ten", "VALIDATION_FAILED", map[string]string{"limit": "INVALID_TYPE"}},
		{"sort=cheapest", "VALIDATION_FAILED", map[string]string{"sort": "INVALID_VALUE"}},
		{"sort=cheapest&limit=-1", "VALIDATION_FAILED", map[string]string{"sort": "INVALID_VALUE", "limit": "OUT_OF_RANGE"}},
		{"category=no-such-category", "VALIDATION_FAILED", map[string]string{"category": "UNKNOWN_CATEGORY"}},
		{"category=" + kernel.NewID(), "VALIDATION_FAILED", map[string]string{"category": "UNKNOWN_CATEGORY"}},
		{"q=" + strings.Repeat("a", 101), "VALIDATION_FAILED", map[string]string{"q": "INVALID_LENGTH"}},
		{"cursor=not-a-cursor!", "INVALID_CURSOR", map[string]string{"cursor": "INVALID_CURSOR"}},
		{"cursor=" + url.QueryEscape(cursor[:len(cursor)-3]), "INVALID_CURSOR", map[string]string{"cursor": "INVALID_CURSOR"}},
		{"cursor=" + url.QueryEscape(cursor), "INVALID_CURSOR", map[string]string{"cursor": "INVALID_CURSOR"}},                                 // another sort
		{"sort=price_asc&category=kitchen&cursor=" + url.QueryEscape(cursor), "INVALID_CURSOR", map[string]string{"cursor": "INVALID_CURSOR"}}, // another filter
	}
	for _, c := range cases {
		r := e.storefront.Get(t, "/v1/products?"+c.query)
		if r.Status != http.StatusBadRequest || r.Body["code"] != c.code {
			t.Errorf("%s: %d %s", c.query, r.Status, r.Raw)
			continue
		}
		if got := r.Problem(t).Fields(); fmt.Sprint(got) != fmt.Sprint(c.fields) {
			t.Errorf("%s: field errors %v, want %v", c.query, got, c.fields)
		}
	}
	// The same cursor with its own sort still works, and in Japanese the error text is Japanese.
	if r := e.storefront.Get(t, "/v1/products?limit=2&sort=price_asc&cursor="+url.QueryEscape(cursor)); r.Status != http.StatusOK {
		t.Errorf("a valid cursor: %d %s", r.Status, r.Raw)
	}
	if r := e.storefront.Get(t, "/v1/products?limit=0", handlertest.Language("ja")); r.Body["detail"] != "リクエストの内容が正しくありません。" {
		t.Errorf("Japanese detail = %v", r.Body["detail"])
	}
}

func TestDetail(t *testing.T) {
	e := newEnv(t)
	p := e.p["Laptop Pro"]
	r := e.storefront.Get(t, "/v1/products/"+p.ID, handlertest.Language("en"))
	if r.Status != http.StatusOK {
		t.Fatalf("%d %s", r.Status, r.Raw)
	}
	b := r.Body
	if b["name"] != "Laptop Pro" || b["description"] != "About Laptop Pro" || b["availability"] != "LOW_STOCK" {
		t.Errorf("detail = %s", r.Raw)
	}
	path := b["categoryPath"].([]any)
	if len(path) != 2 || path[0].(map[string]any)["name"] != "Electronics" || path[1].(map[string]any)["id"] != e.w.Laptops.ID {
		t.Errorf("categoryPath = %v", path)
	}
	options := b["options"].([]any)
	if len(options) != 2 {
		t.Fatalf("options = %v", options)
	}
	o0, o1 := options[0].(map[string]any), options[1].(map[string]any)
	if o0["availability"] != "LOW_STOCK" || o1["availability"] != "OUT_OF_STOCK" || o0["skuId"] != p.SKUs[0].ID ||
		o1["attributes"].(map[string]any)["size"] != "1" {
		t.Errorf("options = %v", options)
	}
	if price, _, _ := money(o1["price"]); price != 1_350_900 { // (1,500,000 + 1,000) less 10 %
		t.Errorf("second option price = %d", price)
	}
	promos := b["promotions"].([]any)
	if len(promos) != 1 || promos[0].(map[string]any)["name"] != "Laptop sale" || promos[0].(map[string]any)["endsAt"] == nil {
		t.Errorf("promotions = %v", promos)
	}
	limit := b["purchaseLimit"].(map[string]any)
	if limit["perOrder"] != 2.0 || limit["perCustomer"] != nil {
		t.Errorf("purchaseLimit = %v", limit)
	}
	if brand := b["brand"].(map[string]any); brand["name"] != "Jupang Basics" {
		t.Errorf("brand = %v", brand)
	}
	// Availability of a product sums its options.
	if r := e.storefront.Get(t, "/v1/products/"+e.p["Phone X"].ID); r.Body["availability"] != "IN_STOCK" {
		t.Errorf("Phone X = %v", r.Body["availability"])
	}
	if r := e.storefront.Get(t, "/v1/products/"+e.p["Laptop Air"].ID); r.Body["availability"] != "OUT_OF_STOCK" {
		t.Errorf("Laptop Air = %v", r.Body["availability"])
	}
	// The staff binary serves the same detail to a Support token; a partner token is refused.
	if r := e.admin.Get(t, "/v1/products/"+p.ID, handlertest.Bearer(e.admin.Token(t, kernel.RoleSupport))); r.Status != http.StatusOK {
		t.Errorf("admin with a Support token: %d", r.Status)
	}
	if r := e.admin.Get(t, "/v1/products/"+p.ID, handlertest.Bearer(e.admin.Token(t, kernel.RoleExternal))); r.Status != http.StatusForbidden {
		t.Errorf("admin with an External token: %d", r.Status)
	}
}

func TestDetailNotFound(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct {
		name, id, market string
	}{
		{"unknown", kernel.NewID(), ""},
		{"malformed", "not-an-id", ""},
		{"hidden", e.p["Hidden Phone"].ID, ""},
		{"draft", e.p["Draft Pan"].ID, ""},
		{"not sold in the market", e.p["Kimchi"].ID, "JP"},
	} {
		r := e.storefront.Get(t, "/v1/products/"+c.id, in(c.market, "")...)
		if r.Status != http.StatusNotFound || r.Body["code"] != "PRODUCT_NOT_FOUND" {
			t.Errorf("%s: %d %s", c.name, r.Status, r.Raw)
		}
	}
	if r := e.storefront.Get(t, "/v1/products/"+e.p["Kimchi"].ID); r.Status != http.StatusOK {
		t.Errorf("Kimchi in KR: %d", r.Status)
	}
	if r := e.storefront.Get(t, "/v1/products/"+kernel.NewID(), handlertest.Language("ko")); r.Body["detail"] != "상품을 찾을 수 없습니다." {
		t.Errorf("Korean detail = %v", r.Body["detail"])
	}
}

func TestEveryCatalogRouteFollowsTheRBACTable(t *testing.T) {
	e := newEnv(t)
	for _, srv := range []*handlertest.Client{e.storefront, e.admin} {
		rbactest.Sweep(t, srv.Server(), srv.Token, rbactest.Options{
			Param: func(server.Route, string) string { return e.p["Laptop Pro"].ID },
		})
	}
}

func TestTopProducts(t *testing.T) {
	e := newEnv(t)
	r := e.storefront.Get(t, "/v1/products/top?by=quantity", handlertest.Language("en"))
	if r.Status != http.StatusOK {
		t.Fatalf("%d %s", r.Status, r.Raw)
	}
	want := []string{e.p["Phone Mini"].ID, e.p["Frying Pan"].ID, e.p["Knife"].ID, e.p["Mug 2"].ID}
	if e.p["Knife"].ID < e.p["Frying Pan"].ID { // same quantity and revenue: by product id
		want[1], want[2] = want[2], want[1]
	}
	var got []string
	for i, it := range r.Items(t) {
		if it["rank"] != float64(i+1) {
			t.Errorf("rank %v at %d", it["rank"], i)
		}
		got = append(got, it["product"].(map[string]any)["id"].(string))
	}
	if !slices.Equal(got, want) {
		t.Fatalf("top = %v, want %v", got, want)
	}
	first := r.Items(t)[0]
	if qty, rev := first["soldQuantity"], first["revenue"].(map[string]any); qty != 9.0 || rev["amount"] != 9*690_000.0 || rev["formatted"] != "₩6,210,000" {
		t.Errorf("first = %v", first)
	}
	if r.Body["market"] != "KR" || r.Body["by"] != "quantity" || r.Body["computedAt"] != e.w.Clock.Now().Format(time.RFC3339) {
		t.Errorf("envelope = %s", r.Raw)
	}
	if cc := r.Header.Get("Cache-Control"); cc != "public, max-age=30" {
		t.Errorf("Cache-Control = %q", cc)
	}
	// Revenue: Phone Mini first still; then the pans at 4 × 35,000 each.
	if r := e.storefront.Get(t, "/v1/products/top?by=revenue"); r.Items(t)[0]["product"].(map[string]any)["id"] != e.p["Phone Mini"].ID {
		t.Errorf("by revenue: %s", r.Raw)
	}
	// Other markets have no sales of these; the lists are empty but computed.
	if r := e.storefront.Get(t, "/v1/products/top", handlertest.Market("US")); len(r.Items(t)) != 0 || r.Body["computedAt"] == nil || r.Body["by"] != "quantity" {
		t.Errorf("US: %s", r.Raw)
	}
	if r := e.storefront.Get(t, "/v1/products/top?by=price"); r.Status != http.StatusBadRequest || r.Problem(t).Fields()["by"] != "INVALID_VALUE" {
		t.Errorf("by=price: %d %s", r.Status, r.Raw)
	}
}

func TestTopETagAndNotModified(t *testing.T) {
	e := newEnv(t)
	r := e.storefront.Get(t, "/v1/products/top")
	etag := r.Header.Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	for _, inm := range []string{etag, "W/" + etag, `"other", ` + etag, "*"} {
		nm := e.storefront.Get(t, "/v1/products/top", handlertest.Header("If-None-Match", inm))
		if nm.Status != http.StatusNotModified || len(nm.Raw) != 0 || nm.Header.Get("ETag") != etag {
			t.Errorf("If-None-Match %s: %d %q", inm, nm.Status, nm.Raw)
		}
	}
	if r := e.storefront.Get(t, "/v1/products/top", handlertest.Header("If-None-Match", `"stale"`)); r.Status != http.StatusOK {
		t.Errorf("a stale ETag: %d", r.Status)
	}
	// Each language and measure is its own representation.
	en := e.storefront.Get(t, "/v1/products/top", handlertest.Language("en"))
	rev := e.storefront.Get(t, "/v1/products/top?by=revenue")
	if en.Header.Get("ETag") == etag || rev.Header.Get("ETag") == etag {
		t.Error("different bodies share an ETag")
	}
	// max-age counts down to the refresh.
	e.w.Clock.Advance(ttl - 10*time.Second)
	if r := e.storefront.Get(t, "/v1/products/top"); r.Header.Get("Cache-Control") != "public, max-age=10" {
		t.Errorf("Cache-Control = %q", r.Header.Get("Cache-Control"))
	}
}

func TestTopMovesAfterTheJobAndTheCacheRefreshOnEveryInstance(t *testing.T) {
	e := newEnv(t)
	second := e.server(t, "storefront") // another instance with its own cache over the same data
	top1 := func(srv *handlertest.Client) (string, string) {
		r := srv.Get(t, "/v1/products/top", handlertest.Language("en"))
		return r.Items(t)[0]["product"].(map[string]any)["name"].(string), r.Header.Get("ETag")
	}
	if n1, _ := top1(e.storefront); n1 != "Phone Mini" {
		t.Fatalf("top = %s", n1)
	}
	e.sell(t, "Kettle", 20)
	e.w.Clock.Advance(time.Minute) // the cached answer expires; the job has not run yet
	if n, _ := top1(e.storefront); n != "Phone Mini" {
		t.Fatalf("the ranking moved before the job ran: %s", n)
	}
	if err := e.w.Svc.RefreshRankings(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n, _ := top1(e.storefront); n != "Phone Mini" {
		t.Fatalf("the cached answer changed before its TTL: %s", n)
	}
	e.w.Clock.Advance(ttl)
	n1, etag1 := top1(e.storefront)
	n2, etag2 := top1(second)
	if n1 != "Kettle" || n2 != "Kettle" || etag1 != etag2 {
		t.Fatalf("after the job and one TTL: %s (%s) and %s (%s)", n1, etag1, n2, etag2)
	}
}

func TestTopCacheFillsOncePerMarketUnderConcurrentMisses(t *testing.T) {
	e := newEnv(t)
	e.source.gate = make(chan struct{})
	var wg sync.WaitGroup
	var ok, started atomic.Int64
	for i := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			started.Add(1)
			lang := []string{"ko", "en", "ja"}[i%3]
			by := []string{"quantity", "revenue"}[i%2]
			if r := e.storefront.Get(t, "/v1/products/top?by="+by, handlertest.Language(lang)); r.Status == http.StatusOK {
				ok.Add(1)
			}
		}()
	}
	// Hold the first fill until every request has been issued, so they pile up behind it.
	for started.Load() < 200 || e.source.calls.Load() < 1 {
		runtime.Gosched()
	}
	close(e.source.gate)
	wg.Wait()
	if ok.Load() != 200 {
		t.Fatalf("%d of 200 requests succeeded", ok.Load())
	}
	// One fill of the KR entry: 2 measures × 3 languages.
	if calls := e.source.calls.Load(); calls != 6 {
		t.Fatalf("the service was asked %d times, want 6 (one fill)", calls)
	}
	e.storefront.Get(t, "/v1/products/top", handlertest.Market("JP"))
	if calls := e.source.calls.Load(); calls != 12 {
		t.Fatalf("after a JP request: %d calls, want 12", calls)
	}
}
