// Package launch holds what every binary does the same way: logging, tracing, database, and
// running servers and workers until a signal, then draining them within a deadline.
package launch

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/mattn/go-isatty"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.26.0"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/jupang/jupang/adapters/postgres"
	"github.com/jupang/jupang/apps/internal/config"
)

// NewLogger builds the logger every binary writes to stdout: JSON lines, or zap's console form for
// a person reading a terminal (log.format, resolved by LogFormat).
func NewLogger(cfg config.Log, env string) (*zap.Logger, func(), error) {
	terminal := isatty.IsTerminal(os.Stdout.Fd())
	return newLogger(cfg, LogFormat(cfg.Format, env, terminal), terminal, "stdout")
}

// LogFormat resolves log.format: "auto" is console for env dev with a terminal on stdout (a
// developer running `make run`) and JSON everywhere else (prod, CI, pipes, files, log shippers).
func LogFormat(format, env string, terminal bool) string {
	if format != config.LogFormatAuto {
		return format
	}
	if env == "dev" && terminal {
		return config.LogFormatConsole
	}
	return config.LogFormatJSON
}

// newLogger writes to output (a zap sink: "stdout" or a path) in format; colours only reach a terminal.
func newLogger(cfg config.Log, format string, terminal bool, output string) (*zap.Logger, func(), error) {
	level, err := zapcore.ParseLevel(cfg.Level)
	if err != nil {
		return nil, nil, &config.Error{Key: "log.level", Reason: err.Error()}
	}
	zc := zap.NewProductionConfig()
	zc.Level = zap.NewAtomicLevelAt(level)
	zc.OutputPaths = []string{output}
	zc.EncoderConfig.TimeKey = "time"
	zc.EncoderConfig.EncodeTime = zapcore.ISO8601TimeEncoder
	zc.DisableStacktrace = true
	if format == config.LogFormatConsole {
		zc.Encoding = "console"
		zc.EncoderConfig.EncodeLevel = zapcore.CapitalLevelEncoder
		if terminal {
			zc.EncoderConfig.EncodeLevel = zapcore.CapitalColorLevelEncoder
		}
		zc.EncoderConfig.EncodeDuration = zapcore.StringDurationEncoder
	}
	log, err := zc.Build()
	if err != nil {
		return nil, nil, err
	}
	return log, func() { _ = log.Sync() }, nil
}

// NewTracerProvider returns an SDK provider (trace ids for every request) exporting over OTLP/gRPC
// when an endpoint is configured.
func NewTracerProvider(ctx context.Context, cfg config.Tracing, service string) (*sdktrace.TracerProvider, func(), error) {
	sampler := sdktrace.ParentBased(sdktrace.TraceIDRatioBased(cfg.SampleRatio))
	opts := []sdktrace.TracerProviderOption{
		sdktrace.WithSampler(sampler),
		sdktrace.WithResource(resource.NewSchemaless(semconv.ServiceName(service))),
	}
	if cfg.OTLPEndpoint != "" {
		exp, err := otlptracegrpc.New(ctx, otlptracegrpc.WithEndpoint(cfg.OTLPEndpoint), otlptracegrpc.WithInsecure())
		if err != nil {
			return nil, nil, &config.Error{Key: "tracing.otlp_endpoint", Reason: err.Error()}
		}
		opts = append(opts, sdktrace.WithBatcher(exp))
	}
	tp := sdktrace.NewTracerProvider(opts...)
	if cfg.OTLPEndpoint == "" {
		unexported.Store(tp, sampler)
	}
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(propagation.TraceContext{})
	return tp, func() {
		unexported.Delete(tp)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = tp.Shutdown(ctx)
	}, nil
}

// Tracer is the tracer all of a process's instrumentation uses. Without an exporter its spans
// carry ids and sampling decisions only (tracing.IDs): nothing would ever read what they record.
func Tracer(tp *sdktrace.TracerProvider) trace.Tracer { return tracerFor(tp) }

// OpenDatabase connects to PostgreSQL with SQL tracing and applies migrations when configured.
func OpenDatabase(ctx context.Context, cfg config.Database, tracer trace.Tracer, log *zap.Logger) (*postgres.DB, func(), error) {
	pc := postgres.Config{
		URL: cfg.URL, MaxOpenConns: cfg.MaxOpenConns, MaxIdleConns: cfg.MaxOpenConns,
		ConnMaxLifetime:  30 * time.Minute,
		StatementTimeout: cfg.StatementTimeout, LockTimeout: cfg.LockTimeout,
	}
	pc.Tracer = QueryTracer(tracer)
	db, closeDB, err := postgres.Open(ctx, pc)
	if err != nil {
		return nil, nil, &config.Error{Key: "database.url", Reason: err.Error()}
	}
	if cfg.AutoMigrate {
		if err := postgres.MigrateUp(ctx, db.DB.DB); err != nil {
			closeDB()
			return nil, nil, fmt.Errorf("migrate: %w", err)
		}
		log.Info("migrations applied")
	}
	return db, closeDB, nil
}

// Component is something that runs until stopped: an HTTP server or the job runner.
type Component struct {
	Name  string
	Start func() error // blocks while serving; returns when stopped
	// Drain, when set, is called at once on a shutdown signal, before the drain delay: a server
	// starts failing /readyz so load balancers stop sending it requests.
	Drain func()
	Stop  func(context.Context) error // drains within the context's deadline
}

// MutualTLS loads a server certificate and the CA that client certificates must chain to, and
// returns a TLS config that refuses clients without such a certificate.
func MutualTLS(certFile, keyFile, clientCAFile string) (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, &config.Error{Key: "partner.tls_cert", Reason: err.Error()}
	}
	caPEM, err := os.ReadFile(clientCAFile) //nolint:gosec // the operator names the file in partner.client_ca
	if err != nil {
		return nil, &config.Error{Key: "partner.client_ca", Reason: err.Error()}
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, &config.Error{Key: "partner.client_ca", Reason: "no PEM certificate found"}
	}
	return &tls.Config{
		Certificates: []tls.Certificate{cert},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    pool,
		MinVersion:   tls.VersionTLS12,
	}, nil
}

// Listener opens a TCP listener, naming the config key on failure.
func Listener(key, addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, &config.Error{Key: key, Reason: err.Error()}
	}
	return ln, nil
}

// Run starts every component and waits for SIGINT/SIGTERM (or ctx, or one component failing).
// On a signal it drains first: every component is told (servers fail /readyz) and goes on serving
// for cfg.DrainDelay, so load balancers take the instance out before it stops accepting. Then all
// components stop together: servers stop accepting and finish in-flight requests (answered with
// Connection: close), the runner lets running jobs finish. The whole shutdown, delay included,
// takes at most cfg.Timeout.
func Run(ctx context.Context, log *zap.Logger, cfg config.Shutdown, components ...Component) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	failed := make(chan error, len(components))
	for _, c := range components {
		go func() {
			if err := c.Start(); err != nil {
				failed <- fmt.Errorf("%s: %w", c.Name, err)
			}
		}()
	}
	var runErr error
	select {
	case <-ctx.Done():
		log.Info("shutting down", zap.Duration("drainDelay", cfg.DrainDelay), zap.Duration("deadline", cfg.Timeout))
	case runErr = <-failed:
		log.Error("component failed, shutting down", zap.Error(runErr))
	}
	deadline := time.Now().Add(cfg.Timeout)
	if runErr == nil && cfg.DrainDelay > 0 {
		for _, c := range components {
			if c.Drain != nil {
				c.Drain()
			}
		}
		select {
		case <-time.After(cfg.DrainDelay):
		case runErr = <-failed:
			log.Error("component failed while draining", zap.Error(runErr))
		}
	}
	// All components stop at once: stopped one after another, every server would keep accepting
	// new requests while an earlier one drained, and the last ones would get what was left of the
	// shared deadline.
	drainCtx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	stopErrs := make([]error, len(components))
	var wg sync.WaitGroup
	for i, c := range components {
		wg.Go(func() {
			if c.Drain != nil {
				c.Drain() // also without a delay: what is still in flight closes its connection
			}
			if err := c.Stop(drainCtx); err != nil {
				stopErrs[i] = fmt.Errorf("%s: %w", c.Name, err)
			}
		})
	}
	wg.Wait()
	log.Info("stopped")
	return errors.Join(append([]error{runErr}, stopErrs...)...)
}

// Runnable is an assembled binary.
type Runnable interface {
	Logger() *zap.Logger
	Parts() []Component
	// Prepare runs once before serving (the in-memory binary seeds itself here).
	Prepare(ctx context.Context) error
}

// Initializer assembles a binary from its config (a wire injector).
type Initializer[A Runnable] func(ctx context.Context, cfg config.Config) (A, func(), error)

// Main is the whole main of a standalone binary: load config, require PostgreSQL, assemble, run.
// It returns the exit code: 2 for bad config, 1 for a failure while running.
func Main[A Runnable](initialize Initializer[A]) int {
	cfg, err := config.Load()
	if err == nil {
		err = cfg.RequireDatabase()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	return Serve(context.Background(), cfg, initialize)
}

// Serve assembles and runs a binary until a signal, returning the exit code.
func Serve[A Runnable](ctx context.Context, cfg config.Config, initialize Initializer[A]) int {
	app, cleanup, err := initialize(ctx, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		var cerr *config.Error
		if errors.As(err, &cerr) {
			return 2
		}
		return 1
	}
	defer cleanup()
	if err := app.Prepare(ctx); err != nil {
		app.Logger().Error("prepare", zap.Error(err))
		return 1
	}
	if err := Run(ctx, app.Logger(), cfg.Shutdown, app.Parts()...); err != nil {
		app.Logger().Error("exit", zap.Error(err))
		return 1
	}
	return 0
}
