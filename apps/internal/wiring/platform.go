// Package wiring holds the google/wire providers the five binaries are assembled from. Provider
// sets are small and named for what they provide; each binary's wire.go picks the sets it needs.
package wiring

import (
	"context"
	"crypto/tls"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"

	"github.com/jupang/jupang/adapters/http/openapi"
	"github.com/jupang/jupang/adapters/http/server"
	"github.com/jupang/jupang/adapters/jobs"
	"github.com/jupang/jupang/adapters/seed"
	"github.com/jupang/jupang/apps/internal/config"
	"github.com/jupang/jupang/apps/internal/launch"
	"github.com/jupang/jupang/core/catalog"
	"github.com/jupang/jupang/core/i18n"
	"github.com/jupang/jupang/core/idempotency"
	"github.com/jupang/jupang/core/identity"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/uow"
)

// ServiceName distinguishes the process in traces and logs.
type ServiceName string

// Readiness lists the dependency checks of /readyz.
type Readiness []server.ReadinessCheck

// Logger builds the process logger.
func Logger(cfg config.Config, name ServiceName) (*zap.Logger, func(), error) {
	log, cleanup, err := launch.NewLogger(cfg.Log)
	if err != nil {
		return nil, nil, err
	}
	return log.With(zap.String("service", string(name))), cleanup, nil
}

// TracerProvider builds the process tracer provider.
func TracerProvider(ctx context.Context, cfg config.Config, name ServiceName) (*sdktrace.TracerProvider, func(), error) {
	return launch.NewTracerProvider(ctx, cfg.Tracing, string(name))
}

// Tracer is the process tracer.
func Tracer(tp *sdktrace.TracerProvider) trace.Tracer { return launch.Tracer(tp) }

// Metrics is the process-wide Prometheus registry with the HTTP metrics.
func Metrics() *server.Metrics { return server.NewMetrics(prometheus.NewRegistry()) }

// Messages is the union of every area's message catalog.
func Messages() *i18n.Catalog { return i18n.New(i18n.Builtin(), identity.Messages, catalog.Messages) }

// Clock is the wall clock.
func Clock() kernel.Clock { return kernel.SystemClock{} }

func idempotencyService(claims, effects uow.UnitOfWork[idempotency.Stores], clock kernel.Clock, cfg config.Config) *idempotency.Service {
	return idempotency.NewService(claims, effects, clock, cfg.Idempotency.TTL, cfg.Idempotency.Lease)
}

// sweepBatch bounds one sweeper transaction.
const sweepBatch = 1000

// Runner is the job runner with every background job registered.
func Runner(leases jobs.Leases, clock kernel.Clock, log *zap.Logger, metrics *server.Metrics, idem *idempotency.Service,
	ids *identity.Service, cat *catalog.Service, cfg config.Config) *jobs.Runner {
	r := jobs.NewRunner(leases, clock, log, metrics.Registry)
	r.Register(
		jobs.Job{Name: "idempotency-sweep", Interval: cfg.Idempotency.SweepInterval, Run: func(ctx context.Context) error {
			_, err := idem.Sweep(ctx, sweepBatch)
			return err
		}},
		jobs.Job{Name: "refresh-token-purge", Interval: cfg.Idempotency.SweepInterval, Run: func(ctx context.Context) error {
			for {
				n, err := ids.PurgeExpiredRefreshTokens(ctx, sweepBatch)
				if err != nil || n < sweepBatch {
					return err
				}
			}
		}},
		jobs.Job{Name: catalog.RankingJobName, Interval: cfg.Catalog.RankingInterval, Run: cat.RefreshRankings},
		jobs.Job{Name: catalog.RepriceJobName, Interval: cfg.Catalog.RepriceInterval, Run: cat.RepriceListings},
	)
	return r
}

// Seeder loads the dev seed (SPEC §0) through the use cases, so it works on any storage.
type Seeder func(ctx context.Context) error

// Seed runs every area's seed in dependency order: accounts first, since the catalog's order
// history belongs to the demo customers.
func Seed(ids *identity.Service, cat *catalog.Service, reader catalog.Reader, clock kernel.Clock) Seeder {
	return func(ctx context.Context) error {
		if err := seed.Accounts(ctx, ids); err != nil {
			return err
		}
		buyers, err := seed.DemoBuyers(ctx, ids)
		if err != nil {
			return err
		}
		return seed.Catalog(ctx, seed.CatalogDeps{Service: cat, Reader: reader, Clock: clock, Buyers: buyers})
	}
}

// serverConfig is the part of server.Config every binary shares, its API document and docs page included.
func serverConfig(name string, aud kernel.Audience, log *zap.Logger, tracer trace.Tracer, metrics *server.Metrics,
	messages *i18n.Catalog, idem *idempotency.Service, ready Readiness) (server.Config, error) {
	doc, err := openapi.Document(name)
	if err != nil {
		return server.Config{}, err
	}
	page, err := openapi.DocsHTML(name)
	if err != nil {
		return server.Config{}, err
	}
	return server.Config{
		Name: name, Audience: aud, Logger: log.With(zap.String("binary", name)), Tracer: tracer, Metrics: metrics,
		Messages: messages, Idempotency: idem, Readiness: ready, OpenAPI: doc, DocsHTML: page,
		DocsPolicy: openapi.DocsContentSecurityPolicy(),
	}, nil
}

// HTTPComponent serves srv on addr until stopped. The port is bound when the component starts, so
// assembling a binary (for `jupang seed`, say) binds nothing.
func HTTPComponent(name, key, addr string, srv *server.Server) launch.Component {
	return serveComponent(name, key, addr, nil, srv)
}

// serveComponent serves srv on addr, over TLS when tlsConfig is set.
func serveComponent(name, key, addr string, tlsConfig *tls.Config, srv *server.Server) launch.Component {
	return launch.Component{
		Name: name,
		Start: func() error {
			ln, err := launch.Listener(key, addr)
			if err != nil {
				return err
			}
			if tlsConfig != nil {
				ln = tls.NewListener(ln, tlsConfig)
			}
			return srv.Serve(ln)
		},
		Drain: srv.BeginDrain,
		Stop:  srv.Shutdown,
	}
}

// PartnerComponent serves the partner binary over mutual TLS when partner.tls_cert is set, else
// over plain HTTP (development).
func PartnerComponent(cfg config.Config, srv PartnerServer) (PartnerListener, error) {
	var tlsConfig *tls.Config
	if cfg.Partner.TLSCert != "" {
		var err error
		if tlsConfig, err = launch.MutualTLS(cfg.Partner.TLSCert, cfg.Partner.TLSKey, cfg.Partner.ClientCA); err != nil {
			return PartnerListener{}, err
		}
	}
	return PartnerListener(serveComponent("partner", "partner.addr", cfg.Partner.Addr, tlsConfig, srv.Server)), nil
}

// PartnerListener is the partner binary's serving component (a distinct type for wire).
type PartnerListener launch.Component

// RunnerComponent runs the jobs until stopped. launch.Run calls Start in a goroutine and may call
// Stop before that goroutine runs (another component failing at once, say a port in use): the
// lock orders the two, so jobs never start after Stop and Stop never races Start's bookkeeping.
func RunnerComponent(r *jobs.Runner) launch.Component {
	var (
		mu      sync.Mutex
		stopped bool
	)
	stop := make(chan struct{})
	return launch.Component{
		Name: "jobs",
		Start: func() error {
			mu.Lock()
			if !stopped {
				r.Start(context.Background())
			}
			mu.Unlock()
			<-stop
			return nil
		},
		Stop: func(ctx context.Context) error {
			mu.Lock()
			stopped = true
			mu.Unlock()
			defer close(stop)
			return r.Stop(ctx)
		},
	}
}
