package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"testing"

	"github.com/jupang/jupang/adapters/http/server"
)

// callers records who the rate limiter was asked about.
type callers struct {
	mu   sync.Mutex
	seen []string
}

func (r *callers) Take(_ context.Context, _ server.RateClass, caller string) server.RateDecision {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seen = append(r.seen, caller)
	return server.RateDecision{Allowed: true, Limit: 10, Remaining: 9}
}

func (r *callers) last() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.seen[len(r.seen)-1]
}

// behind serves a fixture that trusts the given proxies, on loopback.
func behind(t *testing.T, proxies ...string) (*fixture, *callers, string) {
	t.Helper()
	limiter := &callers{}
	f := newFixture(t, memoryBackend(t), func(cfg *server.Config) {
		cfg.Limiter = limiter
		for _, p := range proxies {
			cfg.TrustedProxies = append(cfg.TrustedProxies, netip.MustParsePrefix(p))
		}
	})
	return f, limiter, f.listen(t)
}

// getVia sends GET path to addr with the given X-Forwarded-For lines (none: no header) and decodes the JSON answer.
func getVia(t *testing.T, addr, path string, header map[string]string, forwardedFor ...string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, "http://"+addr+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	for _, v := range forwardedFor {
		req.Header.Add("X-Forwarded-For", v)
	}
	return send(t, req)
}

func send(t *testing.T, req *http.Request) (int, map[string]any) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	raw, _ := io.ReadAll(resp.Body)
	var body map[string]any
	_ = json.Unmarshal(raw, &body)
	return resp.StatusCode, body
}

// TestClientAddressBehindTrustedProxies: X-Forwarded-For is believed only from trusted proxies, and
// then only up to the first address they did not add (a client can prepend anything); IPv6 callers
// are counted per /64.
func TestClientAddressBehindTrustedProxies(t *testing.T) {
	_, limiter, addr := behind(t, "127.0.0.0/8", "10.0.0.0/8")
	tests := []struct {
		name      string
		forwarded []string
		ip, group string
	}{
		{"no header: the peer", nil, "127.0.0.1", "127.0.0.1"},
		{"one proxy", []string{"203.0.113.5"}, "203.0.113.5", "203.0.113.5"},
		{"a spoofed left part is ignored", []string{"198.51.100.1, 203.0.113.5"}, "203.0.113.5", "203.0.113.5"},
		{"two trusted hops", []string{"203.0.113.5, 10.1.2.3"}, "203.0.113.5", "203.0.113.5"},
		{"two header lines read as one list", []string{"198.51.100.1", "203.0.113.5", "10.9.9.9"}, "203.0.113.5", "203.0.113.5"},
		{"garbage stops the walk at the last trusted hop", []string{"203.0.113.5, not-an-ip, 10.1.2.3"}, "10.1.2.3", "10.1.2.3"},
		{"an address with a port", []string{"203.0.113.5:4711"}, "203.0.113.5", "203.0.113.5"},
		{"IPv6 is grouped by /64", []string{"2001:db8:1:2:aaaa::1"}, "2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"},
		{"another host of the same /64", []string{"[2001:db8:1:2:bbbb::2]:443"}, "2001:db8:1:2:bbbb::2", "2001:db8:1:2::/64"},
		{"an IPv4-mapped IPv6 address is IPv4", []string{"::ffff:203.0.113.9"}, "203.0.113.9", "203.0.113.9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := getVia(t, addr, "/v1/test/client", nil, tt.forwarded...)
			if status != http.StatusOK || body["ip"] != tt.ip || body["clientAddress"] != tt.group {
				t.Fatalf("%d %v, want ip %s, client address %s", status, body, tt.ip, tt.group)
			}
			if got := limiter.last(); got != "ip:"+tt.group {
				t.Fatalf("rate-limit caller %q, want ip:%s", got, tt.group)
			}
		})
	}
}

// TestForwardedForIsIgnoredFromStrangers: without trusted proxies (the default), or from a peer that
// is not one, the header changes nothing.
func TestForwardedForIsIgnoredFromStrangers(t *testing.T) {
	for _, proxies := range [][]string{nil, {"10.0.0.0/8"}} {
		_, _, addr := behind(t, proxies...)
		if _, body := getVia(t, addr, "/v1/test/client", nil, "203.0.113.5"); body["ip"] != "127.0.0.1" || body["clientAddress"] != "127.0.0.1" {
			t.Fatalf("trusting %v: %v, want the peer 127.0.0.1", proxies, body)
		}
	}
}

// TestGuestsBehindABalancerHaveTheirOwnIdempotencyScope: two guests without a session, forwarded by
// the same load balancer, may use the same Idempotency-Key for different requests.
func TestGuestsBehindABalancerHaveTheirOwnIdempotencyScope(t *testing.T) {
	_, _, addr := behind(t, "127.0.0.0/8")
	for i, guest := range []string{"203.0.113.5", "203.0.113.6"} {
		body := fmt.Sprintf(`{"outcome":"created","topic":"scope-%d"}`, i)
		req, err := http.NewRequest(http.MethodPost, "http://"+addr+"/v1/test/notes", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", "same-key-for-both")
		req.Header.Set("X-Forwarded-For", guest)
		if status, answer := send(t, req); status != http.StatusCreated {
			t.Fatalf("guest %s: %d %v", guest, status, answer)
		}
	}
}
