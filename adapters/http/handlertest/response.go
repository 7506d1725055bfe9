package handlertest

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/jupang/jupang/adapters/http/server"
)

// Response is one answer, read and closed.
type Response struct {
	Status int
	Header http.Header
	Raw    []byte
	// Body is Raw decoded as a JSON object; nil when Raw is not one.
	Body map[string]any

	call string // "GET /v1/…", for failure messages
}

// Text is the body as a string.
func (r Response) Text() string { return string(r.Raw) }

// Want fails the test unless the status is status, showing the body; it returns r for chaining.
func (r Response) Want(t testing.TB, status int) Response {
	t.Helper()
	if r.Status != status {
		t.Fatalf("%s: status %d, want %d: %s", r.call, r.Status, status, r.Raw)
	}
	return r
}

// Decode unmarshals the body into v, failing the test when it does not fit.
func (r Response) Decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Raw, v); err != nil {
		t.Fatalf("%s: decode the body into %T: %v: %s", r.call, v, err, r.Raw)
	}
}

// Items is the body's "items" list (every list and the top products), failing the test when the
// body has none.
func (r Response) Items(t testing.TB) []map[string]any {
	t.Helper()
	list, ok := r.Body["items"].([]any)
	if !ok {
		t.Fatalf("%s: no items: %s", r.call, r.Raw)
	}
	out := make([]map[string]any, 0, len(list))
	for _, it := range list {
		m, ok := it.(map[string]any)
		if !ok {
			t.Fatalf("%s: an item is not an object: %s", r.call, r.Raw)
		}
		out = append(out, m)
	}
	return out
}

// Problem is an application/problem+json body as the platform writes it (server.Problem), with
// the members a code adds next to the standard ones.
type Problem struct {
	server.Problem
	// Extras are those added members, decoded from JSON: "available" on OUT_OF_STOCK, "limit" on
	// PURCHASE_LIMIT_EXCEEDED.
	Extras map[string]any `json:"-"`
}

// problemMembers are the members every problem has; anything else is an extra.
var problemMembers = []string{"type", "title", "status", "code", "detail", "traceId", "errors"}

// Problem decodes the body as a problem, failing the test unless the response is one.
func (r Response) Problem(t testing.TB) Problem {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, server.ProblemContentType) {
		t.Fatalf("%s: Content-Type %q, want %s: %s", r.call, ct, server.ProblemContentType, r.Raw)
	}
	var p Problem
	r.Decode(t, &p)
	r.Decode(t, &p.Extras)
	for _, m := range problemMembers {
		delete(p.Extras, m)
	}
	return p
}

// Fields maps each field error's field to its code.
func (p Problem) Fields() map[string]string {
	out := make(map[string]string, len(p.Errors))
	for _, e := range p.Errors {
		out[e.Field] = e.Code
	}
	return out
}
