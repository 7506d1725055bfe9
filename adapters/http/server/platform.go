package server

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/jupang/jupang/core/access"
	"github.com/jupang/jupang/core/errs"
)

// readinessTimeout bounds each dependency check of /readyz.
const readinessTimeout = 2 * time.Second

// platformRoutes are served by every binary: liveness, readiness, metrics and API docs.
func (s *Server) platformRoutes() []Route {
	metrics := adaptor.HTTPHandler(promhttp.HandlerFor(s.cfg.Metrics.Registry, promhttp.HandlerOpts{}))
	public := func(method, path string, h fiber.Handler) Route {
		return Route{Method: method, Path: path, Policy: access.Public, RateClass: RateNone, Handler: h}
	}
	return []Route{
		public(http.MethodGet, "/healthz", func(c *fiber.Ctx) error {
			return c.JSON(fiber.Map{"status": "ok"})
		}),
		public(http.MethodGet, "/readyz", s.ready),
		public(http.MethodGet, "/metrics", metrics),
		public(http.MethodGet, "/openapi.json", func(c *fiber.Ctx) error {
			if len(s.cfg.OpenAPI) == 0 {
				return errs.ErrNotFound
			}
			c.Set(fiber.HeaderContentType, "application/json")
			return c.Send(s.cfg.OpenAPI)
		}),
		public(http.MethodGet, "/docs", func(c *fiber.Ctx) error {
			if len(s.cfg.DocsHTML) == 0 {
				return errs.ErrNotFound
			}
			c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
			return c.Send(s.cfg.DocsHTML)
		}),
	}
}

// ready checks every dependency; any failure is 503 with Retry-After and the names of what failed.
func (s *Server) ready(c *fiber.Ctx) error {
	var failed []error
	for _, check := range s.cfg.Readiness {
		ctx, cancel := context.WithTimeout(c.UserContext(), readinessTimeout)
		err := check.Check(ctx)
		cancel()
		if err != nil {
			failed = append(failed, errors.New(check.Name))
		}
	}
	if len(failed) > 0 {
		e := errs.ErrUnavailable.WithRetryAfter(5 * time.Second)
		for _, f := range failed {
			e = e.WithField(f.Error(), "UNREACHABLE", "dependency did not answer")
		}
		return e
	}
	return c.JSON(fiber.Map{"status": "ready"})
}
