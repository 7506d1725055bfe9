package server_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/jupang/jupang/adapters/http/server"
	"github.com/jupang/jupang/core/kernel"
)

// A request never runs unbounded: past its deadline the handler's context ends and the client gets
// 503 with Retry-After, so a stuck request cannot outlive its idempotency claim.
func TestEveryRequestHasADeadline(t *testing.T) {
	for _, newBackend := range backends {
		b := newBackend(t)
		t.Run(b.name, func(t *testing.T) {
			f := newFixture(t, b, func(c *server.Config) { c.RequestTimeout = 200 * time.Millisecond })
			for _, c := range []call{
				{method: http.MethodGet, path: "/v1/test/slow"},
				{method: http.MethodPost, path: "/v1/test/slow", header: map[string]string{"Idempotency-Key": kernel.NewID()}},
			} {
				start := time.Now()
				_, resp, body := f.do(t, c)
				if resp.StatusCode != http.StatusServiceUnavailable || problemOf(t, body)["code"] != "SERVICE_UNAVAILABLE" ||
					resp.Header.Get("Retry-After") == "" {
					t.Errorf("%s %s = %d, Retry-After %q: %s", c.method, c.path, resp.StatusCode, resp.Header.Get("Retry-After"), body)
				}
				if took := time.Since(start); took > 3*time.Second {
					t.Errorf("%s %s took %s with a 200 ms deadline", c.method, c.path, took)
				}
			}
		})
	}
}
