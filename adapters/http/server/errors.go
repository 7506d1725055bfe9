package server

import (
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"go.uber.org/zap"

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
}

// StatusOf returns the HTTP status for a domain error.
func StatusOf(err error) int { return statusOf[errs.KindOf(err)] }

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
func fromFiber(fe *fiber.Error) *errs.Error {
	switch fe.Code {
	case http.StatusNotFound:
		return errs.ErrNotFound.WithMessage("No route matches this path.")
	case http.StatusMethodNotAllowed:
		return errs.ErrMethodNotAllowed
	case http.StatusRequestEntityTooLarge:
		return errs.ErrBodyTooLarge
	case http.StatusRequestTimeout:
		return errs.ErrValidation.WithMessage("The request took too long to arrive.")
	case http.StatusRequestHeaderFieldsTooLarge:
		return errs.ErrValidation.WithMessage("The request headers are too large.")
	}
	if fe.Code >= 400 && fe.Code < 500 {
		return errs.ErrValidation.WithMessage("%s", fe.Message)
	}
	return errs.ErrInternal.Wrap(fe)
}

// handleError is Fiber's ErrorHandler: every error response in every binary is written here.
func (s *Server) handleError(c *fiber.Ctx, err error) error {
	var fe *fiber.Error
	var e *errs.Error
	if errors.As(err, &fe) {
		e = fromFiber(fe)
	} else {
		e = errs.As(err)
	}
	status := statusOf[e.Kind]
	if status == 0 {
		status = http.StatusInternalServerError
	}
	traceID := ensureTraceHeaders(c)
	locale := localeOf(c)
	if status >= 500 {
		s.cfg.Logger.Error("request failed", zap.String("code", e.Code), zap.Error(err),
			zap.String("traceId", traceID), zap.String("route", routeTemplate(c)))
	}

	problem := Problem{
		Type:    ProblemTypeBase + strings.ToLower(strings.ReplaceAll(e.Code, "_", "-")),
		Title:   http.StatusText(status),
		Status:  status,
		Code:    e.Code,
		Detail:  s.cfg.Messages.Message(locale, e.Code, e.Message),
		TraceID: traceID,
		Errors:  e.Fields,
	}
	if problem.Errors == nil {
		problem.Errors = []errs.FieldError{}
	}
	body, mErr := marshalProblem(problem, e.Extra)
	if mErr != nil {
		return mErr
	}
	if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable || e.RetryAfter > 0 {
		c.Response().Header.Set(fiber.HeaderRetryAfter, retryAfterSeconds(e))
	}
	if status == http.StatusMethodNotAllowed {
		c.Response().Header.Set(fiber.HeaderAllow, allowedMethods(c))
	}
	c.Response().Header.Set(fiber.HeaderContentLanguage, string(locale))
	c.Response().Header.SetContentType(ProblemContentType)
	c.Response().SetStatusCode(status)
	c.Response().SetBodyRaw(body)
	return nil
}

func marshalProblem(p Problem, extra map[string]any) ([]byte, error) {
	if len(extra) == 0 {
		return json.Marshal(p)
	}
	base, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	var merged map[string]any
	if err := json.Unmarshal(base, &merged); err != nil {
		return nil, err
	}
	for k, v := range extra {
		if _, taken := merged[k]; !taken {
			merged[k] = v
		}
	}
	return json.Marshal(merged)
}

func retryAfterSeconds(e *errs.Error) string {
	secs := int(math.Ceil(e.RetryAfter.Seconds()))
	if secs < 1 {
		secs = 1
	}
	return strconv.Itoa(secs)
}

// allowedMethods lists the methods registered for the request path, for the Allow header of a 405.
func allowedMethods(c *fiber.Ctx) string {
	path := c.Path()
	seen := map[string]bool{}
	var methods []string
	for _, r := range c.App().GetRoutes(true) {
		if !seen[r.Method] && patternMatches(r.Path, path) {
			seen[r.Method] = true
			methods = append(methods, r.Method)
		}
	}
	return strings.Join(methods, ", ")
}

// patternMatches matches a Fiber route pattern (":param" segments, trailing "*") against a path.
func patternMatches(pattern, path string) bool {
	ps, xs := strings.Split(strings.Trim(pattern, "/"), "/"), strings.Split(strings.Trim(path, "/"), "/")
	for i, seg := range ps {
		switch {
		case seg == "*":
			return true
		case i >= len(xs):
			return false
		case strings.HasPrefix(seg, ":"):
			if xs[i] == "" {
				return false
			}
		case seg != xs[i]:
			return false
		}
	}
	return len(ps) == len(xs)
}

// localeOf returns the negotiated language, negotiating from the header when the request context
// middleware has not run (errors raised by the HTTP server itself, such as 413).
func localeOf(c *fiber.Ctx) kernel.Locale {
	if l, ok := c.Locals(localsLocale).(kernel.Locale); ok {
		return l
	}
	return kernel.NegotiateLocale(c.Get(fiber.HeaderAcceptLanguage), kernel.DefaultMarket.Locale())
}
