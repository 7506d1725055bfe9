package identityhttp_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jupang/jupang/adapters/auth"
	identityhttp "github.com/jupang/jupang/adapters/http/identity"
	"github.com/jupang/jupang/adapters/http/openapi/openapitest"
	"github.com/jupang/jupang/adapters/http/server"
	"github.com/jupang/jupang/adapters/memory"
	"github.com/jupang/jupang/adapters/seed"
	"github.com/jupang/jupang/core/i18n"
	"github.com/jupang/jupang/core/identity"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/ratelimit"
)

// tokenEndpoint is one binary's identity routes on a seeded memory store, with rate limits.
type tokenEndpoint struct {
	srv    *server.Server
	binary string
}

func newTokenEndpoint(t *testing.T, aud kernel.Audience, limits ratelimit.Limits) tokenEndpoint {
	t.Helper()
	clock := kernel.NewFakeClock(time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC))
	keys, err := auth.GenerateKeySet()
	if err != nil {
		t.Fatal(err)
	}
	hasher, err := auth.NewArgon2id(auth.Argon2Params{Time: 1, MemoryKiB: 64, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	limiter, err := auth.NewRateLimiter(limits, clock)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := identity.NewService(memory.NewUnitOfWork(memory.NewStore(), memory.IdentityStores), hasher,
		auth.NewSigner(keys, issuer), clock, identity.Options{Attempts: limiter.Attempts()})
	if err != nil {
		t.Fatal(err)
	}
	if err := seed.Accounts(context.Background(), svc); err != nil {
		t.Fatal(err)
	}
	routes := map[kernel.Audience][]server.Route{
		kernel.AudienceStorefront: identityhttp.StorefrontRoutes(svc, keys),
		kernel.AudiencePartner:    identityhttp.PartnerRoutes(svc, keys),
	}[aud]
	srv, err := server.New(server.Config{Name: string(aud), Audience: aud, Messages: i18n.New(i18n.Builtin(), identity.Messages),
		Limiter: limiter, Auth: auth.NewAuthenticator(keys, issuer, aud, clock)}, routes)
	if err != nil {
		t.Fatal(err)
	}
	return tokenEndpoint{srv: srv, binary: string(aud)}
}

type exchange struct {
	status int
	header http.Header
	body   map[string]any
}

// post sends a form to path with an optional Authorization header and checks the answer against
// the binary's OpenAPI document.
func (e tokenEndpoint) post(t *testing.T, path, form, authorization string) exchange {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	resp, err := e.srv.App().Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	raw, _ := io.ReadAll(resp.Body)
	sent := httptest.NewRequest(http.MethodPost, path, nil)
	sent.Header = req.Header.Clone()
	openapitest.Validate(t, e.binary, sent, []byte(form), resp, raw)
	var body map[string]any
	if err := json.Unmarshal(raw, &body); err != nil {
		t.Fatalf("%s: not JSON: %s", path, raw)
	}
	return exchange{status: resp.StatusCode, header: resp.Header, body: body}
}

func basic(id, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(id+":"+secret))
}

// TestClientAuthenticationFailuresAreInvalidClient: whatever is wrong with the client's credentials,
// the token endpoint answers RFC 6749 invalid_client, 401, with a Basic challenge — never the
// platform's problem+json, whose Bearer challenge an OAuth client cannot act on.
func TestClientAuthenticationFailuresAreInvalidClient(t *testing.T) {
	partner := newTokenEndpoint(t, kernel.AudiencePartner, ratelimit.DefaultLimits())
	grant := "grant_type=client_credentials"
	for name, tc := range map[string]struct{ form, authz string }{
		"unknown client":                       {grant, basic("nobody", "partner-demo-secret")},
		"wrong secret":                         {grant, basic(seed.PartnerClientID, "wrong-secret-000")},
		"malformed Basic":                      {grant, "Basic !!!"},
		"a bearer token":                       {grant, "Bearer eyJhbGciOiJFZERTQSJ9.e30.c2ln"},
		"an unsupported scheme":                {grant, "Digest username=partner-demo"},
		"no client credentials":                {grant, ""},
		"a client id, no secret":               {grant + "&client_id=" + seed.PartnerClientID, ""},
		"a token over the Authorization limit": {grant, "Bearer " + strings.Repeat("t", 9000)},
	} {
		t.Run(name, func(t *testing.T) {
			r := partner.post(t, "/v1/oauth/token", tc.form, tc.authz)
			if r.status != http.StatusUnauthorized || r.body["error"] != "invalid_client" ||
				!strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Basic") || r.header.Get("Content-Type") != "application/json; charset=utf-8" {
				t.Fatalf("%d %v %v, want 401 invalid_client with a Basic challenge", r.status, r.header, r.body)
			}
		})
	}
	if r := partner.post(t, "/v1/oauth/token", grant, basic(seed.PartnerClientID, seed.PartnerClientSecret)); r.status != http.StatusOK {
		t.Fatalf("the right credentials: %d %v", r.status, r.body)
	}
}

// TestTokenEndpointThrottlesInOAuthShape: a throttled token request (the auth route class, and the
// sign-in guard) is 429 in RFC 6749's shape with Retry-After.
func TestTokenEndpointThrottlesInOAuthShape(t *testing.T) {
	limits := ratelimit.DefaultLimits()
	limits.Auth = ratelimit.Limit{Requests: 100, Per: time.Minute, Burst: 100}
	limits.SignInAccountClient = ratelimit.Limit{Requests: 2, Per: time.Hour, Burst: 2}
	sf := newTokenEndpoint(t, kernel.AudienceStorefront, limits)
	wrong := "grant_type=password&username=customer%40jupang.test&password=wrong-password"
	for range 2 {
		if r := sf.post(t, "/v1/oauth/token", wrong, ""); r.body["error"] != "invalid_grant" {
			t.Fatalf("%d %v", r.status, r.body)
		}
	}
	checkThrottled(t, sf.post(t, "/v1/oauth/token", wrong, ""), "1800")

	limits = ratelimit.DefaultLimits()
	limits.Auth = ratelimit.Limit{Requests: 1, Per: time.Minute, Burst: 1}
	partner := newTokenEndpoint(t, kernel.AudiencePartner, limits)
	_ = partner.post(t, "/v1/oauth/token", "grant_type=client_credentials", basic(seed.PartnerClientID, seed.PartnerClientSecret))
	r := partner.post(t, "/v1/oauth/token", "grant_type=client_credentials", basic(seed.PartnerClientID, seed.PartnerClientSecret))
	checkThrottled(t, r, "60")
	if r.header.Get("RateLimit-Limit") != "1" {
		t.Errorf("RateLimit-Limit = %q", r.header.Get("RateLimit-Limit"))
	}
}

func checkThrottled(t *testing.T, r exchange, retryAfter string) {
	t.Helper()
	if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") != retryAfter ||
		r.header.Get("Content-Type") != "application/json; charset=utf-8" || r.body["error"] != "temporarily_unavailable" ||
		r.body["error_description"] == "" || r.body["code"] != "RATE_LIMITED" || r.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("%d %v %v, want 429 temporarily_unavailable, Retry-After %s", r.status, r.header, r.body, retryAfter)
	}
}

// TestSignUpFieldNamesMatchExactly: {"Email": …} is an unknown field, not the email.
func TestSignUpFieldNamesMatchExactly(t *testing.T) {
	sf := newTokenEndpoint(t, kernel.AudienceStorefront, ratelimit.DefaultLimits())
	req := httptest.NewRequest(http.MethodPost, "/v1/users", strings.NewReader(
		`{"Email":"new@example.com","password":"0123456789","name":"New","phone":"01012345678"}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := sf.srv.App().Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(raw), `{"field":"Email","code":"UNKNOWN_FIELD"`) {
		t.Fatalf("%d %s", resp.StatusCode, raw)
	}
}
