package launch

import (
	"context"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"go.uber.org/zap"

	"github.com/jupang/jupang/adapters/http/server"
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

// Shutdown lets a request that is already running finish and answer before the server stops.
func TestShutdownDrainsInFlightRequests(t *testing.T) {
	entered := make(chan struct{}, 1)
	srv, ln := slowServer(t, 300*time.Millisecond, entered)
	ctx, cancel := context.WithCancel(context.Background())
	runErr := make(chan error, 1)
	go func() {
		runErr <- Run(ctx, zap.NewNop(), 5*time.Second, Component{Name: "http", Start: func() error { return srv.Serve(ln) }, Stop: srv.Shutdown})
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
		runErr <- Run(ctx, zap.NewNop(), 200*time.Millisecond, Component{Name: "http", Start: func() error { return srv.Serve(ln) }, Stop: srv.Shutdown})
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
	if err := Run(ctx, zap.NewNop(), 2*time.Second, first, second); err != nil {
		t.Fatalf("Run = %v: a component was stopped only after another finished draining", err)
	}
}
