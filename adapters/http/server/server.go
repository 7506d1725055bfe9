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
	"net/netip"
	"slices"
	"strings"
	"sync/atomic"
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
	Method string
	// Path is a Fiber pattern made of literal segments and ":name" parameters, e.g. /v1/products/:id.
	// Fiber's other pattern features (wildcards, optional or constrained parameters) are refused, so
	// the platform's own matching (metric labels, Allow headers) always agrees with Fiber's.
	Path        string
	Policy      access.Policy
	RateClass   RateClass // empty: read for GET (and its HEAD), write otherwise
	Idempotency IdempotencyMode
	// Guard, when set, runs after the policy and the rate limit and before idempotency and the
	// handler, and calls c.Next() to admit the request: a check a request must pass to be executed
	// at all (partner request signatures), so a refused one neither claims nor replays a key.
	Guard   fiber.Handler
	Handler fiber.Handler
	// ClientAuthentication marks an OAuth token endpoint: its Authorization header authenticates
	// the client and is read by the handler, so the platform does not take it for a bearer token.
	// The path must be literal.
	ClientAuthentication bool
	// RenderError writes the errors the platform raises on this route (rate limits, outages) in
	// the route's own format; nil: problem+json.
	RenderError ErrorRenderer
}

// ErrorRenderer writes an error answer whose status, Retry-After, Content-Language and trace
// headers are already set, from the problem the platform would have sent.
type ErrorRenderer func(c *fiber.Ctx, p Problem)

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
	Name     string // binary name, for logs and metrics
	Audience kernel.Audience
	Logger   *zap.Logger
	// Tracer starts the server spans; it must mint valid span contexts (an SDK tracer, even one
	// without exporters), because every response carries its trace id. Nil: an exporter-less SDK tracer.
	Tracer      trace.Tracer
	Metrics     *Metrics
	Messages    *i18n.Catalog        // nil: the platform's codes only
	Auth        Authenticator        // nil: every caller is a guest
	Limiter     RateLimiter          // nil: no rate limits
	Idempotency *idempotency.Service // nil: Idempotency-Key is validated but not enforced
	Readiness   []ReadinessCheck
	OpenAPI     []byte // served at /openapi.json (openapi.Document)
	DocsHTML    []byte // served at /docs (openapi.DocsHTML)
	DocsPolicy  string // the Content-Security-Policy of /docs (openapi.DocsContentSecurityPolicy)
	BodyLimit   int    // bytes; default 1 MiB
	// RequestTimeout bounds every request's context (default 40 s: the longest long poll, 30 s, plus
	// room). It must be shorter than the idempotency lease, so a request never outlives its claim.
	RequestTimeout time.Duration
	// TrustedProxies are the load balancers whose X-Forwarded-For names the client; from any
	// other peer the header is ignored. Empty: every caller is its peer.
	TrustedProxies []netip.Prefix
	// ReadTimeout and friends bound slow clients; defaults are conservative.
	ReadTimeout, WriteTimeout, IdleTimeout time.Duration
}

// Server is a configured Fiber app plus the routes registered on it.
type Server struct {
	cfg    Config
	app    *fiber.App
	routes []Route
	// clientAuthPaths are the paths of ClientAuthentication routes, known before routing.
	clientAuthPaths map[string]bool
	draining        atomic.Bool // BeginDrain was called
}

const defaultBodyLimit = 1 << 20

// responseWriteBuffer is each connection's write buffer: the head and body of most answers fit.
const responseWriteBuffer = 16 << 10

// New builds the app with the platform middleware and endpoints, then registers routes.
// It fails if any route lacks a policy or a handler, is malformed, or clashes with another.
func New(cfg Config, routes ...[]Route) (*Server, error) {
	if cfg.Logger == nil {
		cfg.Logger = zap.NewNop()
	}
	if cfg.Messages == nil {
		cfg.Messages = i18n.New()
	}
	if cfg.Metrics == nil {
		cfg.Metrics = NewMetrics(prometheus.NewRegistry())
	}
	if cfg.Tracer == nil {
		cfg.Tracer = sdktrace.NewTracerProvider().Tracer("jupang")
	}
	if cfg.BodyLimit == 0 {
		cfg.BodyLimit = defaultBodyLimit
	}
	cfg.RequestTimeout = orDefault(cfg.RequestTimeout, defaultRequestTimeout)
	s := &Server{cfg: cfg, clientAuthPaths: map[string]bool{}}
	s.app = fiber.New(fiber.Config{
		AppName:   cfg.Name,
		BodyLimit: cfg.BodyLimit,
		// Errors raised by fasthttp before any middleware runs (413, 408, 431) arrive here.
		ErrorHandler:          s.handleServerError,
		DisableStartupMessage: true,
		// Fiber hands out strings that alias its reusable request buffers; handlers pass path
		// parameters and headers to core, whose in-memory adapters keep them as map keys.
		Immutable: true,
		// Paths are case-sensitive like the identifiers in them; /V1/Products is not a route.
		CaseSensitive: true,
		ReadTimeout:   orDefault(cfg.ReadTimeout, 15*time.Second),
		WriteTimeout:  orDefault(cfg.WriteTimeout, 35*time.Second), // long polls wait up to 30 s
		IdleTimeout:   orDefault(cfg.IdleTimeout, 60*time.Second),
		// The request line and headers must fit this buffer (431 otherwise): room for large
		// cookies and tokens, at a bounded cost per connection.
		ReadBufferSize: MaxRequestHead,
		// A response up to this size leaves in one write (fasthttp's default, 4 KiB, split a list
		// page of 20 products, ~8 KiB, in two: a second system call per response).
		WriteBufferSize: responseWriteBuffer,
	})
	s.app.Server().Handler = s.edge(s.app.Server().Handler)
	// Requests still in flight when Shutdown begins are answered with Connection: close.
	s.app.Server().CloseOnShutdown = true
	s.app.Use(s.observe, s.recoverPanics, s.deadline, s.requestContext)

	all := s.platformRoutes()
	for _, group := range routes {
		all = append(all, group...)
	}
	for _, r := range all {
		if err := s.validateRoute(r); err != nil {
			return nil, err
		}
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

// validateRoute refuses a route that would be unsafe or ambiguous, comparing it with those already registered.
func (s *Server) validateRoute(r Route) error {
	id := r.Method + " " + r.Path
	switch {
	case r.Policy.Name == "" || len(r.Policy.Roles) == 0:
		return fmt.Errorf("route %s has no access policy", id)
	case r.Handler == nil:
		return fmt.Errorf("route %s has no handler", id)
	case !slices.Contains(fiber.DefaultMethods, r.Method):
		return fmt.Errorf("route %q has an unknown method", id)
	case r.Method == http.MethodHead:
		return fmt.Errorf("route %s: HEAD is served by every GET route", id)
	case !validPattern(r.Path):
		return fmt.Errorf("route %q: a path is made of literal segments and :name parameters", id)
	case r.ClientAuthentication && strings.Contains(r.Path, ":"):
		return fmt.Errorf("route %s: a client-authenticating route needs a literal path", id)
	case r.Idempotency == IdempotencyRequired && !unsafeMethod(r.Method):
		return fmt.Errorf("route %s cannot require an Idempotency-Key on a read", id)
	}
	for _, prev := range s.routes {
		if prev.Method == r.Method && shadows(prev.Path, r.Path) {
			return fmt.Errorf("route %s is unreachable: %s %s, registered before it, matches the same paths", id, prev.Method, prev.Path)
		}
	}
	return nil
}

// unsafeMethod reports whether a method changes state, which is when idempotency keys apply.
func unsafeMethod(method string) bool {
	return method != http.MethodGet && method != http.MethodHead && method != http.MethodOptions
}

func (s *Server) register(r Route) {
	if r.RateClass == "" {
		r.RateClass = RateWrite
		if !unsafeMethod(r.Method) {
			r.RateClass = RateRead
		}
	}
	s.routes = append(s.routes, r)
	if r.ClientAuthentication {
		s.clientAuthPaths[strings.TrimSuffix(r.Path, "/")] = true
	}
	handler := r.Handler
	if unsafeMethod(r.Method) && r.Idempotency != IdempotencyOff {
		handler = s.idempotent(r.Idempotency, handler)
	}
	chain := []fiber.Handler{s.authorize(r), s.rateLimit(r.RateClass)}
	if r.Guard != nil {
		chain = append(chain, r.Guard)
	}
	chain = append(chain, handler)
	s.app.Add(r.Method, r.Path, chain...)
	if r.Method == http.MethodGet {
		// HTTP requires HEAD wherever GET is served; fasthttp drops the body.
		s.app.Add(http.MethodHead, r.Path, chain...)
	}
}

// Routes lists every registered route, platform routes included (for the RBAC sweep and OpenAPI checks).
func (s *Server) Routes() []Route { return slices.Clone(s.routes) }

// App exposes the Fiber app, for app.Test in handler tests.
func (s *Server) App() *fiber.App { return s.app }

// Serve accepts connections on ln until Shutdown.
func (s *Server) Serve(ln net.Listener) error { return s.app.Listener(lineListener{ln}) }

// BeginDrain prepares a shutdown: /readyz answers 503 from now on, so load balancers take this
// instance out, while every other request is still served, its answer closing the connection so
// the client reconnects (through the balancer, to another instance).
func (s *Server) BeginDrain() { s.draining.Store(true) }

// Shutdown stops accepting connections and waits for in-flight requests until ctx ends; they are
// answered with Connection: close.
func (s *Server) Shutdown(ctx context.Context) error { return s.app.ShutdownWithContext(ctx) }

// Ctx returns the context a handler passes to use cases: it carries the request facts
// (kernel.RequestFrom), the server span and, under idempotency, the open unit of work.
func Ctx(c *fiber.Ctx) context.Context { return c.UserContext() }

// Request returns the typed request facts of c.
func Request(c *fiber.Ctx) kernel.Request { return kernel.RequestFrom(c.UserContext()) }
