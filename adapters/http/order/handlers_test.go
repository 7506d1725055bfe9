package orderhttp_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/jupang/jupang/adapters/http/handlertest"
	orderhttp "github.com/jupang/jupang/adapters/http/order"
	"github.com/jupang/jupang/adapters/memory"
	"github.com/jupang/jupang/adapters/payment"
	"github.com/jupang/jupang/core/contracttest"
	"github.com/jupang/jupang/core/identity"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/order"
)

type env struct {
	w            *contracttest.OrderWorld
	shop, admin  *handlertest.Client
	buyer, token string
}

func newEnv(t *testing.T, stock int) *env {
	t.Helper()
	kit := handlertest.New(t)
	store := kit.Store
	charges := payment.NewMemoryChargeStore()
	users := memory.NewUnitOfWork(store, memory.IdentityStores)
	newUser := func(t testing.TB) string {
		id := kernel.NewID()
		if err := users.Do(context.Background(), func(ctx context.Context, st identity.Stores) error {
			return st.Users.Create(ctx, identity.User{ID: id, Email: id + "@jupang.test", Name: "Buyer", Status: identity.UserActive,
				Roles: []kernel.Role{kernel.RoleCustomer}})
		}); err != nil {
			t.Fatal(err)
		}
		return id
	}
	h := contracttest.OrderHarness{
		Inventory: contracttest.InventoryHarness{
			Catalog: contracttest.CatalogHarness{Tx: memory.NewUnitOfWork(store, memory.CatalogStores), Reader: memory.NewCatalogReader(store), StockTx: memory.NewUnitOfWork(store, memory.InventoryStores), StockReader: memory.NewInventoryReader(store),
				NewBuyer: func(*testing.T) string { return kernel.NewID() }},
			Tx: memory.NewUnitOfWork(store, memory.InventoryStores), Reader: memory.NewInventoryReader(store),
			Outbox: memory.NewOutboxReader(store), NewStaff: func(testing.TB) string { return kernel.NewID() },
			NewOrder: func(testing.TB) string { return kernel.NewID() },
		},
		Wallet: contracttest.WalletHarness{Tx: memory.NewUnitOfWork(store, memory.WalletStores), Reader: memory.NewWalletReader(store),
			NewUser: newUser, NewOrder: func(testing.TB, string) string { return kernel.NewID() }},
		Tx: memory.NewUnitOfWork(store, memory.OrderStores), Numbers: memory.NewOrderNumbers(), Customers: memory.NewCustomers(store),
		Gateway: func(clock kernel.Clock, late time.Duration) order.PaymentGateway {
			return payment.NewMockGateway(charges, clock, payment.MockConfig{LateDelay: late})
		},
	}
	e := &env{w: contracttest.NewOrderWorld(t, h, 0, stock)}
	e.shop = kit.Server(t, "storefront", orderhttp.StorefrontRoutes(e.w.Svc))
	e.admin = kit.Server(t, "admin", orderhttp.AdminRoutes(e.w.Svc))
	e.buyer = e.w.Customer(t, 100000)
	e.token = e.shop.TokenAs(t, kernel.RoleCustomer, e.buyer)
	return e
}

var address = map[string]any{"recipient": "김지수", "line1": "테헤란로 1", "city": "서울", "postalCode": "06236", "country": "KR"}

func walletOrder(sku string, qty int) map[string]any {
	return map[string]any{"items": []any{map[string]any{"skuId": sku, "quantity": qty}}, "shippingAddress": address,
		"payment": map[string]any{"method": "WALLET"}}
}

func (e *env) place(t *testing.T, key string, body any, opts ...handlertest.RequestOption) handlertest.Response {
	t.Helper()
	return e.shop.Post(t, "/v1/orders", append([]handlertest.RequestOption{handlertest.Bearer(e.token),
		handlertest.IdempotencyKey(key), handlertest.JSON(body)}, opts...)...)
}

func TestPlaceAWalletOrderAndReplayIt(t *testing.T) {
	e := newEnv(t, 5)
	first := e.place(t, "order-1", walletOrder(e.w.SKUs[0], 1)).Want(t, http.StatusCreated)
	if first.Body["status"] != "PAID" || first.Header.Get("Location") != "/v1/orders/"+first.Body["id"].(string) {
		t.Fatalf("placed: %s", first.Raw)
	}
	total := first.Body["amounts"].(map[string]any)["total"].(map[string]any)
	if total["amount"] != float64(13000) || total["formatted"] != "₩13,000" {
		t.Fatalf("total: %v", total)
	}
	again := e.place(t, "order-1", walletOrder(e.w.SKUs[0], 1)).Want(t, http.StatusCreated)
	if again.Header.Get("Idempotent-Replayed") != "true" || string(again.Raw) != string(first.Raw) {
		t.Fatalf("replay: %s %s", again.Header, again.Raw)
	}
	if b := e.w.Balance(t, e.buyer); b != 100000-13000 {
		t.Fatalf("balance %d after a replay", b)
	}
	got := e.shop.Get(t, "/v1/orders/"+first.Body["id"].(string), handlertest.Bearer(e.token)).Want(t, http.StatusOK)
	if got.Body["number"] != first.Body["number"] {
		t.Fatalf("get: %s", got.Raw)
	}
	list := e.shop.Get(t, "/v1/orders?status=PAID&limit=5", handlertest.Bearer(e.token)).Want(t, http.StatusOK)
	if items := list.Items(t); len(items) != 1 || list.Body["nextCursor"] != nil {
		t.Fatalf("list: %s", list.Raw)
	}
}

func TestPlaceRefusals(t *testing.T) {
	e := newEnv(t, 2)
	sku := e.w.SKUs[0]
	if p := e.shop.Post(t, "/v1/orders", handlertest.Bearer(e.token), handlertest.JSON(walletOrder(sku, 1))).Want(t, 400).Problem(t); p.Code != "IDEMPOTENCY_KEY_REQUIRED" {
		t.Fatalf("no key: %+v", p)
	}
	p := e.place(t, "k-stock", walletOrder(sku, 3)).Want(t, http.StatusConflict).Problem(t)
	if p.Code != "OUT_OF_STOCK" || p.Extras["available"] != float64(2) {
		t.Fatalf("out of stock: %+v", p)
	}
	poor := e.w.Customer(t, 100)
	p = e.shop.Post(t, "/v1/orders", handlertest.Bearer(e.shop.TokenAs(t, kernel.RoleCustomer, poor)), handlertest.IdempotencyKey("k-poor"),
		handlertest.JSON(walletOrder(sku, 1)), handlertest.Language("ja")).Want(t, http.StatusConflict).Problem(t)
	if p.Code != "INSUFFICIENT_BALANCE" || p.Detail != "ウォレットの残高が不足しています。" {
		t.Fatalf("poor: %+v", p)
	}
	over := walletOrder(sku, 1)
	over["payment"] = map[string]any{"method": "CARD", "walletAmount": 999999, "cardToken": "tok_approve"}
	if p := e.place(t, "k-over", over).Want(t, 400).Problem(t); p.Code != "VALIDATION_FAILED" || p.Errors[0].Code != "WALLET_AMOUNT_ABOVE_TOTAL" {
		t.Fatalf("over: %+v", p)
	}
	badAddress := walletOrder(sku, 1)
	badAddress["shippingAddress"] = map[string]any{"recipient": "Jane", "line1": "1 Main", "city": "Seoul", "postalCode": "1", "country": "US"}
	if p := e.place(t, "k-address", badAddress).Want(t, 400).Problem(t); len(p.Errors) != 2 {
		t.Fatalf("address: %+v", p)
	}
	if p := e.place(t, "k-cart", map[string]any{"fromCart": true, "shippingAddress": address, "payment": map[string]any{"method": "WALLET"}}).
		Want(t, 422).Problem(t); p.Code != "CART_EMPTY" {
		t.Fatalf("empty cart: %+v", p)
	}
	if p := e.place(t, "k-sku", walletOrder(kernel.NewID(), 1)).Want(t, 404).Problem(t); p.Code != "SKU_NOT_FOUND" {
		t.Fatalf("unknown sku: %+v", p)
	}
	e.shop.Post(t, "/v1/orders", handlertest.IdempotencyKey("k-guest"), handlertest.JSON(walletOrder(sku, 1))).Want(t, 401)
	e.shop.Post(t, "/v1/orders", handlertest.Bearer(e.shop.Token(t, kernel.RoleSupport)), handlertest.IdempotencyKey("k-staff"),
		handlertest.JSON(walletOrder(sku, 1))).Want(t, 403)
	if l := e.w.Stock(t, sku); l.OnHand != 2 || l.Reserved != 0 {
		t.Fatalf("stock changed by refusals: %+v", l)
	}
	if b := e.w.Balance(t, e.buyer); b != 100000 {
		t.Fatalf("balance changed by refusals: %d", b)
	}
}

func TestCardOrderIsPendingThenPaid(t *testing.T) {
	e := newEnv(t, 5)
	body := walletOrder(e.w.SKUs[0], 1)
	body["payment"] = map[string]any{"method": "CARD", "walletAmount": 3000, "cardToken": "tok_approve"}
	r := e.place(t, "card-1", body).Want(t, http.StatusCreated)
	if r.Body["status"] != "PENDING" || r.Body["paymentDeadline"] == nil {
		t.Fatalf("placed: %s", r.Raw)
	}
	if _, err := e.w.Svc.RunCardPayments(context.Background(), 10); err != nil {
		t.Fatal(err)
	}
	got := e.shop.Get(t, "/v1/orders/"+r.Body["id"].(string), handlertest.Bearer(e.token)).Want(t, 200)
	card := got.Body["payment"].(map[string]any)["card"].(map[string]any)
	if got.Body["status"] != "PAID" || card["masked"] != "VISA •••• 4242" || card["status"] != "APPROVED" {
		t.Fatalf("after the job: %s", got.Raw)
	}
}

func TestOwnOrdersOnlyCancelAndFulfil(t *testing.T) {
	e := newEnv(t, 5)
	id := e.place(t, "o1", walletOrder(e.w.SKUs[0], 1)).Want(t, 201).Body["id"].(string)
	stranger := e.shop.TokenAs(t, kernel.RoleCustomer, e.w.Customer(t, 0))
	if p := e.shop.Get(t, "/v1/orders/"+id, handlertest.Bearer(stranger)).Want(t, 404).Problem(t); p.Code != "ORDER_NOT_FOUND" {
		t.Fatalf("stranger: %+v", p)
	}
	e.shop.Post(t, "/v1/orders/"+id+"/cancel", handlertest.Bearer(stranger), handlertest.JSON(map[string]any{"reason": "x"})).Want(t, 404)
	if p := e.shop.Get(t, "/v1/orders?status=LOST", handlertest.Bearer(e.token)).Want(t, 400).Problem(t); p.Errors[0].Code != "INVALID_ORDER_STATUS" {
		t.Fatalf("bad status: %+v", p)
	}

	admin := handlertest.Bearer(e.admin.Token(t, kernel.RoleAdmin))
	e.admin.Post(t, "/v1/admin/orders/"+id+"/transitions", handlertest.Bearer(e.admin.Token(t, kernel.RoleSupport)),
		handlertest.JSON(map[string]any{"to": "PREPARING"})).Want(t, 403)
	if p := e.admin.Post(t, "/v1/admin/orders/"+id+"/transitions", admin, handlertest.JSON(map[string]any{"to": "SHIPPED"})).Want(t, 409).Problem(t); p.Code != "INVALID_STATE_TRANSITION" {
		t.Fatalf("skip a state: %+v", p)
	}
	if p := e.admin.Post(t, "/v1/admin/orders/"+id+"/transitions", admin, handlertest.JSON(map[string]any{"to": "REFUNDED"})).Want(t, 400).Problem(t); p.Errors[0].Code != "NOT_FULFILMENT_STATE" {
		t.Fatalf("not fulfilment: %+v", p)
	}
	e.admin.Post(t, "/v1/admin/orders/"+kernel.NewID()+"/transitions", admin, handlertest.JSON(map[string]any{"to": "PREPARING"})).Want(t, 404)
	r := e.admin.Post(t, "/v1/admin/orders/"+id+"/transitions", admin, handlertest.JSON(map[string]any{"to": "PREPARING"})).Want(t, 200)
	if r.Body["status"] != "PREPARING" {
		t.Fatalf("preparing: %s", r.Raw)
	}
	c := e.shop.Post(t, "/v1/orders/"+id+"/cancel", handlertest.Bearer(e.token), handlertest.JSON(map[string]any{"reason": "too slow"})).Want(t, 200)
	if c.Body["status"] != "CANCELLED" || len(c.Body["timeline"].([]any)) != 3 {
		t.Fatalf("cancel: %s", c.Raw)
	}
	if p := e.shop.Post(t, "/v1/orders/"+id+"/cancel", handlertest.Bearer(e.token), handlertest.JSON(map[string]any{})).Want(t, 409).Problem(t); p.Code != "INVALID_STATE_TRANSITION" {
		t.Fatalf("second cancel: %+v", p)
	}
	if b := e.w.Balance(t, e.buyer); b != 100000 {
		t.Fatalf("balance after cancel: %d", b)
	}
}
