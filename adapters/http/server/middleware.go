package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"

	"github.com/jupang/jupang/core/access"
	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/idempotency"
	"github.com/jupang/jupang/core/kernel"
)

// Keys of values kept on the Fiber context.
const (
	localsTraceID  = "jupang.traceId"
	localsLocale   = "jupang.locale"
	localsRoute    = "jupang.route"
	localsRejected = "jupang.rejected" // the body was refused before the use case ran
)

// Response headers of SPEC §1.
const (
	HeaderTraceID            = "X-Trace-Id"
	HeaderTraceParent        = "traceparent"
	HeaderIdempotencyKey     = "Idempotency-Key"
	HeaderIdempotentReplayed = "Idempotent-Replayed"
	HeaderMarket             = "X-Market"
	HeaderSessionID          = "X-Session-Id"
)

var propagator = propagation.TraceContext{}

// requestHeaders adapts fasthttp request headers to OpenTelemetry's carrier.
type requestHeaders struct{ c *fiber.Ctx }

func (h requestHeaders) Get(key string) string { return h.c.Get(key) }
func (h requestHeaders) Set(string, string)    {}
func (h requestHeaders) Keys() []string        { return []string{HeaderTraceParent, "tracestate"} }

// responseHeaders adapts fasthttp response headers to OpenTelemetry's carrier.
type responseHeaders struct{ c *fiber.Ctx }

func (h responseHeaders) Get(key string) string { return string(h.c.Response().Header.Peek(key)) }
func (h responseHeaders) Set(key, value string) { h.c.Response().Header.Set(key, value) }
func (h responseHeaders) Keys() []string        { return []string{HeaderTraceParent} }
func routeTemplate(c *fiber.Ctx) string         { return stringLocal(c, localsRoute, "unmatched") }
func stringLocal(c *fiber.Ctx, key, def string) string {
	if v, ok := c.Locals(key).(string); ok {
		return v
	}
	return def
}

// observe traces, measures and logs every request, and renders errors itself so the final status is
// known when it records them.
func (s *Server) observe(c *fiber.Ctx) error {
	start := time.Now()
	ctx := propagator.Extract(context.Background(), requestHeaders{c})
	ctx, span := s.cfg.Tracer.Start(ctx, c.Method(), trace.WithSpanKind(trace.SpanKindServer))
	defer span.End()
	sc := span.SpanContext()
	traceID := sc.TraceID().String()
	c.Locals(localsTraceID, traceID)
	c.Response().Header.Set(HeaderTraceID, traceID)
	propagator.Inject(ctx, responseHeaders{c})
	c.SetUserContext(ctx)

	if err := c.Next(); err != nil {
		if herr := s.handleError(c, err); herr != nil {
			return herr
		}
	}

	status := c.Response().StatusCode()
	route := routeTemplate(c)
	elapsed := time.Since(start)
	span.SetName(c.Method() + " " + route)
	span.SetAttributes(attribute.String("http.route", route), attribute.Int("http.response.status_code", status),
		attribute.String("http.request.method", c.Method()))
	if status >= 500 {
		span.SetStatus(codes.Error, strconv.Itoa(status))
	}
	s.cfg.Metrics.observe(c.Method(), route, status, elapsed)
	principal := "guest"
	if p := kernel.RequestFrom(c.UserContext()).Principal; !p.IsGuest() {
		principal = p.ID
	}
	s.cfg.Logger.Info("request",
		zap.String("method", c.Method()), zap.String("route", route), zap.Int("status", status),
		zap.Float64("latencyMs", float64(elapsed.Microseconds())/1000), zap.String("traceId", traceID),
		zap.String("spanId", sc.SpanID().String()), zap.String("principal", principal))
	return nil
}

// recoverPanics turns a panic into 500 INTERNAL; the stack goes to the log, never to the client.
func (s *Server) recoverPanics(c *fiber.Ctx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			s.cfg.Logger.Error("panic", zap.Any("panic", p), zap.ByteString("stack", debug.Stack()),
				zap.String("traceId", stringLocal(c, localsTraceID, "")))
			err = errs.ErrInternal
		}
	}()
	return c.Next()
}

// requestContext parses the SPEC §1 headers into kernel.Request and authenticates the caller.
func (s *Server) requestContext(c *fiber.Ctx) error {
	market, marketErr := kernel.ParseMarket(c.Get(HeaderMarket))
	fallback := market.Locale()
	if marketErr != nil {
		fallback = kernel.DefaultMarket.Locale()
	}
	locale := kernel.NegotiateLocale(c.Get(fiber.HeaderAcceptLanguage), fallback)
	c.Locals(localsLocale, locale)
	c.Response().Header.Set(fiber.HeaderContentLanguage, string(locale))
	if c.Method() == fiber.MethodGet || c.Method() == fiber.MethodHead {
		c.Response().Header.Set(fiber.HeaderVary, "Accept-Language, X-Market")
	}
	if marketErr != nil {
		return marketErr
	}
	req := kernel.Request{Principal: kernel.Guest, Market: market, Locale: locale,
		TraceID: stringLocal(c, localsTraceID, ""), TraceParent: string(c.Response().Header.Peek(HeaderTraceParent))}
	if raw := c.Get(HeaderIdempotencyKey); raw != "" {
		key, err := kernel.ParseIdempotencyKey(raw)
		if err != nil {
			return err
		}
		req.IdempotencyKey = key
	}
	if raw := c.Get(HeaderSessionID); raw != "" {
		sid, err := kernel.ParseSessionID(raw)
		if err != nil {
			return err
		}
		req.SessionID = sid
	}
	if authz := c.Get(fiber.HeaderAuthorization); authz != "" {
		principal, err := s.authenticate(c.UserContext(), authz)
		if err != nil {
			c.Response().Header.Set(fiber.HeaderWWWAuthenticate, `Bearer error="invalid_token"`)
			return err
		}
		req.Principal = principal
	}
	c.SetUserContext(kernel.WithRequest(c.UserContext(), req))
	return c.Next()
}

// authorize applies the route's RBAC policy: 401 without a valid token, 403 with one lacking the role.
func (s *Server) authorize(policy access.Policy) fiber.Handler {
	return func(c *fiber.Ctx) error {
		c.Locals(localsRoute, c.Route().Path)
		p := Request(c).Principal
		if policy.Allows(p) {
			return c.Next()
		}
		if p.IsGuest() {
			c.Response().Header.Set(fiber.HeaderWWWAuthenticate, "Bearer")
			return errs.ErrUnauthenticated
		}
		return errs.ErrForbidden
	}
}

// rateLimit takes one token from the caller's bucket for the route's class.
func (s *Server) rateLimit(class RateClass) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if s.cfg.Limiter == nil || class == RateNone {
			return c.Next()
		}
		caller := "ip:" + c.IP()
		if p := Request(c).Principal; !p.IsGuest() {
			caller = "principal:" + p.ID
		}
		d := s.cfg.Limiter.Take(c.UserContext(), class, caller)
		h := &c.Response().Header
		h.Set("RateLimit-Limit", strconv.Itoa(d.Limit))
		h.Set("RateLimit-Remaining", strconv.Itoa(d.Remaining))
		h.Set("RateLimit-Reset", strconv.Itoa(int(d.Reset.Round(time.Second).Seconds())))
		if !d.Allowed {
			return errs.ErrRateLimited.WithRetryAfter(d.RetryAfter)
		}
		return c.Next()
	}
}

// idempotencyScope is whose key it is: the principal, else the guest session, else the client address.
func idempotencyScope(c *fiber.Ctx, req kernel.Request) string {
	switch {
	case !req.Principal.IsGuest():
		return "principal:" + req.Principal.ID
	case req.SessionID != "":
		return "session:" + string(req.SessionID)
	}
	return "ip:" + c.IP()
}

// idempotent runs the rest of the chain at most once per Idempotency-Key (SPEC §1, Stripe semantics).
func (s *Server) idempotent(mode IdempotencyMode) fiber.Handler {
	return func(c *fiber.Ctx) error {
		req := Request(c)
		if req.IdempotencyKey == "" {
			if mode == IdempotencyRequired {
				return kernel.ErrIdempotencyKeyRequired
			}
			return c.Next()
		}
		if s.cfg.Idempotency == nil {
			return c.Next()
		}
		out, err := s.cfg.Idempotency.Run(c.UserContext(), idempotency.Request{
			Scope: idempotencyScope(c, req), Key: req.IdempotencyKey,
			Method: c.Method(), Path: c.OriginalURL(), Body: c.Body(),
		}, func(ctx context.Context) idempotency.Response {
			c.SetUserContext(ctx)
			if err := c.Next(); err != nil {
				if herr := s.handleError(c, err); herr != nil {
					return idempotency.Response{Status: fiber.StatusInternalServerError}
				}
			}
			resp := c.Response()
			return idempotency.Response{
				Status: resp.StatusCode(), ContentType: string(resp.Header.ContentType()),
				Body: append([]byte(nil), resp.Body()...), Rejected: c.Locals(localsRejected) == true,
			}
		})
		if err != nil {
			// The effects were rolled back (or never ran), whatever the handler wrote.
			c.Response().ResetBody()
			return err
		}
		if out.Replayed {
			c.Response().Header.Set(HeaderIdempotentReplayed, "true")
			c.Response().Header.SetContentType(out.Response.ContentType)
			c.Response().SetStatusCode(out.Response.Status)
			c.Response().SetBodyRaw(out.Response.Body)
		}
		return nil
	}
}

// ensureTraceHeaders returns the request's trace id, minting one (and its headers) for errors raised
// before the observe middleware ran, such as a body over the limit.
func ensureTraceHeaders(c *fiber.Ctx) string {
	if id := stringLocal(c, localsTraceID, ""); id != "" {
		return id
	}
	var tid [16]byte
	var sid [8]byte
	_, _ = rand.Read(tid[:])
	_, _ = rand.Read(sid[:])
	id := hex.EncodeToString(tid[:])
	c.Locals(localsTraceID, id)
	c.Response().Header.Set(HeaderTraceID, id)
	c.Response().Header.Set(HeaderTraceParent, "00-"+id+"-"+hex.EncodeToString(sid[:])+"-01")
	return id
}
