package server

import (
	"context"
	"encoding/hex"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// Keys of values kept on the Fiber context.
const (
	localsTraceID  = "jupang.traceId"
	localsLocale   = "jupang.locale"
	localsRoute    = "jupang.route"
	localsFailure  = "jupang.failure"  // the cause of a 5xx, for the request's log line
	localsRejected = "jupang.rejected" // the body was refused before the use case ran
	localsRenderer = "jupang.renderer" // the matched route's ErrorRenderer
)

// Tracing headers of SPEC §1.
const (
	HeaderTraceID     = "X-Trace-Id"
	HeaderTraceParent = "traceparent"
)

var propagator = propagation.TraceContext{}

// serverSpan is the span start option of every request, built once (an option is an allocation).
var serverSpan = trace.WithSpanKind(trace.SpanKindServer)

// requestCarrier reads W3C trace headers from the fasthttp request for OpenTelemetry. It peeks
// (c.Get copies every value, the app being Immutable), so an absent header costs no allocation.
type requestCarrier struct{ c *fiber.Ctx }

func (h requestCarrier) Get(key string) string { return string(h.c.Request().Header.Peek(key)) }
func (h requestCarrier) Set(string, string)    {}
func (h requestCarrier) Keys() []string        { return []string{HeaderTraceParent, "tracestate"} }

// The response headers every request gets, in fasthttp's canonical form: set with SetCanonical,
// they skip the key normalisation Set does per call.
var (
	canonicalTraceID     = []byte(HeaderTraceID)
	canonicalTraceParent = []byte("Traceparent")
	canonicalTraceState  = []byte("Tracestate")
	canonicalNoSniff     = []byte(fiber.HeaderXContentTypeOptions)
	noSniff              = []byte("nosniff")
)

// startHeaders sets the headers every response starts with: X-Trace-Id, X-Content-Type-Options,
// and traceparent (after tracestate when there is one) exactly as propagation.TraceContext.Inject
// writes them, formatted on the stack. It returns the hex trace id.
func startHeaders(h *fasthttp.ResponseHeader, sc trace.SpanContext) string {
	// traceparent: version "00", trace id, span id and the flags W3C defines (sampled, random).
	var tp [2 + 1 + 32 + 1 + 16 + 1 + 2]byte
	tid, sid := sc.TraceID(), sc.SpanID()
	tp[0], tp[1], tp[2] = '0', '0', '-'
	hex.Encode(tp[3:35], tid[:])
	tp[35] = '-'
	hex.Encode(tp[36:52], sid[:])
	tp[52] = '-'
	hex.Encode(tp[53:55], []byte{byte(sc.TraceFlags() & (trace.FlagsSampled | trace.FlagsRandom))})
	h.SetCanonical(canonicalTraceID, tp[3:35])
	// Browsers must not guess a type other than the one declared (a JSON body rendered as HTML).
	h.SetCanonical(canonicalNoSniff, noSniff)
	if sc.IsValid() {
		if ts := sc.TraceState().String(); ts != "" {
			h.SetCanonical(canonicalTraceState, []byte(ts))
		}
		h.SetCanonical(canonicalTraceParent, tp[:])
	}
	return string(tp[3:35])
}

// observe is the outermost middleware: it renders any error itself, so that the span, the metric
// and the log line it records afterwards all see the final status.
func (s *Server) observe(c *fiber.Ctx) error {
	defer s.startObservation(c)()
	if err := c.Next(); err != nil {
		s.writeProblem(c, err)
	}
	return nil
}

// handleServerError is Fiber's ErrorHandler. Errors of routed requests never get here (observe
// renders them); these are the ones fasthttp raises before any middleware runs — a body over the
// limit, headers too large, a client too slow — so it observes the request the same way.
func (s *Server) handleServerError(c *fiber.Ctx, err error) error {
	if _, observed := c.Locals(localsTraceID).(string); !observed {
		defer s.startObservation(c)()
	}
	s.writeProblem(c, readFailure(c, err))
	return nil
}

// startObservation opens the server span (continuing an incoming traceparent), puts its ids on the
// response and the user context, and returns the function that closes the span and records the
// request's metric and its one log line.
func (s *Server) startObservation(c *fiber.Ctx) (finish func()) {
	start := time.Now()
	ctx := propagator.Extract(context.Background(), requestCarrier{c})
	ctx, span := s.cfg.Tracer.Start(ctx, c.Method(), serverSpan)
	c.Locals(localsTraceID, startHeaders(&c.Response().Header, span.SpanContext()))
	c.SetUserContext(ctx)
	return func() { s.finishObservation(c, span, time.Since(start)) }
}

func (s *Server) finishObservation(c *fiber.Ctx, span trace.Span, elapsed time.Duration) {
	defer span.End()
	method, status := methodLabel(c.Method()), c.Response().StatusCode()
	route, routed := c.Locals(localsRoute).(string)
	if !routed {
		route = s.templateFor(method, c.Path())
	}
	failure, _ := c.Locals(localsFailure).(error)

	// Spans of unmatched requests are named by method alone, as OpenTelemetry's HTTP conventions ask.
	// The attributes go in one call: each call grows the span's attribute slice. A span that
	// records nothing (no exporter: tracing.IDs) is not given any.
	if span.IsRecording() {
		if route != unmatchedRoute {
			span.SetName(method + " " + route)
			span.SetAttributes(attribute.String("http.route", route), attribute.String("http.request.method", method),
				attribute.Int("http.response.status_code", status))
		} else {
			span.SetAttributes(attribute.String("http.request.method", method), attribute.Int("http.response.status_code", status))
		}
		if status >= 500 {
			span.SetStatus(codes.Error, "")
			if failure != nil {
				span.RecordError(failure)
			}
		}
	}
	s.cfg.Metrics.observe(s.cfg.Name, method, route, status, elapsed)

	// The line names the route template, never the URL: paths and query strings can carry
	// identifiers and e-mail addresses. Headers and bodies are never logged.
	level := zapcore.InfoLevel
	if status >= 500 {
		level = zapcore.ErrorLevel
	}
	line := s.cfg.Logger.Check(level, "request")
	if line == nil { // the level is off: build no fields
		return
	}
	principal := "guest"
	if p := Request(c).Principal; !p.IsGuest() {
		principal = p.ID
	}
	sc := span.SpanContext()
	traceID, ok := c.Locals(localsTraceID).(string) // hex-encoded once, when the span started
	if !ok {
		traceID = sc.TraceID().String()
	}
	fields := []zap.Field{
		zap.String("method", method), zap.String("route", route), zap.Int("status", status),
		zap.Float64("latencyMs", float64(elapsed.Microseconds())/1000),
		zap.String("traceId", traceID), zap.String("spanId", sc.SpanID().String()),
		zap.String("principal", principal),
	}
	if status >= 500 && failure != nil {
		fields = append(fields, zap.Error(failure))
	}
	line.Write(fields...)
}
