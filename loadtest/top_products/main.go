// Command top_products measures GET /v1/products/top served by the real handler stack (the
// storefront's platform middleware, the catalog routes and the per-market top cache, on the
// in-memory adapters with the dev seed) against a bare Fiber handler that returns the same bytes,
// in the same process and the same run, so the ratio says what the stack costs on this machine.
//
//	go run ./loadtest/top_products [-conns 64] [-duration 4s] [-rounds 5]
//
// The servers listen on loopback; a fasthttp client drives each with -conns keep-alive
// connections for -duration per round, the servers back to back within a round, after a warm-up.
// It prints requests per second and latency percentiles per round and pooled, and the ratio
// real/bare. The verdicts use the median over rounds of each round's ratio and real p99, because
// other processes on a shared machine slow whichever server happens to run at that moment; the
// pooled figures are printed too. Targets: ratio >= 0.7 and real p99 <= 10 ms at 64 connections.
//
// A third server, "platform", is the same platform middleware (server.New) with a route that
// returns the same bytes without the catalog: real/platform is what the catalog handler and its
// cache cost, platform/bare what the shared middleware costs.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	cataloghttp "github.com/jupang/jupang/adapters/http/catalog"
	"github.com/jupang/jupang/adapters/http/server"
	"github.com/jupang/jupang/adapters/memory"
	"github.com/jupang/jupang/adapters/memory/jupangtest"
	"github.com/jupang/jupang/core/access"
	"github.com/jupang/jupang/core/catalog"
	"github.com/jupang/jupang/core/i18n"
	"github.com/jupang/jupang/core/inventory"
	"github.com/jupang/jupang/core/kernel"
)

const path = "/v1/products/top?by=quantity"

func main() {
	conns := flag.Int("conns", 64, "concurrent keep-alive connections")
	duration := flag.Duration("duration", 4*time.Second, "measured time per round and server")
	warmup := flag.Duration("warmup", 2*time.Second, "unmeasured time per server before the rounds")
	rounds := flag.Int("rounds", 5, "measured rounds; each runs bare, platform and real back to back")
	profile := flag.String("cpuprofile", "", "write a CPU profile of the real rounds to this file")
	flag.Parse()
	if err := run(*conns, *duration, *warmup, *rounds, *profile); err != nil {
		fmt.Fprintln(os.Stderr, "top_products:", err)
		os.Exit(1)
	}
}

func run(conns int, duration, warmup time.Duration, rounds int, profile string) error {
	ctx := context.Background()
	real, err := realStack(ctx)
	if err != nil {
		return err
	}
	realAddr, stopReal, err := serve(real.App())
	if err != nil {
		return err
	}
	defer stopReal()

	body, err := fetch(realAddr)
	if err != nil {
		return err
	}
	bare := fiber.New(fiber.Config{DisableStartupMessage: true})
	bare.Get("/v1/products/top", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
		return c.Send(body)
	})
	bareAddr, stopBare, err := serve(bare)
	if err != nil {
		return err
	}
	defer stopBare()
	if again, err := fetch(bareAddr); err != nil || string(again) != string(body) {
		return fmt.Errorf("the bare handler does not answer the same bytes (%v)", err)
	}
	platform, err := server.New(server.Config{Name: "storefront", Audience: kernel.AudienceStorefront}, []server.Route{{
		Method: "GET", Path: "/v1/products/top", Policy: access.CatalogRead, Handler: func(c *fiber.Ctx) error {
			c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
			return c.Send(body)
		}}})
	if err != nil {
		return err
	}
	platformAddr, stopPlatform, err := serve(platform.App())
	if err != nil {
		return err
	}
	defer stopPlatform()

	fmt.Printf("GET %s — %d connections, %v per round, %d rounds, GOMAXPROCS=%d, %d-byte body\n",
		path, conns, duration, rounds, runtime.GOMAXPROCS(0), len(body))
	drive(bareAddr, conns, warmup)
	drive(platformAddr, conns, warmup)
	drive(realAddr, conns, warmup)
	var bareAll, platformAll, realAll result
	var ratios, p99s []float64
	for r := 1; r <= rounds; r++ {
		b := drive(bareAddr, conns, duration)
		fmt.Printf("round %d  bare      %s\n", r, b)
		p := drive(platformAddr, conns, duration)
		fmt.Printf("round %d  platform  %s\n", r, p)
		platformAll.merge(p)
		stop, err := startProfile(profile)
		if err != nil {
			return err
		}
		s := drive(realAddr, conns, duration)
		stop()
		fmt.Printf("round %d  real      %s\n", r, s)
		bareAll.merge(b)
		realAll.merge(s)
		ratios = append(ratios, s.rps()/b.rps())
		p99s = append(p99s, float64(s.percentile(99)))
	}
	fmt.Printf("total    bare      %s\n", bareAll)
	fmt.Printf("total    platform  %s\n", platformAll)
	fmt.Printf("total    real      %s\n", realAll)
	fmt.Printf("platform/bare = %.2f (shared middleware); real/platform = %.2f (catalog handler and cache)\n",
		platformAll.rps()/bareAll.rps(), realAll.rps()/platformAll.rps())
	fmt.Printf("pooled: ratio real/bare = %.2f, real p99 = %v\n", realAll.rps()/bareAll.rps(), realAll.percentile(99).Round(time.Microsecond))
	ratio, p99 := median(ratios), time.Duration(median(p99s)).Round(time.Microsecond)
	fmt.Printf("median of %d rounds: ratio real/bare = %.2f (target >= 0.70: %s); real p99 = %v (target <= 10ms: %s)\n",
		rounds, ratio, verdict(ratio >= 0.7), p99, verdict(p99 <= 10*time.Millisecond))
	if failed := realAll.errors + bareAll.errors + platformAll.errors; failed > 0 {
		return fmt.Errorf("%d requests failed", failed)
	}
	return nil
}

// startProfile profiles the CPU into file until the returned function runs (a no-op without file).
// Each real round overwrites the previous round's profile.
func startProfile(file string) (func(), error) {
	if file == "" {
		return func() {}, nil
	}
	f, err := os.Create(file)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		_ = f.Close()
	}, nil
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}

// realStack is the storefront's catalog routes on the memory adapters with the dev seed (its order
// history placed through the orders service, so the top list is non-empty), rate limits off
// (ratelimit.enabled=false, as for load tests), logs discarded.
func realStack(_ context.Context) (*server.Server, error) {
	sys, err := jupangtest.Build(jupangtest.WithSeed(), jupangtest.WithClockAt(time.Now()))
	if err != nil {
		return nil, err
	}
	// The measured service is the storefront's (no read model, the wall clock) on the seeded store.
	clock := kernel.SystemClock{}
	svc := catalog.NewService(sys.CatalogReader, inventory.NewCatalogStock(memory.NewInventoryReader(sys.Store)),
		memory.NewUnitOfWork(sys.Store, memory.CatalogStores), clock)
	top := cataloghttp.NewTopCache(svc, clock, 30*time.Second)
	return server.New(server.Config{Name: "storefront", Audience: kernel.AudienceStorefront,
		Messages: i18n.New(catalog.Codes())}, cataloghttp.Routes(cataloghttp.NewHandlers(svc, top)))
}

func serve(app *fiber.App) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	go func() { _ = app.Listener(ln) }()
	return ln.Addr().String(), func() { _ = app.Shutdown() }, nil
}

func fetch(addr string) ([]byte, error) {
	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	prepare(req, addr)
	if err := fasthttp.DoTimeout(req, resp, 5*time.Second); err != nil {
		return nil, err
	}
	if resp.StatusCode() != fasthttp.StatusOK {
		return nil, fmt.Errorf("GET %s: %d %s", path, resp.StatusCode(), resp.Body())
	}
	return append([]byte(nil), resp.Body()...), nil
}

func prepare(req *fasthttp.Request, addr string) {
	req.SetRequestURI("http://" + addr + path)
	req.Header.Set("Accept-Language", "ko-KR,ko;q=0.9,en;q=0.8")
	req.Header.Set("X-Market", "KR")
}

// result is one measured run.
type result struct {
	elapsed   time.Duration
	latencies []time.Duration
	errors    int64
}

func (r *result) merge(o result) {
	r.elapsed += o.elapsed
	r.latencies = append(r.latencies, o.latencies...)
	r.errors += o.errors
}

func (r result) rps() float64 { return float64(len(r.latencies)) / r.elapsed.Seconds() }

func (r result) percentile(p float64) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	s := slices.Clone(r.latencies)
	slices.Sort(s)
	return s[min(len(s)-1, int(float64(len(s))*p/100))]
}

func (r result) String() string {
	return fmt.Sprintf("%9.0f req/s  p50 %-10v p99 %-10v max %-10v (%d requests, %d errors)", r.rps(),
		r.percentile(50).Round(time.Microsecond), r.percentile(99).Round(time.Microsecond),
		r.percentile(100).Round(time.Microsecond), len(r.latencies), r.errors)
}

// drive keeps conns requests in flight against addr for d and records each latency.
func drive(addr string, conns int, d time.Duration) result {
	client := &fasthttp.HostClient{Addr: addr, MaxConns: conns, ReadTimeout: 5 * time.Second, WriteTimeout: 5 * time.Second}
	var errs atomic.Int64
	per := make([][]time.Duration, conns)
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(d)
	for i := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
			defer fasthttp.ReleaseRequest(req)
			defer fasthttp.ReleaseResponse(resp)
			prepare(req, addr)
			lat := make([]time.Duration, 0, 1<<16)
			for {
				t0 := time.Now()
				if !t0.Before(deadline) {
					break
				}
				err := client.Do(req, resp)
				if err == nil && resp.StatusCode() != fasthttp.StatusOK {
					err = errors.New("status")
				}
				if err != nil {
					errs.Add(1)
					continue
				}
				lat = append(lat, time.Since(t0))
			}
			per[i] = lat
		}()
	}
	wg.Wait()
	out := result{elapsed: time.Since(start), errors: errs.Load()}
	for _, l := range per {
		out.latencies = append(out.latencies, l...)
	}
	return out
}
