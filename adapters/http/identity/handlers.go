// Package identityhttp is the HTTP edge of the identity area: the OAuth 2.0 token and revocation
// endpoints, the JWKS, sign-up and GET /v1/me. Each binary composes the routes its function returns.
package identityhttp

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/jupang/jupang/adapters/http/server"
	"github.com/jupang/jupang/core/access"
	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/identity"
	"github.com/jupang/jupang/core/kernel"
)

// KeyPublisher publishes the public keys that verify access tokens (auth.KeySet).
type KeyPublisher interface {
	JWKS() ([]byte, error)
}

// StorefrontRoutes are the identity endpoints of the storefront binary: tokens (password grant for
// customers, refresh), revocation, JWKS, sign-up and me.
func StorefrontRoutes(svc *identity.Service, keys KeyPublisher) []server.Route {
	h := &handlers{svc: svc, keys: keys, aud: kernel.AudienceStorefront}
	return append(h.common(), server.Route{Method: http.MethodPost, Path: "/v1/users", Policy: access.SignUp,
		RateClass: server.RateAuth, Handler: h.signUp})
}

// AdminRoutes are the identity endpoints of the admin binary (password grant for staff, refresh).
func AdminRoutes(svc *identity.Service, keys KeyPublisher) []server.Route {
	return (&handlers{svc: svc, keys: keys, aud: kernel.AudienceAdmin}).common()
}

// PartnerRoutes are the identity endpoints of the partner binary (client_credentials).
func PartnerRoutes(svc *identity.Service, keys KeyPublisher) []server.Route {
	return (&handlers{svc: svc, keys: keys, aud: kernel.AudiencePartner}).common()
}

type handlers struct {
	svc  *identity.Service
	keys KeyPublisher
	aud  kernel.Audience
}

func (h *handlers) common() []server.Route {
	return []server.Route{
		{Method: http.MethodPost, Path: "/v1/oauth/token", Policy: access.Public, RateClass: server.RateAuth,
			Idempotency: server.IdempotencyOff, Handler: h.token, ClientAuthentication: true, RenderError: writeOAuthProblem},
		{Method: http.MethodPost, Path: "/v1/oauth/revoke", Policy: access.Public, RateClass: server.RateAuth,
			Idempotency: server.IdempotencyOff, Handler: h.revoke},
		{Method: http.MethodGet, Path: "/.well-known/jwks.json", Policy: access.Public, RateClass: server.RateRead, Handler: h.jwks},
		{Method: http.MethodGet, Path: "/v1/me", Policy: access.Authenticated, Handler: h.me},
	}
}

// tokenResponse is RFC 6749 §5.1.
type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
	RefreshToken string `json:"refresh_token,omitempty"`
}

func (h *handlers) token(c *fiber.Ctx) error {
	req, oerr := ParseTokenRequest(c.Get(fiber.HeaderContentType), c.Body(), c.Get(fiber.HeaderAuthorization))
	if oerr != nil {
		return writeOAuthError(c, oerr)
	}
	ctx := server.Ctx(c)
	var tokens identity.Tokens
	var err error
	switch req.GrantType {
	case GrantPassword:
		tokens, err = h.svc.PasswordGrant(ctx, h.aud, req.Username, req.Password)
	case GrantRefreshToken:
		tokens, err = h.svc.RefreshGrant(ctx, h.aud, req.RefreshToken)
	case GrantClientCredentials:
		tokens, err = h.svc.ClientCredentialsGrant(ctx, h.aud, req.ClientID, req.ClientSecret)
	}
	if err != nil {
		if oerr := oauthError(err); oerr != nil {
			return writeOAuthError(c, oerr)
		}
		return err // rate limits and failures, rendered by writeOAuthProblem
	}
	noStore(c)
	return c.JSON(tokenResponse{AccessToken: tokens.AccessToken, TokenType: "Bearer",
		ExpiresIn: int(tokens.ExpiresIn / time.Second), RefreshToken: tokens.RefreshToken})
}

func (h *handlers) revoke(c *fiber.Ctx) error {
	req, oerr := ParseRevokeRequest(c.Get(fiber.HeaderContentType), c.Body())
	if oerr != nil {
		return writeOAuthError(c, oerr)
	}
	if err := h.svc.Revoke(server.Ctx(c), h.aud, req.Token); err != nil {
		if oerr := oauthError(err); oerr != nil {
			return writeOAuthError(c, oerr)
		}
		return err
	}
	noStore(c)
	return c.SendStatus(http.StatusOK)
}

// oauthError maps the identity area's OAuth errors to RFC 6749 / RFC 7009 error responses; other
// errors (rate limits, outages) stay domain errors.
func oauthError(err error) *OAuthError {
	e := errs.As(err)
	switch {
	case errors.Is(err, identity.ErrInvalidGrant):
		return &OAuthError{Status: http.StatusBadRequest, Code: "invalid_grant", Description: e.Message}
	case errors.Is(err, identity.ErrInvalidClient):
		return &OAuthError{Status: http.StatusUnauthorized, Code: "invalid_client", Description: e.Message}
	case errors.Is(err, identity.ErrUnsupportedGrantType):
		return &OAuthError{Status: http.StatusBadRequest, Code: "unsupported_grant_type", Description: e.Message}
	case errors.Is(err, identity.ErrUnsupportedTokenType):
		return &OAuthError{Status: http.StatusBadRequest, Code: "unsupported_token_type", Description: e.Message}
	}
	return nil
}

// writeOAuthError writes the RFC 6749 §5.2 body. The token endpoint is the one place where a handler
// sets an error status itself: OAuth clients expect this shape, not problem+json. A 401
// (invalid_client) names the Basic scheme the client may authenticate with (RFC 6749 §5.2).
func writeOAuthError(c *fiber.Ctx, e *OAuthError) error {
	body, err := json.Marshal(e)
	if err != nil {
		return err
	}
	noStore(c)
	if e.Status == http.StatusUnauthorized {
		c.Set(fiber.HeaderWWWAuthenticate, `Basic realm="jupang"`)
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	return c.Status(e.Status).Send(body)
}

// oauthProblem is the RFC 6749 §5.2 body of an error the platform raised at the token endpoint (a
// rate limit, an outage): the OAuth members clients act on, plus the platform's code and trace id.
type oauthProblem struct {
	Code        string `json:"error"`
	Description string `json:"error_description"`
	Platform    string `json:"code"`
	TraceID     string `json:"traceId"`
}

// writeOAuthProblem renders the token endpoint's platform errors in RFC 6749's shape: OAuth clients
// parse that form only. 429 and 503 are temporarily_unavailable (with Retry-After), other 5xx
// server_error, 401 invalid_client, the rest invalid_request.
func writeOAuthProblem(c *fiber.Ctx, p server.Problem) {
	code := "invalid_request"
	switch {
	case p.Status == http.StatusUnauthorized:
		code = "invalid_client"
		c.Set(fiber.HeaderWWWAuthenticate, `Basic realm="jupang"`)
	case p.Status == http.StatusTooManyRequests || p.Status == http.StatusServiceUnavailable:
		code = "temporarily_unavailable"
	case p.Status >= 500:
		code = "server_error"
	}
	body, _ := json.Marshal(oauthProblem{Code: code, Description: p.Detail, Platform: p.Code, TraceID: p.TraceID}) // strings always marshal
	noStore(c)
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	c.Response().SetBody(body)
}

func noStore(c *fiber.Ctx) {
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderPragma, "no-cache")
}

// jwksMaxAge is how long clients may cache the key set; a new key must be published at least this
// long before it starts signing.
const jwksMaxAge = "public, max-age=300"

func (h *handlers) jwks(c *fiber.Ctx) error {
	body, err := h.keys.JWKS()
	if err != nil {
		return errs.ErrInternal.Wrap(err)
	}
	c.Set(fiber.HeaderCacheControl, jwksMaxAge)
	c.Set(fiber.HeaderContentType, "application/jwk-set+json")
	return c.Send(body)
}

// addressDTO is the wire shape of a postal address.
type addressDTO struct {
	Recipient  string `json:"recipient"`
	Phone      string `json:"phone,omitempty"`
	Line1      string `json:"line1"`
	Line2      string `json:"line2,omitempty"`
	City       string `json:"city"`
	Region     string `json:"region,omitempty"`
	PostalCode string `json:"postalCode"`
	Country    string `json:"country"`
}

type signUpRequest struct {
	Email          string      `json:"email"`
	Password       string      `json:"password"`
	Name           string      `json:"name"`
	Phone          string      `json:"phone"`
	DefaultAddress *addressDTO `json:"defaultAddress"`
}

type userResponse struct {
	ID             string        `json:"id"`
	Email          string        `json:"email"`
	Name           string        `json:"name"`
	Phone          string        `json:"phone"`
	DefaultAddress *addressDTO   `json:"defaultAddress"`
	Roles          []kernel.Role `json:"roles"`
	CreatedAt      time.Time     `json:"createdAt"`
}

func (h *handlers) signUp(c *fiber.Ctx) error {
	var in signUpRequest
	if err := server.DecodeJSON(c, &in); err != nil {
		return err
	}
	var addr *identity.Address
	if a := in.DefaultAddress; a != nil {
		addr = &identity.Address{Recipient: a.Recipient, Phone: a.Phone, Line1: a.Line1, Line2: a.Line2, City: a.City,
			Region: a.Region, PostalCode: a.PostalCode, Country: a.Country}
	}
	u, err := h.svc.SignUp(server.Ctx(c), identity.SignUpInput{Email: in.Email, Password: in.Password, Name: in.Name,
		Phone: in.Phone, DefaultAddress: addr})
	if err != nil {
		return err
	}
	out := userResponse{ID: u.ID, Email: u.Email, Name: u.Name, Phone: u.Phone, Roles: u.Roles, CreatedAt: u.CreatedAt}
	if a := u.DefaultAddress; a != nil {
		out.DefaultAddress = &addressDTO{Recipient: a.Recipient, Phone: a.Phone, Line1: a.Line1, Line2: a.Line2, City: a.City,
			Region: a.Region, PostalCode: a.PostalCode, Country: a.Country}
	}
	c.Location("/v1/me")
	return c.Status(http.StatusCreated).JSON(out)
}

type meResponse struct {
	ID       string        `json:"id"`
	Email    *string       `json:"email"` // null for partner clients
	Name     string        `json:"name"`
	ClientID string        `json:"clientId,omitempty"`
	Roles    []kernel.Role `json:"roles"`
}

func (h *handlers) me(c *fiber.Ctx) error {
	me, err := h.svc.Me(server.Ctx(c))
	if err != nil {
		return err
	}
	out := meResponse{ID: me.ID, Name: me.Name, ClientID: me.ClientID, Roles: me.Roles}
	if me.Email != "" {
		out.Email = &me.Email
	}
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return c.JSON(out)
}
