package identity

import (
	"slices"
	"strings"
	"testing"

	"github.com/jupang/jupang/core/kernel"
)

func TestValidateEmail(t *testing.T) {
	for _, ok := range []string{"a@b.co", "first.last+tag@sub.example.com", "o'brien@example.ie", "UPPER@EXAMPLE.COM",
		strings.Repeat("a", 64) + "@example.com"} {
		if fe := validateEmail(ok); fe != nil {
			t.Errorf("%q refused: %+v", ok, fe)
		}
	}
	for _, bad := range []string{"", "plain", "@example.com", "a@", "a@b", "a@.com", "a@b..com", ".a@b.com", "a.@b.com",
		"a..b@c.com", "a b@c.com", "a@b c.com", "a@-b.com", "a@b-.com", "김@example.com", "a@例え.jp", "a@b@c.com",
		strings.Repeat("a", 65) + "@example.com", "a@" + strings.Repeat("b", 250) + ".com", "a\n@b.com"} {
		if fe := validateEmail(bad); fe == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestValidatePasswordPhoneAndText(t *testing.T) {
	cases := []struct {
		password string
		code     string
	}{{"123456789", "PASSWORD_TOO_SHORT"}, {"0123456789", ""}, {"비밀번호는열글자입니다", ""}, {"비밀번호아홉글자다", "PASSWORD_TOO_SHORT"},
		{strings.Repeat("x", 257), "PASSWORD_TOO_LONG"}, {"0123456789\xff", "INVALID_PASSWORD"}}
	for _, c := range cases {
		fe := validatePassword(c.password)
		if (fe == nil) != (c.code == "") || (fe != nil && fe.Code != c.code) {
			t.Errorf("password %q: %+v, want %q", c.password, fe, c.code)
		}
	}
	for phone, ok := range map[string]bool{"+82 10-1234-5678": true, "(02) 123-4567": true, "010123": true, "12345": false,
		"+82+10": false, "phone": false, "0101234567890123456789": false, "": false} {
		if fe := validatePhone("phone", phone, true); (fe == nil) != ok {
			t.Errorf("phone %q: %+v", phone, fe)
		}
	}
	if fe := validateText("name", "line\nbreak", true, 100); fe == nil || fe.Code != "INVALID_TEXT" {
		t.Errorf("control characters: %+v", fe)
	}
	if fe := validateText("name", strings.Repeat("가", 101), true, 100); fe == nil || fe.Code != "TOO_LONG" {
		t.Errorf("101 characters: %+v", fe)
	}
}

func TestRolesForAudience(t *testing.T) {
	all := []kernel.Role{kernel.RoleCustomer, kernel.RoleSupport, kernel.RoleAdmin}
	if got := rolesFor(kernel.AudienceStorefront, all); !slices.Equal(got, []kernel.Role{kernel.RoleCustomer}) {
		t.Errorf("storefront: %v", got)
	}
	if got := rolesFor(kernel.AudienceAdmin, all); !slices.Equal(got, []kernel.Role{kernel.RoleSupport, kernel.RoleAdmin}) {
		t.Errorf("admin: %v", got)
	}
	if got := rolesFor(kernel.AudiencePartner, all); len(got) != 0 {
		t.Errorf("partner: %v", got)
	}
}

func TestRefreshSecretsAreUniqueAndHashed(t *testing.T) {
	a, ha, err := newRefreshSecret()
	if err != nil {
		t.Fatal(err)
	}
	b, hb, _ := newRefreshSecret()
	if a == b || ha == hb || !strings.HasPrefix(a, "jprt_") || len(a) != 5+43 || HashToken(a) != ha || looksLikeJWT(a) {
		t.Fatalf("%q %q", a, b)
	}
}
