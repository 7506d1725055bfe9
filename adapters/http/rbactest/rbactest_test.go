package rbactest_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/gofiber/fiber/v2"

	"github.com/jupang/jupang/adapters/http/handlertest"
	"github.com/jupang/jupang/adapters/http/rbactest"
	"github.com/jupang/jupang/adapters/http/server"
	"github.com/jupang/jupang/adapters/seed"
	"github.com/jupang/jupang/core/access"
	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/kernel"
)

// newEnv is a seeded in-memory Jupang; seeding it again changes nothing.
func newEnv(t *testing.T) *handlertest.Env {
	t.Helper()
	env := handlertest.New(t)
	if err := seed.Accounts(context.Background(), env.Identity); err != nil {
		t.Fatalf("seeding twice: %v", err)
	}
	return env
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
	env := newEnv(t)
	for _, binary := range []string{"storefront", "admin", "partner"} {
		t.Run(binary, func(t *testing.T) {
			c := &calls{seen: map[string][]kernel.Role{}}
			client := env.Server(t, binary, dummyRoutes(c)) // with the binary's identity routes
			srv := client.Server()
			results := rbactest.Sweep(t, srv, client.Token, rbactest.Options{})
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

func TestTheSweepCatchesBrokenRoutes(t *testing.T) {
	homemade := access.Policy{Name: "homemade", Roles: []kernel.Role{kernel.RoleCustomer}}
	client := newEnv(t).Server(t, "storefront",
		[]server.Route{
			{Method: http.MethodGet, Path: "/v1/homemade", Policy: homemade, Handler: func(c *fiber.Ctx) error { return c.SendStatus(http.StatusOK) }},
			// An allowed role refused by the handler itself.
			{Method: http.MethodGet, Path: "/v1/refuses", Policy: access.CatalogRead, Handler: func(*fiber.Ctx) error { return errs.ErrForbidden }},
		})
	failures := handlertest.Failures(t, func(tb testing.TB) { rbactest.Sweep(tb, client.Server(), client.Token, rbactest.Options{}) })
	joined := strings.Join(failures, "\n")
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
