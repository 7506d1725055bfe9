package server

import (
	"context"
	"errors"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/jupang/jupang/core/errs"
)

// defaultRequestTimeout leaves room for the longest long poll (the partner feed waits up to 30 s)
// and stays below the idempotency lease (60 s by default).
const defaultRequestTimeout = 40 * time.Second

// deadline bounds the request's context, so a request stuck on a slow dependency ends (and rolls
// back) before its idempotency claim could be taken over, and the client learns it may retry.
func (s *Server) deadline(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), s.cfg.RequestTimeout)
	defer cancel()
	c.SetUserContext(ctx)
	return c.Next()
}

// errDeadline answers a request whose context ended before it did: past its deadline, or cancelled
// by a shutdown. Retrying may well succeed.
var errDeadline = errs.ErrUnavailable.WithRetryAfter(time.Second)

// contextError turns an unclassified error caused by the request's context ending into 503.
func contextError(err error) (*errs.Error, bool) {
	if !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
		return nil, false
	}
	if e := errs.As(err); e.Kind != errs.Internal {
		return e, true
	}
	return errDeadline.Wrap(err), true
}
