package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap/zapcore"

	"github.com/jupang/jupang/adapters/http/openapi/openapitest"
)

// exchange is a request to observe and what its log line, span and metric must say.
type exchange struct {
	req       call
	status    int
	route     string
	principal string
}

// observed are requests of every kind: routed, refused before routing, refused by fasthttp,
// unmatched, failed. Some carry secrets and personal data that must not reach the logs.
var observed = []exchange{
	{call{method: "GET", path: "/v1/test/echo/abc?email=someone@example.com", header: map[string]string{"Authorization": "Bearer Customer.u1"}}, 200, "/v1/test/echo/:id", "u1"},
	{call{method: "POST", path: "/v1/test/widgets", body: `{"name":"s3cret-password","quantity":1}`, header: map[string]string{"Cookie": "session=cookie-secret"}}, 201, "/v1/test/widgets", "guest"},
	{call{method: "POST", path: "/v1/test/widgets", body: `{"password":"s3cret-password"}`}, 400, "/v1/test/widgets", "guest"},
	{call{method: "GET", path: "/v1/test/echo/abc", header: map[string]string{"X-Market": "XX"}}, 400, "/v1/test/echo/:id", "guest"},
	{call{method: "GET", path: "/v1/test/mine", header: map[string]string{"Authorization": "Bearer not-a-valid-token"}}, 401, "/v1/test/mine", "guest"},
	{call{method: "GET", path: "/v1/users/someone@example.com"}, 404, "unmatched", "guest"},
	{call{method: "DELETE", path: "/healthz"}, 405, "/healthz", "guest"},
	{call{method: "POST", path: "/v1/test/widgets", declaredLength: 2 << 20}, 413, "/v1/test/widgets", "guest"},
	{call{method: "GET", path: "/v1/test/panic"}, 500, "/v1/test/panic", "guest"},
}

// secrets must appear in no log entry.
var secrets = []string{"someone@example.com", "s3cret-password", "cookie-secret", "Customer.u1", "not-a-valid-token", "Bearer"}

// TestRequestLogs checks the one zap line per request: its fields, its level, and that nothing
// secret or personal is in any entry.
func TestRequestLogs(t *testing.T) {
	f := newFixture(t, memoryBackend(t))
	for _, x := range observed {
		before := f.logs.Len()
		_, resp, _ := f.do(t, x.req)
		if resp.StatusCode != x.status {
			t.Fatalf("%s %s = %d, want %d", x.req.method, x.req.path, resp.StatusCode, x.status)
		}
		var lines []map[string]any
		for _, e := range f.logs.All()[before:] {
			if e.Message == "request" {
				lines = append(lines, e.ContextMap())
			}
		}
		if len(lines) != 1 {
			t.Fatalf("%s %s: %d request lines, want 1", x.req.method, x.req.path, len(lines))
		}
		line := lines[0]
		spanID := traceParentPattern.FindStringSubmatch(resp.Header.Get("traceparent"))[2]
		want := map[string]any{"method": x.req.method, "route": x.route, "status": int64(x.status),
			"traceId": resp.Header.Get("X-Trace-Id"), "spanId": spanID, "principal": x.principal}
		for k, v := range want {
			if line[k] != v {
				t.Errorf("%s %s: %s = %v, want %v (line %v)", x.req.method, x.req.path, k, line[k], v, line)
			}
		}
		if ms, ok := line["latencyMs"].(float64); !ok || ms < 0 {
			t.Errorf("latencyMs = %v", line["latencyMs"])
		}
	}
	for _, e := range f.logs.All() {
		if e.Message != "request" {
			t.Errorf("unexpected log entry %q %v", e.Message, e.ContextMap())
		}
		wantLevel := zapcore.InfoLevel
		if status, _ := e.ContextMap()["status"].(int64); status >= 500 {
			wantLevel = zapcore.ErrorLevel
			if !strings.Contains(fmt.Sprint(e.ContextMap()["error"]), "handler exploded") {
				t.Errorf("a 5xx line should carry its cause: %v", e.ContextMap())
			}
		}
		if e.Level != wantLevel {
			t.Errorf("level %s for %v", e.Level, e.ContextMap())
		}
		raw, _ := json.Marshal(e.ContextMap())
		for _, s := range secrets {
			if strings.Contains(string(raw)+e.Message, s) {
				t.Errorf("a log entry shows %q: %s", s, raw)
			}
		}
	}
}

// TestServerSpans checks the OpenTelemetry span of each request against its headers and log line.
func TestServerSpans(t *testing.T) {
	f := newFixture(t, memoryBackend(t))
	for _, x := range observed {
		x.req.header = withHeader(x.req.header, "traceparent", incomingTraceParent)
		before := len(f.spans.Ended())
		_, resp, _ := f.do(t, x.req)
		spans := f.spans.Ended()[before:]
		if len(spans) != 1 {
			t.Fatalf("%s %s: %d spans, want 1", x.req.method, x.req.path, len(spans))
		}
		s := spans[0]
		m := traceParentPattern.FindStringSubmatch(resp.Header.Get("traceparent"))
		if s.SpanContext().TraceID().String() != incomingTraceID || s.SpanContext().SpanID().String() != m[2] ||
			s.Parent().SpanID().String() != "00f067aa0ba902b7" || !s.Parent().IsRemote() {
			t.Errorf("%s %s: span %s/%s parent %s, response %s", x.req.method, x.req.path, s.SpanContext().TraceID(),
				s.SpanContext().SpanID(), s.Parent().SpanID(), resp.Header.Get("traceparent"))
		}
		if s.SpanKind() != trace.SpanKindServer {
			t.Errorf("kind = %s", s.SpanKind())
		}
		wantName := x.req.method + " " + x.route
		if x.route == "unmatched" {
			wantName = x.req.method
		}
		if s.Name() != wantName {
			t.Errorf("span name = %q, want %q", s.Name(), wantName)
		}
		attrs := map[string]string{}
		for _, kv := range s.Attributes() {
			attrs[string(kv.Key)] = kv.Value.String()
		}
		if attrs["http.request.method"] != x.req.method || attrs["http.response.status_code"] != fmt.Sprint(x.status) {
			t.Errorf("attributes = %v", attrs)
		}
		if route, ok := attrs["http.route"]; x.route != "unmatched" && route != x.route || x.route == "unmatched" && ok {
			t.Errorf("http.route = %q, want %q", route, x.route)
		}
		if wantErr := x.status >= 500; (s.Status().Code == codes.Error) != wantErr {
			t.Errorf("span status = %v for %d", s.Status(), x.status)
		}
	}
}

func withHeader(h map[string]string, k, v string) map[string]string {
	out := map[string]string{k: v}
	for hk, hv := range h {
		out[hk] = hv
	}
	return out
}

// TestDurationMetric checks the HTTP histogram's labels: route templates, never raw paths, so
// random paths cannot grow the number of series.
func TestDurationMetric(t *testing.T) {
	f := newFixture(t, memoryBackend(t))
	for _, x := range observed {
		f.do(t, x.req)
	}
	for i := range 25 {
		f.do(t, call{method: "GET", path: fmt.Sprintf("/v1/random/%d/path-%d", i, i*7)})
	}
	counts := map[string]uint64{}
	families, err := f.registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, fam := range families {
		if fam.GetName() != "http_request_duration_seconds" {
			continue
		}
		for _, m := range fam.GetMetric() {
			counts[labels(m)] += m.GetHistogram().GetSampleCount()
		}
	}
	want := map[string]uint64{}
	for _, x := range observed {
		want[fmt.Sprintf("binary=storefront method=%s route=%s status=%d", x.req.method, x.route, x.status)]++
	}
	want["binary=storefront method=GET route=unmatched status=404"] += 25
	for k, n := range want {
		if counts[k] != n {
			t.Errorf("%s: %d observations, want %d", k, counts[k], n)
		}
	}
	if len(counts) != len(want) {
		t.Errorf("series = %v, want exactly %v", counts, want)
	}

	// The scrape itself is documented and carries the Go runtime.
	req, resp, body := f.do(t, call{method: "GET", path: "/metrics"})
	openapitest.Validate(t, binary, req, nil, resp.response, body)
	for _, name := range []string{"http_request_duration_seconds_bucket", "go_goroutines", "go_memstats_heap_alloc_bytes", "process_cpu_seconds_total"} {
		if !strings.Contains(string(body), name) {
			t.Errorf("/metrics lacks %s", name)
		}
	}
}

func labels(m *dto.Metric) string {
	var parts []string
	for _, l := range m.GetLabel() {
		parts = append(parts, l.GetName()+"="+l.GetValue())
	}
	return strings.Join(parts, " ")
}

// TestReadiness checks /readyz both ways against the document; a failing dependency is named
// without its error, which goes to the log.
func TestReadiness(t *testing.T) {
	f := newFixture(t, memoryBackend(t))
	req, resp, body := f.do(t, call{method: "GET", path: "/readyz"})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("ready = %d: %s", resp.StatusCode, body)
	}
	openapitest.Validate(t, binary, req, nil, resp.response, body)

	f.ready.Store(readiness{fmt.Errorf("dial tcp 10.1.2.3:5432: connection refused")})
	req, resp, body = f.do(t, call{method: "GET", path: "/readyz", header: map[string]string{"Accept-Language": "en"}})
	openapitest.Validate(t, binary, req, nil, resp.response, body)
	p := problemOf(t, body)
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") != "5" || p["code"] != "SERVICE_UNAVAILABLE" {
		t.Fatalf("not ready = %d, Retry-After %q: %s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	if got := fieldErrors(p); len(got) != 1 || got[0] != "database:UNREACHABLE" {
		t.Errorf("errors = %v", got)
	}
	if strings.Contains(string(body), "10.1.2.3") {
		t.Errorf("the body shows the cause: %s", body)
	}
	last := f.logs.All()[f.logs.Len()-1].ContextMap()
	if !strings.Contains(fmt.Sprint(last["error"]), "database: dial tcp 10.1.2.3") {
		t.Errorf("the log line lacks the cause: %v", last)
	}
}
