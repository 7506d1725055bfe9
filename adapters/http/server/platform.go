package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/jupang/jupang/core/access"
	"github.com/jupang/jupang/core/errs"
)

// readinessTimeout bounds each dependency check of /readyz.
const readinessTimeout = 2 * time.Second

// readinessRetryAfter is what a failing /readyz asks probes and clients to wait.
const readinessRetryAfter = 5 * time.Second

// errShuttingDown is /readyz's answer once the server drains for a shutdown.
var errShuttingDown = errs.ErrUnavailable.WithRetryAfter(readinessRetryAfter).
	WithField("server", errs.FieldShuttingDown.Code, "this instance is shutting down; use another")

// platformRoutes are served by every binary: liveness, readiness, metrics and API docs.
func (s *Server) platformRoutes() []Route {
	metrics := adaptor.HTTPHandler(promhttp.HandlerFor(s.cfg.Metrics.Registry, promhttp.HandlerOpts{}))
	public := func(path string, h fiber.Handler) Route {
		return Route{Method: http.MethodGet, Path: path, Policy: access.Public, RateClass: RateNone, Handler: h}
	}
	return []Route{
		public("/healthz", func(c *fiber.Ctx) error { return c.JSON(fiber.Map{"status": "ok"}) }),
		public("/readyz", s.ready),
		public("/metrics", metrics),
		public("/openapi.json", static(s.cfg.OpenAPI, fiber.MIMEApplicationJSON)),
		public("/docs", s.docs),
	}
}

// static serves a document built at start-up; a binary configured without one answers 404.
func static(body []byte, contentType string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if len(body) == 0 {
			return errs.ErrNotFound
		}
		c.Set(fiber.HeaderContentType, contentType)
		return c.Send(body)
	}
}

// docs serves the API docs page, which may load nothing, be framed nowhere and leak no referrer.
func (s *Server) docs(c *fiber.Ctx) error {
	h := &c.Response().Header
	h.Set(fiber.HeaderContentSecurityPolicy, s.cfg.DocsPolicy)
	h.Set(fiber.HeaderXFrameOptions, "DENY")
	h.Set(fiber.HeaderReferrerPolicy, "no-referrer")
	return static(s.cfg.DocsHTML, fiber.MIMETextHTMLCharsetUTF8)(c)
}

// ready runs every dependency check at once; any failure is 503 with Retry-After, naming what
// failed in the field errors. The causes go to the log line only: they may hold addresses.
func (s *Server) ready(c *fiber.Ctx) error {
	if s.draining.Load() {
		return errShuttingDown
	}
	failures := make([]error, len(s.cfg.Readiness))
	var wg sync.WaitGroup
	for i, check := range s.cfg.Readiness {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(c.UserContext(), readinessTimeout)
			defer cancel()
			if err := check.Check(ctx); err != nil {
				failures[i] = fmt.Errorf("%s: %w", check.Name, err)
			}
		})
	}
	wg.Wait()
	e := errs.ErrUnavailable.WithRetryAfter(readinessRetryAfter)
	failed := false
	for i, err := range failures {
		if err != nil {
			failed = true
			e = e.WithField(s.cfg.Readiness[i].Name, "UNREACHABLE", "dependency did not answer")
		}
	}
	if failed {
		return e.Wrap(errors.Join(failures...))
	}
	return c.JSON(fiber.Map{"status": "ready"})
}
