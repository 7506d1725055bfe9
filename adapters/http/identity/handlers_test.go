package identityhttp_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
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

const issuer = "https://auth.jupang.test"

type env struct {
	clock                      *kernel.FakeClock
	keys                       *auth.KeySet
	svc                        *identity.Service
	store                      *memory.Store
	storefront, admin, partner *server.Server
}

// newEnv builds the three binaries' identity endpoints on one memory store, seeded. limits, when
// set, turns rate limiting on with a fake clock.
func newEnv(t *testing.T, limits *ratelimit.Limits) *env {
	t.Helper()
	e := &env{clock: kernel.NewFakeClock(time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)), store: memory.NewStore()}
	var err error
	if e.keys, err = auth.GenerateKeySet(); err != nil {
		t.Fatal(err)
	}
	hasher, err := auth.NewArgon2id(auth.Argon2Params{Time: 1, MemoryKiB: 64, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	var limiter server.RateLimiter
	opts := identity.Options{}
	if limits != nil {
		rl, err := auth.NewRateLimiter(*limits, e.clock)
		if err != nil {
			t.Fatal(err)
		}
		limiter, opts.Attempts = rl, rl.Attempts()
	}
	e.svc, err = identity.NewService(memory.NewUnitOfWork(e.store, memory.IdentityStores), hasher, auth.NewSigner(e.keys, issuer), e.clock, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := seed.Accounts(context.Background(), e.svc); err != nil {
		t.Fatal(err)
	}
	messages := i18n.New(identity.Codes())
	build := func(aud kernel.Audience, routes []server.Route) *server.Server {
		srv, err := server.New(server.Config{Name: string(aud), Audience: aud, Messages: messages, Limiter: limiter,
			Auth: auth.NewAuthenticator(e.keys, issuer, aud, e.clock)}, routes)
		if err != nil {
			t.Fatal(err)
		}
		binaryOf.Store(srv, string(aud))
		return srv
	}
	e.storefront = build(kernel.AudienceStorefront, identityhttp.StorefrontRoutes(e.svc, e.keys))
	e.admin = build(kernel.AudienceAdmin, identityhttp.AdminRoutes(e.svc, e.keys))
	e.partner = build(kernel.AudiencePartner, identityhttp.PartnerRoutes(e.svc, e.keys))
	return e
}

// binaryOf names the binary each test server stands for, so every exchange is checked against that
// binary's OpenAPI document.
var binaryOf sync.Map // *server.Server → string

type response struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

func do(t *testing.T, srv *server.Server, method, path, contentType, body string, headers ...string) response {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := srv.App().Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	raw, _ := io.ReadAll(resp.Body)
	if binary, ok := binaryOf.Load(srv); ok {
		openapitest.Validate(t, binary.(string), req, []byte(body), resp, raw)
	}
	r := response{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
	_ = json.Unmarshal(raw, &r.body)
	return r
}

const form = "application/x-www-form-urlencoded"

func passwordForm(user, pass string) string {
	return url.Values{"grant_type": {"password"}, "username": {user}, "password": {pass}}.Encode()
}

func login(t *testing.T, srv *server.Server, user string) (access, refresh string) {
	t.Helper()
	return loginWith(t, srv, user, seed.DemoPassword)
}

func loginWith(t *testing.T, srv *server.Server, user, password string) (access, refresh string) {
	t.Helper()
	r := do(t, srv, http.MethodPost, "/v1/oauth/token", form, passwordForm(user, password))
	if r.status != http.StatusOK {
		t.Fatalf("login %s: %d %s", user, r.status, r.raw)
	}
	refresh, _ = r.body["refresh_token"].(string)
	return r.body["access_token"].(string), refresh
}

func bearer(tok string) []string { return []string{"Authorization", "Bearer " + tok} }

func TestSignUp(t *testing.T) {
	e := newEnv(t, nil)
	body := `{"email":"New.Shopper@Example.com","password":"0123456789","name":"새 고객","phone":"+82 10-5555-6666",
		"defaultAddress":{"recipient":"새 고객","line1":"테헤란로 1","city":"서울","postalCode":"06236","country":"KR"}}`
	r := do(t, e.storefront, http.MethodPost, "/v1/users", "application/json", body)
	if r.status != http.StatusCreated || r.body["email"] != "New.Shopper@Example.com" || r.body["id"] == "" ||
		r.header.Get("Location") != "/v1/me" || strings.Contains(r.raw, "password") {
		t.Fatalf("sign-up: %d %s", r.status, r.raw)
	}
	if roles := r.body["roles"].([]any); len(roles) != 1 || roles[0] != "Customer" {
		t.Fatalf("roles %v", roles)
	}
	access, _ := loginWith(t, e.storefront, "new.shopper@example.com", "0123456789")
	me := do(t, e.storefront, http.MethodGet, "/v1/me", "", "", bearer(access)...)
	if me.status != http.StatusOK || me.body["id"] != r.body["id"] || me.body["email"] != "New.Shopper@Example.com" || me.body["name"] != "새 고객" {
		t.Fatalf("me: %d %s", me.status, me.raw)
	}

	taken := do(t, e.storefront, http.MethodPost, "/v1/users", "application/json",
		`{"email":"NEW.SHOPPER@example.COM","password":"0123456789","name":"Copy","phone":"01012345678"}`, "Accept-Language", "ko")
	if taken.status != http.StatusConflict || taken.body["code"] != "EMAIL_TAKEN" || taken.body["detail"] != "이미 가입된 이메일 주소입니다." ||
		!strings.HasPrefix(taken.header.Get("Content-Type"), server.ProblemContentType) {
		t.Fatalf("taken: %d %s", taken.status, taken.raw)
	}
	roles := do(t, e.storefront, http.MethodPost, "/v1/users", "application/json",
		`{"email":"sneaky@example.com","password":"0123456789","name":"S","phone":"01012345678","roles":["Admin"]}`)
	if roles.status != http.StatusBadRequest || !strings.Contains(roles.raw, `"field":"roles","code":"UNKNOWN_FIELD"`) {
		t.Fatalf("roles field: %d %s", roles.status, roles.raw)
	}
	short := do(t, e.storefront, http.MethodPost, "/v1/users", "application/json",
		`{"email":"short@example.com","password":"123456789","name":"S","phone":"01012345678"}`)
	if short.status != http.StatusBadRequest || !strings.Contains(short.raw, `"field":"password","code":"PASSWORD_TOO_SHORT"`) {
		t.Fatalf("short password: %d %s", short.status, short.raw)
	}
	if _, err := e.svc.UserByEmail(context.Background(), "sneaky@example.com"); err == nil {
		t.Fatal("a rejected sign-up stored a user")
	}
	if r := do(t, e.admin, http.MethodPost, "/v1/users", "application/json", body); r.status != http.StatusNotFound {
		t.Fatalf("sign-up is a storefront endpoint; admin answered %d", r.status)
	}
}

func TestPasswordGrantAndMeOnEachBinary(t *testing.T) {
	e := newEnv(t, nil)
	r := do(t, e.storefront, http.MethodPost, "/v1/oauth/token", form, passwordForm("CUSTOMER@jupang.test", seed.DemoPassword))
	if r.status != http.StatusOK || r.body["token_type"] != "Bearer" || r.body["expires_in"] != float64(900) ||
		r.header.Get("Cache-Control") != "no-store" || r.header.Get("Pragma") != "no-cache" {
		t.Fatalf("token: %d %s %v", r.status, r.raw, r.header)
	}
	// JSON is accepted too.
	j := do(t, e.storefront, http.MethodPost, "/v1/oauth/token", "application/json",
		`{"grant_type":"password","username":"customer2@jupang.test","password":"jupang-demo-1234","scope":null}`)
	if j.status != http.StatusOK {
		t.Fatalf("json token: %d %s", j.status, j.raw)
	}
	storefrontToken := r.body["access_token"].(string)
	me := do(t, e.storefront, http.MethodGet, "/v1/me", "", "", bearer(storefrontToken)...)
	if me.status != http.StatusOK || me.body["email"] != "customer@jupang.test" || me.raw == "" || !strings.Contains(me.raw, `"roles":["Customer"]`) {
		t.Fatalf("me: %d %s", me.status, me.raw)
	}
	if r := do(t, e.storefront, http.MethodGet, "/v1/me", "", ""); r.status != http.StatusUnauthorized || r.body["code"] != "UNAUTHENTICATED" {
		t.Fatalf("me without a token: %d %s", r.status, r.raw)
	}
	if r := do(t, e.admin, http.MethodGet, "/v1/me", "", "", bearer(storefrontToken)...); r.status != http.StatusUnauthorized {
		t.Fatalf("a storefront token on the admin binary: %d", r.status)
	}

	staffToken, _ := login(t, e.admin, "admin@jupang.test")
	if me := do(t, e.admin, http.MethodGet, "/v1/me", "", "", bearer(staffToken)...); me.status != http.StatusOK || !strings.Contains(me.raw, `"roles":["Admin"]`) {
		t.Fatalf("admin me: %d %s", me.status, me.raw)
	}
	for _, tc := range []struct {
		srv        *server.Server
		user, pass string
		code       string
	}{
		{e.admin, "customer@jupang.test", seed.DemoPassword, "invalid_grant"},
		{e.storefront, "support@jupang.test", seed.DemoPassword, "invalid_grant"},
		{e.storefront, "customer@jupang.test", "wrong-password", "invalid_grant"},
		{e.storefront, "nobody@jupang.test", seed.DemoPassword, "invalid_grant"},
		{e.partner, "customer@jupang.test", seed.DemoPassword, "unsupported_grant_type"},
	} {
		r := do(t, tc.srv, http.MethodPost, "/v1/oauth/token", form, passwordForm(tc.user, tc.pass))
		if r.status != http.StatusBadRequest || r.body["error"] != tc.code || r.body["error_description"] == "" || r.body["type"] != nil {
			t.Errorf("%s/%s: %d %s", tc.user, tc.pass, r.status, r.raw)
		}
	}
}

func TestRefreshRotationAndReuseOverHTTP(t *testing.T) {
	e := newEnv(t, nil)
	_, refresh := login(t, e.storefront, "customer@jupang.test")
	refreshForm := func(tok string) string {
		return url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok}}.Encode()
	}
	r := do(t, e.storefront, http.MethodPost, "/v1/oauth/token", form, refreshForm(refresh))
	if r.status != http.StatusOK || r.body["refresh_token"] == refresh {
		t.Fatalf("rotate: %d %s", r.status, r.raw)
	}
	next := r.body["refresh_token"].(string)
	if r := do(t, e.admin, http.MethodPost, "/v1/oauth/token", form, refreshForm(next)); r.status != http.StatusBadRequest || r.body["error"] != "invalid_grant" {
		t.Fatalf("a storefront refresh token on admin: %d %s", r.status, r.raw)
	}
	// Replaying the used token revokes the family: the newest token dies with it.
	if r := do(t, e.storefront, http.MethodPost, "/v1/oauth/token", form, refreshForm(refresh)); r.body["error"] != "invalid_grant" {
		t.Fatalf("reuse: %d %s", r.status, r.raw)
	}
	if r := do(t, e.storefront, http.MethodPost, "/v1/oauth/token", form, refreshForm(next)); r.body["error"] != "invalid_grant" {
		t.Fatalf("family not revoked: %d %s", r.status, r.raw)
	}
	// A refresh token is not an access token.
	if r := do(t, e.storefront, http.MethodGet, "/v1/me", "", "", bearer(next)...); r.status != http.StatusUnauthorized {
		t.Fatalf("refresh token as bearer: %d", r.status)
	}
}

func TestRevoke(t *testing.T) {
	e := newEnv(t, nil)
	access, refresh := login(t, e.storefront, "customer@jupang.test")
	if r := do(t, e.storefront, http.MethodPost, "/v1/oauth/revoke", form, "token="+url.QueryEscape(refresh)+"&token_type_hint=refresh_token"); r.status != http.StatusOK {
		t.Fatalf("revoke: %d %s", r.status, r.raw)
	}
	if r := do(t, e.storefront, http.MethodPost, "/v1/oauth/token", form, "grant_type=refresh_token&refresh_token="+url.QueryEscape(refresh)); r.body["error"] != "invalid_grant" {
		t.Fatalf("revoked token still works: %d %s", r.status, r.raw)
	}
	if r := do(t, e.storefront, http.MethodPost, "/v1/oauth/revoke", form, "token=never-issued"); r.status != http.StatusOK {
		t.Fatalf("unknown token: %d %s", r.status, r.raw)
	}
	if r := do(t, e.storefront, http.MethodPost, "/v1/oauth/revoke", form, "token="+access); r.status != http.StatusBadRequest || r.body["error"] != "unsupported_token_type" {
		t.Fatalf("access token: %d %s", r.status, r.raw)
	}
	if r := do(t, e.storefront, http.MethodPost, "/v1/oauth/revoke", form, ""); r.status != http.StatusBadRequest || r.body["error"] != "invalid_request" {
		t.Fatalf("no token: %d %s", r.status, r.raw)
	}
}

func TestClientCredentials(t *testing.T) {
	e := newEnv(t, nil)
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("partner-demo:partner-demo-secret"))
	r := do(t, e.partner, http.MethodPost, "/v1/oauth/token", form, "grant_type=client_credentials", "Authorization", basic)
	if r.status != http.StatusOK || r.body["refresh_token"] != nil {
		t.Fatalf("basic: %d %s", r.status, r.raw)
	}
	me := do(t, e.partner, http.MethodGet, "/v1/me", "", "", bearer(r.body["access_token"].(string))...)
	if me.status != http.StatusOK || me.body["clientId"] != "partner-demo" || me.body["email"] != nil || !strings.Contains(me.raw, `"roles":["External"]`) {
		t.Fatalf("partner me: %d %s", me.status, me.raw)
	}
	if r := do(t, e.partner, http.MethodPost, "/v1/oauth/token", form, "grant_type=client_credentials&client_id=partner-demo&client_secret=partner-demo-secret"); r.status != http.StatusOK {
		t.Fatalf("body credentials: %d %s", r.status, r.raw)
	}
	both := do(t, e.partner, http.MethodPost, "/v1/oauth/token", form, "grant_type=client_credentials&client_secret=partner-demo-secret", "Authorization", basic)
	if both.status != http.StatusBadRequest || both.body["error"] != "invalid_request" {
		t.Fatalf("two methods: %d %s", both.status, both.raw)
	}
	wrong := do(t, e.partner, http.MethodPost, "/v1/oauth/token", form, "grant_type=client_credentials&client_id=partner-demo&client_secret=nope")
	if wrong.status != http.StatusUnauthorized || wrong.body["error"] != "invalid_client" || wrong.header.Get("WWW-Authenticate") == "" {
		t.Fatalf("wrong secret: %d %s", wrong.status, wrong.raw)
	}
	if r := do(t, e.storefront, http.MethodPost, "/v1/oauth/token", form, "grant_type=client_credentials", "Authorization", basic); r.body["error"] != "unsupported_grant_type" {
		t.Fatalf("client_credentials on the storefront: %d %s", r.status, r.raw)
	}
	if r := do(t, e.partner, http.MethodPost, "/v1/oauth/token", form, "grant_type=authorization_code&code=x"); r.body["error"] != "unsupported_grant_type" {
		t.Fatalf("authorization_code: %d %s", r.status, r.raw)
	}
}

func TestJWKS(t *testing.T) {
	e := newEnv(t, nil)
	r := do(t, e.storefront, http.MethodGet, "/.well-known/jwks.json", "", "")
	keys, _ := r.body["keys"].([]any)
	if r.status != http.StatusOK || len(keys) != 1 || r.header.Get("Cache-Control") != "public, max-age=300" ||
		r.header.Get("Content-Type") != "application/jwk-set+json" || keys[0].(map[string]any)["kid"] != e.keys.Signer().Kid {
		t.Fatalf("jwks: %d %s", r.status, r.raw)
	}
}

func TestRateLimits(t *testing.T) {
	limits := ratelimit.DefaultLimits()
	limits.Auth = ratelimit.Limit{Requests: 3, Per: time.Minute, Burst: 3}
	limits.Account = ratelimit.Limit{Requests: 2, Per: time.Hour, Burst: 2}
	e := newEnv(t, &limits)

	// Per IP on the auth class: the fourth request within the window is refused before it runs.
	for i := 0; i < 3; i++ {
		r := do(t, e.storefront, http.MethodPost, "/v1/oauth/token", form, passwordForm(fmt.Sprintf("nobody%d@jupang.test", i), "whatever-123"))
		if r.status != http.StatusBadRequest || r.header.Get("RateLimit-Remaining") != []string{"2", "1", "0"}[i] || r.header.Get("RateLimit-Limit") != "3" {
			t.Fatalf("request %d: %d %v", i, r.status, r.header)
		}
	}
	signUp := `{"email":"late@example.com","password":"0123456789","name":"Late","phone":"01012345678"}`
	r := do(t, e.storefront, http.MethodPost, "/v1/users", "application/json", signUp)
	if r.status != http.StatusTooManyRequests || r.body["code"] != "RATE_LIMITED" || r.header.Get("Retry-After") != "20" ||
		r.header.Get("RateLimit-Remaining") != "0" || r.header.Get("RateLimit-Reset") != "60" {
		t.Fatalf("over the limit: %d %s %v", r.status, r.raw, r.header)
	}
	if _, err := e.svc.UserByEmail(context.Background(), "late@example.com"); err == nil {
		t.Fatal("a rate-limited sign-up created the account")
	}
	e.clock.Advance(20 * time.Second)
	if r := do(t, e.storefront, http.MethodPost, "/v1/users", "application/json", signUp); r.status != http.StatusCreated {
		t.Fatalf("after Retry-After: %d %s", r.status, r.raw)
	}

	// Per account: two failures lock customer@ even with the right password, whatever the bucket of the IP.
	e.clock.Advance(time.Minute)
	for i := 0; i < 2; i++ {
		r := do(t, e.storefront, http.MethodPost, "/v1/oauth/token", form, passwordForm("customer@jupang.test", "wrong-password"))
		if r.body["error"] != "invalid_grant" {
			t.Fatalf("failure %d: %d %s", i, r.status, r.raw)
		}
	}
	r = do(t, e.storefront, http.MethodPost, "/v1/oauth/token", form, passwordForm("customer@jupang.test", seed.DemoPassword))
	if r.status != http.StatusTooManyRequests || r.body["code"] != "RATE_LIMITED" || r.header.Get("Retry-After") != "1800" {
		t.Fatalf("account throttle: %d %s %v", r.status, r.raw, r.header)
	}
	e.clock.Advance(time.Minute) // a fresh IP bucket; the account bucket refills one try per 30 min
	if r := do(t, e.storefront, http.MethodPost, "/v1/oauth/token", form, passwordForm("customer2@jupang.test", seed.DemoPassword)); r.status != http.StatusOK {
		t.Fatalf("another account: %d %s", r.status, r.raw)
	}
	e.clock.Advance(29 * time.Minute)
	if r := do(t, e.storefront, http.MethodPost, "/v1/oauth/token", form, passwordForm("customer@jupang.test", seed.DemoPassword)); r.status != http.StatusOK {
		t.Fatalf("after the wait: %d %s", r.status, r.raw)
	}
}
