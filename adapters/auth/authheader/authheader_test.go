package authheader_test

import (
	"encoding/base64"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/jupang/jupang/adapters/auth/authheader"
)

func TestParse(t *testing.T) {
	basic := func(user, pass string) string {
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
	}
	tests := []struct {
		in   string
		want authheader.Credentials
		err  error
	}{
		{"Bearer abc.def-ghi_jkl~+/==", authheader.Credentials{Scheme: "Bearer", Token: "abc.def-ghi_jkl~+/=="}, nil},
		{"bearer   tok", authheader.Credentials{Scheme: "Bearer", Token: "tok"}, nil},
		{" BEARER\ttok ", authheader.Credentials{Scheme: "Bearer", Token: "tok"}, nil},
		{basic("partner-demo", "partner-demo-secret"), authheader.Credentials{Scheme: "Basic", Username: "partner-demo", Password: "partner-demo-secret"}, nil},
		{basic(url.QueryEscape("a:b"), url.QueryEscape("p%ss w")), authheader.Credentials{Scheme: "Basic", Username: "a:b", Password: "p%ss w"}, nil},
		{"Bearer", authheader.Credentials{}, authheader.ErrMalformed},
		{"Bearer ", authheader.Credentials{}, authheader.ErrMalformed},
		{"Bearer a b", authheader.Credentials{}, authheader.ErrMalformed},
		{"Bearer ===", authheader.Credentials{}, authheader.ErrMalformed},
		{"Bearer a=b", authheader.Credentials{}, authheader.ErrMalformed},
		{"Bearer tök", authheader.Credentials{}, authheader.ErrMalformed},
		{"Bearer a\x00", authheader.Credentials{}, authheader.ErrMalformed},
		{"tok", authheader.Credentials{}, authheader.ErrMalformed},
		{"", authheader.Credentials{}, authheader.ErrMalformed},
		{"Bearer " + strings.Repeat("a", authheader.MaxLength), authheader.Credentials{}, authheader.ErrMalformed},
		{"Digest abc", authheader.Credentials{}, authheader.ErrUnsupportedScheme},
		{"Basic not-base64!", authheader.Credentials{}, authheader.ErrMalformed},
		{"Basic " + base64.StdEncoding.EncodeToString([]byte("nocolon")), authheader.Credentials{}, authheader.ErrMalformed},
		{basic("", "secret"), authheader.Credentials{}, authheader.ErrMalformed},
		{basic("%zz", "secret"), authheader.Credentials{}, authheader.ErrMalformed},
	}
	for _, tt := range tests {
		got, err := authheader.Parse(tt.in)
		if !errors.Is(err, tt.err) || got != tt.want {
			t.Errorf("Parse(%q) = %+v, %v; want %+v, %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

// FuzzParse checks that Parse never panics, that whatever it accepts is well formed, and that an
// accepted header re-parses to the same credentials.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"Bearer abc", "bearer a.b.c", "Basic cGFydG5lcjpzZWNyZXQ=", "Basic Og==", "Bearer ==",
		"Digest x", "", " ", "Bearer\t\tx", "Basic JXp6OmE="} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		c, err := authheader.Parse(header)
		if err != nil {
			if c != (authheader.Credentials{}) {
				t.Fatalf("error with credentials: %+v", c)
			}
			return
		}
		switch c.Scheme {
		case authheader.Bearer:
			if c.Token == "" || strings.ContainsAny(c.Token, " \t\r\n\x00") || len(c.Token) > authheader.MaxLength {
				t.Fatalf("bad bearer token %q", c.Token)
			}
			again, err := authheader.Parse("Bearer " + c.Token)
			if err != nil || again != c {
				t.Fatalf("re-parse: %+v %v", again, err)
			}
		case authheader.Basic:
			if c.Username == "" {
				t.Fatal("empty basic user")
			}
			enc := base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(c.Username) + ":" + url.QueryEscape(c.Password)))
			again, err := authheader.Parse("Basic " + enc)
			if err != nil || again != c {
				t.Fatalf("re-parse: %+v %v", again, err)
			}
		default:
			t.Fatalf("unknown scheme %q", c.Scheme)
		}
	})
}
