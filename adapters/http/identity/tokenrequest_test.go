package identityhttp_test

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	identityhttp "github.com/jupang/jupang/adapters/http/identity"
)

func TestParseTokenRequest(t *testing.T) {
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("partner-demo:s3cret"))
	tests := []struct {
		name, contentType, body, authz string
		want                           identityhttp.TokenRequest
		err                            string
	}{
		{"password form", "application/x-www-form-urlencoded", "grant_type=password&username=a%40b.c&password=p+w&scope=x&extra=1", "",
			identityhttp.TokenRequest{GrantType: "password", Username: "a@b.c", Password: "p w"}, ""},
		{"password json", "application/json; charset=utf-8", `{"grant_type":"password","username":"a@b.c","password":"pw","unknown":{"x":[1]}}`, "",
			identityhttp.TokenRequest{GrantType: "password", Username: "a@b.c", Password: "pw"}, ""},
		{"refresh", "application/x-www-form-urlencoded; charset=UTF-8", "grant_type=refresh_token&refresh_token=jprt_x", "",
			identityhttp.TokenRequest{GrantType: "refresh_token", RefreshToken: "jprt_x"}, ""},
		{"client basic", "application/x-www-form-urlencoded", "grant_type=client_credentials", basic,
			identityhttp.TokenRequest{GrantType: "client_credentials", ClientID: "partner-demo", ClientSecret: "s3cret"}, ""},
		{"client basic + matching client_id", "application/x-www-form-urlencoded", "grant_type=client_credentials&client_id=partner-demo", basic,
			identityhttp.TokenRequest{GrantType: "client_credentials", ClientID: "partner-demo", ClientSecret: "s3cret"}, ""},
		{"client body", "application/json", `{"grant_type":"client_credentials","client_id":"p","client_secret":"s"}`, "",
			identityhttp.TokenRequest{GrantType: "client_credentials", ClientID: "p", ClientSecret: "s"}, ""},
		{"empty value is omitted", "application/x-www-form-urlencoded", "grant_type=password&username=&password=x", "", identityhttp.TokenRequest{}, "invalid_request"},
		{"json null is omitted", "application/json", `{"grant_type":"refresh_token","refresh_token":null}`, "", identityhttp.TokenRequest{}, "invalid_request"},
		{"duplicate form param", "application/x-www-form-urlencoded", "grant_type=password&grant_type=refresh_token", "", identityhttp.TokenRequest{}, "invalid_request"},
		{"duplicate json key", "application/json", `{"grant_type":"password","grant_type":"password"}`, "", identityhttp.TokenRequest{}, "invalid_request"},
		{"non-string json", "application/json", `{"grant_type":"password","username":"a","password":1234567890}`, "", identityhttp.TokenRequest{}, "invalid_request"},
		{"json array", "application/json", `["grant_type"]`, "", identityhttp.TokenRequest{}, "invalid_request"},
		{"trailing json", "application/json", `{"grant_type":"refresh_token","refresh_token":"x"}{}`, "", identityhttp.TokenRequest{}, "invalid_request"},
		{"bad form", "application/x-www-form-urlencoded", "grant_type=%zz", "", identityhttp.TokenRequest{}, "invalid_request"},
		{"no content type", "", "grant_type=password", "", identityhttp.TokenRequest{}, "invalid_request"},
		{"text/plain", "text/plain", "grant_type=password", "", identityhttp.TokenRequest{}, "invalid_request"},
		{"no grant", "application/x-www-form-urlencoded", "username=a", "", identityhttp.TokenRequest{}, "invalid_request"},
		{"unknown grant", "application/x-www-form-urlencoded", "grant_type=authorization_code&code=x", "", identityhttp.TokenRequest{}, "unsupported_grant_type"},
		{"two client auth methods", "application/x-www-form-urlencoded", "grant_type=client_credentials&client_secret=x", basic, identityhttp.TokenRequest{}, "invalid_request"},
		{"basic and another client_id", "application/x-www-form-urlencoded", "grant_type=client_credentials&client_id=other", basic, identityhttp.TokenRequest{}, "invalid_request"},
		// Every failure of client authentication is invalid_client (RFC 6749 §5.2).
		{"missing secret", "application/x-www-form-urlencoded", "grant_type=client_credentials&client_id=p", "", identityhttp.TokenRequest{}, "invalid_client"},
		{"no client authentication", "application/x-www-form-urlencoded", "grant_type=client_credentials", "", identityhttp.TokenRequest{}, "invalid_client"},
		{"malformed Basic", "application/x-www-form-urlencoded", "grant_type=client_credentials", "Basic !!!", identityhttp.TokenRequest{}, "invalid_client"},
		{"Basic without a colon", "application/x-www-form-urlencoded", "grant_type=client_credentials", "Basic " + base64.StdEncoding.EncodeToString([]byte("partner")), identityhttp.TokenRequest{}, "invalid_client"},
		{"a bearer token is no client authentication", "application/json", `{"grant_type":"client_credentials","client_id":"p","client_secret":"s"}`, "Bearer t", identityhttp.TokenRequest{}, "invalid_client"},
		{"an unsupported scheme", "application/x-www-form-urlencoded", "grant_type=client_credentials", "Digest username=p", identityhttp.TokenRequest{}, "invalid_client"},
		{"a malformed Basic header on a password grant", "application/x-www-form-urlencoded", "grant_type=password&username=a&password=b", "Basic !!!", identityhttp.TokenRequest{}, "invalid_client"},
		{"invalid UTF-8", "application/x-www-form-urlencoded", "grant_type=password&username=a&password=%ff", "", identityhttp.TokenRequest{}, "invalid_request"},
		{"huge value", "application/x-www-form-urlencoded", "grant_type=password&username=a&password=" + strings.Repeat("x", 5000), "", identityhttp.TokenRequest{}, "invalid_request"},
	}
	for _, tt := range tests {
		got, oerr := identityhttp.ParseTokenRequest(tt.contentType, []byte(tt.body), tt.authz)
		switch {
		case tt.err == "" && (oerr != nil || got != tt.want):
			t.Errorf("%s: got %+v, %v; want %+v", tt.name, got, oerr, tt.want)
		case tt.err != "" && (oerr == nil || oerr.Code != tt.err || oerr.Status != statusOf(tt.err) || oerr.Description == ""):
			t.Errorf("%s: got %+v, %v; want %s", tt.name, got, oerr, tt.err)
		}
	}
}

// statusOf is the status of an RFC 6749 error: 401 for invalid_client, 400 for the others.
func statusOf(code string) int {
	if code == "invalid_client" {
		return 401
	}
	return 400
}

// FuzzParseTokenRequest checks the parser never panics, that what it accepts has the parameters its
// grant needs, and that an accepted request means the same sent again as a form or as JSON.
func FuzzParseTokenRequest(f *testing.F) {
	f.Add("application/x-www-form-urlencoded", "grant_type=password&username=a%40b.c&password=x", "")
	f.Add("application/json", `{"grant_type":"refresh_token","refresh_token":"jprt_abc"}`, "")
	f.Add("application/x-www-form-urlencoded", "grant_type=client_credentials", "Basic cGFydG5lci1kZW1vOnNlY3JldA==")
	f.Add("application/json; charset=utf-8", `{"grant_type":"client_credentials","client_id":"a","client_secret":"b","x":[{}]}`, "Bearer t")
	f.Add("application/x-www-form-urlencoded", "grant_type=password&grant_type=password", "")
	f.Add("text/plain", "", "")
	f.Fuzz(func(t *testing.T, contentType, body, authz string) {
		r, oerr := identityhttp.ParseTokenRequest(contentType, []byte(body), authz)
		if oerr != nil {
			if oerr.Code == "" || oerr.Status != statusOf(oerr.Code) || r != (identityhttp.TokenRequest{}) {
				t.Fatalf("bad error %+v with %+v", oerr, r)
			}
			return
		}
		switch r.GrantType {
		case "password":
			if r.Username == "" || r.Password == "" {
				t.Fatalf("password grant without credentials: %+v", r)
			}
		case "refresh_token":
			if r.RefreshToken == "" {
				t.Fatalf("refresh grant without token: %+v", r)
			}
		case "client_credentials":
			if r.ClientID == "" || r.ClientSecret == "" {
				t.Fatalf("client grant without credentials: %+v", r)
			}
		default:
			t.Fatalf("accepted grant %q", r.GrantType)
		}
		values := url.Values{}
		obj := map[string]string{}
		for k, v := range map[string]string{"grant_type": r.GrantType, "username": r.Username, "password": r.Password,
			"refresh_token": r.RefreshToken, "client_id": r.ClientID, "client_secret": r.ClientSecret} {
			if v != "" {
				values.Set(k, v)
				obj[k] = v
			}
		}
		again, oerr := identityhttp.ParseTokenRequest("application/x-www-form-urlencoded", []byte(values.Encode()), "")
		if oerr != nil || again != r {
			t.Fatalf("form round trip: %+v %v, want %+v", again, oerr, r)
		}
		raw, _ := json.Marshal(obj)
		again, oerr = identityhttp.ParseTokenRequest("application/json", raw, "")
		if oerr != nil || again != r {
			t.Fatalf("json round trip: %+v %v, want %+v", again, oerr, r)
		}
	})
}
