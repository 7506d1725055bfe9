package refundhttp_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/jupang/jupang/adapters/http/handlertest"
	notificationhttp "github.com/jupang/jupang/adapters/http/notification"
	refundhttp "github.com/jupang/jupang/adapters/http/refund"
	"github.com/jupang/jupang/adapters/memory"
	"github.com/jupang/jupang/adapters/payment"
	"github.com/jupang/jupang/core/contracttest"
	"github.com/jupang/jupang/core/identity"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/notification"
	"github.com/jupang/jupang/core/order"
	"github.com/jupang/jupang/core/refund"
)

type env struct {
	w            *contracttest.RefundWorld
	shop, admin  *handlertest.Client
	buyer, token string
}

func newEnv(t *testing.T, policy refund.Policy) *env {
	t.Helper()
	kit := handlertest.New(t)
	store := kit.Store
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
	charges := payment.NewMemoryChargeStore()
	h := contracttest.RefundHarness{
		Order: contracttest.OrderHarness{
			Inventory: contracttest.InventoryHarness{
				Catalog: contracttest.CatalogHarness{Tx: memory.NewUnitOfWork(store, memory.CatalogStores), Reader: memory.NewCatalogReader(store),
					StockTx: memory.NewUnitOfWork(store, memory.InventoryStores), StockReader: memory.NewInventoryReader(store),
					NewBuyer: func(*testing.T) string { return kernel.NewID() }},
				Tx: memory.NewUnitOfWork(store, memory.InventoryStores), Reader: memory.NewInventoryReader(store),
				Outbox: memory.NewOutboxReader(store), NewStaff: newUser,
				NewOrder: func(testing.TB) string { return kernel.NewID() },
			},
			Wallet: contracttest.WalletHarness{Tx: memory.NewUnitOfWork(store, memory.WalletStores), Reader: memory.NewWalletReader(store),
				NewUser: newUser, NewOrder: func(testing.TB, string) string { return kernel.NewID() }},
			Tx: memory.NewUnitOfWork(store, memory.OrderStores), Numbers: memory.NewOrderNumbers(), Customers: memory.NewCustomers(store),
			Gateway: func(clock kernel.Clock, late time.Duration) order.PaymentGateway {
				return payment.NewMockGateway(charges, clock, payment.MockConfig{LateDelay: late})
			},
		},
		Tx: memory.NewUnitOfWork(store, memory.RefundStores), Notifications: memory.NewNotificationReader(store),
	}
	e := &env{w: contracttest.NewRefundWorld(t, h, policy, 100)}
	e.shop = kit.Server(t, "storefront", refundhttp.StorefrontRoutes(e.w.Refunds),
		notificationhttp.Routes(notification.NewService(h.Notifications)))
	e.admin = kit.Server(t, "admin", refundhttp.AdminRoutes(e.w.Refunds))
	e.buyer = e.w.Customer(t, 1_000_000)
	e.token = e.shop.TokenAs(t, kernel.RoleCustomer, e.buyer)
	return e
}

func (e *env) request(t *testing.T, key string, body any, opts ...handlertest.RequestOption) handlertest.Response {
	t.Helper()
	return e.shop.Post(t, "/v1/wallet/refunds", append([]handlertest.RequestOption{handlertest.Bearer(e.token),
		handlertest.IdempotencyKey(key), handlertest.JSON(body)}, opts...)...)
}

func TestRequestARefundReplayItAndReadIt(t *testing.T) {
	e := newEnv(t, refund.Policy{AutoApproveMax: 100_000})
	o := e.w.Delivered(t, e.buyer, e.w.SKUs[0], 2)
	body := map[string]any{"orderId": o.ID, "reason": "broken", "restock": true,
		"items": []any{map[string]any{"orderItemId": o.Lines[0].ID, "quantity": 1}}}
	first := e.request(t, "r-1", body).Want(t, http.StatusAccepted)
	if first.Body["status"] != "COMPLETED" || first.Body["autoApproved"] != true ||
		first.Header.Get("Location") != "/v1/wallet/refunds/"+first.Body["id"].(string) {
		t.Fatalf("requested: %s", first.Raw)
	}
	if credit := first.Body["walletCredit"].(map[string]any); credit["amount"] != float64(10000) || credit["formatted"] != "₩10,000" {
		t.Fatalf("credit: %v", credit)
	}
	for range 20 {
		again := e.request(t, "r-1", body).Want(t, http.StatusAccepted)
		if again.Header.Get("Idempotent-Replayed") != "true" || string(again.Raw) != string(first.Raw) {
			t.Fatalf("replay: %s %s", again.Header, again.Raw)
		}
	}
	if n, _ := e.w.Entries(t, e.buyer, "REFUND"); n != 1 {
		t.Fatalf("%d credits after replays", n)
	}
	id := first.Body["id"].(string)
	if got := e.shop.Get(t, "/v1/wallet/refunds/"+id, handlertest.Bearer(e.token)).Want(t, http.StatusOK); got.Body["id"] != id {
		t.Fatalf("get: %s", got.Raw)
	}
	other := e.shop.TokenAs(t, kernel.RoleCustomer, e.w.Customer(t, 0))
	if p := e.shop.Get(t, "/v1/wallet/refunds/"+id, handlertest.Bearer(other)).Want(t, http.StatusNotFound).Problem(t); p.Code != "REFUND_NOT_FOUND" {
		t.Fatalf("someone else's: %+v", p)
	}
	e.shop.Get(t, "/v1/wallet/refunds/not-an-id", handlertest.Bearer(e.token)).Want(t, http.StatusNotFound)
	list := e.shop.Get(t, "/v1/users/me/notifications", handlertest.Bearer(e.token)).Want(t, http.StatusOK)
	if items := list.Items(t); len(items) != 1 || items[0]["type"] != "refund.completed" || items[0]["title"] != "환불이 완료되었습니다." {
		t.Fatalf("notifications: %s", list.Raw)
	}
}

func TestRefundRefusals(t *testing.T) {
	e := newEnv(t, refund.Policy{AutoApproveMax: 100_000})
	o := e.w.Delivered(t, e.buyer, e.w.SKUs[0], 1)
	ok := map[string]any{"orderId": o.ID, "reason": "broken"}
	if p := e.shop.Post(t, "/v1/wallet/refunds", handlertest.Bearer(e.token), handlertest.JSON(ok)).Want(t, 400).Problem(t); p.Code != "IDEMPOTENCY_KEY_REQUIRED" {
		t.Fatalf("no key: %+v", p)
	}
	if p := e.request(t, "k-reason", map[string]any{"orderId": o.ID}).Want(t, 400).Problem(t); p.Code != "VALIDATION_FAILED" || p.Errors[0].Field != "reason" {
		t.Fatalf("no reason: %+v", p)
	}
	dup := map[string]any{"orderId": o.ID, "reason": "x", "items": []any{map[string]any{"orderItemId": o.Lines[0].ID, "quantity": 1},
		map[string]any{"orderItemId": o.Lines[0].ID, "quantity": 1}}}
	if p := e.request(t, "k-dup", dup).Want(t, 400).Problem(t); p.Errors[0].Code != "DUPLICATE_ORDER_ITEM" {
		t.Fatalf("duplicate: %+v", p)
	}
	other := e.w.Customer(t, 1_000_000)
	theirs := e.w.Delivered(t, other, e.w.SKUs[0], 1)
	if p := e.request(t, "k-theirs", map[string]any{"orderId": theirs.ID, "reason": "x"}).Want(t, 404).Problem(t); p.Code != "ORDER_NOT_FOUND" {
		t.Fatalf("someone else's order: %+v", p)
	}
	paid, err := e.w.Svc.Place(contracttest.As(e.buyer, ""), e.w.WalletOrder(e.w.SKUs[0], 1))
	if err != nil {
		t.Fatal(err)
	}
	if p := e.request(t, "k-paid", map[string]any{"orderId": paid.ID, "reason": "x"}).Want(t, 409).Problem(t); p.Code != "INVALID_STATE_TRANSITION" {
		t.Fatalf("not delivered: %+v", p)
	}
	over := map[string]any{"orderId": o.ID, "reason": "x", "items": []any{map[string]any{"orderItemId": o.Lines[0].ID, "quantity": 2}}}
	p := e.request(t, "k-over", over, handlertest.Language("ja")).Want(t, 422).Problem(t)
	if p.Code != "REFUND_EXCEEDS_PAID" || p.Detail != "返金の申請が支払い済みの数量または金額を超えています。" || p.Extras["refundable"] != float64(1) {
		t.Fatalf("over: %+v", p)
	}
	e.shop.Post(t, "/v1/wallet/refunds", handlertest.IdempotencyKey("k-guest"), handlertest.JSON(ok)).Want(t, 401)
	e.shop.Post(t, "/v1/wallet/refunds", handlertest.Bearer(e.shop.Token(t, kernel.RoleSupport)), handlertest.IdempotencyKey("k-staff"),
		handlertest.JSON(ok)).Want(t, 403)
	e.shop.Get(t, "/v1/users/me/notifications", handlertest.Bearer(e.shop.Token(t, kernel.RoleSupport))).Want(t, 403)
	if p := e.shop.Get(t, "/v1/users/me/notifications?limit=0", handlertest.Bearer(e.token)).Want(t, 400).Problem(t); p.Code != "VALIDATION_FAILED" {
		t.Fatalf("limit: %+v", p)
	}
	if p := e.shop.Get(t, "/v1/users/me/notifications?cursor=junk", handlertest.Bearer(e.token)).Want(t, 400).Problem(t); p.Code != "INVALID_CURSOR" {
		t.Fatalf("cursor: %+v", p)
	}
	if n, _ := e.w.Entries(t, e.buyer, "REFUND"); n != 0 {
		t.Fatalf("%d credits after refusals", n)
	}
}

func TestAdminApprovesAndRejects(t *testing.T) {
	e := newEnv(t, refund.Policy{AutoApproveMax: 0})
	o := e.w.Delivered(t, e.buyer, e.w.SKUs[0], 3)
	one := func(key string) string {
		r := e.request(t, key, map[string]any{"orderId": o.ID, "reason": "x",
			"items": []any{map[string]any{"orderItemId": o.Lines[0].ID, "quantity": 1}}}).Want(t, http.StatusAccepted)
		if r.Body["status"] != "PENDING_REVIEW" {
			t.Fatalf("not in review: %s", r.Raw)
		}
		return r.Body["id"].(string)
	}
	a, b := one("a"), one("b")
	adminToken := e.admin.TokenAs(t, kernel.RoleAdmin, e.w.Staff)
	e.admin.Post(t, "/v1/admin/refunds/"+a+"/approve", handlertest.Bearer(e.admin.Token(t, kernel.RoleSupport))).Want(t, 403)
	e.admin.Post(t, "/v1/admin/refunds/"+a+"/approve").Want(t, 401)
	got := e.admin.Post(t, "/v1/admin/refunds/"+a+"/approve", handlertest.Bearer(adminToken), handlertest.JSON(map[string]any{"note": "ok"})).Want(t, 200)
	if got.Body["status"] != "COMPLETED" || got.Body["decisionNote"] != "ok" {
		t.Fatalf("approved: %s", got.Raw)
	}
	if p := e.admin.Post(t, "/v1/admin/refunds/"+a+"/approve", handlertest.Bearer(adminToken)).Want(t, 409).Problem(t); p.Code != "INVALID_STATE_TRANSITION" {
		t.Fatalf("again: %+v", p)
	}
	if p := e.admin.Post(t, "/v1/admin/refunds/"+b+"/reject", handlertest.Bearer(adminToken)).Want(t, 400).Problem(t); p.Errors[0].Field != "note" {
		t.Fatalf("reject without note: %+v", p)
	}
	if got := e.admin.Post(t, "/v1/admin/refunds/"+b+"/reject", handlertest.Bearer(adminToken), handlertest.JSON(map[string]any{"note": "used"})).
		Want(t, 200); got.Body["status"] != "REJECTED" {
		t.Fatalf("rejected: %s", got.Raw)
	}
	if p := e.admin.Post(t, "/v1/admin/refunds/"+kernel.NewID()+"/approve", handlertest.Bearer(adminToken)).Want(t, 404).Problem(t); p.Code != "REFUND_NOT_FOUND" {
		t.Fatalf("unknown: %+v", p)
	}
	if n, sum := e.w.Entries(t, e.buyer, "REFUND"); n != 1 || sum != 10000 {
		t.Fatalf("%d credits of %d", n, sum)
	}
	page := e.shop.Get(t, "/v1/users/me/notifications?limit=1", handlertest.Bearer(e.token)).Want(t, 200)
	items, next := page.Items(t), page.Body["nextCursor"]
	if len(items) != 1 || items[0]["type"] != "refund.rejected" || next == nil {
		t.Fatalf("first page: %s", page.Raw)
	}
	page = e.shop.Get(t, "/v1/users/me/notifications?limit=1&cursor="+next.(string), handlertest.Bearer(e.token)).Want(t, 200)
	if items := page.Items(t); len(items) != 1 || items[0]["type"] != "refund.completed" || page.Body["nextCursor"] != nil {
		t.Fatalf("second page: %s", page.Raw)
	}
}
