package server

import (
	"bytes"
	"context"
	"errors"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"github.com/jupang/jupang/core/idempotency"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/uow"
)

// replayedHeaders are the response headers stored with an outcome and repeated by its replays: they
// describe the stored body (what was created, its version, its language). Platform headers (trace,
// rate limits, Vary) belong to the replaying request and are not stored.
var replayedHeaders = []string{fiber.HeaderLocation, fiber.HeaderContentLocation, fiber.HeaderETag,
	fiber.HeaderLastModified, fiber.HeaderContentLanguage}

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
// semantics). It calls the handler itself rather than c.Next(): the unit of work runs the handler
// again when its use case lost a deadlock race, and Fiber's c.Next() cannot be replayed.
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
		// What the platform wrote before the handler (trace, rate-limit, language headers) is what
		// every run of the handler starts from.
		platform := fasthttp.AcquireResponse()
		defer fasthttp.ReleaseResponse(platform)
		c.Response().Header.CopyTo(&platform.Header)
		reset := func() {
			platform.Header.CopyTo(&c.Response().Header)
			c.Response().ResetBody()
		}
		out, err := s.cfg.Idempotency.Run(outer, idempotency.Request{
			Scope: idempotencyScope(c, req), Key: req.IdempotencyKey, Method: c.Method(), Path: c.Path(),
			Query: string(c.Request().URI().QueryString()), Body: c.Request().Body(),
		}, func(ctx context.Context) (idempotency.Response, error) {
			reset() // a rerun answers afresh
			c.SetUserContext(ctx)
			c.Locals(localsRejected, nil)
			// The outcome is rendered here, inside the unit of work, because it is what gets stored.
			// A panic must become a 500 here too: escaping, it would leave the key claimed until
			// its lease ran out instead of released for a retry.
			err := guard(func() error { return handler(c) })
			if errors.Is(err, uow.ErrRetry) {
				return idempotency.Response{}, err // out to the unit of work, which runs it again
			}
			if err != nil {
				s.writeProblem(c, err)
			}
			return storedResponse(c), nil
		})
		if err != nil {
			reset()
			return err // the handler's effects, if it ran, were rolled back
		}
		if out.Replayed {
			resp := c.Response()
			resp.Header.Set(HeaderIdempotentReplayed, "true")
			for name, value := range out.Response.Headers {
				resp.Header.Set(name, value)
			}
			resp.Header.SetContentType(out.Response.ContentType)
			resp.SetStatusCode(out.Response.Status)
			resp.SetBody(out.Response.Body)
		}
		return nil
	}
}

// storedResponse is what an outcome stores of the response the handler wrote.
func storedResponse(c *fiber.Ctx) idempotency.Response {
	resp := c.Response()
	var headers map[string]string
	for _, name := range replayedHeaders {
		if v := resp.Header.Peek(name); len(v) > 0 {
			if headers == nil {
				headers = map[string]string{}
			}
			headers[name] = string(v)
		}
	}
	return idempotency.Response{
		Status: resp.StatusCode(), ContentType: string(resp.Header.ContentType()), Headers: headers,
		Body: bytes.Clone(resp.Body()), Rejected: c.Locals(localsRejected) == true,
	}
}
