package jupangtest_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jupang/jupang/adapters/auth"
	"github.com/jupang/jupang/adapters/memory/jupangtest"
	"github.com/jupang/jupang/adapters/seed"
	"github.com/jupang/jupang/core/catalog"
	"github.com/jupang/jupang/core/identity"
	"github.com/jupang/jupang/core/kernel"
)

var kr = catalog.View{Market: kernel.MarketKR, Locale: kernel.LocaleKO}

// The seeded System is the one `make run` serves: every demo account signs in on its binary's
// audience, the catalog lists its 60+ products and the top lists are filled.
func TestWithSeedLoadsTheDevData(t *testing.T) {
	sys := jupangtest.New(t, jupangtest.WithSeed())
	ctx := context.Background()
	for _, email := range seed.DemoCustomers {
		if _, err := sys.Identity.PasswordGrant(ctx, kernel.AudienceStorefront, email, seed.DemoPassword); err != nil {
			t.Errorf("%s: %v", email, err)
		}
	}
	for _, s := range seed.DemoStaff {
		if _, err := sys.Identity.PasswordGrant(ctx, kernel.AudienceAdmin, s.Email, seed.DemoPassword); err != nil {
			t.Errorf("%s: %v", s.Email, err)
		}
	}
	if _, err := sys.Identity.ClientCredentialsGrant(ctx, kernel.AudiencePartner, seed.PartnerClientID, seed.PartnerClientSecret); err != nil {
		t.Errorf("partner client: %v", err)
	}
	page, err := sys.Catalog.ListProducts(ctx, kr, catalog.ListRequest{Sort: catalog.SortNewest, Limit: 100})
	if err != nil || len(page.Items) < 60 {
		t.Fatalf("seeded catalog lists %d products (%v), want at least 60", len(page.Items), err)
	}
	top, err := sys.Catalog.TopProducts(ctx, kr, catalog.ByRevenue)
	if err != nil || len(top.Items) != 5 {
		t.Fatalf("top by revenue: %d items (%v), want 5", len(top.Items), err)
	}
}

// Without WithSeed the System is empty.
func TestNewIsEmptyWithoutSeed(t *testing.T) {
	sys := jupangtest.New(t)
	ctx := context.Background()
	page, err := sys.Catalog.ListProducts(ctx, kr, catalog.ListRequest{Sort: catalog.SortNewest, Limit: 10})
	if err != nil || len(page.Items) != 0 {
		t.Fatalf("empty system lists %d products (%v)", len(page.Items), err)
	}
	if _, err := sys.Identity.UserByEmail(ctx, seed.DemoCustomers[0]); !errors.Is(err, identity.ErrUserNotFound) {
		t.Fatalf("demo customer in an empty system: %v", err)
	}
}

// Two Systems share no state, so parallel tests cannot see each other's data.
func TestSystemsShareNothing(t *testing.T) {
	a, b := jupangtest.New(t), jupangtest.New(t)
	ctx := context.Background()
	if _, err := a.Identity.SignUp(ctx, identity.SignUpInput{Email: "only-a@example.com", Password: "long-enough-pw", Name: "A", Phone: "+82 10-0000-0000"}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Identity.UserByEmail(ctx, "only-a@example.com"); !errors.Is(err, identity.ErrUserNotFound) {
		t.Fatalf("b sees a's user: %v", err)
	}
}

// Every service reads the System's clock: WithClockAt sets where it starts, and what use cases
// record follows it.
func TestServicesReadTheSettableClock(t *testing.T) {
	start := time.Date(2031, 5, 4, 3, 2, 1, 0, time.UTC)
	sys := jupangtest.New(t, jupangtest.WithClockAt(start))
	ctx := context.Background()
	sys.Clock.Advance(time.Hour)
	u, err := sys.Identity.SignUp(ctx, identity.SignUpInput{Email: "clock@example.com", Password: "long-enough-pw", Name: "C", Phone: "+82 10-0000-0000"})
	if err != nil {
		t.Fatal(err)
	}
	if !u.CreatedAt.Equal(start.Add(time.Hour)) {
		t.Fatalf("created at %s, want the system clock's %s", u.CreatedAt, start.Add(time.Hour))
	}
}

// The kit hashes with the cheap argon2id parameters unless told otherwise (no timing here: the
// stored hash names its parameters).
func TestPasswordHasherIsCheapUnlessReplaced(t *testing.T) {
	ctx := context.Background()
	signUp := func(sys *jupangtest.System) string {
		t.Helper()
		u, err := sys.Identity.SignUp(ctx, identity.SignUpInput{Email: "hash@example.com", Password: "long-enough-pw", Name: "H", Phone: "+82 10-0000-0000"})
		if err != nil {
			t.Fatal(err)
		}
		return u.PasswordHash
	}
	if h := signUp(jupangtest.New(t)); !strings.Contains(h, "$m=64,t=1,p=1$") {
		t.Fatalf("default hash %q, want the cheap parameters", h)
	}
	real, err := auth.NewArgon2id(auth.DefaultArgon2Params)
	if err != nil {
		t.Fatal(err)
	}
	if h := signUp(jupangtest.New(t, jupangtest.WithPasswordHasher(real))); !strings.Contains(h, "$m=19456,t=2,p=1$") {
		t.Fatalf("hash with the production hasher %q", h)
	}
}

// Authenticate refuses a token of another audience, as the binaries do.
func TestAuthenticateChecksTheAudience(t *testing.T) {
	sys := jupangtest.New(t, jupangtest.WithSeed())
	ctx := context.Background()
	tokens, err := sys.Identity.PasswordGrant(ctx, kernel.AudienceStorefront, seed.DemoCustomers[0], seed.DemoPassword)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sys.Authenticate(ctx, kernel.AudienceAdmin, tokens.AccessToken); err == nil {
		t.Fatal("a storefront token authenticated on the admin audience")
	}
	as, err := sys.Authenticate(ctx, kernel.AudienceStorefront, tokens.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	if p := kernel.RequestFrom(as).Principal; !p.Has(kernel.RoleCustomer) || p.Audience != kernel.AudienceStorefront {
		t.Fatalf("principal %+v", p)
	}
}
