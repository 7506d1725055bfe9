package wiring

import (
	"context"

	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"

	"github.com/jupang/jupang/adapters/auth"
	"github.com/jupang/jupang/adapters/http/server"
	"github.com/jupang/jupang/adapters/jobs"
	"github.com/jupang/jupang/apps/internal/config"
	"github.com/jupang/jupang/apps/internal/launch"
	"github.com/jupang/jupang/core/i18n"
	"github.com/jupang/jupang/core/idempotency"
	"github.com/jupang/jupang/core/kernel"
)

// Servers bundles what every HTTP server shares: the platform, no area. Areas reach a server as
// route groups (binaries.go).
type Servers struct {
	Config      config.Config
	Log         *zap.Logger
	Tracer      trace.Tracer
	Metrics     *server.Metrics
	Messages    *i18n.Catalog
	Clock       kernel.Clock
	Idempotency *idempotency.Service
	Readiness   Readiness
	Keys        *auth.KeySet
	Limiter     *auth.RateLimiter // nil when rate limits are off
}

// config is the server configuration of one binary: its audience's token verifier included.
func (s Servers) config(name string, aud kernel.Audience) (server.Config, error) {
	cfg, err := serverConfig(name, aud, s.Log, s.Tracer, s.Metrics, s.Messages, s.Idempotency, s.Readiness)
	if err != nil {
		return server.Config{}, err
	}
	cfg.Auth = auth.NewAuthenticator(s.Keys, s.Config.Auth.Issuer, aud, s.Clock)
	cfg.RequestTimeout = s.Config.HTTP.RequestTimeout
	cfg.TrustedProxies = s.Config.HTTP.Proxies()
	if s.Limiter != nil { // a nil *RateLimiter in the interface would not read as "no limiter"
		cfg.Limiter = s.Limiter
	}
	return cfg, nil
}

// newServer builds one binary's server from its route groups (a struct with one field per area).
func (s Servers) newServer(name string, aud kernel.Audience, groups any) (*server.Server, error) {
	routes, err := fieldsOf[[]server.Route](groups)
	if err != nil {
		return nil, err
	}
	cfg, err := s.config(name, aud)
	if err != nil {
		return nil, err
	}
	return server.New(cfg, routes...)
}

// Each binary's server is a distinct type, so wire can tell them apart.
type (
	// StorefrontServer serves shoppers.
	StorefrontServer struct{ *server.Server }
	// AdminServer serves staff.
	AdminServer struct{ *server.Server }
	// PartnerServer serves external partners.
	PartnerServer struct{ *server.Server }
	// WorkerServer serves the worker's health and metrics.
	WorkerServer struct{ *server.Server }
)

// Storefront serves shoppers.
func Storefront(s Servers, routes StorefrontRoutes) (StorefrontServer, error) {
	srv, err := s.newServer("storefront", kernel.AudienceStorefront, routes)
	return StorefrontServer{srv}, err
}

// Admin serves staff.
func Admin(s Servers, routes AdminRoutes) (AdminServer, error) {
	srv, err := s.newServer("admin", kernel.AudienceAdmin, routes)
	return AdminServer{srv}, err
}

// Partner serves external partners.
func Partner(s Servers, routes PartnerRoutes) (PartnerServer, error) {
	srv, err := s.newServer("partner", kernel.AudiencePartner, routes)
	return PartnerServer{srv}, err
}

// Worker serves /healthz, /readyz and /metrics for the job runner, and no area's routes. Operators
// reach it with admin tokens, so it verifies the admin audience.
func Worker(s Servers) (WorkerServer, error) {
	srv, err := s.newServer("worker", kernel.AudienceAdmin, struct{}{})
	return WorkerServer{srv}, err
}

// App is a binary ready to run: its components and its logger.
type App struct {
	Log        *zap.Logger
	Components []launch.Component
	// Seed loads the dev seed; SeedOnStart runs it before serving (the in-memory all-in-one mode).
	Seed        Seeder
	SeedOnStart bool
}

// StorefrontApp is the storefront binary.
func StorefrontApp(cfg config.Config, log *zap.Logger, srv StorefrontServer) *App {
	return appOf(log, HTTPComponent("storefront", "storefront.addr", cfg.Storefront.Addr, srv.Server))
}

// AdminApp is the admin binary.
func AdminApp(cfg config.Config, log *zap.Logger, srv AdminServer) *App {
	return appOf(log, HTTPComponent("admin", "admin.addr", cfg.Admin.Addr, srv.Server))
}

// PartnerApp is the partner binary: its server and the signal that wakes its long polls.
func PartnerApp(log *zap.Logger, partner PartnerListener, signal FeedSignalComponent) *App {
	return appOf(log, launch.Component(partner), launch.Component(signal))
}

// WorkerApp is the worker binary: the job runner, the webhook dispatcher (woken by the feed
// signal), the outbox relay and its metrics server.
func WorkerApp(cfg config.Config, log *zap.Logger, srv WorkerServer, runner *jobs.Runner, hooks WebhookComponent,
	signal FeedSignalComponent, relay RelayComponent) *App {
	return appOf(log, HTTPComponent("worker", "worker.addr", cfg.Worker.Addr, srv.Server), RunnerComponent(runner),
		launch.Component(hooks), launch.Component(signal), launch.Component(relay))
}

// AllInOneApp is the jupang binary on PostgreSQL: all four in one process; `jupang seed` seeds it.
func AllInOneApp(cfg config.Config, log *zap.Logger, sf StorefrontServer, ad AdminServer, pa PartnerListener,
	wk WorkerServer, runner *jobs.Runner, hooks WebhookComponent, signal FeedSignalComponent, relay RelayComponent, seed Seeder) *App {
	app := appOf(log,
		HTTPComponent("storefront", "storefront.addr", cfg.Storefront.Addr, sf.Server),
		HTTPComponent("admin", "admin.addr", cfg.Admin.Addr, ad.Server),
		launch.Component(pa),
		HTTPComponent("worker", "worker.addr", cfg.Worker.Addr, wk.Server),
		RunnerComponent(runner), launch.Component(hooks), launch.Component(signal), launch.Component(relay))
	app.Seed = seed
	return app
}

// SeededAllInOneApp is the jupang binary on memory: seeded at start, since nothing persists.
func SeededAllInOneApp(cfg config.Config, log *zap.Logger, sf StorefrontServer, ad AdminServer, pa PartnerListener,
	wk WorkerServer, runner *jobs.Runner, hooks WebhookComponent, signal FeedSignalComponent, relay RelayComponent, seed Seeder) *App {
	app := AllInOneApp(cfg, log, sf, ad, pa, wk, runner, hooks, signal, relay, seed)
	app.SeedOnStart = true
	return app
}

func appOf(log *zap.Logger, components ...launch.Component) *App {
	return &App{Log: log, Components: components}
}

// Logger implements launch.Runnable.
func (a *App) Logger() *zap.Logger { return a.Log }

// Parts implements launch.Runnable.
func (a *App) Parts() []launch.Component { return a.Components }

// Prepare implements launch.Runnable: it seeds when the app asks for it.
func (a *App) Prepare(ctx context.Context) error {
	if a.SeedOnStart && a.Seed != nil {
		return a.Seed(ctx)
	}
	return nil
}
