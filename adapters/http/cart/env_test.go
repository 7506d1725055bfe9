package carthttp_test

import (
	"context"

	"net/http"
	"testing"
	"time"

	carthttp "github.com/jupang/jupang/adapters/http/cart"
	"github.com/jupang/jupang/adapters/http/handlertest"
	"github.com/jupang/jupang/adapters/memory"
	"github.com/jupang/jupang/core/cart"
	"github.com/jupang/jupang/core/catalog"
	"github.com/jupang/jupang/core/contracttest"
	"github.com/jupang/jupang/core/kernel"
)

// markets are the three markets every rule is checked in.
var markets = []kernel.Market{kernel.MarketKR, kernel.MarketUS, kernel.MarketJP}

// env is a small catalog and the cart routes on the memory adapters behind a storefront.
type env struct {
	kit *handlertest.Env
	w   *contracttest.CartWorld
	sf  *handlertest.Client
	// products by English name
	p       map[string]catalog.Product
	coupons *fakeCoupons
}

// fakeCoupons is the coupons area as the cart sees it: terms per user coupon id, or an error.
type fakeCoupons struct {
	terms map[string]cart.CouponTerms
	err   map[string]error
}

func (f *fakeCoupons) Terms(_ context.Context, _, userCouponID string, m kernel.Market, _ time.Time) (cart.CouponTerms, error) {
	if err := f.err[userCouponID]; err != nil {
		return cart.CouponTerms{}, err
	}
	t, ok := f.terms[userCouponID]
	if !ok {
		return cart.CouponTerms{}, cart.ErrCouponNotUsable
	}
	return t, nil
}

func newEnv(t testing.TB) *env {
	t.Helper()
	kit := handlertest.New(t)
	h := contracttest.CartHarness{
		Catalog: contracttest.CatalogHarness{Tx: memory.NewUnitOfWork(kit.Store, memory.CatalogStores), Reader: memory.NewCatalogReader(kit.Store), StockTx: memory.NewUnitOfWork(kit.Store, memory.InventoryStores), StockReader: memory.NewInventoryReader(kit.Store),
			NewBuyer: func(*testing.T) string { return kernel.NewID() }},
		Tx: memory.NewUnitOfWork(kit.Store, memory.CartStores), Reads: memory.NewCartReads(kit.Store),
		Orders: memory.NewUnitOfWork(kit.Store, memory.OrderStores),
	}
	e := &env{kit: kit, w: contracttest.NewCartWorld(t, h, cart.Config{}), p: map[string]catalog.Product{},
		coupons: &fakeCoupons{terms: map[string]cart.CouponTerms{}, err: map[string]error{}}}
	e.w.Svc = cart.NewService(h.Tx, h.Reads, h.Catalog.Reader, e.coupons, e.w.Clock, cart.Config{}, nil)
	add := func(spec contracttest.ProductSpec) {
		e.p[spec.Name] = e.w.AddProduct(t, spec)
	}
	// Mug: ₩10,000 = $7.50 = ¥1,100
	add(contracttest.ProductSpec{Name: "Mug", Category: e.w.Kitchen, Base: 10_000, Stock: []int{50}})
	// Laptop: two options (₩1,000,000 and ₩1,001,000), at most 2 per order and 3 per customer
	add(contracttest.ProductSpec{Name: "Laptop", Category: e.w.Laptops, Base: 1_000_000, Stock: []int{3, 5}, Mod: func(p *catalog.Product) {
		p.Limits = catalog.PurchaseLimit{PerOrder: 2, PerCustomer: 3}
	}})
	add(contracttest.ProductSpec{Name: "Knife", Category: e.w.Kitchen, Base: 30_000, Stock: []int{1, 0}})
	add(contracttest.ProductSpec{Name: "Kimchi", Category: e.w.Kitchen, Base: 19_900, Markets: []kernel.Market{kernel.MarketKR}})
	add(contracttest.ProductSpec{Name: "Hidden", Category: e.w.Kitchen, Base: 5_000, Status: catalog.StatusHidden})
	e.sf = kit.Server(t, "storefront", carthttp.Routes(carthttp.NewHandlers(e.w.Svc)))
	return e
}

func (e *env) sku(name string, i int) string { return e.p[name].SKUs[i].ID }

// customer returns a token of a new customer and the customer's id.
func (e *env) customer(t *testing.T) (string, string) {
	t.Helper()
	id := kernel.NewID()
	return e.sf.TokenAs(t, kernel.RoleCustomer, id), id
}

// as builds the request options of a caller: a bearer token ("" for a guest), a session ("" for
// none) and a market.
func as(token string, session kernel.SessionID, m kernel.Market) []handlertest.RequestOption {
	opts := []handlertest.RequestOption{handlertest.Market(string(m))}
	if token != "" {
		opts = append(opts, handlertest.Bearer(token))
	}
	if session != "" {
		opts = append(opts, handlertest.SessionID(string(session)))
	}
	return opts
}

func (e *env) get(t *testing.T, opts []handlertest.RequestOption) handlertest.Response {
	t.Helper()
	return e.sf.Get(t, "/v1/carts/current", opts...)
}

func (e *env) put(t *testing.T, opts []handlertest.RequestOption, skuID string, quantity any) handlertest.Response {
	t.Helper()
	return e.sf.Do(t, http.MethodPut, "/v1/carts/current/items", append(opts, handlertest.JSON(map[string]any{"skuId": skuID, "quantity": quantity}))...)
}

func (e *env) del(t *testing.T, opts []handlertest.RequestOption, itemID string) handlertest.Response {
	t.Helper()
	return e.sf.Do(t, http.MethodDelete, "/v1/carts/current/items/"+itemID, opts...)
}

func (e *env) merge(t *testing.T, opts []handlertest.RequestOption, session kernel.SessionID) handlertest.Response {
	t.Helper()
	return e.sf.Post(t, "/v1/carts/merge", append(opts, handlertest.JSON(map[string]any{"sessionId": string(session)}))...)
}

// amount reads a Money member: its amount and currency (amount -1 for null).
func amount(v any) (int64, string) {
	m, ok := v.(map[string]any)
	if !ok {
		return -1, ""
	}
	return int64(m["amount"].(float64)), m["currency"].(string)
}

// totals reads the cart's totals as amounts.
func totals(t *testing.T, r handlertest.Response) map[string]int64 {
	t.Helper()
	tt, ok := r.Body["totals"].(map[string]any)
	if !ok {
		t.Fatalf("no totals in %s", r.Raw)
	}
	out := map[string]int64{}
	for _, k := range []string{"subtotal", "itemDiscount", "couponDiscount", "shippingFee", "estimatedTax", "total"} {
		out[k], _ = amount(tt[k])
	}
	return out
}

func items(t *testing.T, r handlertest.Response) []map[string]any {
	t.Helper()
	raw, ok := r.Body["items"].([]any)
	if !ok {
		t.Fatalf("no items in %s", r.Raw)
	}
	out := make([]map[string]any, len(raw))
	for i, it := range raw {
		out[i] = it.(map[string]any)
	}
	return out
}

func wantProblem(t *testing.T, r handlertest.Response, status int, code string) handlertest.Problem {
	t.Helper()
	if r.Status != status {
		t.Fatalf("%d %s, want %d %s", r.Status, r.Raw, status, code)
	}
	p := r.Problem(t)
	if p.Code != code {
		t.Fatalf("code %s (%s), want %s", p.Code, r.Raw, code)
	}
	return p
}

func (e *env) noCart(t *testing.T, o cart.Owner) {
	t.Helper()
	if c, ok, err := e.w.Carts.Reads.Carts.Active(context.Background(), o); ok || err != nil {
		t.Fatalf("the owner has a cart %+v (%v)", c, err)
	}
}

func (e *env) setStock(t *testing.T, name string, i, onHand int) {
	t.Helper()
	if err := e.w.SetStock(t, e.sku(name, i), onHand); err != nil {
		t.Fatal(err)
	}
}

func customerRequest(userID string) kernel.Request {
	return contracttest.CustomerRequest(userID, kernel.MarketKR)
}
