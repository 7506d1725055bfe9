// Package server is the HTTP platform every Jupang binary shares: route registration with an RBAC
// policy per route, the request-context headers of SPEC §1, one problem+json error handler,
// idempotency, rate limits, tracing, request logs, metrics and health endpoints. Handlers for a
// business area live in their own package and hand this one a list of Routes.
package server

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"

	"github.com/jupang/jupang/core/access"
	"github.com/jupang/jupang/core/i18n"
	"github.com/jupang/jupang/core/idempotency"
	"github.com/jupang/jupang/core/kernel"
)

// IdempotencyMode says how a route treats the Idempotency-Key header.
type IdempotencyMode int

// Idempotency modes. The zero value follows SPEC §1: optional on POST/PUT/PATCH/DELETE, ignored on reads.
const (
	IdempotencyDefault  IdempotencyMode = iota
	IdempotencyRequired                 // the four money- and stock-moving endpoints
	IdempotencyOff                      // endpoints with their own replay rules (the OAuth token endpoint)
)

// RateClass groups routes that share a rate-limit bucket.
type RateClass string

// Rate classes of SPEC §1 / issue 3.
const (
	RateAuth        RateClass = "auth"
	RateRead        RateClass = "read"
	RateWrite       RateClass = "write"
	RateCouponClaim RateClass = "coupon-claim"
	RateNone        RateClass = "none" // health and metrics
)

// Route is one endpoint. Policy is mandatory: a route without one makes New fail.
type Route struct {
	Method      string
	Path        string // Fiber pattern, e.g. /v1/products/:id
	Policy      access.Policy
	RateClass   RateClass // empty: read for GET/HEAD, write otherwise
	Idempotency IdempotencyMode
	Handler     fiber.Handler
}

// Authenticator turns a bearer token into a principal of this binary's audience.
type Authenticator interface {
	Authenticate(ctx context.Context, bearer string) (kernel.Principal, error)
}

// RateDecision is a limiter's answer for one request.
type RateDecision struct {
	Allowed    bool
	Limit      int
	Remaining  int
	Reset      time.Duration // until the bucket is full again
	RetryAfter time.Duration // when not allowed: until one token is available
}

// RateLimiter decides whether one more request of a class by a caller fits its bucket.
type RateLimiter interface {
	Take(ctx context.Context, class RateClass, caller string) RateDecision
}

// ReadinessCheck reports whether a dependency answers; /readyz runs them all.
type ReadinessCheck struct {
	Name  string
	Check func(ctx context.Context) error
}

// Config is everything a server needs; zero-valued optional parts are simply off.
type Config struct {
	Name        string // binary name, for logs and metrics
	Audience    kernel.Audience
	Logger      *zap.Logger
	Tracer      trace.Tracer
	Metrics     *Metrics
	Messages    *i18n.Catalog
	Auth        Authenticator        // nil: every caller is a guest
	Limiter     RateLimiter          // nil: no rate limits
	Idempotency *idempotency.Service // nil: Idempotency-Key is validated but not enforced
	Readiness   []ReadinessCheck
	OpenAPI     []byte // served at /openapi.json
	DocsHTML    []byte // served at /docs
	BodyLimit   int    // bytes; default 1 MiB
	// ReadTimeout and friends bound slow clients; defaults are conservative.
	ReadTimeout, WriteTimeout, IdleTimeout time.Duration
}

// Server is a configured Fiber app plus the routes registered on it.
type Server struct {
	cfg    Config
	app    *fiber.App
	routes []Route
}

const defaultBodyLimit = 1 << 20

// New builds the app with the platform middleware and endpoints, then registers routes.
// It fails if any route lacks a policy or a handler, or is registered twice.
func New(cfg Config, routes ...[]Route) (*Server, error) {
	if cfg.Logger == nil {
		cfg.Logger = zap.NewNop()
	}
	if cfg.Messages == nil {
		cfg.Messages = i18n.Default()
	}
	if cfg.Metrics == nil {
		cfg.Metrics = NewMetrics(prometheus.NewRegistry())
	}
	if cfg.Tracer == nil {
		// An SDK provider without exporters still mints trace ids, which every response carries.
		cfg.Tracer = sdktrace.NewTracerProvider().Tracer("jupang")
	}
	if cfg.BodyLimit == 0 {
		cfg.BodyLimit = defaultBodyLimit
	}
	s := &Server{cfg: cfg}
	s.app = fiber.New(fiber.Config{
		AppName:               cfg.Name,
		BodyLimit:             cfg.BodyLimit,
		ErrorHandler:          s.handleError,
		DisableStartupMessage: true,
		ReadTimeout:           orDefault(cfg.ReadTimeout, 15*time.Second),
		WriteTimeout:          orDefault(cfg.WriteTimeout, 35*time.Second), // long polls wait up to 30 s
		IdleTimeout:           orDefault(cfg.IdleTimeout, 60*time.Second),
	})
	s.app.Use(s.observe, s.recoverPanics, s.requestContext)

	all := append([]Route{}, s.platformRoutes()...)
	for _, group := range routes {
		all = append(all, group...)
	}
	seen := map[string]bool{}
	for _, r := range all {
		if err := validateRoute(r); err != nil {
			return nil, err
		}
		id := r.Method + " " + r.Path
		if seen[id] {
			return nil, fmt.Errorf("route %s registered twice", id)
		}
		seen[id] = true
		s.register(r)
	}
	return s, nil
}

func orDefault(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

func validateRoute(r Route) error {
	id := r.Method + " " + r.Path
	switch {
	case r.Policy.Name == "" || len(r.Policy.Roles) == 0:
		return fmt.Errorf("route %s has no access policy", id)
	case r.Handler == nil:
		return fmt.Errorf("route %s has no handler", id)
	case r.Method == "" || !strings.HasPrefix(r.Path, "/"):
		return fmt.Errorf("route %q is malformed", id)
	}
	return nil
}

func (s *Server) register(r Route) {
	if r.RateClass == "" {
		r.RateClass = RateWrite
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			r.RateClass = RateRead
		}
	}
	s.routes = append(s.routes, r)
	chain := []fiber.Handler{s.authorize(r.Policy), s.rateLimit(r.RateClass)}
	if r.Method != http.MethodGet && r.Method != http.MethodHead && r.Idempotency != IdempotencyOff {
		chain = append(chain, s.idempotent(r.Idempotency))
	}
	chain = append(chain, r.Handler)
	s.app.Add(r.Method, r.Path, chain...)
}

// Routes lists every registered route, platform routes included (for the RBAC sweep and OpenAPI checks).
func (s *Server) Routes() []Route { return append([]Route(nil), s.routes...) }

// App exposes the Fiber app, for app.Test in handler tests.
func (s *Server) App() *fiber.App { return s.app }

// Serve accepts connections on ln until Shutdown.
func (s *Server) Serve(ln net.Listener) error { return s.app.Listener(ln) }

// Shutdown stops accepting connections and waits for in-flight requests until ctx ends.
func (s *Server) Shutdown(ctx context.Context) error { return s.app.ShutdownWithContext(ctx) }

// Ctx returns the context a handler passes to use cases: it carries the request facts
// (kernel.RequestFrom) and, under idempotency, the open unit of work.
func Ctx(c *fiber.Ctx) context.Context { return c.UserContext() }

// Request returns the typed request facts of c.
func Request(c *fiber.Ctx) kernel.Request { return kernel.RequestFrom(c.UserContext()) }
