package openapitest_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/jupang/jupang/adapters/http/handlertest"
	"github.com/jupang/jupang/adapters/http/openapi/openapitest"
)

const (
	traceID     = "4bf92f3577b34da6a3ce929d0e0e4736"
	traceParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	problem     = `{"type":"https://docs.jupang.dev/problems/not-found","title":"Not Found","status":404,"code":"NOT_FOUND","detail":"x","traceId":"` + traceID + `","errors":[]}`
)

// headers are what the platform sends with every answer, of contentType, less drop.
func headers(contentType string, drop ...string) http.Header {
	h := http.Header{}
	h.Set("Content-Type", contentType)
	h.Set("X-Trace-Id", traceID)
	h.Set("traceparent", traceParent)
	h.Set("Content-Language", "ko")
	for _, k := range drop {
		h.Del(k)
	}
	return h
}

func with(h http.Header, k, v string) http.Header {
	h.Set(k, v)
	return h
}

// TestValidateTellsTruthFromLies: the helper passes answers the document describes and fails the
// ones it does not, so handler tests that use it can fail.
func TestValidateTellsTruthFromLies(t *testing.T) {
	tests := []struct {
		name       string
		path       string
		status     int
		header     http.Header
		body       string
		wantFailed bool
	}{
		{"documented answer", "/healthz", 200, headers("application/json"), `{"status":"ok"}`, false},
		{"body off the schema", "/healthz", 200, headers("application/json"), `{"status":"sick"}`, true},
		{"required header missing", "/healthz", 200, headers("application/json", "X-Trace-Id"), `{"status":"ok"}`, true},
		{"undocumented content type", "/healthz", 200, headers("text/plain"), `ok`, true},
		{"documented error", "/readyz", 503, with(headers("application/problem+json"), "Retry-After", "5"), problem, false},
		{"documented error without its header", "/readyz", 503, headers("application/problem+json"), problem, true},
		{"problem for an unknown path", "/v1/nowhere", 404, headers("application/problem+json"), problem, false},
		{"plain text for an unknown path", "/v1/nowhere", 404, headers("text/plain"), "Cannot GET", true},
		{"success for an unknown path", "/v1/nowhere", 200, headers("application/json"), `{}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			failures := handlertest.Failures(t, func(tb testing.TB) {
				req := httptest.NewRequest(http.MethodGet, tt.path, nil)
				resp := &http.Response{StatusCode: tt.status, Header: tt.header, Body: http.NoBody}
				openapitest.Validate(tb, "storefront", req, nil, resp, []byte(tt.body))
			})
			if failed := len(failures) > 0; failed != tt.wantFailed {
				t.Errorf("failed = %v, want %v: %v", failed, tt.wantFailed, failures)
			}
		})
	}
}
