package launch

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"go.uber.org/zap"

	"github.com/jupang/jupang/adapters/http/server"
	"github.com/jupang/jupang/apps/internal/config"
	"github.com/jupang/jupang/core/access"
)

func slowServer(t *testing.T, delay time.Duration, entered chan<- struct{}) (*server.Server, net.Listener) {
	t.Helper()
	srv, err := server.New(server.Config{Name: "test"}, []server.Route{{
		Method: http.MethodGet, Path: "/slow", Policy: access.Public,
		Handler: func(c *fiber.Ctx) error {
			entered <- struct{}{}
			time.Sleep(delay) // an in-flight request that outlives the shutdown signal
			return c.SendString("done")
		},
	}})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return srv, ln
}

func httpComponent(srv *server.Server, ln net.Listener) Component {
	return Component{Name: "http", Start: func() error { return srv.Serve(ln) }, Drain: srv.BeginDrain, Stop: srv.Shutdown}
}

// On SIGTERM /readyz fails at once while the server goes on answering for the drain delay (each
// answer closing its connection, so clients reconnect through a balancer that has seen /readyz);
// then it stops accepting, finishes what is in flight with Connection: close, and Run returns
// within the timeout, delay included.
func TestShutdownDrainsBehindAFailingReadiness(t *testing.T) {
	entered := make(chan struct{}, 1)
	srv, ln := slowServer(t, 600*time.Millisecond, entered)
	base := "http://" + ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	runErr := make(chan error, 1)
	go func() {
		runErr <- Run(ctx, zap.NewNop(), config.Shutdown{Timeout: 3 * time.Second, DrainDelay: 500 * time.Millisecond}, httpComponent(srv, ln))
	}()
	client := &http.Client{Transport: &http.Transport{}}
	// answer is a response read and closed.
	type answer struct {
		status int
		close  bool // the server closes the connection after it
		header http.Header
		body   string
	}
	get := func(path string) (answer, error) {
		resp, err := client.Get(base + path)
		if err != nil {
			return answer{}, err
		}
		defer func() { _ = resp.Body.Close() }()
		b, _ := io.ReadAll(resp.Body)
		return answer{status: resp.StatusCode, close: resp.Close, header: resp.Header, body: string(b)}, nil
	}
	if a, err := get("/readyz"); err != nil || a.status != http.StatusOK || a.close {
		t.Fatalf("/readyz before the signal: %+v %v", a, err)
	}
	// A request in flight when the signal comes, which outlives the drain delay.
	inflight := make(chan answer, 1)
	go func() {
		a, err := get("/slow")
		if err != nil {
			t.Errorf("in-flight request: %v", err)
		}
		inflight <- a
	}()
	<-entered
	start := time.Now()
	cancel() // what SIGTERM does
	time.Sleep(50 * time.Millisecond)
	a, err := get("/readyz")
	if err != nil || a.status != http.StatusServiceUnavailable || a.header.Get("Retry-After") == "" ||
		!strings.Contains(a.body, `"code":"SHUTTING_DOWN"`) {
		t.Fatalf("/readyz right after the signal: %+v %v, want 503 naming the shutdown", a, err)
	}
	if a, err := get("/healthz"); err != nil || a.status != http.StatusOK || !a.close {
		t.Fatalf("a request during the drain delay: %+v %v, want 200 with Connection: close", a, err)
	}
	if a := <-inflight; a.status != http.StatusOK || !a.close || a.body != "done" {
		t.Fatalf("the in-flight request: %+v, want 200 with Connection: close", a)
	}
	if err := <-runErr; err != nil {
		t.Fatalf("Run = %v", err)
	}
	if took := time.Since(start); took < 500*time.Millisecond || took > 3*time.Second {
		t.Fatalf("shutdown took %s, want the 500ms delay and at most the 3s timeout", took)
	}
	if _, err := net.DialTimeout("tcp", ln.Addr().String(), 200*time.Millisecond); err == nil {
		t.Fatal("server still accepts connections after shutdown")
	}
}

// Shutdown lets a request that is already running finish and answer before the server stops.
func TestShutdownDrainsInFlightRequests(t *testing.T) {
	entered := make(chan struct{}, 1)
	srv, ln := slowServer(t, 300*time.Millisecond, entered)
	ctx, cancel := context.WithCancel(context.Background())
	runErr := make(chan error, 1)
	go func() {
		runErr <- Run(ctx, zap.NewNop(), config.Shutdown{Timeout: 5 * time.Second}, httpComponent(srv, ln))
	}()

	type result struct {
		status int
		body   string
		err    error
	}
	got := make(chan result, 1)
	go func() {
		resp, err := http.Get("http://" + ln.Addr().String() + "/slow")
		if err != nil {
			got <- result{err: err}
			return
		}
		defer func() { _ = resp.Body.Close() }()
		b, _ := io.ReadAll(resp.Body)
		got <- result{status: resp.StatusCode, body: string(b)}
	}()
	<-entered
	cancel() // what SIGTERM does
	r := <-got
	if r.err != nil || r.status != http.StatusOK || r.body != "done" {
		t.Fatalf("in-flight request after shutdown began: %+v", r)
	}
	if err := <-runErr; err != nil {
		t.Fatalf("Run = %v", err)
	}
	if _, err := net.DialTimeout("tcp", ln.Addr().String(), 200*time.Millisecond); err == nil {
		t.Fatal("server still accepts connections after shutdown")
	}
}

// A request that outlives the drain deadline does not keep the process alive.
func TestShutdownIsBounded(t *testing.T) {
	entered := make(chan struct{}, 1)
	srv, ln := slowServer(t, 3*time.Second, entered)
	ctx, cancel := context.WithCancel(context.Background())
	runErr := make(chan error, 1)
	go func() {
		runErr <- Run(ctx, zap.NewNop(), config.Shutdown{Timeout: 200 * time.Millisecond}, httpComponent(srv, ln))
	}()
	go func() {
		if resp, err := http.Get("http://" + ln.Addr().String() + "/slow"); err == nil {
			_ = resp.Body.Close()
		}
	}()
	<-entered
	start := time.Now()
	cancel()
	select {
	case err := <-runErr:
		if err == nil {
			t.Fatal("Run reported a clean stop although a request was cut off")
		}
		if waited := time.Since(start); waited > 2*time.Second {
			t.Fatalf("shutdown took %s, want about the 200ms deadline", waited)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("shutdown did not respect its deadline")
	}
}

// Components stop together: one still draining does not keep the others accepting work.
func TestComponentsStopTogether(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	firstStopping := make(chan struct{})
	block := func() error { <-ctx.Done(); return nil }
	first := Component{Name: "first", Start: block, Stop: func(context.Context) error {
		close(firstStopping)
		return nil
	}}
	// The second waits for the first to be asked to stop, as long as the drain deadline allows.
	second := Component{Name: "second", Start: block, Stop: func(drain context.Context) error {
		select {
		case <-firstStopping:
			return nil
		case <-drain.Done():
			return drain.Err()
		}
	}}
	cancel()
	if err := Run(ctx, zap.NewNop(), config.Shutdown{Timeout: 2 * time.Second}, first, second); err != nil {
		t.Fatalf("Run = %v: a component was stopped only after another finished draining", err)
	}
}
