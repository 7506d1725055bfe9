package wiring

import (
	"context"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.uber.org/zap"

	"github.com/jupang/jupang/adapters/http/openapi/openapitest"
	"github.com/jupang/jupang/adapters/http/rbactest"
	"github.com/jupang/jupang/adapters/http/server"
	"github.com/jupang/jupang/adapters/memory/jupangtest"
	"github.com/jupang/jupang/apps/internal/config"
	"github.com/jupang/jupang/core/kernel"
)

type binary struct {
	name     string
	audience kernel.Audience
	srv      *server.Server
}

// assemble builds the four servers from the providers their injectors call, on the seeded
// in-memory kit's services (the same memory adapters as the jupang binary's memory mode).
func assemble(t *testing.T) ([]binary, *jupangtest.System, config.Config) {
	t.Helper()
	cfg, err := config.Load()
	if err != nil {
		t.Fatal(err)
	}
	cfg.Auth.Issuer = jupangtest.Issuer
	sys := jupangtest.New(t, jupangtest.WithSeed())
	deps := Servers{Config: cfg, Log: zap.NewNop(), Tracer: Tracer(mustTracerProvider(t, cfg)),
		Metrics: server.NewMetrics(prometheus.NewRegistry()), Messages: Messages(), Clock: sys.Clock,
		Idempotency: IdempotencyService(Storage{memory: sys.Store}, sys.Clock, cfg), Keys: sys.Keys}
	catalogRoutes := NewCatalogRoutes(sys.Catalog, sys.Clock, cfg)
	couponRoutes, stop := NewCouponStorefrontRoutes(sys.Coupons, sys.Cart, Storage{memory: sys.Store}, cfg, nil, zap.NewNop())
	t.Cleanup(stop)
	sf, err := Storefront(deps, StorefrontRoutes{Identity: NewIdentityStorefrontRoutes(sys.Identity, sys.Keys), Catalog: catalogRoutes,
		Cart: NewCartRoutes(sys.Cart), Coupon: couponRoutes, Order: NewOrderStorefrontRoutes(sys.Orders), Wallet: NewWalletRoutes(sys.Wallet),
		Refund: NewRefundStorefrontRoutes(sys.Refunds, sys.Notifications)})
	if err != nil {
		t.Fatal(err)
	}
	ad, err := Admin(deps, AdminRoutes{Identity: NewIdentityAdminRoutes(sys.Identity, sys.Keys), Catalog: catalogRoutes,
		Coupon: NewCouponAdminRoutes(sys.Coupons), Inventory: NewInventoryAdminRoutes(sys.Inventory), Order: NewOrderAdminRoutes(sys.Orders), Partner: NewPartnerAdminRoutes(sys.Feed, sys.Pusher, sys.Identity),
		Refund: NewRefundAdminRoutes(sys.Refunds)})
	if err != nil {
		t.Fatal(err)
	}
	pa, err := Partner(deps, PartnerRoutes{Identity: NewIdentityPartnerRoutes(sys.Identity, sys.Keys),
		Feed: NewPartnerFeedRoutes(sys.Feed, sys.Gatekeeper)})
	if err != nil {
		t.Fatal(err)
	}
	wk, err := Worker(deps)
	if err != nil {
		t.Fatal(err)
	}
	return []binary{{"storefront", kernel.AudienceStorefront, sf.Server}, {"admin", kernel.AudienceAdmin, ad.Server},
		{"partner", kernel.AudiencePartner, pa.Server}, {"worker", kernel.AudienceAdmin, wk.Server}}, sys, cfg
}

func mustTracerProvider(t *testing.T, cfg config.Config) *sdktrace.TracerProvider {
	t.Helper()
	tp, cleanup, err := TracerProvider(context.Background(), cfg, "test")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cleanup)
	return tp
}

// Every route of every real binary, for all seven roles and Guest, against the RBAC table.
func TestRBACSweepOverEveryBinary(t *testing.T) {
	binaries, sys, cfg := assemble(t)
	subjects, err := rbactest.DemoSubjects(context.Background(), sys.Identity)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range binaries {
		t.Run(b.name, func(t *testing.T) {
			results := rbactest.Sweep(t, b.srv, rbactest.Minter(sys.Keys, cfg.Auth.Issuer, b.audience, sys.Clock, subjects), rbactest.Options{})
			if len(results) != len(b.srv.Routes())*len(kernel.AllRoles) {
				t.Fatalf("swept %d route×role pairs, want %d", len(results), len(b.srv.Routes())*len(kernel.AllRoles))
			}
		})
	}
}

// Every route a binary serves is in its OpenAPI document, and every documented operation is served.
func TestEveryBinaryMatchesItsDocument(t *testing.T) {
	binaries, _, _ := assemble(t)
	for _, b := range binaries {
		t.Run(b.name, func(t *testing.T) { openapitest.CheckRoutes(t, b.name, b.srv.Routes()) })
	}
}
