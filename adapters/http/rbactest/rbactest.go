// Package rbactest sweeps every route of a server against the RBAC table: for each registered route
// and each of the seven roles plus Guest, an allowed caller must get past authorization (neither 401
// nor 403, unless the route's Guard refuses it with a code of its own), a guest the policy refuses
// must get 401 and a role it refuses 403. A route whose policy
// is missing or is not a row of access.Table fails the sweep.
package rbactest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/jupang/jupang/adapters/auth"
	"github.com/jupang/jupang/adapters/http/server"
	"github.com/jupang/jupang/adapters/seed"
	"github.com/jupang/jupang/core/access"
	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/identity"
	"github.com/jupang/jupang/core/kernel"
)

// TokenSource returns a bearer token of the server's audience acting as role. It is never asked for
// RoleGuest (guests send no token).
type TokenSource func(t testing.TB, role kernel.Role) string

// Options adjust the requests of a sweep.
type Options struct {
	// Param fills the path parameter name of route; nil: a fresh UUID for every parameter.
	Param func(route server.Route, name string) string
	// Query returns a query string (without "?") for route, e.g. "waitSeconds=0" for a long poll.
	Query func(route server.Route) string
}

// Result is one route × role outcome.
type Result struct {
	Route  server.Route
	Role   kernel.Role
	Status int
}

// Sweep runs every route of srv for every role and Guest and reports violations through t. It
// returns the outcomes for callers that check more (for instance that no handler ran when refused).
func Sweep(t testing.TB, srv *server.Server, tokens TokenSource, opts Options) []Result {
	t.Helper()
	var results []Result
	for _, route := range srv.Routes() {
		if !inTable(route.Policy) {
			t.Errorf("%s %s: policy %q is not a row of access.Table", route.Method, route.Path, route.Policy.Name)
			continue
		}
		target := path(route, opts)
		for _, role := range kernel.AllRoles {
			req := httptest.NewRequest(route.Method, target, nil)
			principal := kernel.Guest
			if role != kernel.RoleGuest {
				req.Header.Set("Authorization", "Bearer "+tokens(t, role))
				principal = kernel.Principal{ID: "sweep", Roles: []kernel.Role{role}}
			}
			resp, err := srv.App().Test(req, -1)
			if err != nil {
				t.Fatalf("%s %s as %s: %v", route.Method, target, role, err)
			}
			var problem struct{ Code string }
			_ = json.NewDecoder(resp.Body).Decode(&problem)
			_ = resp.Body.Close()
			results = append(results, Result{Route: route, Role: role, Status: resp.StatusCode})
			allowed := route.Policy.Allows(principal)
			refused := resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden
			switch {
			case allowed && refused && route.Guard != nil && !policyRefusal(problem.Code):
				// Past the policy, the route's guard wants credentials the sweep does not send
				// (a partner's certificate and signature): the policy let the role through.
			case allowed && refused:
				t.Errorf("%s %s (%s): %s is allowed but got %d", route.Method, route.Path, route.Policy.Name, role, resp.StatusCode)
			case !allowed && role == kernel.RoleGuest && resp.StatusCode != http.StatusUnauthorized:
				t.Errorf("%s %s (%s): a guest must get 401, got %d", route.Method, route.Path, route.Policy.Name, resp.StatusCode)
			case !allowed && role != kernel.RoleGuest && resp.StatusCode != http.StatusForbidden:
				t.Errorf("%s %s (%s): %s must get 403, got %d", route.Method, route.Path, route.Policy.Name, role, resp.StatusCode)
			}
		}
	}
	return results
}

// policyRefusal reports whether a problem code is the one the RBAC check answers with.
func policyRefusal(code string) bool {
	return code == errs.ErrUnauthenticated.Code || code == errs.ErrForbidden.Code
}

func inTable(p access.Policy) bool {
	if p.Name == "" || len(p.Roles) == 0 {
		return false
	}
	for _, row := range access.Table {
		if row.Name == p.Name && slices.Equal(row.Roles, p.Roles) {
			return true
		}
	}
	return false
}

// path turns a route pattern into a concrete path. server.New admits only literal segments and
// ":name" parameters, so those are the only ones to fill.
func path(route server.Route, opts Options) string {
	segs := strings.Split(route.Path, "/")
	for i, s := range segs {
		name, isParam := strings.CutPrefix(s, ":")
		if !isParam {
			continue
		}
		if opts.Param != nil {
			segs[i] = opts.Param(route, name)
		} else {
			segs[i] = kernel.NewID()
		}
	}
	p := strings.Join(segs, "/")
	if opts.Query != nil {
		if q := opts.Query(route); q != "" {
			p += "?" + q
		}
	}
	return p
}

// Minter returns a TokenSource that signs tokens for aud with keys, as the subject subjects[role]
// (a fresh id when the map has none). Tokens are minted directly, so every role can be swept on
// every binary, including roles that binary's token endpoint never issues.
func Minter(keys *auth.KeySet, issuer string, aud kernel.Audience, clock kernel.Clock, subjects map[kernel.Role]string) TokenSource {
	signer := auth.NewSigner(keys, issuer)
	return func(t testing.TB, role kernel.Role) string {
		t.Helper()
		sub := subjects[role]
		if sub == "" {
			sub = kernel.NewID()
		}
		now := clock.Now()
		tok, err := signer.Sign(context.Background(), identity.AccessClaims{ID: kernel.NewID(), Subject: sub, Audience: aud,
			ClientID: string(aud), Roles: []kernel.Role{role}, IssuedAt: now, ExpiresAt: now.Add(identity.AccessTokenTTL)})
		if err != nil {
			t.Fatalf("mint %s token: %v", role, err)
		}
		return tok
	}
}

// DemoSubjects maps each role to a seeded account (seed.Accounts must have run), so minted tokens
// name real people and GET /v1/me answers for them.
func DemoSubjects(ctx context.Context, svc *identity.Service) (map[kernel.Role]string, error) {
	emails := map[kernel.Role]string{kernel.RoleCustomer: seed.DemoCustomers[0]}
	for _, s := range seed.DemoStaff {
		if emails[s.Role] == "" {
			emails[s.Role] = s.Email
		}
	}
	out := map[kernel.Role]string{}
	for role, email := range emails {
		u, err := svc.UserByEmail(ctx, email)
		if err != nil {
			return nil, fmt.Errorf("demo subject %s: %w", email, err)
		}
		out[role] = u.ID
	}
	c, err := svc.Client(ctx, seed.PartnerClientID)
	if err != nil {
		return nil, fmt.Errorf("demo subject %s: %w", seed.PartnerClientID, err)
	}
	out[kernel.RoleExternal] = c.ID
	return out, nil
}
