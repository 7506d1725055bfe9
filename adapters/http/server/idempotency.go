package server

import (
	"bytes"
	"context"

	"github.com/gofiber/fiber/v2"

	"github.com/jupang/jupang/core/idempotency"
	"github.com/jupang/jupang/core/kernel"
)

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

// idempotent wraps a route's handler so it runs at most once per Idempotency-Key (SPEC §1, Stripe
// semantics). It calls the handler itself rather than c.Next(): the unit of work may run its
// function again after a serialization failure, and Fiber's c.Next() cannot be replayed.
func (s *Server) idempotent(mode IdempotencyMode, handler fiber.Handler) fiber.Handler {
	return func(c *fiber.Ctx) error {
		req := Request(c)
		if req.IdempotencyKey == "" {
			if mode == IdempotencyRequired {
				return kernel.ErrIdempotencyKeyRequired.WithField(HeaderIdempotencyKey, "REQUIRED", "this operation needs an Idempotency-Key")
			}
			return handler(c)
		}
		if s.cfg.Idempotency == nil {
			return handler(c)
		}
		outer := c.UserContext()
		defer c.SetUserContext(outer) // the unit of work's context must not outlive it
		out, err := s.cfg.Idempotency.Run(outer, idempotency.Request{
			Scope: idempotencyScope(c, req), Key: req.IdempotencyKey,
			Method: c.Method(), Path: c.OriginalURL(), Body: c.Request().Body(),
		}, func(ctx context.Context) idempotency.Response {
			c.SetUserContext(ctx)
			c.Locals(localsRejected, nil)
			// The outcome is rendered here, inside the unit of work, because it is what gets stored.
			// A panic must become a 500 here too: escaping, it would leave the key claimed until
			// its lease ran out instead of released for a retry.
			if err := guard(func() error { return handler(c) }); err != nil {
				s.writeProblem(c, err)
			}
			resp := c.Response()
			return idempotency.Response{
				Status: resp.StatusCode(), ContentType: string(resp.Header.ContentType()),
				Body: bytes.Clone(resp.Body()), Rejected: c.Locals(localsRejected) == true,
			}
		})
		if err != nil {
			return err // the handler's effects, if it ran, were rolled back
		}
		if out.Replayed {
			resp := c.Response()
			resp.Header.Set(HeaderIdempotentReplayed, "true")
			resp.Header.SetContentType(out.Response.ContentType)
			resp.SetStatusCode(out.Response.Status)
			resp.SetBody(out.Response.Body)
		}
		return nil
	}
}
