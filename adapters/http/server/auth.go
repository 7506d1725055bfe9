package server

import (
	"context"
	"strings"

	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/kernel"
)

// authenticate reads an Authorization header. Anything but a well-formed bearer token that the
// configured Authenticator accepts is 401.
func (s *Server) authenticate(ctx context.Context, authorization string) (kernel.Principal, error) {
	scheme, token, ok := strings.Cut(authorization, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" || s.cfg.Auth == nil {
		return kernel.Principal{}, errs.ErrUnauthenticated.WithMessage("A valid bearer token is required.")
	}
	return s.cfg.Auth.Authenticate(ctx, strings.TrimSpace(token))
}
