package identity

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/kernel"
)

// TestValidationReportsEveryBrokenRule pins, in order, the field errors of sign-up, staff accounts
// and partner clients when everything is wrong at once. Validation runs before any storage, so a
// zero Service is enough.
func TestValidationReportsEveryBrokenRule(t *testing.T) {
	ctx := context.Background()
	var s Service
	_, signUp := s.SignUp(ctx, SignUpInput{Email: "plain", Password: "short", Name: "a\nb", Phone: "",
		DefaultAddress: &Address{Phone: "12", Line1: strings.Repeat("x", 201), City: "Seoul", PostalCode: "1", Country: "kr"}})
	_, staff := s.CreateStaff(ctx, StaffInput{Email: "", Password: strings.Repeat("p", 257), Name: "", Phone: "+82 (10)"})
	_, roles := s.CreateStaff(ctx, StaffInput{Email: "a@b.co", Password: "0123456789", Name: "A",
		Roles: []kernel.Role{kernel.RoleSupport, kernel.RoleCustomer}})
	_, client := s.RegisterClient(ctx, ClientInput{ClientID: "a b", Name: "", Secret: "short", CertSubject: strings.Repeat("c", 201)})
	for _, c := range []struct {
		name string
		err  error
		want []string
	}{
		{"sign-up", signUp, []string{"email:INVALID_EMAIL", "password:PASSWORD_TOO_SHORT", "name:INVALID_TEXT", "phone:REQUIRED",
			"defaultAddress.recipient:REQUIRED", "defaultAddress.phone:INVALID_PHONE", "defaultAddress.line1:TOO_LONG",
			"defaultAddress.country:INVALID_COUNTRY"}},
		{"staff", staff, []string{"email:REQUIRED", "password:PASSWORD_TOO_LONG", "name:REQUIRED", "phone:INVALID_PHONE", "roles:REQUIRED"}},
		{"staff roles", roles, []string{"roles:INVALID_ROLE"}},
		{"partner client", client, []string{"clientId:INVALID_CLIENT_ID", "name:REQUIRED", "certSubject:TOO_LONG",
			"secret:PASSWORD_TOO_SHORT", "hmacKey:REQUIRED"}},
	} {
		var got []string
		for _, f := range errs.As(c.err).Fields {
			got = append(got, f.Field+":"+f.Code)
		}
		if !slices.Equal(got, c.want) || !errors.Is(c.err, errs.ErrValidation) {
			t.Errorf("%s: %v\n got %v\nwant %v", c.name, c.err, got, c.want)
		}
	}
}
