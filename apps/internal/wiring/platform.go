// Package wiring holds the google/wire providers the five binaries are assembled from.
//
// The platform (logs, traces, metrics, messages, clock, keys, rate limits, idempotency) is
// PlatformSet; the storage is one decision per injector (MemorySet or PostgresSet, see Storage);
// each business area has one file here with its storage, service, route, job and seed providers,
// listed once in Areas. What a binary serves is a struct with one field per area (binaries.go):
// wire builds only what those fields need, so a binary constructs only the areas it serves.
// docs/architecture.md ("Adding an area") walks through it with the catalog.
package wiring

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/google/wire"
	"github.com/prometheus/client_golang/prometheus"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"

	"github.com/jupang/jupang/adapters/auth"
	"github.com/jupang/jupang/adapters/devcerts"
	"github.com/jupang/jupang/adapters/http/openapi"
	"github.com/jupang/jupang/adapters/http/server"
	"github.com/jupang/jupang/adapters/jobs"
	"github.com/jupang/jupang/adapters/seed"
	"github.com/jupang/jupang/apps/internal/config"
	"github.com/jupang/jupang/apps/internal/launch"
	"github.com/jupang/jupang/core/cart"
	"github.com/jupang/jupang/core/catalog"
	"github.com/jupang/jupang/core/coupon"
	"github.com/jupang/jupang/core/i18n"
	"github.com/jupang/jupang/core/idempotency"
	"github.com/jupang/jupang/core/identity"
	"github.com/jupang/jupang/core/inventory"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/order"
	"github.com/jupang/jupang/core/partner"
	"github.com/jupang/jupang/core/refund"
	"github.com/jupang/jupang/core/ratelimit"
	"github.com/jupang/jupang/core/uow"
	"github.com/jupang/jupang/core/wallet"
)

// PlatformSet is what every binary needs whatever areas it serves: logs, traces, metrics, messages,
// clock, signing keys, rate limits, idempotency, readiness, and the server dependencies built from
// them. It holds no area.
var PlatformSet = wire.NewSet(Logger, TracerProvider, Tracer, Metrics, Messages, Clock, Keys, RateLimiter,
	IdempotencyService, StorageReadiness, wire.Struct(new(Servers), "*"))

// ServiceName distinguishes the process in traces and logs.
type ServiceName string

// Readiness lists the dependency checks of /readyz.
type Readiness []server.ReadinessCheck

// Logger builds the process logger.
func Logger(cfg config.Config, name ServiceName) (*zap.Logger, func(), error) {
	log, cleanup, err := launch.NewLogger(cfg.Log, cfg.Env)
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

// Messages is the binaries' message catalog: the platform's codes and every area's. A new area adds
// its Codes here; TestEveryCodeIsTranslatedAndCatalogued checks them.
func Messages() *i18n.Catalog {
	return i18n.New(
		identity.Codes(),
		catalog.Codes(),
		cart.Codes(),
		coupon.Codes(),
		inventory.Codes(),
		order.Codes(),
		partner.Codes(),
		wallet.Codes(),
		refund.Codes(),
	)
}

// Clock is the wall clock.
func Clock() kernel.Clock { return kernel.SystemClock{} }

// Keys loads the signing keys from auth.keys_dir, or generates a fresh set when it is empty (dev only;
// config validation refuses an empty keys_dir in prod).
func Keys(cfg config.Config, log *zap.Logger) (*auth.KeySet, error) {
	if cfg.Auth.KeysDir == "" {
		log.Warn("auth.keys_dir is empty: generated a signing key for this process; tokens die with it")
		return auth.GenerateKeySet()
	}
	keys, err := auth.LoadKeySet(cfg.Auth.KeysDir, cfg.Auth.SigningKid)
	if err != nil {
		return nil, &config.Error{Key: "auth.keys_dir", Reason: err.Error()}
	}
	return keys, nil
}

// RateLimiter keeps token buckets in this process; nil when ratelimit.enabled is false.
func RateLimiter(cfg config.Config, clock kernel.Clock) (*auth.RateLimiter, error) {
	if !cfg.RateLimit.Enabled {
		return nil, nil
	}
	limits := ratelimit.DefaultLimits()
	limits.MaxBuckets = cfg.RateLimit.MaxBuckets
	return auth.NewRateLimiter(limits, clock)
}

func idempotencyService(claims, effects uow.UnitOfWork[idempotency.Stores], clock kernel.Clock, cfg config.Config) *idempotency.Service {
	return idempotency.NewService(claims, effects, clock, cfg.Idempotency.TTL, cfg.Idempotency.Lease)
}

// sweepBatch bounds one sweeper transaction.
const sweepBatch = 1000

// IdempotencyJobs are the platform's jobs: the sweeper of expired idempotency keys.
type IdempotencyJobs []jobs.Job

// NewIdempotencyJobs sweeps expired idempotency keys every idempotency.sweep_interval.
func NewIdempotencyJobs(idem *idempotency.Service, cfg config.Config) IdempotencyJobs {
	return IdempotencyJobs{{Name: "idempotency-sweep", Interval: cfg.Idempotency.SweepInterval, Run: func(ctx context.Context) error {
		_, err := idem.Sweep(ctx, sweepBatch)
		return err
	}}}
}

// Runner is the job runner with every job of WorkerJobs registered.
func Runner(leases jobs.Leases, log *zap.Logger, metrics *server.Metrics, all WorkerJobs) (*jobs.Runner, error) {
	groups, err := fieldsOf[[]jobs.Job](all)
	if err != nil {
		return nil, err
	}
	r := jobs.NewRunner(leases, log, metrics.Registry)
	for _, g := range groups {
		r.Register(g...)
	}
	return r, nil
}

// Seeder loads the dev seed (SPEC §0) through the use cases, so it works on any storage.
type Seeder func(ctx context.Context) error

// Seed is seed.All, every area's seed in dependency order, on this binary's services, plus
// catalog.seed_products generated products.
func Seed(d seed.Deps, cfg config.Config) Seeder {
	return func(ctx context.Context) error {
		if err := seed.All(ctx, d); err != nil {
			return err
		}
		if n := cfg.Catalog.SeedProducts; n > 0 {
			return seed.GeneratedProducts(ctx, seed.CatalogDeps{Service: d.Catalog, Reader: d.CatalogReader, Stock: d.Inventory, Clock: d.Clock}, n, 4)
		}
		return nil
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

// PartnerComponent serves the partner binary over mutual TLS when partner.tls_cert is set. The
// all-in-one binary in dev without it makes a dev CA and certificates in partner.dev_certs_dir
// (kept across restarts while valid), serves mutual TLS with them and logs a curl command that
// works; a standalone partner binary without it serves plain HTTP, where the feed answers 401
// CLIENT_CERTIFICATE_REQUIRED.
func PartnerComponent(cfg config.Config, name ServiceName, log *zap.Logger, srv PartnerServer) (PartnerListener, error) {
	cert, key, ca := cfg.Partner.TLSCert, cfg.Partner.TLSKey, cfg.Partner.ClientCA
	if cert == "" && name == "jupang" && cfg.Env == "dev" {
		files, err := devcerts.Ensure(cfg.Partner.DevCertsDir, seed.PartnerClientID, time.Now())
		if err != nil {
			return PartnerListener{}, &config.Error{Key: "partner.dev_certs_dir", Reason: err.Error()}
		}
		cert, key, ca = files.Server, files.ServerKey, files.CA
		log.Info("partner binary: mutual TLS with dev certificates; try it",
			zap.String("dir", cfg.Partner.DevCertsDir), zap.String("curl", devCurl(cfg.Partner.Addr, files)))
	}
	var tlsConfig *tls.Config
	if cert != "" {
		var err error
		if tlsConfig, err = launch.MutualTLS(cert, key, ca); err != nil {
			return PartnerListener{}, err
		}
	}
	return PartnerListener(serveComponent("partner", "partner.addr", cfg.Partner.Addr, tlsConfig, srv.Server)), nil
}

// devCurlTemplate pulls partner-demo's events: %[1]s are curl's TLS flags, %[2]s the base URL,
// %[3]s the request target; the token comes from the token endpoint, the signature from `jupang sign`.
const devCurlTemplate = `TOKEN=$(curl -s %[1]s %[2]s/v1/oauth/token -u %[4]s:%[5]s -d grant_type=client_credentials | sed -E 's/.*"access_token":"([^"]+)".*/\1/'); ` +
	`curl -s %[1]s -H "Authorization: Bearer $TOKEN" $(go run ./apps/jupang sign GET '%[3]s') '%[2]s%[3]s'`

// devCurl is a shell command, run from the repository, that pulls from the dev partner binary.
func devCurl(addr string, f devcerts.Files) string {
	_, port, _ := net.SplitHostPort(addr)
	tlsFlags := "--cacert " + f.CA + " --cert " + f.Client + " --key " + f.ClientKey
	return fmt.Sprintf(devCurlTemplate, tlsFlags, "https://localhost:"+port, "/v1/integrations/events/pull?waitSeconds=5",
		seed.PartnerClientID, seed.PartnerClientSecret)
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
