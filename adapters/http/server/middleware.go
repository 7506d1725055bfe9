package server

import (
	"fmt"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"

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
// then falls back to the default market's. It reads the headers in place (the app is Immutable,
// so c.Get copies every value).
func negotiate(c *fiber.Ctx) (kernel.Market, kernel.Locale, error) {
	h := &c.Request().Header
	market, err := parseMarket(h.Peek(HeaderMarket))
	fallback := kernel.DefaultMarket.Locale()
	if err == nil {
		fallback = market.Locale()
	}
	return market, locales.negotiate(h.Peek(fiber.HeaderAcceptLanguage), fallback), err
}

// parseMarket is kernel.ParseMarket without copying the header for the exact codes.
func parseMarket(raw []byte) (kernel.Market, error) {
	switch string(raw) { // compiled without a copy
	case string(kernel.MarketKR):
		return kernel.MarketKR, nil
	case string(kernel.MarketUS):
		return kernel.MarketUS, nil
	case string(kernel.MarketJP):
		return kernel.MarketJP, nil
	}
	return kernel.ParseMarket(string(raw))
}

// localeMemo remembers Accept-Language negotiations. Clients send few distinct headers and x/text's
// parsing is a measurable share of a cached read; the bound keeps hostile headers from growing it.
// A map indexed by string(header) is read without copying the header.
type localeMemo struct {
	mu      sync.RWMutex
	answers map[kernel.Locale]map[string]kernel.Locale // fallback → header → answer
	size    int
}

const localeMemoMax = 1024

var locales localeMemo

func (m *localeMemo) negotiate(header []byte, fallback kernel.Locale) kernel.Locale {
	m.mu.RLock()
	l, ok := m.answers[fallback][string(header)]
	m.mu.RUnlock()
	if ok {
		return l
	}
	h := string(header)
	l = kernel.NegotiateLocale(h, fallback)
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.size < localeMemoMax {
		if m.answers == nil {
			m.answers = map[kernel.Locale]map[string]kernel.Locale{}
		}
		byHeader := m.answers[fallback]
		if byHeader == nil {
			byHeader = map[string]kernel.Locale{}
			m.answers[fallback] = byHeader
		}
		if _, known := byHeader[h]; !known {
			byHeader[h] = l
			m.size++
		}
	}
	return l
}

// boxedLocales are the negotiated languages as Locals values, boxed once instead of per request.
var boxedLocales = func() map[kernel.Locale]any {
	out := map[kernel.Locale]any{}
	for _, l := range kernel.Locales {
		out[l] = l
	}
	return out
}()

func localeValue(l kernel.Locale) any {
	if v, ok := boxedLocales[l]; ok {
		return v
	}
	return l
}

// Content-Language and Vary in fasthttp's canonical form, with their values as bytes, so setting
// them per request neither normalises a key nor converts a value.
var (
	canonicalContentLanguage  = []byte(fiber.HeaderContentLanguage)
	canonicalVary             = []byte(fiber.HeaderVary)
	varyOnRequestContextBytes = []byte(varyOnRequestContext)
	localeHeaderValues        = func() map[kernel.Locale][]byte {
		out := map[kernel.Locale][]byte{}
		for _, l := range kernel.Locales {
			out[l] = []byte(l)
		}
		return out
	}()
)

func localeBytes(l kernel.Locale) []byte {
	if v, ok := localeHeaderValues[l]; ok {
		return v
	}
	return []byte(l)
}

// requestContext parses the SPEC §1 headers into kernel.Request and authenticates the caller.
func (s *Server) requestContext(c *fiber.Ctx) error {
	market, locale, err := negotiate(c)
	c.Locals(localsLocale, localeValue(locale))
	h := &c.Response().Header
	h.SetCanonical(canonicalContentLanguage, localeBytes(locale))
	if !unsafeMethod(c.Method()) {
		h.SetCanonical(canonicalVary, varyOnRequestContextBytes)
	}
	if err != nil {
		return err
	}
	in := &c.Request().Header
	if enc := in.Peek(fiber.HeaderContentEncoding); len(enc) > 0 && !strings.EqualFold(string(enc), "identity") {
		return errCompressedBody
	}
	req := kernel.Request{Principal: kernel.Guest, Market: market, Locale: locale,
		TraceID: stringLocal(c, localsTraceID), TraceParent: string(h.PeekCanonical(canonicalTraceParent)),
		ClientAddress: clientGroup(c.Context().RemoteIP())}
	// Headers most requests lack are peeked, and copied only when present.
	if raw := in.Peek(HeaderIdempotencyKey); len(raw) > 0 {
		if req.IdempotencyKey, err = kernel.ParseIdempotencyKey(string(raw)); err != nil {
			return err
		}
	}
	if raw := in.Peek(HeaderSessionID); len(raw) > 0 {
		if req.SessionID, err = kernel.ParseSessionID(string(raw)); err != nil {
			return err
		}
	}
	if authz := in.Peek(fiber.HeaderAuthorization); len(authz) > 0 && !s.clientAuthPaths[strings.TrimSuffix(c.Path(), "/")] {
		if req.Principal, err = s.authenticate(c.UserContext(), string(authz)); err != nil {
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
	var route any = r.Path // boxed once, not per request
	return func(c *fiber.Ctx) error {
		c.Locals(localsRoute, route)
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
		var buf [20]byte // the numbers are formatted on the stack
		h.SetBytesV("RateLimit-Limit", strconv.AppendInt(buf[:0], int64(d.Limit), 10))
		h.SetBytesV("RateLimit-Remaining", strconv.AppendInt(buf[:0], int64(d.Remaining), 10))
		h.SetBytesV("RateLimit-Reset", strconv.AppendInt(buf[:0], int64(ceilSeconds(d.Reset)), 10))
		if !d.Allowed {
			return errs.ErrRateLimited.WithRetryAfter(d.RetryAfter)
		}
		return c.Next()
	}
}
