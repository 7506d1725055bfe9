package server

import (
	"fmt"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/gofiber/fiber/v2"

	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/kernel"
)

// Request headers of SPEC §1, and the idempotency replay marker.
const (
	HeaderIdempotencyKey     = "Idempotency-Key"
	HeaderIdempotentReplayed = "Idempotent-Replayed"
	HeaderMarket             = "X-Market"
	HeaderSessionID          = "X-Session-Id"
)

// varyOnRequestContext lists the request headers that change a cacheable answer.
const varyOnRequestContext = fiber.HeaderAcceptLanguage + ", " + HeaderMarket

// errCompressedBody refuses compressed request bodies: Fiber would inflate them without a limit,
// past the body limit the server just enforced on the wire.
var errCompressedBody = errs.ErrUnsupportedMedia.WithField(fiber.HeaderContentEncoding, "UNSUPPORTED_ENCODING",
	"request bodies must not be compressed")

// recoverPanics turns a panic anywhere below it into 500 INTERNAL.
func (s *Server) recoverPanics(c *fiber.Ctx) error { return guard(c.Next) }

// guard runs next and turns a panic into 500 INTERNAL whose cause (value and stack) goes to the
// request's log line, never to the client.
func guard(next func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = errs.ErrInternal.Wrap(fmt.Errorf("panic: %v\n%s", p, debug.Stack()))
		}
	}()
	return next()
}

// negotiate reads X-Market and Accept-Language. An invalid market is reported, and the language
// then falls back to the default market's.
func negotiate(c *fiber.Ctx) (kernel.Market, kernel.Locale, error) {
	market, err := kernel.ParseMarket(c.Get(HeaderMarket))
	fallback := kernel.DefaultMarket.Locale()
	if err == nil {
		fallback = market.Locale()
	}
	return market, locales.negotiate(c.Get(fiber.HeaderAcceptLanguage), fallback), err
}

// localeMemo remembers Accept-Language negotiations. Clients send few distinct headers and x/text's
// parsing is a measurable share of a cached read; the bound keeps hostile headers from growing it.
type localeMemo struct {
	answers sync.Map // localeQuestion → kernel.Locale
	size    atomic.Int32
}

type localeQuestion struct {
	header   string
	fallback kernel.Locale
}

const localeMemoMax = 1024

var locales localeMemo

func (m *localeMemo) negotiate(header string, fallback kernel.Locale) kernel.Locale {
	q := localeQuestion{header, fallback}
	if l, ok := m.answers.Load(q); ok {
		return l.(kernel.Locale)
	}
	l := kernel.NegotiateLocale(header, fallback)
	if m.size.Load() < localeMemoMax {
		if _, known := m.answers.LoadOrStore(q, l); !known {
			m.size.Add(1)
		}
	}
	return l
}

// requestContext parses the SPEC §1 headers into kernel.Request and authenticates the caller.
func (s *Server) requestContext(c *fiber.Ctx) error {
	market, locale, err := negotiate(c)
	c.Locals(localsLocale, locale)
	h := &c.Response().Header
	h.Set(fiber.HeaderContentLanguage, string(locale))
	if !unsafeMethod(c.Method()) {
		h.Set(fiber.HeaderVary, varyOnRequestContext)
	}
	if err != nil {
		return err
	}
	if enc := c.Get(fiber.HeaderContentEncoding); enc != "" && !strings.EqualFold(enc, "identity") {
		return errCompressedBody
	}
	req := kernel.Request{Principal: kernel.Guest, Market: market, Locale: locale,
		TraceID: stringLocal(c, localsTraceID), TraceParent: string(h.Peek(HeaderTraceParent)),
		ClientAddress: clientGroup(c.Context().RemoteIP())}
	if raw := c.Get(HeaderIdempotencyKey); raw != "" {
		if req.IdempotencyKey, err = kernel.ParseIdempotencyKey(raw); err != nil {
			return err
		}
	}
	if raw := c.Get(HeaderSessionID); raw != "" {
		if req.SessionID, err = kernel.ParseSessionID(raw); err != nil {
			return err
		}
	}
	if authz := c.Get(fiber.HeaderAuthorization); authz != "" && !s.clientAuthPaths[strings.TrimSuffix(c.Path(), "/")] {
		if req.Principal, err = s.authenticate(c.UserContext(), authz); err != nil {
			h.Set(fiber.HeaderWWWAuthenticate, `Bearer error="invalid_token"`)
			return err
		}
	}
	c.SetUserContext(kernel.WithRequest(c.UserContext(), req))
	return c.Next()
}

// authorize records the matched route and applies its RBAC policy: 401 without a valid token,
// 403 with one lacking the role.
func (s *Server) authorize(r Route) fiber.Handler {
	return func(c *fiber.Ctx) error {
		c.Locals(localsRoute, r.Path)
		if r.RenderError != nil {
			c.Locals(localsRenderer, r.RenderError)
		}
		p := Request(c).Principal
		if r.Policy.Allows(p) {
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
		req := Request(c)
		caller := "ip:" + req.ClientAddress
		if !req.Principal.IsGuest() {
			caller = "principal:" + req.Principal.ID
		}
		d := s.cfg.Limiter.Take(c.UserContext(), class, caller)
		h := &c.Response().Header
		h.Set("RateLimit-Limit", strconv.Itoa(d.Limit))
		h.Set("RateLimit-Remaining", strconv.Itoa(d.Remaining))
		h.Set("RateLimit-Reset", strconv.Itoa(ceilSeconds(d.Reset)))
		if !d.Allowed {
			return errs.ErrRateLimited.WithRetryAfter(d.RetryAfter)
		}
		return c.Next()
	}
}
