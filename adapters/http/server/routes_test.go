package server_test

import (
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"github.com/jupang/jupang/adapters/http/openapi/openapitest"
	"github.com/jupang/jupang/adapters/http/server"
	"github.com/jupang/jupang/core/access"
)

func ok(c *fiber.Ctx) error { return c.SendString(c.Route().Path) }

func route(method, path string) server.Route {
	return server.Route{Method: method, Path: path, Policy: access.Public, Handler: ok}
}

// TestNewRefusesUnsafeRoutes: a route table that would leave an endpoint unguarded, unreachable
// or mislabelled fails at start-up, naming the route.
func TestNewRefusesUnsafeRoutes(t *testing.T) {
	noPolicy := route("GET", "/v1/a")
	noPolicy.Policy = access.Policy{}
	noHandler := route("GET", "/v1/a")
	noHandler.Handler = nil
	readWithKey := route("GET", "/v1/a")
	readWithKey.Idempotency = server.IdempotencyRequired
	clientAuthWithParam := route("POST", "/v1/clients/:id/token")
	clientAuthWithParam.ClientAuthentication = true
	tests := []struct {
		name   string
		routes []server.Route
		want   string
	}{
		{"no policy", []server.Route{noPolicy}, "no access policy"},
		{"no handler", []server.Route{noHandler}, "no handler"},
		{"unknown method", []server.Route{route("FETCH", "/v1/a")}, "unknown method"},
		{"HEAD of its own", []server.Route{route("HEAD", "/v1/a")}, "HEAD is served by every GET route"},
		{"relative path", []server.Route{route("GET", "v1/a")}, "literal segments"},
		{"empty segment", []server.Route{route("GET", "/v1//a")}, "literal segments"},
		{"wildcard", []server.Route{route("GET", "/v1/a/*")}, "literal segments"},
		{"optional parameter", []server.Route{route("GET", "/v1/a/:id?")}, "literal segments"},
		{"constrained parameter", []server.Route{route("GET", "/v1/a/:id<int>")}, "literal segments"},
		{"key required on a read", []server.Route{readWithKey}, "Idempotency-Key on a read"},
		{"client authentication on a parameter path", []server.Route{clientAuthWithParam}, "literal path"},
		{"twice", []server.Route{route("POST", "/v1/a"), route("POST", "/v1/a")}, "unreachable"},
		{"twice with other parameter names", []server.Route{route("GET", "/v1/a/:id"), route("GET", "/v1/a/:key")}, "unreachable"},
		{"a literal after a parameter", []server.Route{route("GET", "/v1/a/:id"), route("GET", "/v1/a/top")}, "unreachable"},
		{"a platform path", []server.Route{route("GET", "/healthz")}, "unreachable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := server.New(server.Config{}, tt.routes)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New = %v, want an error saying %q", err, tt.want)
			}
		})
	}
}

// TestRoutingPrecedence: a literal registered before a parameter wins for its path; everything else
// goes to the parameter route; other methods on the same path are 405 listing all of them.
func TestRoutingPrecedence(t *testing.T) {
	srv, err := server.New(server.Config{}, []server.Route{
		route("GET", "/v1/products/top"), route("GET", "/v1/products/:id"), route("DELETE", "/v1/products/:id"),
	})
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{"/v1/products/top": "/v1/products/top", "/v1/products/p-1": "/v1/products/:id", "/v1/products/p-1/": "/v1/products/:id"} {
		resp, body := testApp(t, srv, "GET", path)
		if resp.StatusCode != http.StatusOK || string(body) != want {
			t.Errorf("GET %s → %d %q, want %q", path, resp.StatusCode, body, want)
		}
	}
	if resp, _ := testApp(t, srv, "PUT", "/v1/products/p-1"); resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "GET, HEAD, DELETE" {
		t.Errorf("PUT = %d, Allow %q", resp.StatusCode, resp.Header.Get("Allow"))
	}
}

// TestPlatformRoutesAreDocumented: the server's platform routes are exactly the operations tagged
// "platform" in the document (other fragments document the business routes).
func TestPlatformRoutesAreDocumented(t *testing.T) {
	f := newFixture(t, memoryBackend(t))
	doc, _, err := openapitest.Load(binary)
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if slices.Contains(op.Tags, "platform") {
				documented[method+" "+path] = true
			}
		}
	}
	served := map[string]bool{}
	for _, r := range f.srv.Routes() {
		if !strings.HasPrefix(r.Path, "/v1/test/") {
			served[r.Method+" "+r.Path] = true
		}
	}
	if !maps.Equal(documented, served) {
		t.Errorf("documented platform operations %v, served platform routes %v", documented, served)
	}
}

// testApp sends a bodiless request to srv through app.Test.
func testApp(t *testing.T, srv *server.Server, method, path string) (answer, []byte) {
	t.Helper()
	// httptest sets Host, which HTTP/1.1 requires (fasthttp refuses a request without it).
	req := httptest.NewRequest(method, path, nil)
	resp, err := srv.App().Test(req)
	if err != nil {
		t.Fatal(err)
	}
	return read(t, resp)
}
