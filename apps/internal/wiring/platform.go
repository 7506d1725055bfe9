// Package wiring holds the google/wire providers the five binaries are assembled from. Provider
// sets are small and named for what they provide; each binary's wire.go picks the sets it needs.
package wiring

import (
	"context"
	"net"

	"github.com/prometheus/client_golang/prometheus"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"

	"github.com/jupang/jupang/adapters/http/server"
	"github.com/jupang/jupang/adapters/jobs"
	"github.com/jupang/jupang/apps/internal/config"
	"github.com/jupang/jupang/apps/internal/launch"
	"github.com/jupang/jupang/core/i18n"
	"github.com/jupang/jupang/core/idempotency"
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
func Messages() *i18n.Catalog { return i18n.New(i18n.Builtin()) }

// Clock is the wall clock.
func Clock() kernel.Clock { return kernel.SystemClock{} }

func idempotencyService(claims, effects uow.UnitOfWork[idempotency.Stores], clock kernel.Clock, cfg config.Config) *idempotency.Service {
	return idempotency.NewService(claims, effects, clock, cfg.Idempotency.TTL, cfg.Idempotency.Lease)
}

// Runner is the job runner with the platform's own jobs registered.
func Runner(leases jobs.Leases, clock kernel.Clock, log *zap.Logger, metrics *server.Metrics, idem *idempotency.Service, cfg config.Config) *jobs.Runner {
	r := jobs.NewRunner(leases, clock, log, metrics.Registry)
	r.Register(jobs.Job{Name: "idempotency-sweep", Interval: cfg.Idempotency.SweepInterval, Run: func(ctx context.Context) error {
		_, err := idem.Sweep(ctx, 1000)
		return err
	}})
	return r
}

// serverConfig is the part of server.Config every binary shares.
func serverConfig(name string, aud kernel.Audience, log *zap.Logger, tracer trace.Tracer, metrics *server.Metrics,
	messages *i18n.Catalog, idem *idempotency.Service, ready Readiness) server.Config {
	return server.Config{
		Name: name, Audience: aud, Logger: log.With(zap.String("binary", name)), Tracer: tracer, Metrics: metrics,
		Messages: messages, Idempotency: idem, Readiness: ready,
	}
}

// HTTPComponent serves srv on addr until stopped.
func HTTPComponent(name, key, addr string, srv *server.Server) (launch.Component, error) {
	ln, err := launch.Listener(key, addr)
	if err != nil {
		return launch.Component{}, err
	}
	return httpComponent(name, ln, srv), nil
}

func httpComponent(name string, ln net.Listener, srv *server.Server) launch.Component {
	return launch.Component{Name: name, Start: func() error { return srv.Serve(ln) }, Stop: srv.Shutdown}
}

// RunnerComponent runs the jobs until stopped.
func RunnerComponent(r *jobs.Runner) launch.Component {
	stop := make(chan struct{})
	return launch.Component{
		Name: "jobs",
		Start: func() error {
			r.Start(context.Background())
			<-stop
			return nil
		},
		Stop: func(ctx context.Context) error {
			defer close(stop)
			return r.Stop(ctx)
		},
	}
}
