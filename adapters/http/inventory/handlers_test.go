package inventoryhttp_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/jupang/jupang/adapters/http/handlertest"
	inventoryhttp "github.com/jupang/jupang/adapters/http/inventory"
	"github.com/jupang/jupang/adapters/http/rbactest"
	"github.com/jupang/jupang/adapters/http/server"
	"github.com/jupang/jupang/adapters/memory"
	"github.com/jupang/jupang/core/contracttest"
	"github.com/jupang/jupang/core/inventory"
	"github.com/jupang/jupang/core/kernel"
)

type env struct {
	kit     *handlertest.Env
	w       *contracttest.InventoryWorld
	admin   *handlertest.Client
	token   string // Inventory staff
	product string
	skus    []string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	kit := handlertest.New(t)
	h := contracttest.InventoryHarness{
		Catalog: contracttest.CatalogHarness{Tx: memory.NewUnitOfWork(kit.Store, memory.CatalogStores), Reader: memory.NewCatalogReader(kit.Store),
			StockTx: memory.NewUnitOfWork(kit.Store, memory.InventoryStores), StockReader: memory.NewInventoryReader(kit.Store),
			NewBuyer: func(*testing.T) string { return kernel.NewID() }},
		Tx: memory.NewUnitOfWork(kit.Store, memory.InventoryStores), Reader: memory.NewInventoryReader(kit.Store),
		Outbox: memory.NewOutboxReader(kit.Store), NewStaff: func(testing.TB) string { return kernel.NewID() },
		NewOrder: func(testing.TB) string { return kernel.NewID() },
	}
	e := &env{kit: kit, w: contracttest.NewInventoryWorld(t, h)}
	e.product, e.skus = e.w.NewSKUs(t, 10, 3, 50)
	e.admin = kit.Server(t, "admin", inventoryhttp.Routes(e.w.Svc))
	e.token = e.admin.Token(t, kernel.RoleInventory)
	return e
}

func (e *env) adjust(t *testing.T, key, body string) handlertest.Response {
	t.Helper()
	return e.admin.Post(t, "/v1/admin/inventory/adjustments", handlertest.Bearer(e.token), handlertest.IdempotencyKey(key),
		handlertest.JSON(body))
}

func TestAdjustmentsApplyAllOrNothingAndAnswerTheNewLevels(t *testing.T) {
	e := newEnv(t)
	r := e.adjust(t, "k1", fmt.Sprintf(`{"adjustments":[{"skuId":%q,"delta":-2,"reason":"DAMAGED","note":"box crushed","expectedVersion":1},
		{"skuId":%q,"setOnHand":8,"reason":"CORRECTION"}]}`, e.skus[0], e.skus[1])).Want(t, http.StatusOK)
	items := r.Items(t)
	if len(items) != 2 || items[0]["onHand"] != 8.0 || items[0]["version"] != 2.0 || items[1]["available"] != 8.0 {
		t.Fatalf("items = %v", items)
	}
	// A replay answers the same without applying twice.
	again := e.adjust(t, "k1", fmt.Sprintf(`{"adjustments":[{"skuId":%q,"delta":-2,"reason":"DAMAGED","note":"box crushed","expectedVersion":1},
		{"skuId":%q,"setOnHand":8,"reason":"CORRECTION"}]}`, e.skus[0], e.skus[1])).Want(t, http.StatusOK)
	if string(again.Raw) != string(r.Raw) || again.Header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("replay = %s %v", again.Raw, again.Header)
	}
	audits := e.admin.Get(t, "/v1/admin/inventory/audits?reason=ADJUSTMENT", handlertest.Bearer(e.token)).Want(t, http.StatusOK).Items(t)
	if len(audits) != 2 || audits[0]["batchId"] != r.Body["batchId"] {
		t.Errorf("audits = %v", audits)
	}
	contracttest.CheckStockInvariant(t, e.w.H, e.skus[0])
}

func TestAdjustmentErrorsAreProblemsAndChangeNothing(t *testing.T) {
	e := newEnv(t)
	cases := []struct {
		name   string
		body   string
		status int
		code   string
		field  string
	}{
		{"below reserved or zero", fmt.Sprintf(`{"adjustments":[{"skuId":%q,"delta":1,"reason":"RECEIVED"},{"skuId":%q,"delta":-4,"reason":"LOST"}]}`, e.skus[0], e.skus[1]),
			http.StatusConflict, "NEGATIVE_STOCK", ""},
		{"stale version", fmt.Sprintf(`{"adjustments":[{"skuId":%q,"delta":1,"reason":"RECEIVED","expectedVersion":7}]}`, e.skus[0]),
			http.StatusConflict, "VERSION_CONFLICT", ""},
		{"unknown SKU", fmt.Sprintf(`{"adjustments":[{"skuId":%q,"delta":1,"reason":"RECEIVED"}]}`, kernel.NewID()),
			http.StatusNotFound, "SKU_NOT_FOUND", ""},
		{"both delta and setOnHand", fmt.Sprintf(`{"adjustments":[{"skuId":%q,"delta":1,"setOnHand":3,"reason":"RECEIVED"}]}`, e.skus[0]),
			http.StatusBadRequest, "VALIDATION_FAILED", "adjustments[0]"},
		{"bad reason", fmt.Sprintf(`{"adjustments":[{"skuId":%q,"delta":1,"reason":"STOLEN"}]}`, e.skus[0]),
			http.StatusBadRequest, "VALIDATION_FAILED", "adjustments[0].reason"},
		{"unknown field", fmt.Sprintf(`{"adjustments":[{"skuId":%q,"delta":1,"reason":"RECEIVED","sku":"x"}]}`, e.skus[0]),
			http.StatusBadRequest, "VALIDATION_FAILED", ""},
		{"no lines", `{"adjustments":[]}`, http.StatusBadRequest, "VALIDATION_FAILED", "adjustments"},
		{"1001 lines", `{"adjustments":[` + strings.Repeat(fmt.Sprintf(`{"skuId":%q,"delta":1,"reason":"RECEIVED"},`, e.skus[0]), 1000) +
			fmt.Sprintf(`{"skuId":%q,"delta":1,"reason":"RECEIVED"}]}`, e.skus[0]), http.StatusBadRequest, "VALIDATION_FAILED", "adjustments"},
	}
	for i, c := range cases {
		r := e.adjust(t, fmt.Sprint("bad-", i), c.body)
		if r.Status != c.status {
			t.Errorf("%s: %d %s", c.name, r.Status, r.Raw)
			continue
		}
		p := r.Problem(t)
		if p.Code != c.code {
			t.Errorf("%s: code %s", c.name, p.Code)
		}
		if c.field != "" {
			if _, ok := p.Fields()[c.field]; !ok {
				t.Errorf("%s: fields %v", c.name, p.Fields())
			}
		}
		if c.status == http.StatusConflict || c.status == http.StatusNotFound {
			if p.Extras["skuId"] == nil {
				t.Errorf("%s: names no SKU: %s", c.name, r.Raw)
			}
		}
	}
	for _, sku := range e.skus {
		if l := contracttest.CheckStockInvariant(t, e.w.H, sku); l.Version != 1 {
			t.Errorf("changed: %+v", l)
		}
	}
	// Without an Idempotency-Key the request is refused before it runs.
	r := e.admin.Post(t, "/v1/admin/inventory/adjustments", handlertest.Bearer(e.token),
		handlertest.JSON(fmt.Sprintf(`{"adjustments":[{"skuId":%q,"delta":1,"reason":"RECEIVED"}]}`, e.skus[0])))
	if r.Status != http.StatusBadRequest || r.Problem(t).Code != "IDEMPOTENCY_KEY_REQUIRED" {
		t.Errorf("no key: %d %s", r.Status, r.Raw)
	}
}

func TestAuditsPageAndFilter(t *testing.T) {
	e := newEnv(t)
	for i := range 5 {
		e.adjust(t, fmt.Sprint("a", i), fmt.Sprintf(`{"adjustments":[{"skuId":%q,"delta":1,"reason":"RECEIVED"}]}`, e.skus[0])).Want(t, http.StatusOK)
	}
	var ids []string
	next := "/v1/admin/inventory/audits?skuId=" + e.skus[0] + "&limit=2"
	for pages := 0; next != ""; pages++ {
		r := e.admin.Get(t, next, handlertest.Bearer(e.token)).Want(t, http.StatusOK)
		for _, it := range r.Items(t) {
			ids = append(ids, it["id"].(string))
		}
		next = ""
		if c, ok := r.Body["nextCursor"].(string); ok {
			next = "/v1/admin/inventory/audits?skuId=" + e.skus[0] + "&limit=2&cursor=" + c
		}
		if pages > 5 {
			t.Fatal("too many pages")
		}
	}
	if len(ids) != 6 {
		t.Errorf("%d audit rows, want 6 (opening + 5)", len(ids))
	}
	// The Inventory demo account made the adjustments.
	me := e.admin.Get(t, "/v1/me", handlertest.Bearer(e.token)).Want(t, http.StatusOK).Body["id"].(string)
	byActor := e.admin.Get(t, "/v1/admin/inventory/audits?actor="+me, handlertest.Bearer(e.token)).Want(t, http.StatusOK).Items(t)
	if len(byActor) != 5 {
		t.Errorf("by actor: %d", len(byActor))
	}
	openings := e.admin.Get(t, "/v1/admin/inventory/audits?reason=OPENING", handlertest.Bearer(e.token)).Want(t, http.StatusOK).Items(t)
	if len(openings) != 3 {
		t.Errorf("openings: %d", len(openings))
	}
	future := e.admin.Get(t, "/v1/admin/inventory/audits?from=2099-01-01T00:00:00Z", handlertest.Bearer(e.token)).Want(t, http.StatusOK).Items(t)
	if len(future) != 0 {
		t.Errorf("from the future: %d", len(future))
	}
	for _, bad := range []string{"reason=STOLEN", "skuId=nope", "from=yesterday", "limit=500", "cursor=%21%21", "from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z"} {
		r := e.admin.Get(t, "/v1/admin/inventory/audits?"+bad, handlertest.Bearer(e.token))
		if r.Status != http.StatusBadRequest {
			t.Errorf("%s: %d %s", bad, r.Status, r.Raw)
		}
	}
}

func TestSKUDetailAndStockList(t *testing.T) {
	e := newEnv(t)
	d := e.admin.Get(t, "/v1/admin/inventory/skus/"+e.skus[1], handlertest.Bearer(e.token)).Want(t, http.StatusOK)
	if d.Body["onHand"] != 3.0 || d.Body["lowStock"] != true || d.Body["productId"] != e.product || len(d.Body["audits"].([]any)) != 1 {
		t.Errorf("detail = %s", d.Raw)
	}
	if r := e.admin.Get(t, "/v1/admin/inventory/skus/"+kernel.NewID(), handlertest.Bearer(e.token)); r.Status != http.StatusNotFound ||
		r.Problem(t).Code != "SKU_NOT_FOUND" {
		t.Errorf("unknown: %d %s", r.Status, r.Raw)
	}
	if r := e.admin.Get(t, "/v1/admin/inventory/skus/not-a-uuid", handlertest.Bearer(e.token)); r.Status != http.StatusNotFound {
		t.Errorf("malformed: %d %s", r.Status, r.Raw)
	}
	low := e.admin.Get(t, "/v1/admin/inventory?lowStock=true", handlertest.Bearer(e.token)).Want(t, http.StatusOK).Items(t)
	if len(low) != 1 || low[0]["skuId"] != e.skus[1] || low[0]["lowStockThreshold"] != float64(inventory.DefaultLowStockThreshold) {
		t.Errorf("low stock = %v", low)
	}
	all := e.admin.Get(t, "/v1/admin/inventory?productId="+e.product+"&limit=2", handlertest.Bearer(e.token)).Want(t, http.StatusOK)
	cursor, _ := all.Body["nextCursor"].(string)
	rest := e.admin.Get(t, "/v1/admin/inventory?productId="+e.product+"&limit=2&cursor="+cursor, handlertest.Bearer(e.token)).Want(t, http.StatusOK)
	if len(all.Items(t)) != 2 || cursor == "" || len(rest.Items(t)) != 1 || rest.Body["nextCursor"] != nil {
		t.Errorf("pages = %s / %s", all.Raw, rest.Raw)
	}
	for _, bad := range []string{"lowStock=maybe", "productId=x", "limit=0"} {
		if r := e.admin.Get(t, "/v1/admin/inventory?"+bad, handlertest.Bearer(e.token)); r.Status != http.StatusBadRequest {
			t.Errorf("%s: %d", bad, r.Status)
		}
	}
}

func TestEveryInventoryRouteFollowsTheRBACTable(t *testing.T) {
	e := newEnv(t)
	rbactest.Sweep(t, e.admin.Server(), e.admin.Token, rbactest.Options{
		Param: func(server.Route, string) string { return e.skus[0] },
	})
	for _, role := range []kernel.Role{kernel.RoleMarketing, kernel.RoleSupport} {
		r := e.admin.Post(t, "/v1/admin/inventory/adjustments", handlertest.Bearer(e.admin.Token(t, role)), handlertest.IdempotencyKey("r"),
			handlertest.JSON(fmt.Sprintf(`{"adjustments":[{"skuId":%q,"delta":1,"reason":"RECEIVED"}]}`, e.skus[0])))
		if r.Status != http.StatusForbidden {
			t.Errorf("%s: %d", role, r.Status)
		}
	}
	if l := contracttest.CheckStockInvariant(t, e.w.H, e.skus[0]); l.Version != 1 {
		t.Errorf("a refused role changed stock: %+v", l)
	}
}
