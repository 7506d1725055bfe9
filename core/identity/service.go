package identity

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/integration"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/uow"
)

// Topic is the outbox topic of identity events.
const Topic = "jupang.identity.v1"

// Event types.
const (
	EventUserRegistered = "user.registered"
	EventReuseDetected  = "auth.refresh_token_reuse_detected"
)

// Options tune the service; the zero value uses the defaults.
type Options struct {
	// RefreshTTL is a refresh token's lifetime per audience (default: storefront 30 days, admin 12 h).
	RefreshTTL map[kernel.Audience]time.Duration
	// Attempts throttles sign-in attempts; nil: no limit.
	Attempts AttemptLimiter
}

// Service holds the identity use cases.
type Service struct {
	uow        uow.UnitOfWork[Stores]
	hasher     PasswordHasher
	signer     TokenSigner
	clock      kernel.Clock
	attempts   AttemptLimiter
	refreshTTL map[kernel.Audience]time.Duration
	// dummyHash is verified when an account does not exist, so a sign-in takes as long either way.
	dummyHash string
}

// NewService returns the identity service.
func NewService(u uow.UnitOfWork[Stores], hasher PasswordHasher, signer TokenSigner, clock kernel.Clock, opts Options) (*Service, error) {
	var b [24]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, err
	}
	dummy, err := hasher.Hash(base64.RawURLEncoding.EncodeToString(b[:]))
	if err != nil {
		return nil, fmt.Errorf("identity: hash the dummy password: %w", err)
	}
	ttl := map[kernel.Audience]time.Duration{
		kernel.AudienceStorefront: DefaultStorefrontRefreshTTL,
		kernel.AudienceAdmin:      DefaultAdminRefreshTTL,
	}
	for aud, d := range opts.RefreshTTL {
		if d <= 0 {
			return nil, fmt.Errorf("identity: refresh token lifetime for %s must be positive", aud)
		}
		ttl[aud] = d
	}
	return &Service{uow: u, hasher: hasher, signer: signer, clock: clock, attempts: opts.Attempts,
		refreshTTL: ttl, dummyHash: dummy}, nil
}

// SignUpInput is POST /v1/users.
type SignUpInput struct {
	Email          string
	Password       string
	Name           string
	Phone          string
	DefaultAddress *Address
}

// SignUp creates a customer account. A taken e-mail address (any letter case) is EMAIL_TAKEN.
func (s *Service) SignUp(ctx context.Context, in SignUpInput) (User, error) {
	in.Email, in.Name, in.Phone = strings.TrimSpace(in.Email), strings.TrimSpace(in.Name), strings.TrimSpace(in.Phone)
	var v errs.Validation
	v.Add(validateEmail(in.Email), validatePassword(in.Password), validateText("name", in.Name, true, 100),
		validatePhone("phone", in.Phone, true))
	if in.DefaultAddress != nil {
		in.DefaultAddress.validate(&v, "defaultAddress")
	}
	if err := v.Err(); err != nil {
		return User{}, err
	}
	return s.createUser(ctx, User{Email: in.Email, Name: in.Name, Phone: in.Phone, DefaultAddress: in.DefaultAddress,
		Roles: []kernel.Role{kernel.RoleCustomer}}, in.Password)
}

// StaffInput creates a staff account (seed and operator tooling; there is no public endpoint).
type StaffInput struct {
	Email    string
	Password string
	Name     string
	Phone    string
	Roles    []kernel.Role
}

// CreateStaff creates an account holding staff roles only.
func (s *Service) CreateStaff(ctx context.Context, in StaffInput) (User, error) {
	in.Email, in.Name, in.Phone = strings.TrimSpace(in.Email), strings.TrimSpace(in.Name), strings.TrimSpace(in.Phone)
	var v errs.Validation
	v.Add(validateEmail(in.Email), validatePassword(in.Password), validateText("name", in.Name, true, 100),
		validatePhone("phone", in.Phone, false))
	v.Check(len(in.Roles) > 0, "roles", errs.FieldRequired, "at least one staff role is required")
	for _, r := range in.Roles {
		v.Check(slices.Contains(StaffRoles, r), "roles", FieldInvalidRole, string(r)+" is not a staff role")
	}
	if err := v.Err(); err != nil {
		return User{}, err
	}
	roles := slices.Clone(in.Roles)
	slices.Sort(roles)
	return s.createUser(ctx, User{Email: in.Email, Name: in.Name, Phone: in.Phone, Roles: slices.Compact(roles)}, in.Password)
}

// createUser hashes outside the unit of work (hashing is slow on purpose) and then stores u.
func (s *Service) createUser(ctx context.Context, u User, password string) (User, error) {
	hash, err := s.hasher.Hash(password)
	if err != nil {
		return User{}, errs.ErrInternal.Wrap(err)
	}
	now := s.clock.Now()
	u.ID, u.PasswordHash, u.Status, u.CreatedAt, u.UpdatedAt = kernel.NewID(), hash, UserActive, now, now
	err = s.uow.Do(ctx, func(ctx context.Context, st Stores) error {
		if err := st.Users.Create(ctx, u); err != nil {
			return err
		}
		ev, err := integration.NewEvent(ctx, s.clock, Topic, EventUserRegistered, u.ID, "users/"+u.ID,
			map[string]any{"userId": u.ID, "roles": u.Roles})
		if err != nil {
			return err
		}
		return st.Outbox.Append(ctx, ev)
	})
	if err != nil {
		return User{}, err
	}
	return u, nil
}

// ClientInput registers a partner client.
type ClientInput struct {
	ClientID        string
	Name            string
	Secret          string
	HMACKey         []byte
	CertSubject     string
	SubscribedTypes []string
}

// RegisterClient creates a partner client with role External; its secret is stored hashed.
func (s *Service) RegisterClient(ctx context.Context, in ClientInput) (Client, error) {
	var v errs.Validation
	v.Add(validateClientID(in.ClientID), validateText("name", in.Name, true, 100),
		validateText("certSubject", in.CertSubject, true, 200))
	v.Check(len(in.Secret) >= 16, "secret", FieldPasswordTooShort, "must be at least 16 characters")
	v.Add(validateHMACKey(in.HMACKey))
	if err := v.Err(); err != nil {
		return Client{}, err
	}
	hash, err := s.hasher.Hash(in.Secret)
	if err != nil {
		return Client{}, errs.ErrInternal.Wrap(err)
	}
	now := s.clock.Now()
	c := Client{ID: kernel.NewID(), ClientID: in.ClientID, Name: in.Name, SecretHash: hash,
		CertSubject: in.CertSubject, Roles: []kernel.Role{kernel.RoleExternal},
		SubscribedTypes: slices.Clone(in.SubscribedTypes), Status: ClientActive, CreatedAt: now, UpdatedAt: now}
	err = s.uow.Do(ctx, func(ctx context.Context, st Stores) error {
		if err := st.Clients.Create(ctx, c); err != nil {
			return err
		}
		return st.HMACKeys.Add(ctx, HMACKey{ID: kernel.NewID(), ClientID: c.ID, Secret: slices.Clone(in.HMACKey), CreatedAt: now})
	})
	if err != nil {
		return Client{}, err
	}
	return c, nil
}

// hmacKeyPrefix marks generated HMAC keys so secret scanners and humans recognise them.
const hmacKeyPrefix = "jphk_"

// RotateHMACKey gives a partner a new current HMAC key and returns it (the only time it is shown).
// The key it replaces keeps verifying for graceSeconds (at most 7 days), so the partner can switch without a refused
// request; any older key stops at once, so at most two keys ever verify.
func (s *Service) RotateHMACKey(ctx context.Context, clientID string, graceSeconds int) (string, HMACKey, error) {
	if graceSeconds < 0 || graceSeconds > int(MaxHMACKeyGrace/time.Second) {
		return "", HMACKey{}, errs.ErrValidation.WithField("graceSeconds", errs.FieldOutOfRange.Code, "must be between 0 and 7 days")
	}
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", HMACKey{}, errs.ErrInternal.Wrap(err)
	}
	secret := hmacKeyPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	grace := time.Duration(graceSeconds) * time.Second
	var key HMACKey
	err := s.uow.Do(ctx, func(ctx context.Context, st Stores) error {
		c, err := st.Clients.ByClientID(ctx, clientID)
		if err != nil {
			return err
		}
		keys, err := st.HMACKeys.Lock(ctx, c.ID)
		if err != nil {
			return err
		}
		now := s.clock.Now()
		for _, k := range keys {
			switch {
			case k.RetiresAt == nil && grace > 0:
				err = st.HMACKeys.Retire(ctx, k.ID, now.Add(grace))
			default:
				err = st.HMACKeys.Delete(ctx, k.ID)
			}
			if err != nil {
				return err
			}
		}
		key = HMACKey{ID: kernel.NewID(), ClientID: c.ID, Secret: []byte(secret), CreatedAt: now}
		return st.HMACKeys.Add(ctx, key)
	})
	if err != nil {
		return "", HMACKey{}, err
	}
	return secret, key, nil
}

// MaxHMACKeyGrace bounds how long a replaced HMAC key keeps verifying.
const MaxHMACKeyGrace = 7 * 24 * time.Hour

// PartnerCredentials returns a partner client by its internal id (an access token's subject) with
// the HMAC keys that verify now, newest first.
func (s *Service) PartnerCredentials(ctx context.Context, id string) (PartnerCredentials, error) {
	var out PartnerCredentials
	err := s.uow.Do(ctx, func(ctx context.Context, st Stores) error {
		c, err := st.Clients.ByID(ctx, id)
		if err != nil {
			return err
		}
		keys, err := st.HMACKeys.OfClient(ctx, c.ID)
		if err != nil {
			return err
		}
		now := s.clock.Now()
		out = PartnerCredentials{Client: c, Keys: slices.DeleteFunc(keys, func(k HMACKey) bool { return !k.Verifies(now) })}
		return nil
	})
	return out, err
}

// PasswordGrant signs a person in on the storefront (Customer) or the admin binary (staff roles).
// An unknown e-mail address costs the same password check and the same throttling as a known one,
// so the answers cannot tell them apart. Attempts are throttled per account and client address
// (kernel.Request.ClientAddress); see AttemptLimiter.
func (s *Service) PasswordGrant(ctx context.Context, aud kernel.Audience, email, password string) (_ Tokens, err error) {
	if aud != kernel.AudienceStorefront && aud != kernel.AudienceAdmin {
		return Tokens{}, ErrUnsupportedGrantType
	}
	refund, err := s.spendAttempt(ctx, "account:"+NormalizeEmail(email))
	if err != nil {
		return Tokens{}, err
	}
	defer func() { refundUnlessRefused(refund, err) }()
	var user User
	found := false
	if validateEmail(strings.TrimSpace(email)) == nil && len(password) <= 4*MaxPasswordLength {
		err := s.uow.Do(ctx, func(ctx context.Context, st Stores) error {
			u, err := st.Users.ByEmail(ctx, strings.TrimSpace(email))
			if errors.Is(err, ErrUserNotFound) {
				return nil
			}
			user, found = u, err == nil
			return err
		})
		if err != nil {
			return Tokens{}, err
		}
	}
	hash := s.dummyHash
	if found {
		hash = user.PasswordHash
	}
	ok, err := s.hasher.Verify(hash, password)
	if err != nil {
		return Tokens{}, errs.ErrInternal.Wrap(err)
	}
	if !found || !ok {
		return Tokens{}, errWrongPassword
	}
	if user.Status != UserActive {
		return Tokens{}, ErrInvalidGrant.WithMessage("This account is locked or disabled.")
	}
	roles := rolesFor(aud, user.Roles)
	if len(roles) == 0 {
		return Tokens{}, ErrInvalidGrant.WithMessage("This account cannot sign in here.")
	}
	var out Tokens
	err = s.uow.Do(ctx, func(ctx context.Context, st Stores) error {
		var err error
		out, err = s.issue(ctx, st, aud, user.ID, roles, "", kernel.NewID())
		return err
	})
	return out, err
}

// RefreshGrant exchanges a refresh token for a new pair. Each refresh token works once: presenting
// one that was already used revokes its whole family (every token of that login), because either the
// client or a thief holds a copy. Of concurrent redemptions of one token exactly one succeeds.
func (s *Service) RefreshGrant(ctx context.Context, aud kernel.Audience, refreshToken string) (Tokens, error) {
	if aud != kernel.AudienceStorefront && aud != kernel.AudienceAdmin {
		return Tokens{}, ErrUnsupportedGrantType
	}
	hash := HashToken(refreshToken)
	var out Tokens
	var reused bool
	err := s.uow.Do(ctx, func(ctx context.Context, st Stores) error {
		out, reused = Tokens{}, false
		now := s.clock.Now()
		old, err := st.RefreshTokens.ByHash(ctx, hash)
		if errors.Is(err, ErrRefreshTokenNotFound) {
			return ErrInvalidGrant
		}
		if err != nil {
			return err
		}
		if !old.redeemable(aud, now) {
			return ErrInvalidGrant
		}
		won := false
		if old.UsedAt == nil {
			if won, err = st.RefreshTokens.MarkUsed(ctx, old.ID, now); err != nil {
				return err
			}
		}
		if !won {
			// Used before (or by a concurrent request that won): the family is compromised. This
			// revocation commits; the caller still gets invalid_grant.
			reused = true
			return s.revokeForReuse(ctx, st, old, now)
		}
		user, err := st.Users.ByID(ctx, old.UserID)
		if errors.Is(err, ErrUserNotFound) {
			return ErrInvalidGrant
		}
		if err != nil {
			return err
		}
		roles := rolesFor(aud, user.Roles)
		if user.Status != UserActive || len(roles) == 0 {
			if _, err := st.RefreshTokens.RevokeFamily(ctx, old.FamilyID, RevokedUserDisabled, now); err != nil {
				return err
			}
			return nil
		}
		out, err = s.issue(ctx, st, aud, user.ID, roles, old.ID, old.FamilyID)
		return err
	})
	switch {
	case err != nil:
		return Tokens{}, err
	case reused:
		return Tokens{}, ErrInvalidGrant.WithMessage("This refresh token was already used; the session has been revoked.")
	case out.AccessToken == "":
		return Tokens{}, ErrInvalidGrant.WithMessage("This account can no longer sign in here.")
	}
	return out, nil
}

func (s *Service) revokeForReuse(ctx context.Context, st Stores, old RefreshToken, now time.Time) error {
	n, err := st.RefreshTokens.RevokeFamily(ctx, old.FamilyID, RevokedReuse, now)
	if err != nil || n == 0 {
		return err
	}
	ev, err := integration.NewEvent(ctx, s.clock, Topic, EventReuseDetected, old.UserID, "users/"+old.UserID,
		map[string]any{"userId": old.UserID, "familyId": old.FamilyID, "audience": old.Audience, "revoked": n})
	if err != nil {
		return err
	}
	return st.Outbox.Append(ctx, ev)
}

// ClientCredentialsGrant authenticates a partner client on the partner binary (role External).
// No refresh token is issued (RFC 6749 §4.4.3): the client asks again with its secret.
func (s *Service) ClientCredentialsGrant(ctx context.Context, aud kernel.Audience, clientID, secret string) (_ Tokens, err error) {
	if aud != kernel.AudiencePartner {
		return Tokens{}, ErrUnsupportedGrantType
	}
	refund, err := s.spendAttempt(ctx, "client:"+clientID)
	if err != nil {
		return Tokens{}, err
	}
	defer func() { refundUnlessRefused(refund, err) }()
	var client Client
	found := false
	if validateClientID(clientID) == nil && len(secret) <= 4*MaxPasswordLength {
		err := s.uow.Do(ctx, func(ctx context.Context, st Stores) error {
			c, err := st.Clients.ByClientID(ctx, clientID)
			if errors.Is(err, ErrClientNotFound) {
				return nil
			}
			client, found = c, err == nil
			return err
		})
		if err != nil {
			return Tokens{}, err
		}
	}
	hash := s.dummyHash
	if found {
		hash = client.SecretHash
	}
	ok, err := s.hasher.Verify(hash, secret)
	if err != nil {
		return Tokens{}, errs.ErrInternal.Wrap(err)
	}
	if !found || !ok {
		return Tokens{}, errWrongSecret
	}
	if client.Status != ClientActive {
		return Tokens{}, ErrInvalidClient.WithMessage("This client is disabled.")
	}
	now := s.clock.Now()
	claims := AccessClaims{ID: kernel.NewID(), Subject: client.ID, Audience: aud, ClientID: client.ClientID,
		Roles: slices.Clone(client.Roles), IssuedAt: now, ExpiresAt: now.Add(AccessTokenTTL)}
	token, err := s.signer.Sign(ctx, claims)
	if err != nil {
		return Tokens{}, errs.ErrInternal.Wrap(err)
	}
	return Tokens{AccessToken: token, ExpiresIn: AccessTokenTTL, Roles: claims.Roles}, nil
}

// Revoke implements RFC 7009 for refresh tokens: the token's whole family stops working. An unknown
// token, or one issued for another binary, is not an error (the client's goal is met either way).
func (s *Service) Revoke(ctx context.Context, aud kernel.Audience, token string) error {
	if looksLikeJWT(token) {
		return ErrUnsupportedTokenType
	}
	hash := HashToken(token)
	return s.uow.Do(ctx, func(ctx context.Context, st Stores) error {
		t, err := st.RefreshTokens.ByHash(ctx, hash)
		if errors.Is(err, ErrRefreshTokenNotFound) {
			return nil
		}
		if err != nil || t.Audience != aud {
			return err
		}
		_, err = st.RefreshTokens.RevokeFamily(ctx, t.FamilyID, RevokedLogout, s.clock.Now())
		return err
	})
}

// Me returns the caller of the request in ctx: a person, or a partner client (role External).
func (s *Service) Me(ctx context.Context) (Caller, error) {
	p := kernel.RequestFrom(ctx).Principal
	if p.IsGuest() {
		return Caller{}, errs.ErrUnauthenticated
	}
	var out Caller
	err := s.uow.Do(ctx, func(ctx context.Context, st Stores) error {
		if p.Has(kernel.RoleExternal) {
			c, err := st.Clients.ByID(ctx, p.ID)
			if err != nil {
				return err
			}
			out = Caller{ID: c.ID, Name: c.Name, ClientID: c.ClientID, Roles: slices.Clone(p.Roles)}
			return nil
		}
		u, err := st.Users.ByID(ctx, p.ID)
		if err != nil {
			return err
		}
		out = Caller{ID: u.ID, Email: u.Email, Name: u.Name, Roles: slices.Clone(p.Roles)}
		return nil
	})
	if errors.Is(err, ErrUserNotFound) || errors.Is(err, ErrClientNotFound) {
		return Caller{}, errs.ErrUnauthenticated.WithMessage("The account of this token no longer exists.")
	}
	return out, err
}

// UserByEmail returns the account with that e-mail address in any letter case (seeds of other areas
// look up the demo customers with it).
func (s *Service) UserByEmail(ctx context.Context, email string) (User, error) {
	var out User
	err := s.uow.Do(ctx, func(ctx context.Context, st Stores) error {
		var err error
		out, err = st.Users.ByEmail(ctx, email)
		return err
	})
	return out, err
}

// Client returns a partner client by its public client id (for the partner feed's mTLS and HMAC checks).
func (s *Service) Client(ctx context.Context, clientID string) (Client, error) {
	var out Client
	err := s.uow.Do(ctx, func(ctx context.Context, st Stores) error {
		var err error
		out, err = st.Clients.ByClientID(ctx, clientID)
		return err
	})
	return out, err
}

// PurgeExpiredRefreshTokens deletes up to limit expired refresh tokens (a periodic job).
func (s *Service) PurgeExpiredRefreshTokens(ctx context.Context, limit int) (int, error) {
	var n int
	err := s.uow.Do(ctx, func(ctx context.Context, st Stores) error {
		var err error
		n, err = st.RefreshTokens.DeleteExpired(ctx, s.clock.Now(), limit)
		return err
	})
	return n, err
}

// issue stores a new refresh token of family (parent: the token it replaces) and signs an access token.
func (s *Service) issue(ctx context.Context, st Stores, aud kernel.Audience, userID string, roles []kernel.Role, parentID, familyID string) (Tokens, error) {
	now := s.clock.Now()
	secret, hash, err := newRefreshSecret()
	if err != nil {
		return Tokens{}, err
	}
	rt := RefreshToken{ID: kernel.NewID(), Hash: hash, FamilyID: familyID, ParentID: parentID, UserID: userID,
		Audience: aud, CreatedAt: now, ExpiresAt: now.Add(s.refreshTTL[aud])}
	if err := st.RefreshTokens.Create(ctx, rt); err != nil {
		return Tokens{}, err
	}
	claims := AccessClaims{ID: kernel.NewID(), Subject: userID, Audience: aud, ClientID: clientIDFor(aud),
		Roles: slices.Clone(roles), IssuedAt: now, ExpiresAt: now.Add(AccessTokenTTL)}
	token, err := s.signer.Sign(ctx, claims)
	if err != nil {
		return Tokens{}, err
	}
	return Tokens{AccessToken: token, ExpiresIn: AccessTokenTTL, RefreshToken: secret, Roles: claims.Roles}, nil
}

// Wrong credentials: the only answers that keep the attempt they spent.
var (
	errWrongPassword = ErrInvalidGrant.WithMessage("The email address or password is incorrect.")
	errWrongSecret   = ErrInvalidClient
)

// spendAttempt takes one sign-in attempt of account from the request's client address.
func (s *Service) spendAttempt(ctx context.Context, account string) (refund func(), err error) {
	if s.attempts == nil {
		return func() {}, nil
	}
	refund, wait, ok := s.attempts.Spend(account, kernel.RequestFrom(ctx).ClientAddress)
	if !ok {
		return nil, ErrTooManyAttempts.WithRetryAfter(wait)
	}
	return refund, nil
}

// refundUnlessRefused gives an attempt back unless it ended in wrong credentials: a right password
// (even for a disabled account) and a failure on our side are no guesses.
func refundUnlessRefused(refund func(), err error) {
	if err != errWrongPassword && err != errWrongSecret { // these exact values: a copy with another message is another outcome
		refund()
	}
}
