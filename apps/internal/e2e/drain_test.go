//go:build soak

package e2e

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jupang/jupang/adapters/postgres/pgtest"
)

// readinessProxy is a small load balancer: round robin over the backends whose /readyz answered
// 200 at the last poll, as a Kubernetes Service or a cloud balancer does with its health checks.
type readinessProxy struct {
	backends []*proxyBackend
	next     atomic.Uint64
	proxy    *httputil.ReverseProxy
}

type proxyBackend struct {
	url   *url.URL
	ready atomic.Bool
}

func newReadinessProxy(ctx context.Context, addrs []string, every time.Duration) *readinessProxy {
	p := &readinessProxy{}
	for _, a := range addrs {
		p.backends = append(p.backends, &proxyBackend{url: &url.URL{Scheme: "http", Host: a}})
	}
	p.proxy = &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			if b := p.pick(); b != nil {
				r.SetURL(b.url)
			}
		},
		Transport: &http.Transport{MaxIdleConnsPerHost: 64, IdleConnTimeout: 30 * time.Second},
	}
	// Each backend is polled on its own, with a timeout far above the interval, as real balancers
	// do: a slow answer on a loaded machine is not a failed check, and one slow backend does not
	// delay the checks of the other.
	client := &http.Client{Timeout: time.Second}
	for _, b := range p.backends {
		go func() {
			for {
				resp, err := client.Get(b.url.String() + "/readyz") //nolint:noctx // bounded by the client's timeout
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					_ = resp.Body.Close()
				}
				b.ready.Store(err == nil && resp.StatusCode == http.StatusOK)
				select {
				case <-ctx.Done():
					return
				case <-time.After(every):
				}
			}
		}()
	}
	return p
}

func (p *readinessProxy) pick() *proxyBackend {
	n := uint64(len(p.backends))
	start := p.next.Add(1)
	for i := range n {
		if b := p.backends[(start+i)%n]; b.ready.Load() {
			return b
		}
	}
	return nil // no backend: the proxy answers 502, which the load counts as a failure
}

func (p *readinessProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) { p.proxy.ServeHTTP(w, r) }

// TestRollingRestartDropsNothing: two storefront instances on PostgreSQL behind the proxy; under
// steady load each in turn gets SIGTERM and is replaced by a new process on its address. With
// the drain (readiness fails at once, serving goes on for the delay, in-flight requests finish)
// not one request fails.
func TestRollingRestartDropsNothing(t *testing.T) {
	dbURL := pgtest.URL(t)
	seed := Start(t, Binary(t, "jupang"), []string{"JUPANG_DATABASE_URL=" + dbURL}, "seed")
	if code := seed.Wait(120 * time.Second); code != 0 {
		t.Fatalf("seed exit = %d:\n%s", code, seed.Output())
	}
	addrs := []string{FreeAddr(t), FreeAddr(t)}
	start := func(addr string) *Process {
		p := Start(t, Binary(t, "storefront"), []string{"JUPANG_DATABASE_URL=" + dbURL, "JUPANG_STOREFRONT_ADDR=" + addr,
			"JUPANG_SHUTDOWN_DRAIN_DELAY=1s", "JUPANG_SHUTDOWN_TIMEOUT=10s", "JUPANG_RATELIMIT_ENABLED=false",
			"JUPANG_LOG_LEVEL=warn", "JUPANG_DATABASE_MAX_OPEN_CONNS=5"})
		waitReady(t, "http://"+addr+"/readyz", 30*time.Second)
		return p
	}
	procs := []*Process{start(addrs[0]), start(addrs[1])}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	proxy := newReadinessProxy(ctx, addrs, 50*time.Millisecond)
	front := httptest.NewServer(proxy)
	defer front.Close()
	time.Sleep(200 * time.Millisecond) // the first polls

	var sent, failed atomic.Int64
	var firstFailures sync.Map
	stop := make(chan struct{})
	var load sync.WaitGroup
	for w := range 8 {
		load.Go(func() {
			client := &http.Client{Timeout: 10 * time.Second}
			for {
				select {
				case <-stop:
					return
				default:
				}
				sent.Add(1)
				resp, err := client.Get(front.URL + "/v1/products?limit=20") //nolint:noctx // bounded by the client's timeout
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					_ = resp.Body.Close()
				}
				if err != nil || resp.StatusCode != http.StatusOK {
					failed.Add(1)
					firstFailures.LoadOrStore(w, fmt.Sprint(err, resp))
				}
			}
		})
	}

	for i, addr := range addrs {
		time.Sleep(700 * time.Millisecond)
		began := time.Now()
		procs[i].Terminate()
		if code := procs[i].Wait(15 * time.Second); code != 0 {
			t.Fatalf("instance %d exit code after SIGTERM = %d", i, code)
		}
		t.Logf("instance %d stopped %s after SIGTERM", i, time.Since(began).Round(10*time.Millisecond))
		procs[i] = start(addr)
		for !proxy.backends[i].ready.Load() {
			time.Sleep(10 * time.Millisecond)
		}
	}
	time.Sleep(700 * time.Millisecond)
	close(stop)
	load.Wait()

	t.Logf("%d requests through the proxy during two restarts, %d failed", sent.Load(), failed.Load())
	if failed.Load() != 0 {
		firstFailures.Range(func(w, f any) bool { t.Errorf("worker %v: %v", w, f); return true })
		t.Fatalf("%d of %d requests failed", failed.Load(), sent.Load())
	}
	if sent.Load() < 100 {
		t.Fatalf("only %d requests were sent: the load did not run", sent.Load())
	}
}

// waitReady polls url until it answers 200.
func waitReady(t *testing.T, url string, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for WaitHTTP(t, url, d) != http.StatusOK {
		if time.Now().After(deadline) {
			t.Fatalf("%s not ready within %s", url, d)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
