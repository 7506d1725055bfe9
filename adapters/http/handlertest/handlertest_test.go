package handlertest_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/jupang/jupang/adapters/http/handlertest"
	"github.com/jupang/jupang/adapters/http/server"
	"github.com/jupang/jupang/core/access"
	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/ratelimit"
)

func get(path string, h fiber.Handler) server.Route {
	return server.Route{Method: http.MethodGet, Path: path, Policy: access.CatalogRead, Handler: h}
}

// TestEveryExchangeIsCheckedAgainstTheDocument: the client fails a test on an answer the binary's
// document does not describe, without being asked to, and passes the ones it does.
func TestEveryExchangeIsCheckedAgainstTheDocument(t *testing.T) {
	env := handlertest.New(t)
	sf := env.Server(t, "storefront",
		[]server.Route{
			// A documented operation answering off its schema: the list has no items.
			get("/v1/products", func(c *fiber.Ctx) error { return c.JSON(fiber.Map{"products": []string{}}) }),
			// An undocumented path answering 200.
			get("/v1/secret", func(c *fiber.Ctx) error { return c.JSON(fiber.Map{"ok": true}) }),
			// An undocumented path answering a problem: allowed for 404 and 405 only.
			get("/v1/gone", func(*fiber.Ctx) error { return errs.ErrNotFound }),
		})
	tests := []struct {
		name, method, path string
		opts               []handlertest.RequestOption
		wantFailed         bool
	}{
		{"documented answer", http.MethodGet, "/healthz", nil, false},
		{"body off the schema", http.MethodGet, "/v1/products", nil, true},
		{"undocumented success", http.MethodGet, "/v1/secret", nil, true},
		{"undocumented 404 problem", http.MethodGet, "/v1/gone", nil, false},
		{"documented problem", http.MethodGet, "/v1/me", nil, false},
		// An accepted request is checked too: sign-up refuses unknown fields itself, so a request
		// the document refuses cannot be accepted here; a valid one is.
		{"accepted request within the document", http.MethodPost, "/v1/users",
			[]handlertest.RequestOption{handlertest.JSON(`{"email":"doc@example.com","password":"0123456789","name":"D","phone":"01012345678"}`)}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			failures := handlertest.Failures(t, func(tb testing.TB) { sf.Do(tb, tt.method, tt.path, tt.opts...) })
			if failed := len(failures) > 0; failed != tt.wantFailed {
				t.Errorf("failed = %v, want %v: %v", failed, tt.wantFailed, failures)
			}
		})
	}
}

// TestRequestOptionsReachTheServer: each header option arrives as the header the platform reads,
// shown by the platform refusing a malformed value with that header's code.
func TestRequestOptionsReachTheServer(t *testing.T) {
	env := handlertest.New(t)
	sf := env.Server(t, "storefront")
	body := handlertest.JSON(`{"email":"opts@example.com","password":"0123456789","name":"O","phone":"01012345678"}`)
	for _, tt := range []struct {
		opt  handlertest.RequestOption
		code string
	}{
		{handlertest.Market("XX"), "INVALID_MARKET"},
		{handlertest.IdempotencyKey(strings.Repeat("k", 256)), "INVALID_IDEMPOTENCY_KEY"},
		{handlertest.SessionID("short"), "INVALID_SESSION_ID"},
		{handlertest.Bearer("not-a-token"), "UNAUTHENTICATED"},
	} {
		r := sf.Post(t, "/v1/users", body, tt.opt)
		if p := r.Problem(t); p.Code != tt.code {
			t.Errorf("%s: %d %s", tt.code, r.Status, r.Raw)
		}
	}
	r := sf.Get(t, "/v1/me", handlertest.Language("ja"), handlertest.Market("JP"))
	if p := r.Problem(t); r.Status != http.StatusUnauthorized || r.Header.Get("Content-Language") != "ja" || p.Detail == "" || p.TraceID == "" {
		t.Errorf("in Japanese: %d %v %s", r.Status, r.Header, r.Raw)
	}
	// The same body as a form is refused by sign-up, which takes JSON only.
	form := sf.Post(t, "/v1/users", handlertest.Form(url.Values{"email": {"opts@example.com"}}))
	if form.Status != http.StatusUnsupportedMediaType {
		t.Errorf("form sign-up: %d %s", form.Status, form.Raw)
	}
	// Every verb goes out as itself: /v1/me serves GET only, so the others are 405 listing GET.
	for _, method := range []string{http.MethodPut, http.MethodPatch, http.MethodDelete} {
		if r := sf.Do(t, method, "/v1/me"); r.Status != http.StatusMethodNotAllowed || r.Problem(t).Code != "METHOD_NOT_ALLOWED" || !strings.HasPrefix(r.Header.Get("Allow"), "GET") {
			t.Errorf("%d %v %s", r.Status, r.Header, r.Raw)
		}
	}
}

// TestServersShareTheEnvIdempotencyStore: a key reused with another body is refused, which only a
// server whose idempotency service runs on the Env's store can know.
func TestServersShareTheEnvIdempotencyStore(t *testing.T) {
	env := handlertest.New(t)
	sf := env.Server(t, "storefront")
	first := sf.Post(t, "/v1/users", handlertest.IdempotencyKey("sign-up-1"),
		handlertest.JSON(`{"email":"idem@example.com","password":"0123456789","name":"I","phone":"01012345678"}`))
	first.Want(t, http.StatusCreated)
	other := env.Server(t, "storefront") // another instance on the same store
	reused := other.Post(t, "/v1/users", handlertest.IdempotencyKey("sign-up-1"),
		handlertest.JSON(`{"email":"other@example.com","password":"0123456789","name":"I","phone":"01012345678"}`))
	if p := reused.Want(t, http.StatusUnprocessableEntity).Problem(t); p.Code != "IDEMPOTENCY_KEY_REUSED" {
		t.Fatalf("reused key: %s", reused.Raw)
	}
}

// TestTokens: minted tokens name the seeded account of their role on the client's binary only;
// SignIn goes through the token endpoint.
func TestTokens(t *testing.T) {
	env := handlertest.New(t)
	sf, admin := env.Server(t, "storefront"), env.Server(t, "admin")
	me := func(c *handlertest.Client, token string) handlertest.Response {
		return c.Get(t, "/v1/me", handlertest.Bearer(token))
	}
	var user struct {
		Email string        `json:"email"`
		Roles []kernel.Role `json:"roles"`
	}
	me(sf, sf.Token(t, kernel.RoleCustomer)).Want(t, http.StatusOK).Decode(t, &user)
	if user.Email != "customer@jupang.test" || len(user.Roles) != 1 || user.Roles[0] != kernel.RoleCustomer {
		t.Errorf("customer token: %+v", user)
	}
	me(admin, admin.Token(t, kernel.RoleSupport)).Want(t, http.StatusOK).Decode(t, &user)
	if user.Email != "support@jupang.test" || user.Roles[0] != kernel.RoleSupport {
		t.Errorf("support token: %+v", user)
	}
	if r := me(admin, sf.Token(t, kernel.RoleCustomer)); r.Status != http.StatusUnauthorized {
		t.Errorf("a storefront token on admin: %d", r.Status)
	}
	if r := me(sf, sf.TokenAs(t, kernel.RoleCustomer, kernel.NewID())); r.Status != http.StatusUnauthorized {
		t.Errorf("a token for nobody: %d %s", r.Status, r.Raw)
	}
	tokens := sf.SignIn(t, "customer2@jupang.test")
	me(sf, tokens.Access).Want(t, http.StatusOK).Decode(t, &user)
	if user.Email != "customer2@jupang.test" || !strings.HasPrefix(tokens.Refresh, "jprt_") {
		t.Errorf("signed in: %+v %+v", user, tokens)
	}
	env.Clock.Advance(16 * time.Minute) // tokens live 15 minutes on the Env's clock
	if r := me(sf, tokens.Access); r.Status != http.StatusUnauthorized {
		t.Errorf("an expired token: %d", r.Status)
	}
	if failures := handlertest.Failures(t, func(tb testing.TB) { sf.SignInWith(tb, "customer@jupang.test", "wrong-password") }); len(failures) == 0 {
		t.Error("a refused sign-in passed")
	}
}

// TestProblemExtras: members a code adds to a problem come back in Extras, and only those.
func TestProblemExtras(t *testing.T) {
	env := handlertest.New(t)
	gone := errs.New(errs.NotFound, "GONE_TEST", errs.Text{EN: "Gone."})
	sf := env.Server(t, "storefront", []server.Route{
		get("/v1/gone", func(*fiber.Ctx) error {
			return gone.WithExtra("available", 3).WithField("sku", "SOLD_OUT", "sold out")
		}),
	})
	p := sf.Get(t, "/v1/gone").Want(t, http.StatusNotFound).Problem(t)
	if p.Code != "GONE_TEST" || p.Status != http.StatusNotFound || p.Fields()["sku"] != "SOLD_OUT" || len(p.Extras) != 1 || p.Extras["available"] != 3.0 {
		t.Fatalf("%+v", p)
	}
	if failures := handlertest.Failures(t, func(tb testing.TB) { sf.Get(tb, "/healthz").Problem(tb) }); len(failures) != 1 {
		t.Fatalf("a JSON answer read as a problem: %v", failures)
	}
}

// TestRateLimitsAndMetrics: WithRateLimits turns the buckets on for every server of the Env, on its
// clock; each server counts its requests under its binary's label.
func TestRateLimitsAndMetrics(t *testing.T) {
	limits := ratelimit.DefaultLimits()
	limits.Read = ratelimit.Limit{Requests: 1, Per: time.Minute, Burst: 1}
	env := handlertest.New(t, handlertest.WithRateLimits(limits))
	admin := env.Server(t, "admin")
	const jwks = "/.well-known/jwks.json"
	admin.Get(t, jwks).Want(t, http.StatusOK)
	if r := admin.Get(t, jwks); r.Status != http.StatusTooManyRequests || r.Problem(t).Code != "RATE_LIMITED" {
		t.Fatalf("second read within the minute: %d %s", r.Status, r.Raw)
	}
	env.Clock.Advance(time.Minute)
	admin.Get(t, jwks).Want(t, http.StatusOK)
	metrics := admin.Get(t, "/metrics").Want(t, http.StatusOK).Text()
	if !strings.Contains(metrics, `http_request_duration_seconds_count{binary="admin",method="GET",route="`+jwks+`",status="429"} 1`) {
		t.Fatalf("no admin jwks 429 in the metrics:\n%s", metrics)
	}
	unlimited := handlertest.New(t).Server(t, "admin")
	unlimited.Get(t, jwks).Want(t, http.StatusOK)
	unlimited.Get(t, jwks).Want(t, http.StatusOK)
}
