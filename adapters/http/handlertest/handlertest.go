// Package handlertest is the kit HTTP handler tests are written with: an in-memory Jupang seeded
// with the demo accounts, servers built for a binary as the binaries build them, and a client that
// checks every request and response against that binary's OpenAPI document.
//
//	env := handlertest.New(t)
//	sf := env.Server(t, "storefront", carthttp.Routes(carts))
//	r := sf.Put(t, "/v1/carts/current/items", handlertest.Bearer(sf.Token(t, kernel.RoleCustomer)),
//		handlertest.JSON(`{"skuId":"…","quantity":2}`))
//	if r.Status != http.StatusConflict || r.Problem(t).Extras["available"] != 1.0 { … }
//
// The name follows the repository's other test kits (pgtest, rbactest, openapitest): this one is
// for handler tests, and lives next to the handlers under adapters/http. It builds services
// straight from adapters/memory and never imports apps/ (adapters may not depend on apps), so
// Server repeats the platform part of apps/internal/wiring's server configuration (serverConfig
// and Servers.config): a change there is a change here.
package handlertest

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/jupang/jupang/adapters/auth"
	identityhttp "github.com/jupang/jupang/adapters/http/identity"
	"github.com/jupang/jupang/adapters/http/messages"
	"github.com/jupang/jupang/adapters/http/openapi"
	"github.com/jupang/jupang/adapters/http/rbactest"
	"github.com/jupang/jupang/adapters/http/server"
	"github.com/jupang/jupang/adapters/memory"
	"github.com/jupang/jupang/adapters/seed"
	"github.com/jupang/jupang/core/idempotency"
	"github.com/jupang/jupang/core/identity"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/ratelimit"
)

// Issuer is the iss of every token the kit's servers issue and accept (the default auth.issuer).
const Issuer = "https://auth.jupang.test"

// Epoch is where an Env's clock starts.
var Epoch = time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)

// The idempotency settings of configs/default.yaml.
const (
	idempotencyTTL   = 24 * time.Hour
	idempotencyLease = time.Minute
)

// Env is one in-memory Jupang for handler tests: a memory store, a fake clock, real EdDSA signing
// keys and the identity service on that store, seeded with the demo accounts (seed.Accounts). Area
// tests build their own services on Store, so idempotency records commit with their effects as in
// the binaries.
type Env struct {
	Store    *memory.Store
	Clock    *kernel.FakeClock
	Keys     *auth.KeySet
	Identity *identity.Service

	idempotency *idempotency.Service
	limiter     *auth.RateLimiter // nil: no rate limits, as with ratelimit.enabled=false
	proxies     []netip.Prefix
	subjects    map[kernel.Role]string
}

// Option changes how New builds an Env.
type Option func(*options)

type options struct {
	limits  *ratelimit.Limits
	proxies []netip.Prefix
}

// WithRateLimits turns rate limits on, on the Env's clock: the servers' token buckets and the
// identity service's failed-sign-in throttle. Without it every server runs without limits.
func WithRateLimits(limits ratelimit.Limits) Option {
	return func(o *options) { o.limits = &limits }
}

// WithTrustedProxies makes the servers trust X-Forwarded-For from prefixes, as behind a load
// balancer: a test that trusts the in-process test connection's peer (0.0.0.0/32) chooses each
// request's client address with handlertest.Header(server.HeaderForwardedFor, addr).
func WithTrustedProxies(prefixes ...netip.Prefix) Option {
	return func(o *options) { o.proxies = prefixes }
}

// fastArgon2 keeps password hashing cheap: the tests are about HTTP, not hashing.
var fastArgon2 = auth.Argon2Params{Time: 1, MemoryKiB: 64, Threads: 1}

// New builds an Env and seeds the demo accounts.
func New(t testing.TB, opts ...Option) *Env {
	t.Helper()
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	e := &Env{Store: memory.NewStore(), Clock: kernel.NewFakeClock(Epoch), proxies: o.proxies}
	var err error
	if e.Keys, err = auth.GenerateKeySet(); err != nil {
		t.Fatal(err)
	}
	hasher, err := auth.NewArgon2id(fastArgon2)
	if err != nil {
		t.Fatal(err)
	}
	var identityOpts identity.Options
	if o.limits != nil {
		if e.limiter, err = auth.NewRateLimiter(*o.limits, e.Clock); err != nil {
			t.Fatal(err)
		}
		identityOpts.Attempts = e.limiter.Attempts()
	}
	e.Identity, err = identity.NewService(memory.NewUnitOfWork(e.Store, memory.IdentityStores), hasher,
		auth.NewSigner(e.Keys, Issuer), e.Clock, identityOpts)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := seed.Accounts(ctx, e.Identity); err != nil {
		t.Fatal(err)
	}
	if e.subjects, err = rbactest.DemoSubjects(ctx, e.Identity); err != nil {
		t.Fatal(err)
	}
	e.idempotency = idempotency.NewService(memory.NewKeysUnitOfWork(e.Store), memory.NewUnitOfWork(e.Store, memory.IdempotencyStores),
		e.Clock, idempotencyTTL, idempotencyLease)
	return e
}

// Server builds binary's server as the binaries do and returns a client for it. It serves the
// platform routes, the identity routes that binary serves (so SignIn works on every server but the
// worker's) and routes. Its configuration is the binaries' platform part: binary's OpenAPI document
// and docs page, every area's messages, idempotency on Env's store, fresh metrics, an SDK tracer,
// tokens of the binary's audience verified with Env's keys, and rate limits when WithRateLimits
// asked for them.
func (e *Env) Server(t testing.TB, binary string, routes ...[]server.Route) *Client {
	t.Helper()
	doc, err := openapi.Document(binary)
	if err != nil {
		t.Fatal(err)
	}
	page, err := openapi.DocsHTML(binary)
	if err != nil {
		t.Fatal(err)
	}
	aud := audienceOf(binary)
	cfg := server.Config{
		Name: binary, Audience: aud, Messages: messages.Catalog(), Idempotency: e.idempotency, OpenAPI: doc, DocsHTML: page,
		Auth: auth.NewAuthenticator(e.Keys, Issuer, aud, e.Clock), TrustedProxies: e.proxies,
	}
	if e.limiter != nil { // a nil *RateLimiter in the interface would not read as "no limiter"
		cfg.Limiter = e.limiter
	}
	srv, err := server.New(cfg, append([][]server.Route{e.identityRoutes(binary)}, routes...)...)
	if err != nil {
		t.Fatal(err)
	}
	return &Client{env: e, srv: srv, binary: binary, audience: aud}
}

// audienceOf is the audience of binary's tokens; the worker's operators hold admin tokens.
func audienceOf(binary string) kernel.Audience {
	if binary == "worker" {
		return kernel.AudienceAdmin
	}
	return kernel.Audience(binary)
}

// identityRoutes are the identity endpoints binary serves.
func (e *Env) identityRoutes(binary string) []server.Route {
	switch binary {
	case "storefront":
		return identityhttp.StorefrontRoutes(e.Identity, e.Keys)
	case "admin":
		return identityhttp.AdminRoutes(e.Identity, e.Keys)
	case "partner":
		return identityhttp.PartnerRoutes(e.Identity, e.Keys)
	}
	return nil
}
