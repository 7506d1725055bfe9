// Package authheader parses the HTTP Authorization header: Bearer tokens (RFC 6750) and Basic client
// credentials (RFC 7617, with the form-encoding of RFC 6749 §2.3.1). It has no dependencies so the
// HTTP platform and the token endpoint can both use it.
package authheader

import (
	"encoding/base64"
	"errors"
	"net/url"
	"strings"
)

// Schemes this parser understands.
const (
	Bearer = "Bearer"
	Basic  = "Basic"
)

// MaxLength bounds the header value; longer values are malformed.
const MaxLength = 8192

// Errors of Parse.
var (
	ErrMalformed         = errors.New("authheader: malformed Authorization header")
	ErrUnsupportedScheme = errors.New("authheader: unsupported authentication scheme")
)

// Credentials is a parsed Authorization header.
type Credentials struct {
	Scheme   string // Bearer or Basic
	Token    string // Bearer
	Username string // Basic: the client id
	Password string // Basic: the client secret
}

// Parse reads an Authorization header value.
func Parse(header string) (Credentials, error) {
	if len(header) > MaxLength {
		return Credentials{}, ErrMalformed
	}
	header = strings.Trim(header, " \t")
	i := strings.IndexAny(header, " \t")
	if i <= 0 {
		return Credentials{}, ErrMalformed
	}
	scheme, rest := header[:i], strings.TrimLeft(header[i:], " \t")
	switch {
	case strings.EqualFold(scheme, Bearer):
		if !isB64Token(rest) {
			return Credentials{}, ErrMalformed
		}
		return Credentials{Scheme: Bearer, Token: rest}, nil
	case strings.EqualFold(scheme, Basic):
		return parseBasic(rest)
	}
	if !isToken(scheme) {
		return Credentials{}, ErrMalformed
	}
	return Credentials{}, ErrUnsupportedScheme
}

func parseBasic(b64 string) (Credentials, error) {
	raw, err := base64.StdEncoding.Strict().DecodeString(b64)
	if err != nil {
		return Credentials{}, ErrMalformed
	}
	user, pass, ok := strings.Cut(string(raw), ":")
	if !ok {
		return Credentials{}, ErrMalformed
	}
	// RFC 6749 §2.3.1: client id and secret are form-urlencoded before they are joined.
	if user, err = url.QueryUnescape(user); err != nil || user == "" {
		return Credentials{}, ErrMalformed
	}
	if pass, err = url.QueryUnescape(pass); err != nil {
		return Credentials{}, ErrMalformed
	}
	return Credentials{Scheme: Basic, Username: user, Password: pass}, nil
}

// isB64Token matches RFC 6750's b64token: 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=".
func isB64Token(s string) bool {
	body := strings.TrimRight(s, "=")
	if body == "" {
		return false
	}
	for i := 0; i < len(body); i++ {
		c := body[i]
		if !isAlnum(c) && strings.IndexByte("-._~+/", c) < 0 {
			return false
		}
	}
	return true
}

// isToken matches an RFC 9110 token (an auth-scheme).
func isToken(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isAlnum(c) && strings.IndexByte("!#$%&'*+-.^_`|~", c) < 0 {
			return false
		}
	}
	return s != ""
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}
