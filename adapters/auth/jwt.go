package auth

import (
	"context"
	"crypto/ed25519"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/identity"
	"github.com/jupang/jupang/core/kernel"
)

// TokenType is the JWT "typ" header of access tokens (RFC 9068).
const TokenType = "at+jwt"

// Leeway is the clock skew verification tolerates on exp, nbf and iat.
const Leeway = 60 * time.Second

// maxTokenLength bounds what the verifier parses at all.
const maxTokenLength = 4096

// accessClaims is the JSON body of an access token.
type accessClaims struct {
	jwt.RegisteredClaims
	Roles    []string `json:"roles"`
	ClientID string   `json:"client_id"`
}

// Validate checks the claims jwt's validator does not know about.
func (c accessClaims) Validate() error {
	if c.Subject == "" || c.ID == "" || c.IssuedAt == nil {
		return errors.New("sub, jti and iat are required")
	}
	if len(c.Roles) == 0 {
		return errors.New("roles are required")
	}
	for _, r := range c.Roles {
		if r == string(kernel.RoleGuest) || !slices.Contains(kernel.AllRoles, kernel.Role(r)) {
			return errors.New("unknown role")
		}
	}
	return nil
}

// Signer signs access tokens with the key set's current signer. It implements identity.TokenSigner.
type Signer struct {
	keys   *KeySet
	issuer string
}

// NewSigner returns a signer that names issuer in every token.
func NewSigner(keys *KeySet, issuer string) *Signer { return &Signer{keys: keys, issuer: issuer} }

// Sign returns the compact JWS of c: header {alg: EdDSA, kid, typ: at+jwt}, claims iss, sub, aud
// (a single string), exp, nbf, iat, jti, roles, client_id.
func (s *Signer) Sign(_ context.Context, c identity.AccessClaims) (string, error) {
	key := s.keys.Signer()
	roles := make([]string, len(c.Roles))
	for i, r := range c.Roles {
		roles[i] = string(r)
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, jwt.MapClaims{
		"iss": s.issuer, "sub": c.Subject, "aud": string(c.Audience), "exp": c.ExpiresAt.Unix(),
		"nbf": c.IssuedAt.Unix(), "iat": c.IssuedAt.Unix(), "jti": c.ID, "roles": roles, "client_id": c.ClientID,
	})
	tok.Header["kid"] = key.Kid
	tok.Header["typ"] = TokenType
	return tok.SignedString(key.private)
}

// Authenticator verifies the bearer tokens of one binary. It implements server.Authenticator.
//
// It accepts only EdDSA, only this binary's audience and the configured issuer; it requires exp
// (and iat, sub, jti, roles), tolerates 60 s of clock skew, and takes keys only from the key set by
// kid: jku, x5u, jwk and x5c headers are refused, never followed.
type Authenticator struct {
	keys     *KeySet
	audience kernel.Audience
	parser   *jwt.Parser
	clock    kernel.Clock
	verified verified
}

// NewAuthenticator returns the verifier of a binary whose tokens carry aud.
func NewAuthenticator(keys *KeySet, issuer string, aud kernel.Audience, clock kernel.Clock) *Authenticator {
	return &Authenticator{keys: keys, audience: aud, clock: clock, parser: jwt.NewParser(
		jwt.WithValidMethods([]string{Algorithm}),
		jwt.WithIssuer(issuer),
		jwt.WithAudience(string(aud)),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(Leeway),
		jwt.WithTimeFunc(clock.Now),
		jwt.WithStrictDecoding(),
	)}
}

// allowedHeaders are the only JOSE header parameters an access token may carry.
var allowedHeaders = map[string]bool{"alg": true, "kid": true, "typ": true}

// errInvalidToken is every verification failure: the client learns only that the token is not valid.
var errInvalidToken = errs.ErrUnauthenticated.WithMessage("The access token is invalid or expired.")

// Authenticate verifies token and returns its principal; any failure is 401 UNAUTHENTICATED.
func (a *Authenticator) Authenticate(_ context.Context, token string) (kernel.Principal, error) {
	if len(token) > maxTokenLength {
		return kernel.Principal{}, errInvalidToken
	}
	now := a.clock.Now()
	if p, ok := a.verified.lookup(token, now, a.keys); ok {
		return p, nil
	}
	var claims accessClaims
	var used ed25519.PublicKey // the key that verified the signature, remembered with the token
	parsed, err := a.parser.ParseWithClaims(token, &claims, func(t *jwt.Token) (any, error) {
		pub, err := a.key(t)
		used = pub
		return pub, err
	})
	if err != nil {
		return kernel.Principal{}, errInvalidToken.Wrap(err)
	}
	roles := make([]kernel.Role, len(claims.Roles))
	for i, r := range claims.Roles {
		roles[i] = kernel.Role(r)
	}
	p := kernel.Principal{ID: claims.Subject, Roles: roles, Audience: a.audience}
	kid, _ := parsed.Header["kid"].(string)
	// Only a token with both ends of its window is remembered: the memory checks the window itself.
	if claims.ExpiresAt != nil && claims.IssuedAt != nil {
		from := claims.IssuedAt.Time
		if claims.NotBefore != nil && claims.NotBefore.After(from) {
			from = claims.NotBefore.Time
		}
		a.verified.remember(token, verifiedToken{principal: p, kid: kid, key: used,
			from: from.Add(-Leeway), to: claims.ExpiresAt.Add(Leeway)})
	}
	return p, nil
}

// key is the jwt Keyfunc's check: it checks the header and returns the public key of kid from
// the set.
func (a *Authenticator) key(t *jwt.Token) (ed25519.PublicKey, error) {
	for name := range t.Header {
		if !allowedHeaders[name] {
			return nil, errors.New("unexpected JOSE header " + name)
		}
	}
	if typ, _ := t.Header["typ"].(string); !strings.EqualFold(typ, TokenType) && !strings.EqualFold(typ, "application/"+TokenType) {
		return nil, errors.New("not an access token")
	}
	if _, ok := t.Method.(*jwt.SigningMethodEd25519); !ok {
		return nil, errors.New("unexpected signing method")
	}
	kid, ok := t.Header["kid"].(string)
	if !ok || !validKid(kid) {
		return nil, errors.New("missing or malformed kid")
	}
	pub, ok := a.keys.lookup(kid)
	if !ok {
		return nil, errors.New("unknown kid")
	}
	return pub, nil
}
