package rbactest_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/jupang/jupang/adapters/auth"
	identityhttp "github.com/jupang/jupang/adapters/http/identity"
	"github.com/jupang/jupang/adapters/http/rbactest"
	"github.com/jupang/jupang/adapters/http/server"
	"github.com/jupang/jupang/adapters/memory"
	"github.com/jupang/jupang/adapters/seed"
	"github.com/jupang/jupang/core/access"
	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/identity"
	"github.com/jupang/jupang/core/kernel"
)

const issuer = "https://auth.jupang.test"

type fixture struct {
	keys     *auth.KeySet
	clock    *kernel.FakeClock
	svc      *identity.Service
	subjects map[kernel.Role]string
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	keys, err := auth.GenerateKeySet()
	if err != nil {
		t.Fatal(err)
	}
	hasher, err := auth.NewArgon2id(auth.Argon2Params{Time: 1, MemoryKiB: 64, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	clock := kernel.NewFakeClock(time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC))
	store := memory.NewStore()
	svc, err := identity.NewService(memory.NewUnitOfWork(store, memory.IdentityStores), hasher, auth.NewSigner(keys, issuer), clock, identity.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := seed.Accounts(ctx, svc); err != nil {
		t.Fatal(err)
	}
	if err := seed.Accounts(ctx, svc); err != nil {
		t.Fatalf("seeding twice: %v", err)
	}
	subjects, err := rbactest.DemoSubjects(ctx, svc)
	if err != nil {
		t.Fatal(err)
	}
	return fixture{keys: keys, clock: clock, svc: svc, subjects: subjects}
}

// calls records which roles reached each dummy handler.
type calls struct {
	mu   sync.Mutex
	seen map[string][]kernel.Role
}

func (c *calls) handler(id string) fiber.Handler {
	return func(ctx *fiber.Ctx) error {
		p := server.Request(ctx).Principal
		c.mu.Lock()
		defer c.mu.Unlock()
		if p.IsGuest() {
			c.seen[id] = append(c.seen[id], kernel.RoleGuest)
		} else {
			c.seen[id] = append(c.seen[id], p.Roles...)
		}
		return ctx.SendStatus(http.StatusNoContent)
	}
}

// dummyRoutes registers a GET and a POST for every row of the RBAC table.
func dummyRoutes(c *calls) []server.Route {
	var out []server.Route
	for i, p := range access.Table {
		for _, m := range []string{http.MethodGet, http.MethodPost} {
			path := fmt.Sprintf("/v1/dummy/%d/:id", i)
			out = append(out, server.Route{Method: m, Path: path, Policy: p, Handler: c.handler(m + " " + path)})
		}
	}
	return out
}

// The identity routes of each binary, plus a GET and a POST for every row of access.Table, swept
// for every role; a refused role never reaches the handler. The real binaries' full route sets are
// swept in apps/internal/wiring.
func TestIdentityRoutesAndEveryPolicyRowAgainstTheTable(t *testing.T) {
	f := newFixture(t)
	binaries := []struct {
		aud    kernel.Audience
		routes []server.Route
	}{
		{kernel.AudienceStorefront, identityhttp.StorefrontRoutes(f.svc, f.keys)},
		{kernel.AudienceAdmin, identityhttp.AdminRoutes(f.svc, f.keys)},
		{kernel.AudiencePartner, identityhttp.PartnerRoutes(f.svc, f.keys)},
	}
	for _, b := range binaries {
		t.Run(string(b.aud), func(t *testing.T) {
			c := &calls{seen: map[string][]kernel.Role{}}
			srv, err := server.New(server.Config{Name: string(b.aud), Audience: b.aud,
				Auth: auth.NewAuthenticator(f.keys, issuer, b.aud, f.clock)}, b.routes, dummyRoutes(c))
			if err != nil {
				t.Fatal(err)
			}
			results := rbactest.Sweep(t, srv, rbactest.Minter(f.keys, issuer, b.aud, f.clock, f.subjects), rbactest.Options{})
			if want := len(srv.Routes()) * len(kernel.AllRoles); len(results) != want {
				t.Fatalf("swept %d route×role pairs, want %d", len(results), want)
			}
			for _, r := range results {
				id := r.Route.Method + " " + r.Route.Path
				if !strings.HasPrefix(r.Route.Path, "/v1/dummy/") {
					continue
				}
				principal := kernel.Principal{ID: "x", Roles: []kernel.Role{r.Role}}
				if r.Role == kernel.RoleGuest {
					principal = kernel.Guest
				}
				ran := slices.Contains(c.seen[id], r.Role)
				if allowed := r.Route.Policy.Allows(principal); allowed != ran {
					t.Errorf("%s as %s: allowed=%v but handler ran=%v", id, r.Role, allowed, ran)
				}
			}
		})
	}
}

// recorder captures the sweep's complaints instead of failing the test.
type recorder struct {
	testing.TB
	mu       sync.Mutex
	failures []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failures = append(r.failures, fmt.Sprintf(format, args...))
}

func TestTheSweepCatchesBrokenRoutes(t *testing.T) {
	f := newFixture(t)
	homemade := access.Policy{Name: "homemade", Roles: []kernel.Role{kernel.RoleCustomer}}
	srv, err := server.New(server.Config{Audience: kernel.AudienceStorefront, Auth: auth.NewAuthenticator(f.keys, issuer, kernel.AudienceStorefront, f.clock)},
		[]server.Route{
			{Method: http.MethodGet, Path: "/v1/homemade", Policy: homemade, Handler: func(c *fiber.Ctx) error { return c.SendStatus(http.StatusOK) }},
			// An allowed role refused by the handler itself.
			{Method: http.MethodGet, Path: "/v1/refuses", Policy: access.CatalogRead, Handler: func(*fiber.Ctx) error { return errs.ErrForbidden }},
		})
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{TB: t}
	rbactest.Sweep(rec, srv, rbactest.Minter(f.keys, issuer, kernel.AudienceStorefront, f.clock, f.subjects), rbactest.Options{})
	joined := strings.Join(rec.failures, "\n")
	if !strings.Contains(joined, `policy "homemade" is not a row of access.Table`) || !strings.Contains(joined, "GET /v1/refuses (catalog reads): Guest is allowed but got 403") {
		t.Fatalf("the sweep missed a broken route:\n%s", joined)
	}
}

func TestARouteWithoutPolicyFailsStartUp(t *testing.T) {
	_, err := server.New(server.Config{}, []server.Route{{Method: http.MethodGet, Path: "/v1/naked", Handler: func(*fiber.Ctx) error { return nil }}})
	if err == nil || !strings.Contains(err.Error(), "no access policy") {
		t.Fatalf("err = %v", err)
	}
}
