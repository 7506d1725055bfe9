package server_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/jupang/jupang/adapters/http/openapi"
	"github.com/jupang/jupang/adapters/http/openapi/openapitest"
	"github.com/jupang/jupang/core/kernel"
)

var (
	traceIDPattern     = regexp.MustCompile(`^[0-9a-f]{32}$`)
	traceParentPattern = regexp.MustCompile(`^00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]$`)
)

const (
	incomingTraceID     = "4bf92f3577b34da6a3ce929d0e0e4736"
	incomingTraceParent = "00-" + incomingTraceID + "-00f067aa0ba902b7-01"
	validSession        = "guest_session-0001"
	oneMiB              = 1 << 20
)

// TestRequestRulesTable sends one request per SPEC §1 header and error rule to a server built like
// the storefront binary. Every answer must carry the trace headers and a Content-Language, every
// error must be a problem whose detail is the catalog's text in that language, and every answer
// on a documented path (or an unknown one) must match the OpenAPI document.
func TestRequestRulesTable(t *testing.T) {
	f := newFixture(t, memoryBackend(t))
	json201 := `{"name":"mug","quantity":2}`
	tests := []struct {
		name   string
		req    call
		status int
		code   string            // problem code; empty for a success
		fields []string          // field errors, "field:CODE"
		lang   kernel.Locale     // Content-Language
		header map[string]string // exact response headers
		absent []string          // response headers that must not be sent
		check  func(t *testing.T, body []byte, h http.Header)
	}{
		// Request context: language, market, Vary, values reaching core.
		{name: "defaults: KR market, Korean, Vary on GET", req: call{method: "GET", path: "/v1/test/echo/abc"},
			status: 200, lang: "ko", header: map[string]string{"Vary": "Accept-Language, X-Market"},
			check: echoed(echo{ID: "abc", Market: "KR", Locale: "ko"})},
		{name: "Accept-Language q-values pick ja", req: call{method: "GET", path: "/v1/test/echo/abc", header: map[string]string{"Accept-Language": "en;q=0.5, ja;q=0.9, ko;q=0.1"}},
			status: 200, lang: "ja", check: echoed(echo{ID: "abc", Market: "KR", Locale: "ja"})},
		{name: "region subtags match", req: call{method: "GET", path: "/v1/test/echo/abc", header: map[string]string{"Accept-Language": "en-GB,en;q=0.8"}},
			status: 200, lang: "en"},
		{name: "unsupported language falls back to the market's (US)", req: call{method: "GET", path: "/v1/test/echo/abc", header: map[string]string{"Accept-Language": "fr-FR", "X-Market": "US"}},
			status: 200, lang: "en", check: echoed(echo{ID: "abc", Market: "US", Locale: "en"})},
		{name: "unparseable Accept-Language falls back to the market's (JP)", req: call{method: "GET", path: "/v1/test/echo/abc", header: map[string]string{"Accept-Language": "@@@;q=x", "X-Market": "JP"}},
			status: 200, lang: "ja", check: echoed(echo{ID: "abc", Market: "JP", Locale: "ja"})},
		{name: "POST has no Vary", req: call{method: "POST", path: "/v1/test/widgets", body: json201},
			status: 201, lang: "ko", absent: []string{"Vary", "Idempotent-Replayed"}},
		{name: "lower-case market is invalid", req: call{method: "GET", path: "/v1/test/echo/abc", header: map[string]string{"X-Market": "us"}},
			status: 400, code: "INVALID_MARKET", fields: []string{"X-Market:INVALID_MARKET"}, lang: "ko"},
		{name: "unknown market, English detail", req: call{method: "GET", path: "/v1/test/echo/abc", header: map[string]string{"X-Market": "CN", "Accept-Language": "en"}},
			status: 400, code: "INVALID_MARKET", fields: []string{"X-Market:INVALID_MARKET"}, lang: "en"},
		{name: "invalid market on a platform path", req: call{method: "GET", path: "/healthz", header: map[string]string{"X-Market": "XX", "Accept-Language": "ja"}},
			status: 400, code: "INVALID_MARKET", lang: "ja"},
		{name: "session id reaches core", req: call{method: "GET", path: "/v1/test/echo/abc", header: map[string]string{"X-Session-Id": validSession}},
			status: 200, lang: "ko", check: echoed(echo{ID: "abc", Market: "KR", Locale: "ko", SessionID: validSession})},
		{name: "session id too short", req: call{method: "GET", path: "/v1/test/echo/abc", header: map[string]string{"X-Session-Id": "short-session"}},
			status: 400, code: "INVALID_SESSION_ID", fields: []string{"X-Session-Id:INVALID_SESSION_ID"}, lang: "ko"},
		{name: "session id too long", req: call{method: "GET", path: "/v1/test/echo/abc", header: map[string]string{"X-Session-Id": strings.Repeat("s", 129)}},
			status: 400, code: "INVALID_SESSION_ID", lang: "ko"},
		{name: "session id with a forbidden character", req: call{method: "GET", path: "/v1/test/echo/abc", header: map[string]string{"X-Session-Id": "guest.session.0001"}},
			status: 400, code: "INVALID_SESSION_ID", lang: "ko"},

		// Idempotency-Key format and requirement.
		{name: "idempotency key of 255 printable characters", req: call{method: "POST", path: "/v1/test/widgets", body: json201, header: map[string]string{"Idempotency-Key": strings.Repeat("~", 255)}},
			status: 201, lang: "ko"},
		{name: "idempotency key of 256 characters", req: call{method: "POST", path: "/v1/test/widgets", body: json201, header: map[string]string{"Idempotency-Key": strings.Repeat("k", 256)}},
			status: 400, code: "INVALID_IDEMPOTENCY_KEY", fields: []string{"Idempotency-Key:INVALID_IDEMPOTENCY_KEY"}, lang: "ko"},
		{name: "idempotency key with non-ASCII", req: call{method: "POST", path: "/v1/test/widgets", body: json201, header: map[string]string{"Idempotency-Key": "주문-1"}},
			status: 400, code: "INVALID_IDEMPOTENCY_KEY", lang: "ko"},
		{name: "required idempotency key missing", req: call{method: "POST", path: "/v1/test/orders", body: `{"outcome":"created","topic":"rules"}`, header: map[string]string{"Accept-Language": "ja"}},
			status: 400, code: "IDEMPOTENCY_KEY_REQUIRED", fields: []string{"Idempotency-Key:REQUIRED"}, lang: "ja"},
		{name: "required idempotency key present", req: call{method: "POST", path: "/v1/test/orders", body: `{"outcome":"created","topic":"rules"}`, header: map[string]string{"Idempotency-Key": "rules-1"}},
			status: 201, lang: "ko", absent: []string{"Idempotent-Replayed"}},
		{name: "optional idempotency key absent", req: call{method: "POST", path: "/v1/test/notes", body: `{"outcome":"created","topic":"rules"}`},
			status: 201, lang: "ko"},

		// Routing errors.
		{name: "unknown route", req: call{method: "GET", path: "/v1/no/such/thing?email=someone@example.com"},
			status: 404, code: "NOT_FOUND", lang: "ko"},
		{name: "unknown route in Japanese", req: call{method: "GET", path: "/v1/nothing", header: map[string]string{"Accept-Language": "ja"}},
			status: 404, code: "NOT_FOUND", lang: "ja"},
		{name: "HEAD is served wherever GET is", req: call{method: "HEAD", path: "/v1/test/echo/abc"},
			status: 200, lang: "ko", header: map[string]string{"Vary": "Accept-Language, X-Market"},
			check: func(t *testing.T, body []byte, _ http.Header) {
				if len(body) != 0 {
					t.Errorf("HEAD answered with a body: %s", body)
				}
			}},
		{name: "paths are case-sensitive", req: call{method: "GET", path: "/HEALTHZ"},
			status: 404, code: "NOT_FOUND", lang: "ko"},
		{name: "wrong method on a route", req: call{method: "DELETE", path: "/v1/test/echo/abc", header: map[string]string{"Accept-Language": "en"}},
			status: 405, code: "METHOD_NOT_ALLOWED", lang: "en", header: map[string]string{"Allow": "GET, HEAD"}},
		{name: "wrong method on a platform route", req: call{method: "POST", path: "/healthz", body: "{}"},
			status: 405, code: "METHOD_NOT_ALLOWED", lang: "ko", header: map[string]string{"Allow": "GET, HEAD"}},
		{name: "wrong method lists every method of the path", req: call{method: "PUT", path: "/v1/test/orders", body: "{}"},
			status: 405, code: "METHOD_NOT_ALLOWED", lang: "ko", header: map[string]string{"Allow": "POST"}},

		// Failures.
		{name: "panic is a 500 without a stack", req: call{method: "GET", path: "/v1/test/panic", header: map[string]string{"Accept-Language": "en"}},
			status: 500, code: "INTERNAL", lang: "en", check: func(t *testing.T, body []byte, _ http.Header) {
				for _, leak := range []string{"goroutine", "exploded", "fixture_test.go", "panic"} {
					if strings.Contains(string(body), leak) {
						t.Errorf("the body shows %q: %s", leak, body)
					}
				}
			}},
		{name: "a 5xx cause is not shown", req: call{method: "GET", path: "/v1/test/failure"},
			status: 500, code: "INTERNAL", lang: "ko", check: bodyLacks("connection refused")},
		{name: "503 always has Retry-After", req: call{method: "GET", path: "/v1/test/unavailable"},
			status: 503, code: "SERVICE_UNAVAILABLE", lang: "ko", header: map[string]string{"Retry-After": "1"}},
		{name: "domain error with extra members and Retry-After", req: call{method: "GET", path: "/v1/test/out-of-stock", header: map[string]string{"Accept-Language": "ja"}},
			status: 409, code: "OUT_OF_STOCK", lang: "ja", header: map[string]string{"Retry-After": "30"},
			check: func(t *testing.T, body []byte, _ http.Header) {
				if p := problemOf(t, body); p["available"] != float64(3) {
					t.Errorf("available = %v", p["available"])
				}
			}},
		{name: "rate limited: 429, Retry-After rounded up, RateLimit headers", req: call{method: "POST", path: "/v1/test/coupons/claim", header: map[string]string{"Authorization": "Bearer Customer.u1"}},
			status: 429, code: "RATE_LIMITED", lang: "ko",
			header: map[string]string{"Retry-After": "3", "RateLimit-Limit": "5", "RateLimit-Remaining": "0", "RateLimit-Reset": "10"}},
		{name: "allowed requests carry RateLimit headers", req: call{method: "GET", path: "/v1/test/echo/abc"},
			status: 200, lang: "ko", header: map[string]string{"RateLimit-Limit": "100", "RateLimit-Remaining": "99", "RateLimit-Reset": "1"}},
		{name: "platform routes are not rate limited", req: call{method: "GET", path: "/healthz"},
			status: 200, lang: "ko", absent: []string{"RateLimit-Limit"}},

		// Authentication and RBAC.
		{name: "no token on a customer route", req: call{method: "GET", path: "/v1/test/mine"},
			status: 401, code: "UNAUTHENTICATED", lang: "ko", header: map[string]string{"WWW-Authenticate": "Bearer"}},
		{name: "invalid token", req: call{method: "GET", path: "/v1/test/echo/abc", header: map[string]string{"Authorization": "Bearer nonsense"}},
			status: 401, code: "UNAUTHENTICATED", lang: "ko", header: map[string]string{"WWW-Authenticate": `Bearer error="invalid_token"`}},
		{name: "an unsupported scheme", req: call{method: "GET", path: "/v1/test/echo/abc", header: map[string]string{"Authorization": "Digest username=x"}},
			status: 401, code: "UNAUTHENTICATED", lang: "ko"},
		{name: "client credentials leave the caller a guest", req: call{method: "GET", path: "/v1/test/mine", header: map[string]string{"Authorization": "Basic dXNlcjpwYXNz"}},
			status: 401, code: "UNAUTHENTICATED", lang: "ko"},
		{name: "a role the policy does not allow", req: call{method: "GET", path: "/v1/test/mine", header: map[string]string{"Authorization": "Bearer Support.s1"}},
			status: 403, code: "FORBIDDEN", lang: "ko"},
		{name: "the principal reaches core", req: call{method: "GET", path: "/v1/test/echo/abc", header: map[string]string{"Authorization": "Bearer Customer.u1"}},
			status: 200, lang: "ko", check: echoed(echo{ID: "abc", Market: "KR", Locale: "ko", Principal: "u1"})},

		// Bodies.
		{name: "body over 1 MiB", req: call{method: "POST", path: "/v1/test/widgets", declaredLength: oneMiB + 1, header: map[string]string{"Accept-Language": "en", "X-Market": "JP"}},
			status: 413, code: "BODY_TOO_LARGE", lang: "en"},
		{name: "body over 1 MiB, language from the market", req: call{method: "POST", path: "/v1/test/widgets", declaredLength: 5 * oneMiB, header: map[string]string{"X-Market": "JP"}},
			status: 413, code: "BODY_TOO_LARGE", lang: "ja"},
		{name: "body of exactly 1 MiB reaches the handler", req: call{method: "POST", path: "/v1/test/widgets", body: `{"name":"` + strings.Repeat("a", oneMiB-11) + `"}`},
			status: 201, lang: "ko"},
		{name: "malformed JSON", req: call{method: "POST", path: "/v1/test/widgets", body: `{"name":`},
			status: 400, code: "VALIDATION_FAILED", fields: []string{"body:MALFORMED_JSON"}, lang: "ko"},
		{name: "unknown field", req: call{method: "POST", path: "/v1/test/widgets", body: `{"name":"mug","quantity":1,"roles":["Admin"]}`},
			status: 400, code: "VALIDATION_FAILED", fields: []string{"roles:UNKNOWN_FIELD"}, lang: "ko"},
		{name: "duplicate key", req: call{method: "POST", path: "/v1/test/widgets", body: `{"name":"mug","name":"cup","quantity":1}`},
			status: 400, code: "VALIDATION_FAILED", fields: []string{"name:DUPLICATE_FIELD"}, lang: "ko"},
		{name: "a field name in another case is unknown", req: call{method: "POST", path: "/v1/test/widgets", body: `{"Name":"mug","quantity":1}`},
			status: 400, code: "VALIDATION_FAILED", fields: []string{"Name:UNKNOWN_FIELD"}, lang: "ko"},
		{name: "a field named twice in two cases", req: call{method: "POST", path: "/v1/test/widgets", body: `{"name":"mug","NAME":"cup","quantity":1}`},
			status: 400, code: "VALIDATION_FAILED", fields: []string{"NAME:UNKNOWN_FIELD"}, lang: "ko"},
		{name: "a nested field name in another case is unknown", req: call{method: "POST", path: "/v1/test/widgets", body: `{"name":"mug","quantity":1,"options":{"COLOR":"red"}}`},
			status: 400, code: "VALIDATION_FAILED", fields: []string{"options.COLOR:UNKNOWN_FIELD"}, lang: "ko"},
		{name: "a field folded to another by Unicode is unknown", req: call{method: "POST", path: "/v1/test/widgets", body: `{"name":"mug","quantity":1,"optionſ":{"color":"red"}}`},
			status: 400, code: "VALIDATION_FAILED", fields: []string{"optionſ:UNKNOWN_FIELD"}, lang: "ko"},
		{name: "nested duplicate key", req: call{method: "POST", path: "/v1/test/widgets", body: `{"name":"mug","quantity":1,"options":{"color":"red","color":"blue"}}`},
			status: 400, code: "VALIDATION_FAILED", fields: []string{"options.color:DUPLICATE_FIELD"}, lang: "ko"},
		{name: "wrong type", req: call{method: "POST", path: "/v1/test/widgets", body: `{"name":"mug","quantity":"many"}`},
			status: 400, code: "VALIDATION_FAILED", fields: []string{"quantity:INVALID_TYPE"}, lang: "ko",
			check: bodyLacks("must be int")},
		{name: "trailing data", req: call{method: "POST", path: "/v1/test/widgets", body: json201 + ` {}`},
			status: 400, code: "VALIDATION_FAILED", fields: []string{"body:MALFORMED_JSON"}, lang: "ko"},
		{name: "empty body", req: call{method: "POST", path: "/v1/test/widgets", header: map[string]string{"Content-Type": "application/json"}},
			status: 400, code: "VALIDATION_FAILED", fields: []string{"body:REQUIRED"}, lang: "ko"},
		{name: "null body", req: call{method: "POST", path: "/v1/test/widgets", body: "null"},
			status: 400, code: "VALIDATION_FAILED", fields: []string{"body:REQUIRED"}, lang: "ko"},
		{name: "invalid UTF-8", req: call{method: "POST", path: "/v1/test/widgets", body: "{\"name\":\"\xff\",\"quantity\":1}"},
			status: 400, code: "VALIDATION_FAILED", fields: []string{"body:MALFORMED_JSON"}, lang: "ko"},
		{name: "not JSON", req: call{method: "POST", path: "/v1/test/widgets", body: "name=mug", header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}},
			status: 415, code: "UNSUPPORTED_MEDIA_TYPE", lang: "ko"},
		{name: "+json media types are JSON", req: call{method: "POST", path: "/v1/test/widgets", body: json201, header: map[string]string{"Content-Type": "application/merge-patch+json; charset=utf-8"}},
			status: 201, lang: "ko"},
		{name: "compressed body", req: call{method: "POST", path: "/v1/test/widgets", body: "\x1f\x8b\x08\x00", header: map[string]string{"Content-Encoding": "gzip"}},
			status: 415, code: "UNSUPPORTED_MEDIA_TYPE", fields: []string{"Content-Encoding:UNSUPPORTED_ENCODING"}, lang: "ko"},

		// Tracing.
		{name: "an incoming traceparent is continued", req: call{method: "GET", path: "/v1/test/echo/abc", header: map[string]string{"traceparent": incomingTraceParent}},
			status: 200, lang: "ko", header: map[string]string{"X-Trace-Id": incomingTraceID},
			check: func(t *testing.T, body []byte, h http.Header) {
				m := traceParentPattern.FindStringSubmatch(h.Get("traceparent"))
				if m == nil || m[1] != incomingTraceID || m[2] == "00f067aa0ba902b7" {
					t.Errorf("traceparent = %q, want the caller's trace with the server's span", h.Get("traceparent"))
				}
				var e echo
				_ = json.Unmarshal(body, &e)
				if e.TraceID != incomingTraceID || e.TraceParent != h.Get("traceparent") {
					t.Errorf("core got trace %q / %q", e.TraceID, e.TraceParent)
				}
			}},
		{name: "an incoming traceparent is continued on errors", req: call{method: "GET", path: "/v1/nowhere", header: map[string]string{"traceparent": incomingTraceParent}},
			status: 404, code: "NOT_FOUND", lang: "ko", header: map[string]string{"X-Trace-Id": incomingTraceID}},
		{name: "an incoming traceparent is continued on a 413", req: call{method: "POST", path: "/v1/test/widgets", declaredLength: oneMiB + 1, header: map[string]string{"traceparent": incomingTraceParent}},
			status: 413, code: "BODY_TOO_LARGE", lang: "ko", header: map[string]string{"X-Trace-Id": incomingTraceID}},
		{name: "a malformed traceparent starts a new trace", req: call{method: "GET", path: "/v1/test/echo/abc", header: map[string]string{"traceparent": "00-zzzz-00f067aa0ba902b7-01"}},
			status: 200, lang: "ko", check: func(t *testing.T, _ []byte, h http.Header) {
				if !traceIDPattern.MatchString(h.Get("X-Trace-Id")) || h.Get("X-Trace-Id") == incomingTraceID {
					t.Errorf("X-Trace-Id = %q", h.Get("X-Trace-Id"))
				}
			}},

		// Platform endpoints.
		{name: "healthz", req: call{method: "GET", path: "/healthz"}, status: 200, lang: "ko"},
		{name: "readyz", req: call{method: "GET", path: "/readyz"}, status: 200, lang: "ko"},
		{name: "metrics", req: call{method: "GET", path: "/metrics"}, status: 200, lang: "ko",
			check: func(t *testing.T, body []byte, _ http.Header) {
				if !strings.Contains(string(body), "go_goroutines") {
					t.Error("no Go runtime metrics")
				}
			}},
		{name: "openapi.json", req: call{method: "GET", path: "/openapi.json"}, status: 200, lang: "ko",
			header: map[string]string{"Content-Type": "application/json"}},
		{name: "docs", req: call{method: "GET", path: "/docs"}, status: 200, lang: "ko",
			header: map[string]string{"Content-Type": "text/html; charset=utf-8", "Content-Security-Policy": openapi.DocsContentSecurityPolicy(),
				"X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, resp, body := f.do(t, tt.req)
			if resp.StatusCode != tt.status {
				t.Fatalf("status = %d, want %d: %s", resp.StatusCode, tt.status, truncate(body))
			}
			h := resp.Header
			if !traceIDPattern.MatchString(h.Get("X-Trace-Id")) {
				t.Errorf("X-Trace-Id = %q", h.Get("X-Trace-Id"))
			}
			if m := traceParentPattern.FindStringSubmatch(h.Get("traceparent")); m == nil || m[1] != h.Get("X-Trace-Id") {
				t.Errorf("traceparent = %q does not carry X-Trace-Id %q", h.Get("traceparent"), h.Get("X-Trace-Id"))
			}
			if got := h.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options = %q, want nosniff on every answer", got)
			}
			if got := h.Get("Content-Language"); got != string(tt.lang) {
				t.Errorf("Content-Language = %q, want %q", got, tt.lang)
			}
			for k, want := range tt.header {
				if got := h.Get(k); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
			for _, k := range tt.absent {
				if _, ok := h[http.CanonicalHeaderKey(k)]; ok {
					t.Errorf("%s sent: %q", k, h.Get(k))
				}
			}
			if tt.code != "" {
				checkProblem(t, f, tt.code, tt.status, tt.lang, tt.fields, resp, body)
			}
			if documented(tt.req.path) {
				openapitest.Validate(t, binary, req, []byte(tt.req.body), resp.response, body)
			}
			if tt.check != nil {
				tt.check(t, body, h)
			}
		})
	}
}

// documented reports whether the document describes the answers for path: the platform paths,
// and paths no route serves (whose 404 and 405 answers are problems). The test routes are not in it.
func documented(path string) bool {
	return !strings.HasPrefix(path, "/v1/test/")
}

func checkProblem(t *testing.T, f *fixture, code string, status int, lang kernel.Locale, fields []string, resp answer, body []byte) {
	t.Helper()
	h := resp.Header
	openapitest.ValidateProblem(t, binary, resp.response, body)
	if ct := h.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("Content-Type = %q", ct)
	}
	p := problemOf(t, body)
	if p["code"] != code || p["status"] != float64(status) || p["traceId"] != h.Get("X-Trace-Id") {
		t.Errorf("problem = %s, want code %s, status %d, traceId %s", body, code, status, h.Get("X-Trace-Id"))
	}
	if want := f.messages.Message(lang, code, ""); want == "" || p["detail"] != want {
		t.Errorf("detail = %q, want the %s catalog text %q", p["detail"], lang, want)
	}
	got := fieldErrors(p)
	for _, want := range fields {
		if !slices.Contains(got, want) {
			t.Errorf("field errors = %v, want %s", got, want)
		}
	}
}

func echoed(want echo) func(t *testing.T, body []byte, h http.Header) {
	return func(t *testing.T, body []byte, h http.Header) {
		t.Helper()
		var got echo
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatal(err)
		}
		if got.TraceID != h.Get("X-Trace-Id") || got.TraceParent != h.Get("traceparent") {
			t.Errorf("core got trace %q / %q, the response says %q / %q", got.TraceID, got.TraceParent, h.Get("X-Trace-Id"), h.Get("traceparent"))
		}
		got.TraceID, got.TraceParent = "", ""
		if got != want {
			t.Errorf("core got %+v, want %+v", got, want)
		}
	}
}

func bodyLacks(s string) func(t *testing.T, body []byte, _ http.Header) {
	return func(t *testing.T, body []byte, _ http.Header) {
		t.Helper()
		if strings.Contains(string(body), s) {
			t.Errorf("the body shows %q: %s", s, body)
		}
	}
}

func truncate(body []byte) string {
	if len(body) > 500 {
		return string(body[:500]) + "…"
	}
	return string(body)
}
