package handlertest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/jupang/jupang/adapters/http/openapi/openapitest"
	"github.com/jupang/jupang/adapters/http/rbactest"
	"github.com/jupang/jupang/adapters/http/server"
	"github.com/jupang/jupang/adapters/seed"
	"github.com/jupang/jupang/core/kernel"
)

// Client sends requests to one server through app.Test and checks every exchange against its
// binary's OpenAPI document (openapitest.Validate): a response the document does not describe, or
// an accepted request it does not allow, fails the test. It is safe for concurrent use.
type Client struct {
	env      *Env
	srv      *server.Server
	binary   string
	audience kernel.Audience
}

// Server is the server the client talks to (for rbactest.Sweep and srv.Routes).
func (c *Client) Server() *server.Server { return c.srv }

// RequestOption sets a header or the body of one request.
type RequestOption func(*request)

type request struct {
	header http.Header
	body   []byte
	err    error
}

// Header sets header key to value.
func Header(key, value string) RequestOption {
	return func(r *request) { r.header.Set(key, value) }
}

// Bearer sends an access token.
func Bearer(token string) RequestOption { return Header("Authorization", "Bearer "+token) }

// Market sends X-Market (any string, so tests can send malformed ones).
func Market(market string) RequestOption { return Header(server.HeaderMarket, market) }

// Language sends Accept-Language.
func Language(acceptLanguage string) RequestOption { return Header("Accept-Language", acceptLanguage) }

// IdempotencyKey sends Idempotency-Key.
func IdempotencyKey(key string) RequestOption { return Header(server.HeaderIdempotencyKey, key) }

// SessionID sends X-Session-Id, the guest cart's session.
func SessionID(id string) RequestOption { return Header(server.HeaderSessionID, id) }

// JSON sends body as application/json: a string or []byte as it is (malformed on purpose, say),
// anything else marshalled.
func JSON(body any) RequestOption {
	return func(r *request) {
		r.header.Set("Content-Type", "application/json")
		switch b := body.(type) {
		case string:
			r.body = []byte(b)
		case []byte:
			r.body = b
		default:
			r.body, r.err = json.Marshal(b)
		}
	}
}

// Form sends values as application/x-www-form-urlencoded (the OAuth token endpoint's encoding).
func Form(values url.Values) RequestOption {
	return func(r *request) {
		r.header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.body = []byte(values.Encode())
	}
}

// Do sends one request and returns its response, read and closed, after validating the exchange.
// Get and Post are shorthands for it.
func (c *Client) Do(t testing.TB, method, path string, opts ...RequestOption) Response {
	t.Helper()
	r := request{header: http.Header{}}
	for _, opt := range opts {
		opt(&r)
	}
	if r.err != nil {
		t.Fatalf("%s %s: encode the body: %v", method, path, r.err)
	}
	req := httptest.NewRequest(method, path, bytes.NewReader(r.body))
	for k, v := range r.header {
		req.Header[k] = v
	}
	resp, err := c.srv.App().Test(req, -1) // no timeout: concurrent tests queue on the store
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	raw, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		t.Fatalf("%s %s: read the response: %v", method, path, err)
	}
	openapitest.Validate(t, c.binary, req, r.body, resp, raw)
	out := Response{Status: resp.StatusCode, Header: resp.Header, Raw: raw, call: method + " " + path}
	_ = json.Unmarshal(raw, &out.Body) // not every answer is a JSON object (304, /docs, /metrics)
	return out
}

// Get sends a GET.
func (c *Client) Get(t testing.TB, path string, opts ...RequestOption) Response {
	t.Helper()
	return c.Do(t, http.MethodGet, path, opts...)
}

// Post sends a POST.
func (c *Client) Post(t testing.TB, path string, opts ...RequestOption) Response {
	t.Helper()
	return c.Do(t, http.MethodPost, path, opts...)
}

// Token mints an access token of the client's binary for role, naming the seeded demo account of
// that role (the partner-demo client for External), signed with the Env's keys as the token
// endpoint signs. Every role can be minted on every binary, including roles its token endpoint
// never issues. Its signature is an rbactest.TokenSource: rbactest.Sweep(t, c.Server(), c.Token, …).
func (c *Client) Token(t testing.TB, role kernel.Role) string {
	t.Helper()
	return rbactest.Minter(c.env.Keys, Issuer, c.audience, c.env.Clock, c.env.subjects)(t, role)
}

// TokenAs mints an access token of the client's binary for role, naming subject (another
// customer, or an account that does not exist).
func (c *Client) TokenAs(t testing.TB, role kernel.Role, subject string) string {
	t.Helper()
	return rbactest.Minter(c.env.Keys, Issuer, c.audience, c.env.Clock, map[kernel.Role]string{role: subject})(t, role)
}

// Tokens are what the token endpoint issued.
type Tokens struct {
	Access  string
	Refresh string // empty for client credentials
}

// SignIn signs a seeded account in through the server's token endpoint with the demo password.
func (c *Client) SignIn(t testing.TB, email string) Tokens {
	t.Helper()
	return c.SignInWith(t, email, seed.DemoPassword)
}

// SignInWith signs email in with password through the token endpoint (the password grant),
// failing the test unless it succeeds.
func (c *Client) SignInWith(t testing.TB, email, password string) Tokens {
	t.Helper()
	r := c.Post(t, "/v1/oauth/token", Form(PasswordGrant(email, password))).Want(t, http.StatusOK)
	access, _ := r.Body["access_token"].(string)
	refresh, _ := r.Body["refresh_token"].(string)
	if access == "" {
		t.Fatalf("sign in %s: no access token in %s", email, r.Raw)
	}
	return Tokens{Access: access, Refresh: refresh}
}

// PasswordGrant is the form of a password-grant token request.
func PasswordGrant(email, password string) url.Values {
	return url.Values{"grant_type": {"password"}, "username": {email}, "password": {password}}
}
