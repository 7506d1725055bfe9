package server_test

import (
	"io"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/valyala/fasthttp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/jupang/jupang/adapters/auth"
	"github.com/jupang/jupang/adapters/http/server"
	"github.com/jupang/jupang/core/access"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/ratelimit"
)

// BenchmarkPlatformHotPath is what the platform middleware costs one cacheable GET with the
// production settings: a JSON request log line (to io.Discard), a recorded span of an always
// sampling tracer, the latency histogram, rate limiting on, SPEC §1 headers parsed. The route
// returns fixed bytes, so the figures are the middleware's alone (see docs/catalog-read-path.md).
//
//	go test -run '^$' -bench PlatformHotPath -benchmem ./adapters/http/server/
func BenchmarkPlatformHotPath(b *testing.B) {
	for _, limited := range []bool{false, true} {
		name := map[bool]string{false: "ratelimit off", true: "ratelimit on"}[limited]
		b.Run(name, func(b *testing.B) {
			body := []byte(`{"items":[]}`)
			enc := zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig())
			logger := zap.New(zapcore.NewCore(enc, zapcore.AddSync(io.Discard), zapcore.InfoLevel))
			tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()))
			cfg := server.Config{Name: "storefront", Audience: kernel.AudienceStorefront, Logger: logger,
				Tracer: tp.Tracer("bench"), Metrics: server.NewMetrics(prometheus.NewRegistry())}
			if limited {
				limits := ratelimit.DefaultLimits() // with a read bucket the benchmark cannot empty
				limits.Read = ratelimit.Limit{Requests: 1 << 20, Per: time.Second, Burst: 1 << 20}
				limiter, err := auth.NewRateLimiter(limits, kernel.SystemClock{})
				if err != nil {
					b.Fatal(err)
				}
				cfg.Limiter = limiter
			}
			srv, err := server.New(cfg, []server.Route{{Method: "GET", Path: "/v1/products/top", Policy: access.CatalogRead,
				Handler: func(c *fiber.Ctx) error {
					c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
					return c.Send(body)
				}}})
			if err != nil {
				b.Fatal(err)
			}
			h := srv.App().Handler()
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
		})
	}
}
