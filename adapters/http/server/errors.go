package server

import (
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/kernel"
)

// ProblemContentType is the media type of every error response (RFC 9457).
const ProblemContentType = "application/problem+json"

// statusOf is the one table from domain error kinds to HTTP statuses.
var statusOf = map[errs.Kind]int{
	errs.Internal:           http.StatusInternalServerError,
	errs.Invalid:            http.StatusBadRequest,
	errs.NotFound:           http.StatusNotFound,
	errs.Conflict:           http.StatusConflict,
	errs.FailedPrecondition: http.StatusUnprocessableEntity,
	errs.Unauthenticated:    http.StatusUnauthorized,
	errs.Forbidden:          http.StatusForbidden,
	errs.RateLimited:        http.StatusTooManyRequests,
	errs.Unavailable:        http.StatusServiceUnavailable,
	errs.TooLarge:           http.StatusRequestEntityTooLarge,
	errs.MethodNotAllowed:   http.StatusMethodNotAllowed,
	errs.UnsupportedMedia:   http.StatusUnsupportedMediaType,
	errs.URITooLong:         http.StatusRequestURITooLong,
	errs.HeadersTooLarge:    http.StatusRequestHeaderFieldsTooLarge,
	errs.NotImplemented:     http.StatusNotImplemented,
}

// StatusOf returns the HTTP status for a domain error (500 for anything unclassified).
func StatusOf(err error) int {
	if status, ok := statusOf[errs.KindOf(err)]; ok {
		return status
	}
	return http.StatusInternalServerError
}

// Problem is the RFC 9457 body. Extra members (e.g. "available" for OUT_OF_STOCK) are added at top level.
type Problem struct {
	Type    string            `json:"type"`
	Title   string            `json:"title"`
	Status  int               `json:"status"`
	Code    string            `json:"code"`
	Detail  string            `json:"detail"`
	TraceID string            `json:"traceId"`
	Errors  []errs.FieldError `json:"errors"`
}

// ProblemTypeBase prefixes each problem's type URI; the OpenAPI document lists every code.
const ProblemTypeBase = "https://docs.jupang.dev/problems/"

// fromFiber turns Fiber's own errors (routing, body limit, bad requests) into domain errors.
// Their messages are dropped: Fiber's 404 text echoes the requested path.
func fromFiber(fe *fiber.Error) *errs.Error {
	switch fe.Code {
	case http.StatusNotFound:
		return errs.ErrNotFound
	case http.StatusMethodNotAllowed:
		return errs.ErrMethodNotAllowed
	case http.StatusRequestEntityTooLarge:
		return errs.ErrBodyTooLarge
	case http.StatusUnsupportedMediaType:
		return errs.ErrUnsupportedMedia
	}
	if fe.Code >= 400 && fe.Code < 500 {
		return errs.ErrValidation
	}
	return errs.ErrInternal.Wrap(fe)
}

func domainError(err error) *errs.Error {
	if fe := (*fiber.Error)(nil); errors.As(err, &fe) {
		return fromFiber(fe)
	}
	if e, ok := contextError(err); ok {
		return e
	}
	return errs.As(err)
}

// writeProblem renders err as the problem+json response: every error response of every binary
// is written here. The cause of a 5xx is kept for the request's log line, never shown.
func (s *Server) writeProblem(c *fiber.Ctx, err error) {
	e := domainError(err)
	status := StatusOf(e)
	if status >= 500 {
		c.Locals(localsFailure, err)
	}
	locale := localeOf(c)
	problem := Problem{
		Type:    ProblemTypeBase + strings.ToLower(strings.ReplaceAll(e.Code, "_", "-")),
		Title:   http.StatusText(status),
		Status:  status,
		Code:    e.Code,
		Detail:  s.cfg.Messages.Message(locale, e.Code, e.Message),
		TraceID: stringLocal(c, localsTraceID),
		Errors:  e.Fields,
	}
	if problem.Errors == nil {
		problem.Errors = []errs.FieldError{}
	}

	h := &c.Response().Header
	if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable || e.RetryAfter > 0 {
		h.Set(fiber.HeaderRetryAfter, strconv.Itoa(max(1, ceilSeconds(e.RetryAfter))))
	}
	if status == http.StatusMethodNotAllowed {
		h.Set(fiber.HeaderAllow, strings.Join(s.methodsFor(c.Path()), ", "))
	}
	if status == http.StatusUnauthorized && len(h.Peek(fiber.HeaderWWWAuthenticate)) == 0 {
		// RFC 9110 §11.6.1: a 401 always carries a challenge. Callers that refuse a token or
		// another scheme (the token endpoint's Basic) set their own first.
		h.Set(fiber.HeaderWWWAuthenticate, "Bearer")
	}
	h.Set(fiber.HeaderContentLanguage, string(locale))
	c.Response().SetStatusCode(status)
	if render, ok := c.Locals(localsRenderer).(ErrorRenderer); ok {
		render(c, problem)
		return
	}
	h.SetContentType(ProblemContentType)
	c.Response().SetBody(marshalProblem(problem, e.Extra))
}

// marshalProblem adds extra members next to the standard ones, which they cannot replace. Extras
// that do not marshal are dropped rather than turning the answer into a 500.
func marshalProblem(p Problem, extra map[string]any) []byte {
	base, _ := json.Marshal(p) // a Problem always marshals
	if len(extra) == 0 {
		return base
	}
	merged := maps.Clone(extra)
	if err := json.Unmarshal(base, &merged); err != nil {
		return base
	}
	body, err := json.Marshal(merged)
	if err != nil {
		return base
	}
	return body
}

// ceilSeconds rounds d up to whole seconds, as Retry-After and RateLimit-Reset count them.
func ceilSeconds(d time.Duration) int {
	return int((d + time.Second - 1) / time.Second)
}

func stringLocal(c *fiber.Ctx, key string) string {
	v, _ := c.Locals(key).(string)
	return v
}

// localeOf returns the negotiated language; when the request context middleware has not run
// (errors raised by the HTTP server itself, such as 413) it negotiates from the headers.
func localeOf(c *fiber.Ctx) kernel.Locale {
	if l, ok := c.Locals(localsLocale).(kernel.Locale); ok {
		return l
	}
	_, locale, _ := negotiate(c)
	return locale
}
