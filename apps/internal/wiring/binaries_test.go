package wiring

import (
	"context"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.uber.org/zap"

	"github.com/jupang/jupang/adapters/auth"
	"github.com/jupang/jupang/adapters/http/openapi/openapitest"
	"github.com/jupang/jupang/adapters/http/rbactest"
	"github.com/jupang/jupang/adapters/http/server"
	"github.com/jupang/jupang/adapters/memory"
	"github.com/jupang/jupang/apps/internal/config"
	"github.com/jupang/jupang/core/kernel"
)

type binary struct {
	name     string
	audience kernel.Audience
	srv      *server.Server
}

// assemble builds the four servers exactly as the in-memory jupang binary does (the same providers
// wire calls), seeded.
func assemble(t *testing.T) ([]binary, Servers) {
	t.Helper()
	ctx := context.Background()
	cfg, err := config.Load()
	if err != nil {
		t.Fatal(err)
	}
	clock := Clock()
	store := memory.NewStore()
	keys, err := auth.GenerateKeySet()
	if err != nil {
		t.Fatal(err)
	}
	hasher, err := auth.NewArgon2id(auth.Argon2Params{Time: 1, MemoryKiB: 1024, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	ids, err := MemoryIdentity(store, IdentityDeps{Hasher: hasher, Signer: auth.NewSigner(keys, cfg.Auth.Issuer), Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	reader := MemoryCatalogReader(store)
	cat := MemoryCatalog(store, reader, MemoryStockLevels(store), clock)
	deps := Servers{Config: cfg, Log: zap.NewNop(), Tracer: Tracer(mustTracerProvider(t, cfg)),
		Metrics: server.NewMetrics(prometheus.NewRegistry()), Messages: Messages(), Clock: clock,
		Idempotency: MemoryIdempotency(store, clock, cfg), Keys: keys, Identity: ids,
		Catalog: CatalogHTTP(cat, clock, cfg)}
	if err := Seed(ids, cat, reader, clock)(ctx); err != nil {
		t.Fatal(err)
	}
	sf, err := Storefront(deps)
	if err != nil {
		t.Fatal(err)
	}
	ad, err := Admin(deps)
	if err != nil {
		t.Fatal(err)
	}
	pa, err := Partner(deps)
	if err != nil {
		t.Fatal(err)
	}
	wk, err := Worker(deps)
	if err != nil {
		t.Fatal(err)
	}
	return []binary{{"storefront", kernel.AudienceStorefront, sf.Server}, {"admin", kernel.AudienceAdmin, ad.Server},
		{"partner", kernel.AudiencePartner, pa.Server}, {"worker", kernel.AudienceAdmin, wk.Server}}, deps
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
	binaries, deps := assemble(t)
	subjects, err := rbactest.DemoSubjects(context.Background(), deps.Identity)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range binaries {
		t.Run(b.name, func(t *testing.T) {
			results := rbactest.Sweep(t, b.srv, rbactest.Minter(deps.Keys, deps.Config.Auth.Issuer, b.audience, deps.Clock, subjects), rbactest.Options{})
			if len(results) != len(b.srv.Routes())*len(kernel.AllRoles) {
				t.Fatalf("swept %d route×role pairs, want %d", len(results), len(b.srv.Routes())*len(kernel.AllRoles))
			}
		})
	}
}

// Every route a binary serves is in its OpenAPI document, and every documented operation is served.
func TestEveryBinaryMatchesItsDocument(t *testing.T) {
	binaries, _ := assemble(t)
	for _, b := range binaries {
		t.Run(b.name, func(t *testing.T) { openapitest.CheckRoutes(t, b.name, b.srv.Routes()) })
	}
}
