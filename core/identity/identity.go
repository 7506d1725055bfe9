// Package identity is who may call Jupang: customers who sign up, staff accounts with roles, partner
// OAuth clients, and the OAuth 2.0 grants that turn their credentials into short-lived access tokens
// and rotating refresh tokens (SPEC §1).
package identity

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/kernel"
)

// Token lifetimes.
const (
	// AccessTokenTTL is the lifetime of every access token (SPEC §1: 15 min).
	AccessTokenTTL = 15 * time.Minute
	// DefaultStorefrontRefreshTTL is how long a shopper's refresh token lives after its last rotation.
	DefaultStorefrontRefreshTTL = 30 * 24 * time.Hour
	// DefaultAdminRefreshTTL is shorter for staff: a working day.
	DefaultAdminRefreshTTL = 12 * time.Hour
)

// Password bounds. The upper bound keeps hashing cost bounded for hostile input.
const (
	MinPasswordLength = 10
	MaxPasswordLength = 256
)

// UserStatus is whether an account may sign in.
type UserStatus string

// Account states.
const (
	UserActive   UserStatus = "ACTIVE"
	UserLocked   UserStatus = "LOCKED"
	UserDisabled UserStatus = "DISABLED"
)

// ClientStatus is whether a partner client may obtain tokens.
type ClientStatus string

// Partner client states.
const (
	ClientActive   ClientStatus = "ACTIVE"
	ClientDisabled ClientStatus = "DISABLED"
)

// RevokeReason says why a refresh token stopped working.
type RevokeReason string

// Revocation reasons.
const (
	RevokedReuse        RevokeReason = "REUSE_DETECTED"
	RevokedLogout       RevokeReason = "LOGOUT"
	RevokedUserDisabled RevokeReason = "USER_DISABLED"
	RevokedAdmin        RevokeReason = "ADMIN"
)

// StaffRoles are the roles a staff account may hold.
var StaffRoles = []kernel.Role{kernel.RoleSupport, kernel.RoleInventory, kernel.RoleMarketing, kernel.RoleAdmin}

// Address is a postal address (a customer's default shipping address).
type Address struct {
	Recipient  string
	Phone      string // optional
	Line1      string
	Line2      string // optional
	City       string
	Region     string // optional: state, province, prefecture or 구
	PostalCode string
	Country    string // ISO 3166-1 alpha-2
}

// User is a person who signs in with an e-mail address and a password: a customer or a staff member.
type User struct {
	ID             string
	Email          string // as typed at sign-up; unique in any letter case
	PasswordHash   string // encoded argon2id/bcrypt hash, never the password
	Name           string
	Phone          string   // empty for staff without one
	DefaultAddress *Address // optional
	Status         UserStatus
	Roles          []kernel.Role
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Client is a partner system that authenticates with a client id and secret (client_credentials).
type Client struct {
	ID              string // internal UUID; the sub of its access tokens
	ClientID        string // public identifier, e.g. "partner-demo"
	Name            string
	SecretHash      string
	HMACKey         []byte // key for X-Jupang-Signature (SPEC §9)
	CertSubject     string // client certificate subject that must match the token's client
	Roles           []kernel.Role
	SubscribedTypes []string // event types fanned out to this partner; empty = all
	Status          ClientStatus
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// RefreshToken is one link of a login's rotation chain. Only the SHA-256 of its secret is stored.
type RefreshToken struct {
	ID           string
	Hash         [32]byte
	FamilyID     string // shared by every rotation of one login
	ParentID     string // the token this one replaced; empty for the first
	UserID       string
	Audience     kernel.Audience
	CreatedAt    time.Time
	ExpiresAt    time.Time
	UsedAt       *time.Time // set once, when it is rotated; a second use is reuse
	RevokedAt    *time.Time
	RevokeReason RevokeReason
}

// Caller is what GET /v1/me returns.
type Caller struct {
	ID       string
	Email    string // empty for partner clients
	Name     string
	ClientID string // partner clients only
	Roles    []kernel.Role
}

// Tokens is a successful grant's answer.
type Tokens struct {
	AccessToken  string
	ExpiresIn    time.Duration
	RefreshToken string // empty for client_credentials
	Roles        []kernel.Role
}

// AccessClaims is what an access token says; a TokenSigner adds iss, nbf, kid and the signature.
type AccessClaims struct {
	ID        string // jti
	Subject   string // user or client UUID
	Audience  kernel.Audience
	ClientID  string // RFC 9068 client_id: "storefront", "admin" or the partner's client id
	Roles     []kernel.Role
	IssuedAt  time.Time
	ExpiresAt time.Time
}

// refreshTokenPrefix marks Jupang refresh tokens so secret scanners and humans recognise them.
const refreshTokenPrefix = "jprt_"

// newRefreshSecret returns a fresh opaque refresh token and its hash.
func newRefreshSecret() (string, [32]byte, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", [32]byte{}, err
	}
	secret := refreshTokenPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	return secret, HashToken(secret), nil
}

// HashToken is how refresh tokens are stored and looked up: SHA-256 of the opaque string.
func HashToken(token string) [32]byte { return sha256.Sum256([]byte(token)) }

// looksLikeJWT reports whether token has the three dot-separated parts of a JWS compact serialisation.
func looksLikeJWT(token string) bool { return strings.Count(token, ".") == 2 }

// NormalizeEmail is the case-insensitive key of an e-mail address.
func NormalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// rolesFor returns the roles a user acts as on a binary: Customer on the storefront, staff roles on
// the admin binary, none elsewhere.
func rolesFor(aud kernel.Audience, have []kernel.Role) []kernel.Role {
	var out []kernel.Role
	for _, r := range have {
		switch {
		case aud == kernel.AudienceStorefront && r == kernel.RoleCustomer,
			aud == kernel.AudienceAdmin && slices.Contains(StaffRoles, r):
			out = append(out, r)
		}
	}
	return out
}

// clientIDFor is the RFC 9068 client_id of the first-party clients.
func clientIDFor(aud kernel.Audience) string { return string(aud) }

// validateEmail checks a plain ASCII address local@domain. Addresses are compared in lower case,
// and the same lowering must happen in every store, so non-ASCII addresses are not accepted.
func validateEmail(email string) *errs.FieldError {
	bad := func(msg string) *errs.FieldError { return FieldInvalidEmail.At("email", msg) }
	if email == "" {
		return errs.FieldRequired.At("email", "an e-mail address is required")
	}
	if len(email) > 254 {
		return bad("must be at most 254 characters")
	}
	local, domain, ok := strings.Cut(email, "@")
	if !ok || local == "" || domain == "" || len(local) > 64 {
		return bad("must look like name@example.com")
	}
	if local[0] == '.' || local[len(local)-1] == '.' || strings.Contains(local, "..") {
		return bad("the part before @ is not valid")
	}
	for i := 0; i < len(local); i++ {
		c := local[i]
		if !isAlnum(c) && strings.IndexByte(".!#$%&'*+/=?^_`{|}~-", c) < 0 {
			return bad("the part before @ has a character that is not allowed")
		}
	}
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return bad("the domain must contain a dot")
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return bad("the domain is not valid")
		}
		for i := 0; i < len(l); i++ {
			if !isAlnum(l[i]) && l[i] != '-' {
				return bad("the domain has a character that is not allowed")
			}
		}
	}
	return nil
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func validatePassword(password string) *errs.FieldError {
	n := utf8.RuneCountInString(password)
	switch {
	case !utf8.ValidString(password):
		return FieldInvalidPassword.At("password", "must be valid UTF-8")
	case n < MinPasswordLength:
		return FieldPasswordTooShort.At("password", "must be at least 10 characters")
	case n > MaxPasswordLength:
		return FieldPasswordTooLong.At("password", "must be at most 256 characters")
	}
	return nil
}

// validateText checks a required single-line text of at most max characters.
func validateText(field, value string, required bool, max int) *errs.FieldError {
	if value == "" {
		if required {
			return errs.FieldRequired.At(field, "this field is required")
		}
		return nil
	}
	if !utf8.ValidString(value) || strings.IndexFunc(value, unicode.IsControl) >= 0 {
		return errs.FieldInvalidText.At(field, "must be printable text on one line")
	}
	if utf8.RuneCountInString(value) > max {
		return errs.FieldTooLong.At(field, "is too long")
	}
	return nil
}

// validatePhone accepts an optional leading +, digits, spaces, dashes and parentheses, with 6–20 digits.
func validatePhone(field, phone string, required bool) *errs.FieldError {
	if phone == "" {
		if required {
			return errs.FieldRequired.At(field, "this field is required")
		}
		return nil
	}
	bad := FieldInvalidPhone.At(field, "must be a phone number such as +82 10-1234-5678")
	if len(phone) > 32 {
		return bad
	}
	digits := 0
	for i := 0; i < len(phone); i++ {
		c := phone[i]
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '+' && i == 0, c == ' ', c == '-', c == '(', c == ')':
		default:
			return bad
		}
	}
	if digits < 6 || digits > 20 {
		return bad
	}
	return nil
}

// validate checks an address given as field prefix (e.g. "defaultAddress").
func (a Address) validate(v *errs.Validation, prefix string) {
	v.Add(validateText(prefix+".recipient", a.Recipient, true, 100),
		validatePhone(prefix+".phone", a.Phone, false),
		validateText(prefix+".line1", a.Line1, true, 200),
		validateText(prefix+".line2", a.Line2, false, 200),
		validateText(prefix+".city", a.City, true, 100),
		validateText(prefix+".region", a.Region, false, 100),
		validateText(prefix+".postalCode", a.PostalCode, true, 16))
	v.Check(len(a.Country) == 2 && isUpper(a.Country[0]) && isUpper(a.Country[1]), prefix+".country",
		FieldInvalidCountry, "must be an ISO 3166-1 alpha-2 code such as KR")
}

func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }

// validateClientID matches oauth_clients.client_id: 3–64 of [A-Za-z0-9._-].
func validateClientID(id string) *errs.FieldError {
	if len(id) < 3 || len(id) > 64 {
		return FieldInvalidClientID.At("clientId", "must be 3–64 characters")
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; !isAlnum(c) && c != '.' && c != '_' && c != '-' {
			return FieldInvalidClientID.At("clientId", "only A-Z, a-z, 0-9, '.', '_' and '-' are allowed")
		}
	}
	return nil
}

// redeemable says whether a refresh token may be exchanged now (reuse is checked separately).
func (t RefreshToken) redeemable(aud kernel.Audience, now time.Time) bool {
	return t.Audience == aud && t.RevokedAt == nil && now.Before(t.ExpiresAt)
}
