package server

import (
	"context"

	"github.com/jupang/jupang/adapters/auth/authheader"
	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/kernel"
)

// authenticate reads an Authorization header. A Bearer token must be one the configured
// Authenticator accepts; Basic credentials are a client authenticating at the token endpoint, which
// reads them itself, so they leave the caller a guest (and guests get 401 on protected routes).
// Anything else is 401.
func (s *Server) authenticate(ctx context.Context, authorization string) (kernel.Principal, error) {
	creds, err := authheader.Parse(authorization)
	switch {
	case err != nil:
		return kernel.Principal{}, errs.ErrUnauthenticated.WithMessage("A valid bearer token is required.")
	case creds.Scheme == authheader.Basic:
		return kernel.Guest, nil
	case s.cfg.Auth == nil:
		return kernel.Principal{}, errs.ErrUnauthenticated.WithMessage("A valid bearer token is required.")
	}
	return s.cfg.Auth.Authenticate(ctx, creds.Token)
}
