package wiring

import (
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.uber.org/zap"

	"github.com/jupang/jupang/adapters/jobs"
	"github.com/jupang/jupang/adapters/memory/jupangtest"
	"github.com/jupang/jupang/apps/internal/config"
)

// The area providers every binary that serves identity calls: its stores and its service.
var identityCore = []string{"IdentityService", "IdentityUnitOfWork", "Issuer", "PasswordHasher"}

// The catalog's stores, reader (the replica pool on PostgreSQL) and service.
var catalogCore = []string{"CatalogReadModel", "CatalogReader", "CatalogReads", "CatalogService", "CatalogStockLevels", "CatalogUnitOfWork"}

// The carts' stores and metrics (the routes add their reads, coupons port and service).
var cartCore = []string{"CartMetrics", "CartUnitOfWork"}

// Inventory's stores, reader and service.
var inventoryCore = []string{"InventoryReader", "InventoryService", "InventoryUnitOfWork"}

// The wallet's stores, reader and service.
var walletCore = []string{"WalletReader", "WalletService", "WalletUnitOfWork"}

// The refund area's stores and workflow.
var refundCore = []string{"RefundService", "RefundUnitOfWork"}

// The coupon area's stores, metrics and service.
var couponCore = []string{"CouponMetrics", "CouponService", "CouponUnitOfWork"}

// The orders' stores, gateway and service.
var orderCore = []string{"OrderCustomers", "OrderNumbers", "OrderService", "OrderUnitOfWork", "PaymentGateway"}

// The partner feed's stores, wakeups and feed service.
var partnerCore = []string{"FeedWakeups", "PartnerFeed", "PartnerFeedUnitOfWork"}

func with(core []string, more ...string) []string {
	return slices.Sorted(slices.Values(append(more, core...)))
}

// Each binary constructs only the areas it serves, and of those only what it uses: the exact area
// providers (those declared in the file of an area listed in Areas) that every generated injector
// calls, per area. The generated code is what runs, and `make lint` keeps it in step with wire.go.
// A new area appears here as soon as a binary builds any of it: add it to the binaries that serve
// it, and only to those. In particular the partner builds no catalog service, top cache (built by
// NewCatalogRoutes) or replica pool (CatalogReads), and the worker no route group.
func TestEachBinaryConstructsOnlyWhatItServes(t *testing.T) {
	areaOf := areaProviders(t)
	everything := map[string][]string{
		"identity.go":  with(identityCore, "NewIdentityStorefrontRoutes", "NewIdentityAdminRoutes", "NewIdentityPartnerRoutes", "NewIdentityJobs"),
		"catalog.go":   with(catalogCore, "NewCatalogRoutes", "NewCatalogJobs"),
		"coupon.go":    with(couponCore, "NewCouponStorefrontRoutes", "NewCouponAdminRoutes", "NewCouponJobs"),
		"cart.go":      with(cartCore, "CartReads", "CartCoupons", "CartService", "NewCartRoutes", "NewCartJobs"),
		"inventory.go": with(inventoryCore, "NewInventoryAdminRoutes"),
		"order.go":     with(orderCore, "NewOrderStorefrontRoutes", "NewOrderAdminRoutes", "NewOrderJobs"),
		"wallet.go":    with(walletCore, "NewWalletRoutes"),
		"refund.go":    with(refundCore, "NotificationService", "NewRefundStorefrontRoutes", "NewRefundAdminRoutes"),
		"partner.go": with(partnerCore, "NewFeedSignalComponent", "PartnerGatekeeper", "WebhookPusher", "NewPartnerFeedRoutes",
			"NewPartnerAdminRoutes", "NewPartnerFeedJobs", "NewWebhookDispatcher"),
	}
	cases := []struct {
		binary, injector string
		want             map[string][]string // area file → the providers of that area it calls
	}{
		{"storefront", "initialize", map[string][]string{
			"identity.go":  with(identityCore, "NewIdentityStorefrontRoutes"),
			"catalog.go":   with(catalogCore, "NewCatalogRoutes"),
			"coupon.go":    with(couponCore, "NewCouponStorefrontRoutes"),
			"cart.go":      with(cartCore, "CartReads", "CartCoupons", "CartService", "NewCartRoutes"),
			"inventory.go": inventoryCore,
			"order.go":     with(orderCore, "NewOrderStorefrontRoutes"),
			"wallet.go":    with(walletCore, "NewWalletRoutes"),
			"refund.go":    with(refundCore, "NotificationService", "NewRefundStorefrontRoutes"),
		}},
		{"admin", "initialize", map[string][]string{
			"identity.go":  with(identityCore, "NewIdentityAdminRoutes"),
			"catalog.go":   with(catalogCore, "NewCatalogRoutes"),
			"coupon.go":    with(couponCore, "NewCouponAdminRoutes"),
			"inventory.go": with(inventoryCore, "NewInventoryAdminRoutes"),
			"order.go":     with(orderCore, "NewOrderAdminRoutes"),
			"cart.go":      {"CartCoupons"}, // orders learn coupon terms as carts do
			"wallet.go":    walletCore,
			"refund.go":    with(refundCore, "NewRefundAdminRoutes"),
			"partner.go":   with(partnerCore, "WebhookPusher", "NewPartnerAdminRoutes"),
		}},
		{"partner", "initialize", map[string][]string{
			"identity.go": with(identityCore, "NewIdentityPartnerRoutes"),
			"partner.go":  with(partnerCore, "NewFeedSignalComponent", "PartnerGatekeeper", "NewPartnerFeedRoutes"),
		}},
		{"worker", "initialize", map[string][]string{
			"identity.go":  with(identityCore, "NewIdentityJobs"),
			"catalog.go":   with(catalogCore, "NewCatalogJobs"),
			"coupon.go":    with(couponCore, "NewCouponJobs"),
			"cart.go":      with(cartCore, "NewCartJobs", "CartCoupons"),
			"inventory.go": inventoryCore,
			"order.go":     with(orderCore, "NewOrderJobs"),
			"wallet.go":    walletCore,
			"partner.go": with(partnerCore, "NewFeedSignalComponent", "PartnerGatekeeper", "WebhookPusher", "NewPartnerFeedJobs",
				"NewWebhookDispatcher"),
		}},
		{"jupang", "initMemory", everything},
		{"jupang", "initPostgres", everything},
	}
	for _, tc := range cases {
		t.Run(tc.binary+"."+tc.injector, func(t *testing.T) {
			got := map[string][]string{}
			for _, name := range injectorCalls(t, filepath.Join("..", "..", tc.binary, "wire_gen.go"), tc.injector) {
				if file, ok := areaOf[name]; ok && !slices.Contains(got[file], name) {
					got[file] = append(got[file], name)
				}
			}
			for file := range got {
				slices.Sort(got[file])
			}
			if !maps.EqualFunc(got, tc.want, slices.Equal) {
				t.Fatalf("%s constructs\n  %v\nwant\n  %v", tc.binary, got, tc.want)
			}
		})
	}
}

// The worker's jobs, by name: every field of WorkerJobs, the providers the worker's injector calls.
func TestWorkerJobsAreExactlyThese(t *testing.T) {
	cfg, err := config.Load()
	if err != nil {
		t.Fatal(err)
	}
	sys := jupangtest.New(t)
	all := WorkerJobs{
		Idempotency: NewIdempotencyJobs(IdempotencyService(Storage{memory: sys.Store}, sys.Clock, cfg), cfg),
		Identity:    NewIdentityJobs(sys.Identity, cfg),
		Catalog:     NewCatalogJobs(sys.Catalog, cfg),
		Partner:     NewPartnerFeedJobs(sys.Feed, sys.Gatekeeper, cfg),
		Inbox:       NewInboxJobs(Storage{memory: sys.Store}, sys.Clock, cfg),
	}
	r, err := Runner(Leases(Storage{memory: sys.Store}, sys.Clock), zap.NewNop(), Metrics(), all)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, j := range r.Jobs() {
		names = append(names, j.Name)
	}
	want := []string{"idempotency-sweep", "refresh-token-purge", "catalog.rankings", "catalog.reprice", "catalog.change-log-prune", "partner.nonce-purge",
		"partner.acked-purge", "inbox.purge"}
	if !slices.Equal(names, want) {
		t.Fatalf("worker jobs %v, want %v", names, want)
	}
}

// fieldsOf reads a binary's groups back in declaration order and refuses a field that is not one.
func TestFieldsOfReadsGroupsInOrder(t *testing.T) {
	type twoAreas struct {
		First  IdentityJobs
		Second CatalogJobs
	}
	got, err := fieldsOf[[]jobs.Job](twoAreas{First: IdentityJobs{{Name: "a"}}, Second: CatalogJobs{{Name: "b"}, {Name: "c"}}})
	if err != nil || len(got) != 2 || got[0][0].Name != "a" || got[1][1].Name != "c" {
		t.Fatalf("fieldsOf = %v, %v", got, err)
	}
	type wrongType struct{ Routes CatalogRoutes }
	if _, err := fieldsOf[[]jobs.Job](wrongType{}); err == nil || !strings.Contains(err.Error(), "wrongType.Routes") {
		t.Fatalf("a route group among jobs: err = %v", err)
	}
	type unexported struct{ jobs CatalogJobs }
	if _, err := fieldsOf[[]jobs.Job](unexported{jobs: CatalogJobs{}}); err == nil {
		t.Fatal("an unexported field was accepted")
	}
	if _, err := fieldsOf[[]jobs.Job](CatalogJobs{}); err == nil {
		t.Fatal("a non-struct was accepted")
	}
}

// areaProviders maps every function declared in an area's wiring file to that file's name. The
// areas are the provider sets listed in Areas.
func areaProviders(t *testing.T) map[string]string {
	t.Helper()
	fset := token.NewFileSet()
	files := map[string]*ast.File{}
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, e.Name(), nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name()] = f
	}
	var areaSets []string
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			if vs, ok := n.(*ast.ValueSpec); ok && len(vs.Names) == 1 && vs.Names[0].Name == "Areas" {
				for _, arg := range vs.Values[0].(*ast.CallExpr).Args {
					areaSets = append(areaSets, arg.(*ast.Ident).Name)
				}
			}
			return true
		})
	}
	if len(areaSets) == 0 {
		t.Fatal("no Areas set found")
	}
	providers := map[string]string{}
	for name, f := range files {
		declares := false
		for _, set := range areaSets {
			declares = declares || f.Scope.Lookup(set) != nil
		}
		if !declares {
			continue
		}
		for _, d := range f.Decls {
			if fn, ok := d.(*ast.FuncDecl); ok && fn.Recv == nil {
				providers[fn.Name.Name] = name
			}
		}
	}
	return providers
}

// injectorCalls lists the wiring functions the injector in a generated wire_gen.go calls.
func injectorCalls(t *testing.T, path, injector string) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var calls []string
	found := false
	for _, d := range f.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok || fn.Name.Name != injector {
			continue
		}
		found = true
		ast.Inspect(fn.Body, func(n ast.Node) bool {
			if call, ok := n.(*ast.CallExpr); ok {
				if sel, ok := call.Fun.(*ast.SelectorExpr); ok {
					if pkg, ok := sel.X.(*ast.Ident); ok && pkg.Name == "wiring" {
						calls = append(calls, sel.Sel.Name)
					}
				}
			}
			return true
		})
	}
	if !found {
		t.Fatalf("%s has no injector %s", path, injector)
	}
	return calls
}
