package contracttest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/identity"
	"github.com/jupang/jupang/core/integration"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/ratelimit"
	"github.com/jupang/jupang/core/uow"
)

// IdentityHarness is what an adapter provides to the identity suite.
type IdentityHarness struct {
	UnitOfWork uow.UnitOfWork[identity.Stores]
	Outbox     integration.OutboxReader
}

// plainHasher is a fast stand-in for argon2id: the suite tests the stores and use cases, not hashing.
type plainHasher struct{}

func (plainHasher) Hash(p string) (string, error) {
	sum := sha256.Sum256([]byte(p))
	return "sha256$" + hex.EncodeToString(sum[:]), nil
}

func (h plainHasher) Verify(encoded, p string) (bool, error) {
	want, _ := h.Hash(p)
	return encoded == want, nil
}

// countingHasher counts password checks, to show every sign-in path costs exactly one.
type countingHasher struct {
	plainHasher
	mu       sync.Mutex
	verifies int
}

func (h *countingHasher) Verify(encoded, p string) (bool, error) {
	h.mu.Lock()
	h.verifies++
	h.mu.Unlock()
	return h.plainHasher.Verify(encoded, p)
}

func (h *countingHasher) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.verifies
}

// recordingSigner "signs" by remembering the claims under an opaque token.
type recordingSigner struct {
	mu     sync.Mutex
	issued map[string]identity.AccessClaims
}

func (s *recordingSigner) Sign(_ context.Context, c identity.AccessClaims) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	tok := "at-" + c.ID
	s.issued[tok] = c
	return tok, nil
}

func (s *recordingSigner) claims(t *testing.T, token string) identity.AccessClaims {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.issued[token]
	if !ok {
		t.Fatalf("token %q was not issued", token)
	}
	return c
}

// signInLimits are the sign-in limits of the suite: 5 attempts per account and address.
func signInLimits() ratelimit.Limits {
	l := ratelimit.DefaultLimits()
	l.SignInAccountClient = ratelimit.Limit{Requests: 5, Per: 15 * time.Minute, Burst: 5}
	return l
}

// from is a request context from a client address.
func from(address string) context.Context {
	return kernel.WithRequest(context.Background(), kernel.Request{Principal: kernel.Guest, ClientAddress: address})
}

const testPassword = "correct-horse-battery"

// RunIdentity checks the identity stores (users, clients, refresh tokens) and the identity use cases
// on an adapter: case-insensitive unique e-mail, grants per binary, refresh rotation, reuse detection
// that revokes the family, and exactly one winner among concurrent redemptions of one refresh token.
func RunIdentity(t *testing.T, newHarness func(t *testing.T) IdentityHarness) {
	ctx := context.Background()
	start := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)

	type env struct {
		h      IdentityHarness
		clock  *kernel.FakeClock
		signer *recordingSigner
		hasher *countingHasher
		svc    *identity.Service
	}
	setup := func(t *testing.T) env {
		h := newHarness(t)
		e := env{h: h, clock: kernel.NewFakeClock(start), signer: &recordingSigner{issued: map[string]identity.AccessClaims{}},
			hasher: &countingHasher{}}
		guard := ratelimit.NewSignInGuard(ratelimit.New(e.clock, 10000), signInLimits())
		svc, err := identity.NewService(h.UnitOfWork, e.hasher, e.signer, e.clock, identity.Options{Attempts: guard})
		if err != nil {
			t.Fatal(err)
		}
		e.svc = svc
		return e
	}
	email := func(prefix string) string { return prefix + "-" + kernel.NewID() + "@Example.test" }
	signUp := func(t *testing.T, e env, addr string) identity.User {
		t.Helper()
		u, err := e.svc.SignUp(ctx, identity.SignUpInput{Email: addr, Password: testPassword, Name: "Kim Jupang", Phone: "+82 10-1234-5678"})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	signIn := func(t *testing.T, e env, u identity.User) identity.Tokens {
		t.Helper()
		tok, err := e.svc.PasswordGrant(ctx, kernel.AudienceStorefront, u.Email, testPassword)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	rotate := func(t *testing.T, e env, refresh string) identity.Tokens {
		t.Helper()
		tok, err := e.svc.RefreshGrant(ctx, kernel.AudienceStorefront, refresh)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	staff := func(t *testing.T, e env, roles ...kernel.Role) identity.User {
		t.Helper()
		u, err := e.svc.CreateStaff(ctx, identity.StaffInput{Email: email("staff"), Password: testPassword, Name: "Staff", Roles: roles})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	wantCode := func(t *testing.T, err error, target *errs.Error) {
		t.Helper()
		if !errors.Is(err, target) {
			t.Fatalf("err = %v, want %s", err, target.Code)
		}
	}
	refreshByToken := func(t *testing.T, e env, token string) identity.RefreshToken {
		t.Helper()
		var rt identity.RefreshToken
		err := e.h.UnitOfWork.Do(ctx, func(ctx context.Context, s identity.Stores) error {
			var err error
			rt, err = s.RefreshTokens.ByHash(ctx, identity.HashToken(token))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return rt
	}
	eventsFor := func(t *testing.T, e env, typ, aggregate string) int {
		t.Helper()
		entries, err := e.h.Outbox.List(ctx, integration.OutboxPending, 100000)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, en := range entries {
			if en.Type == typ && en.AggregateID == aggregate {
				n++
			}
		}
		return n
	}

	t.Run("users: stored with roles and address, found by id and by e-mail in any case", func(t *testing.T) {
		e := setup(t)
		addr := email("Mixed.Case")
		u, err := e.svc.SignUp(ctx, identity.SignUpInput{Email: addr, Password: testPassword, Name: "김주팡", Phone: "010-1234-5678",
			DefaultAddress: &identity.Address{Recipient: "김주팡", Line1: "세종대로 110", City: "서울", Region: "중구", PostalCode: "04524", Country: "KR"}})
		if err != nil {
			t.Fatal(err)
		}
		err = e.h.UnitOfWork.Do(ctx, func(ctx context.Context, s identity.Stores) error {
			for _, lookup := range []string{strings.ToUpper(addr), strings.ToLower(addr)} {
				got, err := s.Users.ByEmail(ctx, lookup)
				if err != nil {
					return err
				}
				if got.ID != u.ID || got.Email != addr || got.Name != "김주팡" || got.Phone != "010-1234-5678" || got.Status != identity.UserActive ||
					len(got.Roles) != 1 || got.Roles[0] != kernel.RoleCustomer || got.DefaultAddress == nil || *got.DefaultAddress != *u.DefaultAddress ||
					!got.CreatedAt.Equal(start) || got.PasswordHash == "" || got.PasswordHash == testPassword {
					return fmt.Errorf("ByEmail(%s) = %+v", lookup, got)
				}
			}
			byID, err := s.Users.ByID(ctx, u.ID)
			if err != nil || byID.Email != addr {
				return fmt.Errorf("ByID = %+v, %v", byID, err)
			}
			for _, missing := range []string{kernel.NewID(), "not-a-uuid"} {
				if _, err := s.Users.ByID(ctx, missing); !errors.Is(err, identity.ErrUserNotFound) {
					return fmt.Errorf("ByID(%s) err = %v", missing, err)
				}
			}
			if _, err := s.Users.ByEmail(ctx, email("nobody")); !errors.Is(err, identity.ErrUserNotFound) {
				return fmt.Errorf("ByEmail(unknown) err = %v", err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if eventsFor(t, e, identity.EventUserRegistered, u.ID) != 1 {
			t.Fatal("sign-up must append one user.registered event")
		}
	})

	t.Run("users: an e-mail taken in another letter case is EMAIL_TAKEN and changes nothing", func(t *testing.T) {
		e := setup(t)
		addr := email("taken")
		u := signUp(t, e, addr)
		_, err := e.svc.SignUp(ctx, identity.SignUpInput{Email: strings.ToUpper(addr), Password: "another-password", Name: "Other", Phone: "+8210987654"})
		wantCode(t, err, identity.ErrEmailTaken)
		_, err = e.svc.CreateStaff(ctx, identity.StaffInput{Email: strings.ToLower(addr), Password: testPassword, Name: "S", Roles: []kernel.Role{kernel.RoleAdmin}})
		wantCode(t, err, identity.ErrEmailTaken)
		if _, err := e.svc.PasswordGrant(ctx, kernel.AudienceStorefront, addr, testPassword); err != nil {
			t.Fatalf("the first account still signs in with its password: %v", err)
		}
		if eventsFor(t, e, identity.EventUserRegistered, u.ID) != 1 {
			t.Fatal("events")
		}
	})

	t.Run("users: concurrent sign-ups of one address in different cases: exactly one wins", func(t *testing.T) {
		e := setup(t)
		addr := email("race")
		const n = 20
		var wg sync.WaitGroup
		results := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				a := addr
				if i%2 == 1 {
					a = strings.ToUpper(addr)
				}
				_, results[i] = e.svc.SignUp(ctx, identity.SignUpInput{Email: a, Password: testPassword, Name: "R", Phone: "+821012345678"})
			}()
		}
		wg.Wait()
		ok := 0
		for _, err := range results {
			switch {
			case err == nil:
				ok++
			case !errors.Is(err, identity.ErrEmailTaken):
				t.Fatalf("unexpected error %v", err)
			}
		}
		if ok != 1 {
			t.Fatalf("%d sign-ups succeeded, want 1", ok)
		}
	})

	t.Run("users: a failed unit of work stores nothing", func(t *testing.T) {
		e := setup(t)
		id, addr := kernel.NewID(), email("rolled-back")
		err := e.h.UnitOfWork.Do(ctx, func(ctx context.Context, s identity.Stores) error {
			if err := s.Users.Create(ctx, identity.User{ID: id, Email: addr, PasswordHash: "x", Name: "N", Status: identity.UserActive,
				Roles: []kernel.Role{kernel.RoleCustomer}, CreatedAt: start, UpdatedAt: start}); err != nil {
				return err
			}
			return errBoom
		})
		if !errors.Is(err, errBoom) {
			t.Fatal(err)
		}
		signUp(t, e, addr) // the address is free again
	})

	t.Run("sign-up validates every field and stores nothing when one is bad", func(t *testing.T) {
		e := setup(t)
		addr := email("bad")
		_, err := e.svc.SignUp(ctx, identity.SignUpInput{Email: addr, Password: "short", Name: "", Phone: "12",
			DefaultAddress: &identity.Address{Country: "Korea"}})
		wantCode(t, err, errs.ErrValidation)
		fields := map[string]string{}
		for _, f := range errs.As(err).Fields {
			fields[f.Field] = f.Code
		}
		for field, code := range map[string]string{"password": "PASSWORD_TOO_SHORT", "name": "REQUIRED", "phone": "INVALID_PHONE",
			"defaultAddress.line1": "REQUIRED", "defaultAddress.country": "INVALID_COUNTRY"} {
			if fields[field] != code {
				t.Errorf("field %s = %q, want %s (all: %v)", field, fields[field], code, fields)
			}
		}
		for _, bad := range []string{"no-at-sign", "a@b", "a..b@example.com", "kim@例え.jp", "a b@example.com"} {
			_, err := e.svc.SignUp(ctx, identity.SignUpInput{Email: bad, Password: testPassword, Name: "N", Phone: "+821012345678"})
			if !errors.Is(err, errs.ErrValidation) || errs.As(err).Fields[0].Code != "INVALID_EMAIL" {
				t.Errorf("email %q: %v", bad, err)
			}
		}
		signUp(t, e, addr) // nothing was stored under that address
	})

	t.Run("clients: stored and found by client id; a taken id is CLIENT_ID_TAKEN", func(t *testing.T) {
		e := setup(t)
		cid := "partner-" + kernel.NewID()[:8]
		c, err := e.svc.RegisterClient(ctx, identity.ClientInput{ClientID: cid, Name: "Partner", Secret: "partner-secret-0123",
			HMACKey: []byte("hmac-key-0123456789"), CertSubject: cid, SubscribedTypes: []string{"order.paid"}})
		if err != nil {
			t.Fatal(err)
		}
		got, err := e.svc.Client(ctx, cid)
		if err != nil || got.ID != c.ID || got.CertSubject != cid || len(got.Roles) != 1 ||
			got.Roles[0] != kernel.RoleExternal || len(got.SubscribedTypes) != 1 || got.Status != identity.ClientActive || got.SecretHash == "" {
			t.Fatalf("Client = %+v, %v", got, err)
		}
		_, err = e.svc.RegisterClient(ctx, identity.ClientInput{ClientID: cid, Name: "Again", Secret: "partner-secret-0123", HMACKey: []byte("hmac-key-0123456789"), CertSubject: "x"})
		wantCode(t, err, identity.ErrClientIDTaken)
		_, err = e.svc.Client(ctx, "nobody-"+kernel.NewID()[:8])
		wantCode(t, err, identity.ErrClientNotFound)
	})

	t.Run("hmac keys: the first key verifies; a rotation keeps the replaced key until its grace ends, never a third", func(t *testing.T) {
		e := setup(t)
		cid := "hk-" + kernel.NewID()[:8]
		c, err := e.svc.RegisterClient(ctx, identity.ClientInput{ClientID: cid, Name: "P", Secret: "partner-secret-0123",
			HMACKey: []byte("first-key-0123456789"), CertSubject: cid})
		if err != nil {
			t.Fatal(err)
		}
		secrets := func() []string {
			t.Helper()
			cr, err := e.svc.PartnerCredentials(ctx, c.ID)
			if err != nil || cr.Client.ClientID != cid {
				t.Fatalf("PartnerCredentials = %+v, %v", cr, err)
			}
			var out []string
			for _, k := range cr.Keys {
				out = append(out, string(k.Secret))
			}
			return out
		}
		if got := secrets(); len(got) != 1 || got[0] != "first-key-0123456789" {
			t.Fatalf("keys = %q", got)
		}
		second, _, err := e.svc.RotateHMACKey(ctx, cid, 3600)
		if err != nil || !strings.HasPrefix(second, "jphk_") {
			t.Fatalf("rotate = %q, %v", second, err)
		}
		if got := secrets(); len(got) != 2 || got[0] != second || got[1] != "first-key-0123456789" {
			t.Fatalf("during the grace: keys = %q, want the new one, then the old one", got)
		}
		e.clock.Advance(10 * time.Minute)
		third, _, err := e.svc.RotateHMACKey(ctx, cid, 3600)
		if err != nil {
			t.Fatal(err)
		}
		if got := secrets(); len(got) != 2 || got[0] != third || got[1] != second {
			t.Fatalf("a second rotation: keys = %q, want only the two newest", got)
		}
		e.clock.Advance(time.Hour)
		if got := secrets(); len(got) != 1 || got[0] != third {
			t.Fatalf("after the grace: keys = %q", got)
		}
		if _, _, err := e.svc.RotateHMACKey(ctx, "nobody-"+kernel.NewID()[:6], 3600); !errors.Is(err, identity.ErrClientNotFound) {
			t.Fatalf("unknown client: %v", err)
		}
		_, err = e.svc.RegisterClient(ctx, identity.ClientInput{ClientID: "short-" + kernel.NewID()[:6], Name: "P",
			Secret: "partner-secret-0123", HMACKey: []byte("short"), CertSubject: "x"})
		if !errors.Is(err, errs.ErrValidation) || errs.As(err).Fields[0].Field != "hmacKey" {
			t.Fatalf("a 5-byte key: %v", err)
		}
	})

	t.Run("hmac keys: concurrent rotations leave exactly one current key", func(t *testing.T) {
		e := setup(t)
		cid := "hr-" + kernel.NewID()[:8]
		c, err := e.svc.RegisterClient(ctx, identity.ClientInput{ClientID: cid, Name: "P", Secret: "partner-secret-0123",
			HMACKey: []byte("first-key-0123456789"), CertSubject: cid})
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for range 20 {
			wg.Go(func() {
				if _, _, err := e.svc.RotateHMACKey(ctx, cid, 3600); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		cr, err := e.svc.PartnerCredentials(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		current := 0
		for _, k := range cr.Keys {
			if k.RetiresAt == nil {
				current++
			}
		}
		if len(cr.Keys) != 2 || current != 1 {
			t.Fatalf("%d keys, %d current; want 2 and 1", len(cr.Keys), current)
		}
	})

	t.Run("refresh tokens: MarkUsed wins once, never on a revoked token; RevokeFamily counts", func(t *testing.T) {
		e := setup(t)
		cust := signUp(t, e, email("store"))
		family := kernel.NewID()
		mk := func(s identity.Stores, ctx context.Context, parent string) (identity.RefreshToken, error) {
			rt := identity.RefreshToken{ID: kernel.NewID(), Hash: identity.HashToken(kernel.NewID()), FamilyID: family, ParentID: parent,
				UserID: cust.ID, Audience: kernel.AudienceStorefront, CreatedAt: start, ExpiresAt: start.Add(time.Hour)}
			return rt, s.RefreshTokens.Create(ctx, rt)
		}
		err := e.h.UnitOfWork.Do(ctx, func(ctx context.Context, s identity.Stores) error {
			a, err := mk(s, ctx, "")
			if err != nil {
				return err
			}
			b, err := mk(s, ctx, a.ID)
			if err != nil {
				return err
			}
			got, err := s.RefreshTokens.ByHash(ctx, a.Hash)
			if err != nil || got.ID != a.ID || got.Hash != a.Hash || got.FamilyID != family || got.UserID != cust.ID ||
				!got.ExpiresAt.Equal(a.ExpiresAt) || got.UsedAt != nil || got.RevokedAt != nil {
				return fmt.Errorf("ByHash = %+v, %v", got, err)
			}
			if won, err := s.RefreshTokens.MarkUsed(ctx, a.ID, start); err != nil || !won {
				return fmt.Errorf("first MarkUsed = %v, %v", won, err)
			}
			if won, err := s.RefreshTokens.MarkUsed(ctx, a.ID, start); err != nil || won {
				return fmt.Errorf("second MarkUsed = %v, %v", won, err)
			}
			if n, err := s.RefreshTokens.RevokeFamily(ctx, family, identity.RevokedAdmin, start); err != nil || n != 2 {
				return fmt.Errorf("RevokeFamily = %d, %v", n, err)
			}
			if n, err := s.RefreshTokens.RevokeFamily(ctx, family, identity.RevokedAdmin, start); err != nil || n != 0 {
				return fmt.Errorf("RevokeFamily again = %d, %v", n, err)
			}
			if won, err := s.RefreshTokens.MarkUsed(ctx, b.ID, start); err != nil || won {
				return fmt.Errorf("MarkUsed on a revoked token = %v, %v", won, err)
			}
			got, err = s.RefreshTokens.ByHash(ctx, b.Hash)
			if err != nil || got.RevokedAt == nil || got.RevokeReason != identity.RevokedAdmin || got.ParentID != a.ID {
				return fmt.Errorf("revoked = %+v, %v", got, err)
			}
			if _, err := s.RefreshTokens.ByHash(ctx, identity.HashToken("nope")); !errors.Is(err, identity.ErrRefreshTokenNotFound) {
				return fmt.Errorf("unknown hash: %v", err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})

	t.Run("password grant: customers on the storefront, staff on the admin binary", func(t *testing.T) {
		e := setup(t)
		cust := signUp(t, e, email("cust"))
		adm := staff(t, e, kernel.RoleSupport, kernel.RoleAdmin)

		tok, err := e.svc.PasswordGrant(ctx, kernel.AudienceStorefront, strings.ToUpper(cust.Email), testPassword)
		if err != nil {
			t.Fatal(err)
		}
		c := e.signer.claims(t, tok.AccessToken)
		if c.Subject != cust.ID || c.Audience != kernel.AudienceStorefront || len(c.Roles) != 1 || c.Roles[0] != kernel.RoleCustomer ||
			!c.ExpiresAt.Equal(start.Add(15*time.Minute)) || tok.ExpiresIn != 15*time.Minute || !strings.HasPrefix(tok.RefreshToken, "jprt_") {
			t.Fatalf("storefront token %+v claims %+v", tok, c)
		}
		rt := refreshByToken(t, e, tok.RefreshToken)
		if rt.UserID != cust.ID || rt.Audience != kernel.AudienceStorefront || rt.UsedAt != nil || rt.RevokedAt != nil || rt.ParentID != "" {
			t.Fatalf("stored refresh token %+v", rt)
		}

		tok, err = e.svc.PasswordGrant(ctx, kernel.AudienceAdmin, adm.Email, testPassword)
		if err != nil {
			t.Fatal(err)
		}
		if c := e.signer.claims(t, tok.AccessToken); c.Audience != kernel.AudienceAdmin || len(c.Roles) != 2 {
			t.Fatalf("admin claims %+v", c)
		}

		for _, tc := range []struct {
			aud             kernel.Audience
			email, password string
		}{
			{kernel.AudienceStorefront, cust.Email, "wrong-password"},
			{kernel.AudienceStorefront, email("unknown"), testPassword},
			{kernel.AudienceStorefront, "not an email", testPassword},
			{kernel.AudienceStorefront, adm.Email, testPassword}, // staff cannot shop with a staff account
			{kernel.AudienceAdmin, cust.Email, testPassword},     // customers never reach the admin binary
		} {
			_, err := e.svc.PasswordGrant(ctx, tc.aud, tc.email, tc.password)
			if !errors.Is(err, identity.ErrInvalidGrant) {
				t.Errorf("%s %s/%s: err = %v, want INVALID_GRANT", tc.aud, tc.email, tc.password, err)
			}
		}
		_, err = e.svc.PasswordGrant(ctx, kernel.AudiencePartner, cust.Email, testPassword)
		wantCode(t, err, identity.ErrUnsupportedGrantType)
	})

	t.Run("password grant: every refusal costs one password check, whether or not the account exists", func(t *testing.T) {
		e := setup(t)
		cust := signUp(t, e, email("timing"))
		for _, tc := range []struct{ name, email, password string }{
			{"wrong password", cust.Email, "wrong-password"},
			{"unknown account", email("unknown"), testPassword},
			{"not an e-mail address", "not an email", testPassword},
			{"right password", cust.Email, testPassword},
			{"client: unknown", "", ""},
		} {
			before := e.hasher.count()
			if tc.name == "client: unknown" {
				_, _ = e.svc.ClientCredentialsGrant(ctx, kernel.AudiencePartner, "nobody-"+kernel.NewID()[:6], "partner-secret-0123")
			} else {
				_, _ = e.svc.PasswordGrant(ctx, kernel.AudienceStorefront, tc.email, tc.password)
			}
			if got := e.hasher.count() - before; got != 1 {
				t.Errorf("%s: %d password checks, want 1", tc.name, got)
			}
		}
	})

	t.Run("password grant: failed attempts are throttled per account, unknown accounts too", func(t *testing.T) {
		e := setup(t)
		cust := signUp(t, e, email("guess"))
		for range 5 {
			_, err := e.svc.PasswordGrant(ctx, kernel.AudienceStorefront, cust.Email, "wrong-password")
			wantCode(t, err, identity.ErrInvalidGrant)
		}
		_, err := e.svc.PasswordGrant(ctx, kernel.AudienceStorefront, strings.ToUpper(cust.Email), testPassword)
		wantCode(t, err, errs.ErrRateLimited)
		if errs.As(err).RetryAfter <= 0 {
			t.Fatal("a throttled attempt says when to retry")
		}
		other := signUp(t, e, email("other"))
		if _, err := e.svc.PasswordGrant(ctx, kernel.AudienceStorefront, other.Email, testPassword); err != nil {
			t.Fatalf("another account is not throttled: %v", err)
		}
		unknown := email("ghost")
		for range 5 {
			_, _ = e.svc.PasswordGrant(ctx, kernel.AudienceStorefront, unknown, testPassword)
		}
		_, err = e.svc.PasswordGrant(ctx, kernel.AudienceStorefront, unknown, testPassword)
		wantCode(t, err, errs.ErrRateLimited)
	})

	t.Run("sign-in: a stranger is throttled, the owner from another address still signs in", func(t *testing.T) {
		e := setup(t)
		cust := signUp(t, e, email("owner"))
		attacker, owner := from("198.51.100.7"), from("2001:db8:1:2::/64")
		ghost := email("ghost")
		var real, unknown []string // what the attacker sees, for a real and an unknown account
		for range 7 {
			_, err := e.svc.PasswordGrant(attacker, kernel.AudienceStorefront, cust.Email, "wrong-password")
			real = append(real, fmt.Sprintf("%s %s", errs.As(err).Code, errs.As(err).RetryAfter))
			_, err = e.svc.PasswordGrant(attacker, kernel.AudienceStorefront, ghost, "wrong-password")
			unknown = append(unknown, fmt.Sprintf("%s %s", errs.As(err).Code, errs.As(err).RetryAfter))
		}
		if want := "RATE_LIMITED 3m0s"; real[5] != want || real[6] != want {
			t.Fatalf("the attacker's answers %v, want RATE_LIMITED after 5 guesses", real)
		}
		if fmt.Sprint(real) != fmt.Sprint(unknown) {
			t.Fatalf("a real account answers %v, an unknown one %v: the answers tell them apart", real, unknown)
		}
		if _, err := e.svc.PasswordGrant(attacker, kernel.AudienceStorefront, cust.Email, testPassword); !errors.Is(err, errs.ErrRateLimited) {
			t.Fatalf("the attacker with the right password while throttled: %v", err)
		}
		for i := range 20 { // successes are refunded: the owner never throttles themself
			if _, err := e.svc.PasswordGrant(owner, kernel.AudienceStorefront, cust.Email, testPassword); err != nil {
				t.Fatalf("the owner's sign-in %d from another address: %v", i, err)
			}
		}
	})

	t.Run("sign-in: concurrent wrong passwords past the burst are refused before the password check", func(t *testing.T) {
		e := setup(t)
		cust := signUp(t, e, email("storm"))
		limits := signInLimits()
		limits.SignInAccountClient = ratelimit.Limit{Requests: 10, Per: 15 * time.Minute, Burst: 10}
		hasher := &countingHasher{}
		svc, err := identity.NewService(e.h.UnitOfWork, hasher, e.signer, e.clock,
			identity.Options{Attempts: ratelimit.NewSignInGuard(ratelimit.New(e.clock, 10000), limits)})
		if err != nil {
			t.Fatal(err)
		}
		before := hasher.count()
		var mu sync.Mutex
		answers := map[string]int{}
		var wg sync.WaitGroup
		for range 100 {
			wg.Go(func() {
				_, err := svc.PasswordGrant(from("198.51.100.7"), kernel.AudienceStorefront, cust.Email, "wrong-password")
				mu.Lock()
				answers[errs.As(err).Code]++
				mu.Unlock()
			})
		}
		wg.Wait()
		if checks := hasher.count() - before; checks != 10 || answers["INVALID_GRANT"] != 10 || answers["RATE_LIMITED"] != 90 {
			t.Fatalf("%d password checks, answers %v; want 10 checks (the burst) and 90 refusals", checks, answers)
		}
	})

	t.Run("refresh grant rotates: the new token works once, the old one never again", func(t *testing.T) {
		e := setup(t)
		cust := signUp(t, e, email("rotate"))
		first := signIn(t, e, cust)
		e.clock.Advance(time.Hour)
		second := rotate(t, e, first.RefreshToken)
		if second.RefreshToken == first.RefreshToken || second.AccessToken == first.AccessToken {
			t.Fatal("rotation must issue a new pair")
		}
		if c := e.signer.claims(t, second.AccessToken); c.Subject != cust.ID || !c.IssuedAt.Equal(start.Add(time.Hour)) {
			t.Fatalf("claims %+v", c)
		}
		old, cur := refreshByToken(t, e, first.RefreshToken), refreshByToken(t, e, second.RefreshToken)
		if old.UsedAt == nil || !old.UsedAt.Equal(start.Add(time.Hour)) || cur.ParentID != old.ID || cur.FamilyID != old.FamilyID || cur.UsedAt != nil {
			t.Fatalf("old %+v new %+v", old, cur)
		}
		third := rotate(t, e, second.RefreshToken)
		if _, err := e.svc.RefreshGrant(ctx, kernel.AudienceAdmin, third.RefreshToken); !errors.Is(err, identity.ErrInvalidGrant) {
			t.Fatalf("a storefront refresh token on the admin binary: %v", err)
		}
		if _, err := e.svc.RefreshGrant(ctx, kernel.AudienceStorefront, "jprt_unknown"); !errors.Is(err, identity.ErrInvalidGrant) {
			t.Fatalf("unknown token: %v", err)
		}
		if refreshByToken(t, e, third.RefreshToken).RevokedAt != nil {
			t.Fatal("failed attempts with other tokens must not touch this family")
		}
	})

	t.Run("refresh grant: reusing a used token revokes the whole family", func(t *testing.T) {
		e := setup(t)
		cust := signUp(t, e, email("reuse"))
		first := signIn(t, e, cust)
		second := rotate(t, e, first.RefreshToken)
		other := signIn(t, e, cust) // another device
		_, err := e.svc.RefreshGrant(ctx, kernel.AudienceStorefront, first.RefreshToken)
		wantCode(t, err, identity.ErrInvalidGrant)
		for _, tok := range []string{first.RefreshToken, second.RefreshToken} {
			rt := refreshByToken(t, e, tok)
			if rt.RevokedAt == nil || rt.RevokeReason != identity.RevokedReuse {
				t.Fatalf("family member not revoked: %+v", rt)
			}
		}
		_, err = e.svc.RefreshGrant(ctx, kernel.AudienceStorefront, second.RefreshToken)
		wantCode(t, err, identity.ErrInvalidGrant)
		if _, err := e.svc.RefreshGrant(ctx, kernel.AudienceStorefront, other.RefreshToken); err != nil {
			t.Fatalf("another login's family is untouched: %v", err)
		}
		if eventsFor(t, e, identity.EventReuseDetected, cust.ID) != 1 {
			t.Fatal("reuse detection appends one event")
		}
	})

	t.Run("refresh grant: 50 concurrent redemptions of one token, exactly one succeeds", func(t *testing.T) {
		e := setup(t)
		cust := signUp(t, e, email("race"))
		first := signIn(t, e, cust)
		const n = 50
		var wg sync.WaitGroup
		results := make([]identity.Tokens, n)
		redeemErrs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i], redeemErrs[i] = e.svc.RefreshGrant(ctx, kernel.AudienceStorefront, first.RefreshToken)
			}()
		}
		wg.Wait()
		var winner identity.Tokens
		wins := 0
		for i, err := range redeemErrs {
			switch {
			case err == nil:
				wins++
				winner = results[i]
			case !errors.Is(err, identity.ErrInvalidGrant):
				t.Fatalf("unexpected error: %v", err)
			}
		}
		if wins != 1 {
			t.Fatalf("%d redemptions succeeded, want exactly 1", wins)
		}
		// The 49 losers presented a used token: the family, the winner's new token included, is revoked.
		for _, tok := range []string{first.RefreshToken, winner.RefreshToken} {
			if rt := refreshByToken(t, e, tok); rt.RevokedAt == nil || rt.RevokeReason != identity.RevokedReuse {
				t.Fatalf("after the race %+v", rt)
			}
		}
		_, err := e.svc.RefreshGrant(ctx, kernel.AudienceStorefront, winner.RefreshToken)
		wantCode(t, err, identity.ErrInvalidGrant)
	})

	t.Run("refresh grant: an expired token, or an account that lost its role, gets invalid_grant", func(t *testing.T) {
		e := setup(t)
		cust := signUp(t, e, email("expire"))
		tok := signIn(t, e, cust)
		e.clock.Advance(identity.DefaultStorefrontRefreshTTL)
		_, err := e.svc.RefreshGrant(ctx, kernel.AudienceStorefront, tok.RefreshToken)
		wantCode(t, err, identity.ErrInvalidGrant)
		if refreshByToken(t, e, tok.RefreshToken).UsedAt != nil {
			t.Fatal("a refused token is not marked used")
		}
	})

	t.Run("revoke: the family stops working; unknown tokens are fine; access tokens are unsupported", func(t *testing.T) {
		e := setup(t)
		cust := signUp(t, e, email("revoke"))
		first := signIn(t, e, cust)
		second := rotate(t, e, first.RefreshToken)
		if err := e.svc.Revoke(ctx, kernel.AudienceAdmin, second.RefreshToken); err != nil {
			t.Fatal(err)
		}
		if refreshByToken(t, e, second.RefreshToken).RevokedAt != nil {
			t.Fatal("another binary cannot revoke a storefront token")
		}
		if err := e.svc.Revoke(ctx, kernel.AudienceStorefront, second.RefreshToken); err != nil {
			t.Fatal(err)
		}
		if rt := refreshByToken(t, e, second.RefreshToken); rt.RevokeReason != identity.RevokedLogout {
			t.Fatalf("%+v", rt)
		}
		_, err := e.svc.RefreshGrant(ctx, kernel.AudienceStorefront, second.RefreshToken)
		wantCode(t, err, identity.ErrInvalidGrant)
		if err := e.svc.Revoke(ctx, kernel.AudienceStorefront, "jprt_never-issued"); err != nil {
			t.Fatalf("unknown token: %v", err)
		}
		wantCode(t, e.svc.Revoke(ctx, kernel.AudienceStorefront, "a.b.c"), identity.ErrUnsupportedTokenType)
	})

	t.Run("client credentials: External tokens on the partner binary only", func(t *testing.T) {
		e := setup(t)
		cid := "p-" + kernel.NewID()[:8]
		c, err := e.svc.RegisterClient(ctx, identity.ClientInput{ClientID: cid, Name: "P", Secret: "partner-secret-0123", HMACKey: []byte("hmac-key-0123456789"), CertSubject: cid})
		if err != nil {
			t.Fatal(err)
		}
		tok, err := e.svc.ClientCredentialsGrant(ctx, kernel.AudiencePartner, cid, "partner-secret-0123")
		if err != nil {
			t.Fatal(err)
		}
		cl := e.signer.claims(t, tok.AccessToken)
		if cl.Subject != c.ID || cl.ClientID != cid || cl.Audience != kernel.AudiencePartner || len(cl.Roles) != 1 || cl.Roles[0] != kernel.RoleExternal || tok.RefreshToken != "" {
			t.Fatalf("claims %+v tokens %+v", cl, tok)
		}
		_, err = e.svc.ClientCredentialsGrant(ctx, kernel.AudiencePartner, cid, "wrong-secret-000000")
		wantCode(t, err, identity.ErrInvalidClient)
		_, err = e.svc.ClientCredentialsGrant(ctx, kernel.AudiencePartner, "nobody-"+kernel.NewID()[:6], "partner-secret-0123")
		wantCode(t, err, identity.ErrInvalidClient)
		_, err = e.svc.ClientCredentialsGrant(ctx, kernel.AudienceStorefront, cid, "partner-secret-0123")
		wantCode(t, err, identity.ErrUnsupportedGrantType)
	})

	t.Run("me: the caller of the request", func(t *testing.T) {
		e := setup(t)
		cust := signUp(t, e, email("me"))
		as := func(p kernel.Principal) context.Context {
			return kernel.WithRequest(ctx, kernel.Request{Principal: p, Market: kernel.DefaultMarket})
		}
		me, err := e.svc.Me(as(kernel.Principal{ID: cust.ID, Roles: []kernel.Role{kernel.RoleCustomer}, Audience: kernel.AudienceStorefront}))
		if err != nil || me.ID != cust.ID || me.Email != cust.Email || me.Name != cust.Name || len(me.Roles) != 1 {
			t.Fatalf("me = %+v, %v", me, err)
		}
		_, err = e.svc.Me(ctx)
		wantCode(t, err, errs.ErrUnauthenticated)
		_, err = e.svc.Me(as(kernel.Principal{ID: kernel.NewID(), Roles: []kernel.Role{kernel.RoleCustomer}, Audience: kernel.AudienceStorefront}))
		wantCode(t, err, errs.ErrUnauthenticated)
	})

	t.Run("expired refresh tokens are purged", func(t *testing.T) {
		e := setup(t)
		cust := signUp(t, e, email("purge"))
		tok := signIn(t, e, cust)
		e.clock.Advance(identity.DefaultStorefrontRefreshTTL + time.Second)
		for {
			n, err := e.svc.PurgeExpiredRefreshTokens(ctx, 1000)
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				break
			}
		}
		err := e.h.UnitOfWork.Do(ctx, func(ctx context.Context, s identity.Stores) error {
			_, err := s.RefreshTokens.ByHash(ctx, identity.HashToken(tok.RefreshToken))
			return err
		})
		wantCode(t, err, identity.ErrRefreshTokenNotFound)
	})
}
