package server_test

import (
	"io"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/valyala/fasthttp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/jupang/jupang/adapters/auth"
	"github.com/jupang/jupang/adapters/http/server"
	"github.com/jupang/jupang/adapters/tracing"
	"github.com/jupang/jupang/core/access"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/ratelimit"
)

// BenchmarkPlatformHotPath is what the platform middleware costs one cacheable GET with the
// production settings: a JSON request log line (to io.Discard, sampled as in production), the latency histogram, SPEC §1
// headers parsed, with rate limiting off (as catalog_read runs) and on, and with the tracer of a
// process without an exporter (ids only, the default) or one that records every span (an OTLP
// endpoint configured, sample ratio 1). The route returns fixed bytes, so the figures are the
// middleware's alone; "bare" is a Fiber app without any, returning the same bytes
// (see docs/catalog-read-path.md).
//
//	go test -run '^$' -bench PlatformHotPath -benchmem ./adapters/http/server/
func BenchmarkPlatformHotPath(b *testing.B) {
	body := []byte(`{"items":[]}`)
	send := func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
		return c.Send(body)
	}
	run := func(b *testing.B, h fasthttp.RequestHandler) {
		var rc fasthttp.RequestCtx
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			rc.Request.Reset()
			rc.Response.Reset()
			rc.Request.SetRequestURI("/v1/products/top?by=quantity")
			rc.Request.Header.Set("X-Market", "KR")
			rc.Request.Header.Set("Accept-Language", "ko-KR,ko;q=0.9,en;q=0.8")
			h(&rc)
			if rc.Response.StatusCode() != fiber.StatusOK {
				b.Fatalf("%d %s", rc.Response.StatusCode(), rc.Response.Body())
			}
		}
	}
	b.Run("bare", func(b *testing.B) {
		app := fiber.New(fiber.Config{DisableStartupMessage: true})
		app.Get("/v1/products/top", send)
		run(b, app.Handler())
	})
	tracers := map[string]func() trace.Tracer{
		"ids only": func() trace.Tracer { return tracing.IDs(sdktrace.ParentBased(sdktrace.TraceIDRatioBased(1))) },
		"recorded": func() trace.Tracer {
			return sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample())).Tracer("bench")
		},
	}
	for _, tracer := range []string{"ids only", "recorded"} {
		for _, limited := range []bool{false, true} {
			name := "tracer " + tracer + ", " + map[bool]string{false: "ratelimit off", true: "ratelimit on"}[limited]
			b.Run(name, func(b *testing.B) {
				// As the binaries' logger (zap's production config): lines of one message past 100 in
				// a second are sampled 1 in 100.
				enc := zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig())
				core := zapcore.NewCore(enc, zapcore.AddSync(io.Discard), zapcore.InfoLevel)
				logger := zap.New(zapcore.NewSamplerWithOptions(core, time.Second, 100, 100), zap.AddCaller())
				cfg := server.Config{Name: "storefront", Audience: kernel.AudienceStorefront, Logger: logger,
					Tracer: tracers[tracer](), Metrics: server.NewMetrics(prometheus.NewRegistry())}
				if limited {
					limits := ratelimit.DefaultLimits() // with a read bucket the benchmark cannot empty
					limits.Read = ratelimit.Limit{Requests: 1 << 20, Per: time.Second, Burst: 1 << 20}
					limiter, err := auth.NewRateLimiter(limits, kernel.SystemClock{})
					if err != nil {
						b.Fatal(err)
					}
					cfg.Limiter = limiter
				}
				srv, err := server.New(cfg, []server.Route{{Method: "GET", Path: "/v1/products/top", Policy: access.CatalogRead, Handler: send}})
				if err != nil {
					b.Fatal(err)
				}
				run(b, srv.App().Handler())
			})
		}
	}
}
