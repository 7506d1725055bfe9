package identityhttp

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/jupang/jupang/adapters/auth/authheader"
)

// Grant types offered by the token endpoint.
const (
	GrantPassword          = "password"
	GrantRefreshToken      = "refresh_token"
	GrantClientCredentials = "client_credentials"
)

// maxParamLength bounds every parameter value; nothing legitimate comes close.
const maxParamLength = 4096

// OAuthError is an RFC 6749 §5.2 error response.
type OAuthError struct {
	Status      int    `json:"-"`
	Code        string `json:"error"`
	Description string `json:"error_description,omitempty"`
}

func (e *OAuthError) Error() string { return e.Code + ": " + e.Description }

func invalidRequest(desc string) *OAuthError {
	return &OAuthError{Status: http.StatusBadRequest, Code: "invalid_request", Description: desc}
}

// TokenRequest is a parsed POST /v1/oauth/token (or /v1/oauth/revoke) request.
type TokenRequest struct {
	GrantType     string
	Username      string
	Password      string
	RefreshToken  string
	ClientID      string
	ClientSecret  string
	Token         string // revoke: the token to revoke
	TokenTypeHint string // revoke
}

// params lists the parameters the endpoints read; RFC 6749 §3.2: others are ignored.
var params = []string{"grant_type", "username", "password", "refresh_token", "client_id", "client_secret", "scope",
	"token", "token_type_hint"}

// readParams reads a form-encoded or JSON body into parameter values. A parameter sent twice is an
// error; an empty value counts as omitted (RFC 6749 §3.2).
func readParams(contentType string, body []byte) (map[string]string, *OAuthError) {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return nil, invalidRequest("Content-Type must be application/x-www-form-urlencoded or application/json.")
	}
	out := map[string]string{}
	switch mt {
	case "application/x-www-form-urlencoded":
		values, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, invalidRequest("The form body is malformed.")
		}
		for _, name := range params {
			switch vs := values[name]; {
			case len(vs) > 1:
				return nil, invalidRequest("The parameter " + name + " appears more than once.")
			case len(vs) == 1 && vs[0] != "":
				out[name] = vs[0]
			}
		}
	case "application/json":
		if oerr := readJSONParams(body, out); oerr != nil {
			return nil, oerr
		}
	default:
		return nil, invalidRequest("Content-Type must be application/x-www-form-urlencoded or application/json.")
	}
	for name, v := range out {
		if len(v) > maxParamLength {
			return nil, invalidRequest("The parameter " + name + " is too long.")
		}
		if !utf8.ValidString(v) {
			return nil, invalidRequest("The parameter " + name + " is not valid UTF-8.")
		}
	}
	return out, nil
}

func readJSONParams(body []byte, out map[string]string) *OAuthError {
	malformed := invalidRequest("The JSON body must be one object of string parameters.")
	dec := json.NewDecoder(bytes.NewReader(body))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return malformed
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return malformed
		}
		name, _ := tok.(string)
		if seen[name] {
			return invalidRequest("The parameter " + name + " appears more than once.")
		}
		seen[name] = true
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return malformed
		}
		known := false
		for _, p := range params {
			known = known || p == name
		}
		if !known {
			continue
		}
		var v *string
		if err := json.Unmarshal(raw, &v); err != nil {
			return invalidRequest("The parameter " + name + " must be a string.")
		}
		if v != nil && *v != "" {
			out[name] = *v
		}
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return malformed
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return malformed
	}
	return nil
}

// errInvalidClient is every failure of client authentication (RFC 6749 §5.2): a malformed or
// unsupported Authorization header, or no (complete) client credentials where the grant needs them.
func errInvalidClient(desc string) *OAuthError {
	return &OAuthError{Status: http.StatusUnauthorized, Code: "invalid_client", Description: desc}
}

// clientCredentials merges client authentication from the Authorization header (Basic) and the body;
// using both is an error (RFC 6749 §2.3). At the token endpoint the Authorization header is client
// authentication only: anything but well-formed Basic credentials is a failed authentication.
func clientCredentials(authorization string, p map[string]string, r *TokenRequest) *OAuthError {
	r.ClientID, r.ClientSecret = p["client_id"], p["client_secret"]
	if authorization == "" {
		return nil
	}
	creds, err := authheader.Parse(authorization)
	if err != nil || creds.Scheme != authheader.Basic {
		return errInvalidClient("Authenticate the client with HTTP Basic (client id and secret) or in the body.")
	}
	if r.ClientSecret != "" || (r.ClientID != "" && r.ClientID != creds.Username) {
		return invalidRequest("Use one client authentication method: the Authorization header or the body.")
	}
	r.ClientID, r.ClientSecret = creds.Username, creds.Password
	return nil
}

// ParseTokenRequest reads a token request (RFC 6749 §4.3, §4.4, §6), checking that the grant's
// required parameters are present.
func ParseTokenRequest(contentType string, body []byte, authorization string) (TokenRequest, *OAuthError) {
	p, oerr := readParams(contentType, body)
	if oerr != nil {
		return TokenRequest{}, oerr
	}
	r := TokenRequest{GrantType: p["grant_type"], Username: p["username"], Password: p["password"], RefreshToken: p["refresh_token"]}
	if oerr := clientCredentials(authorization, p, &r); oerr != nil {
		return TokenRequest{}, oerr
	}
	var missing []string
	need := func(name, v string) {
		if v == "" {
			missing = append(missing, name)
		}
	}
	switch r.GrantType {
	case "":
		return TokenRequest{}, invalidRequest("The parameter grant_type is required.")
	case GrantPassword:
		need("username", r.Username)
		need("password", r.Password)
	case GrantRefreshToken:
		need("refresh_token", r.RefreshToken)
	case GrantClientCredentials:
		if r.ClientID == "" || r.ClientSecret == "" {
			return TokenRequest{}, errInvalidClient("Client authentication is required: a client id and secret.")
		}
	default:
		return TokenRequest{}, &OAuthError{Status: http.StatusBadRequest, Code: "unsupported_grant_type",
			Description: "Supported grant types: password, refresh_token, client_credentials."}
	}
	if len(missing) > 0 {
		return TokenRequest{}, invalidRequest("Missing parameters: " + strings.Join(missing, ", ") + ".")
	}
	return r, nil
}

// ParseRevokeRequest reads an RFC 7009 revocation request.
func ParseRevokeRequest(contentType string, body []byte) (TokenRequest, *OAuthError) {
	p, oerr := readParams(contentType, body)
	if oerr != nil {
		return TokenRequest{}, oerr
	}
	if p["token"] == "" {
		return TokenRequest{}, invalidRequest("The parameter token is required.")
	}
	return TokenRequest{Token: p["token"], TokenTypeHint: p["token_type_hint"]}, nil
}
