package identityhttp_test

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jupang/jupang/adapters/http/handlertest"
	"github.com/jupang/jupang/adapters/seed"
	"github.com/jupang/jupang/core/ratelimit"
)

// tokenEndpoint is one binary's server on a seeded memory Jupang, with rate limits.
func tokenEndpoint(t *testing.T, binary string, limits ratelimit.Limits) *handlertest.Client {
	t.Helper()
	return handlertest.New(t, handlertest.WithRateLimits(limits)).Server(t, binary)
}

// post sends a form to path with an optional Authorization header.
func post(t *testing.T, c *handlertest.Client, path, form, authorization string) handlertest.Response {
	t.Helper()
	values, err := url.ParseQuery(form)
	if err != nil {
		t.Fatal(err)
	}
	opts := []handlertest.RequestOption{handlertest.Form(values)}
	if authorization != "" {
		opts = append(opts, handlertest.Header("Authorization", authorization))
	}
	return c.Post(t, path, opts...)
}

func basic(id, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(id+":"+secret))
}

// TestClientAuthenticationFailuresAreInvalidClient: whatever is wrong with the client's credentials,
// the token endpoint answers RFC 6749 invalid_client, 401, with a Basic challenge — never the
// platform's problem+json, whose Bearer challenge an OAuth client cannot act on.
func TestClientAuthenticationFailuresAreInvalidClient(t *testing.T) {
	partner := tokenEndpoint(t, "partner", ratelimit.DefaultLimits())
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
			r := post(t, partner, "/v1/oauth/token", tc.form, tc.authz)
			if r.Status != http.StatusUnauthorized || r.Body["error"] != "invalid_client" ||
				!strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Basic") || r.Header.Get("Content-Type") != "application/json; charset=utf-8" {
				t.Fatalf("%d %v %v, want 401 invalid_client with a Basic challenge", r.Status, r.Header, r.Body)
			}
		})
	}
	if r := post(t, partner, "/v1/oauth/token", grant, basic(seed.PartnerClientID, seed.PartnerClientSecret)); r.Status != http.StatusOK {
		t.Fatalf("the right credentials: %d %v", r.Status, r.Body)
	}
}

// TestTokenEndpointThrottlesInOAuthShape: a throttled token request (the auth route class, and the
// sign-in guard) is 429 in RFC 6749's shape with Retry-After.
func TestTokenEndpointThrottlesInOAuthShape(t *testing.T) {
	limits := ratelimit.DefaultLimits()
	limits.Auth = ratelimit.Limit{Requests: 100, Per: time.Minute, Burst: 100}
	limits.SignInAccountClient = ratelimit.Limit{Requests: 2, Per: time.Hour, Burst: 2}
	sf := tokenEndpoint(t, "storefront", limits)
	wrong := "grant_type=password&username=customer%40jupang.test&password=wrong-password"
	for range 2 {
		if r := post(t, sf, "/v1/oauth/token", wrong, ""); r.Body["error"] != "invalid_grant" {
			t.Fatalf("%d %v", r.Status, r.Body)
		}
	}
	checkThrottled(t, post(t, sf, "/v1/oauth/token", wrong, ""), "1800")

	limits = ratelimit.DefaultLimits()
	limits.Auth = ratelimit.Limit{Requests: 1, Per: time.Minute, Burst: 1}
	partner := tokenEndpoint(t, "partner", limits)
	_ = post(t, partner, "/v1/oauth/token", "grant_type=client_credentials", basic(seed.PartnerClientID, seed.PartnerClientSecret))
	r := post(t, partner, "/v1/oauth/token", "grant_type=client_credentials", basic(seed.PartnerClientID, seed.PartnerClientSecret))
	checkThrottled(t, r, "60")
	if r.Header.Get("RateLimit-Limit") != "1" {
		t.Errorf("RateLimit-Limit = %q", r.Header.Get("RateLimit-Limit"))
	}
}

func checkThrottled(t *testing.T, r handlertest.Response, retryAfter string) {
	t.Helper()
	if r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") != retryAfter ||
		r.Header.Get("Content-Type") != "application/json; charset=utf-8" || r.Body["error"] != "temporarily_unavailable" ||
		r.Body["error_description"] == "" || r.Body["code"] != "RATE_LIMITED" || r.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("%d %v %v, want 429 temporarily_unavailable, Retry-After %s", r.Status, r.Header, r.Body, retryAfter)
	}
}

// TestSignUpFieldNamesMatchExactly: {"Email": …} is an unknown field, not the email.
func TestSignUpFieldNamesMatchExactly(t *testing.T) {
	sf := tokenEndpoint(t, "storefront", ratelimit.DefaultLimits())
	r := sf.Post(t, "/v1/users", handlertest.JSON(`{"Email":"new@example.com","password":"0123456789","name":"New","phone":"01012345678"}`))
	if r.Status != http.StatusBadRequest || r.Problem(t).Fields()["Email"] != "UNKNOWN_FIELD" {
		t.Fatalf("%d %s", r.Status, r.Raw)
	}
}
