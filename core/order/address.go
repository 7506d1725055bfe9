package order

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/identity"
	"github.com/jupang/jupang/core/kernel"
)

// Address is an order's shipping address: a snapshot in the shape of the customer's
// defaultAddress, copied into the order so that later edits of the profile do not change it.
type Address = identity.Address

// ValidateShippingAddress checks a for delivery in market m, reporting every problem under field
// prefix (e.g. "shippingAddress"): the common rules of a postal address, a country the market
// delivers to, and the market's postal code (KR 5 digits; US ZIP or ZIP+4 and a two-letter state;
// JP NNN-NNNN and a prefecture).
func ValidateShippingAddress(v *errs.Validation, m kernel.Market, a Address, prefix string) {
	v.Add(text(prefix+".recipient", a.Recipient, true, 100),
		phone(prefix+".phone", a.Phone),
		text(prefix+".line1", a.Line1, true, 200),
		text(prefix+".line2", a.Line2, false, 200),
		text(prefix+".city", a.City, true, 100),
		text(prefix+".region", a.Region, m != kernel.MarketKR, 100))
	if v.Check(a.Country != "", prefix+".country", errs.FieldRequired, "this field is required") {
		v.Check(a.Country == string(m), prefix+".country", FieldCountryNotServed,
			"the "+string(m)+" market delivers to "+string(m)+" only")
	}
	if !v.Check(a.PostalCode != "", prefix+".postalCode", errs.FieldRequired, "this field is required") {
		return
	}
	switch m {
	case kernel.MarketKR:
		v.Check(digits(a.PostalCode, 5), prefix+".postalCode", FieldInvalidPostalCode, "must be 5 digits, e.g. 06236")
	case kernel.MarketUS:
		zip, plus4, four := strings.Cut(a.PostalCode, "-")
		v.Check(digits(zip, 5) && (!four || digits(plus4, 4)), prefix+".postalCode", FieldInvalidPostalCode,
			"must be a ZIP code such as 94103 or 94103-1234")
		if a.Region != "" {
			v.Check(len(a.Region) == 2 && upper(a.Region), prefix+".region", FieldInvalidRegion,
				"must be a two-letter state code such as CA")
		}
	case kernel.MarketJP:
		head, tail, dash := strings.Cut(a.PostalCode, "-")
		v.Check(dash && digits(head, 3) && digits(tail, 4) || !dash && digits(a.PostalCode, 7),
			prefix+".postalCode", FieldInvalidPostalCode, "must be a postal code such as 100-0001")
	}
}

func text(field, value string, required bool, maxRunes int) *errs.FieldError {
	switch {
	case strings.TrimSpace(value) == "":
		if required || value != "" {
			return errs.FieldRequired.At(field, "this field is required")
		}
		return nil
	case !utf8.ValidString(value) || strings.IndexFunc(value, unicode.IsControl) >= 0:
		return errs.FieldInvalidText.At(field, "must be printable text on one line")
	case utf8.RuneCountInString(value) > maxRunes:
		return errs.FieldTooLong.At(field, "is too long")
	}
	return nil
}

// phone accepts what identity accepts for a profile: optional, + digits spaces dashes parentheses.
func phone(field, p string) *errs.FieldError {
	if p == "" {
		return nil
	}
	n := 0
	for i := 0; i < len(p); i++ {
		switch c := p[i]; {
		case c >= '0' && c <= '9':
			n++
		case c == '+' && i == 0, c == ' ', c == '-', c == '(', c == ')':
		default:
			return identity.FieldInvalidPhone.At(field, "must be a phone number such as +82 10-1234-5678")
		}
	}
	if len(p) > 32 || n < 6 || n > 20 {
		return identity.FieldInvalidPhone.At(field, "must be a phone number such as +82 10-1234-5678")
	}
	return nil
}

func digits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func upper(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}
