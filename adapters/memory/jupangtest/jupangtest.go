// Package jupangtest builds a complete Jupang on in-memory storage, for the tests of any Go team
// that uses the core: every service of every area, on one memory store and one settable clock,
// empty or with the dev seed of SPEC §0.
//
//	sys := jupangtest.New(t, jupangtest.WithSeed())
//	tokens, err := sys.Identity.PasswordGrant(ctx, kernel.AudienceStorefront, "customer@jupang.test", seed.DemoPassword)
//	sys.Clock.Advance(17 * time.Minute) // its access token has expired (15 min + 60 s of skew)
//
// The services are built from the same constructors and memory adapters as `make run` (the jupang
// binary on memory), so they behave as the real thing does, minus HTTP. Two differences, both for
// speed: passwords are hashed with a cheap argon2id (CheapHasherParams; WithPasswordHasher sets
// another), and there are no rate limits. Systems share nothing, so tests may run in parallel.
//
// A new business area adds its service to System and to Build, and an Example to example_test.go.
package jupangtest

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/jupang/jupang/adapters/auth"
	"github.com/jupang/jupang/adapters/memory"
	"github.com/jupang/jupang/adapters/payment"
	"github.com/jupang/jupang/adapters/seed"
	"github.com/jupang/jupang/adapters/webhook"
	"github.com/jupang/jupang/core/cart"
	"github.com/jupang/jupang/core/catalog"
	"github.com/jupang/jupang/core/coupon"
	"github.com/jupang/jupang/core/identity"
	"github.com/jupang/jupang/core/invariant"
	"github.com/jupang/jupang/core/inventory"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/notification"
	"github.com/jupang/jupang/core/order"
	"github.com/jupang/jupang/core/partner"
	"github.com/jupang/jupang/core/refund"
	"github.com/jupang/jupang/core/wallet"
)

// Issuer is the iss of the access tokens a System signs (the default auth.issuer).
const Issuer = "https://auth.jupang.test"

// Epoch is where a System's clock starts unless WithClockAt says otherwise.
var Epoch = time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)

// CheapHasherParams hash a password in well under a millisecond: for tests only. Production uses
// auth.DefaultArgon2Params (19 MiB, 2 passes), which would make seeding and every sign-in slow.
var CheapHasherParams = auth.Argon2Params{Time: 1, MemoryKiB: 64, Threads: 1}

// System is an assembled in-memory Jupang.
type System struct {
	// Clock is the time every service reads; set or advance it to move time. It starts at Epoch
	// unless WithClockAt says otherwise.
	Clock *kernel.FakeClock
	// Store holds every area's data; build further memory adapters on it to share the state.
	Store *memory.Store
	// Keys sign the access tokens the identity service issues (Authenticate verifies them).
	Keys *auth.KeySet

	Identity *identity.Service
	Catalog  *catalog.Service
	// CatalogReader is the catalog's read port, for checks the use cases do not expose.
	CatalogReader catalog.Reader
	// Cart is the carts: guest carts by session, customer carts, the merge at sign-in. It prices
	// through the catalog and learns coupon terms from Coupons (or WithCartCoupons' port).
	Cart *cart.Service
	// Inventory owns stock: the stock operations orders use (Reserve, CommitSale, …, inside
	// their unit of work; Run opens one), staff adjustments and the audit trail.
	Inventory *inventory.Service
	// Wallet is each customer's KRW wallet; the seeded customers hold ₩1,000,000.
	Wallet *wallet.Service
	// Coupons are the coupon use cases: claims, validation, user coupons, administration.
	Coupons *coupon.Service
	// Orders is checkout and what follows: wallet orders are PAID at once; card parts go to the
	// mock payment gateway (tokens tok_approve, tok_decline, tok_timeout, tok_late) when
	// Orders.RunCardPayments runs, and Orders.ExpirePending cancels PENDING orders past their deadline.
	Orders *order.Service
	// Refunds are refund requests (auto-approved within 7 days of delivery up to ₩50,000 here),
	// staff review, and their completion: wallet credit, stock back on request, order status.
	Refunds *refund.Service
	// Notifications are what the refunds told the customer (GET /v1/users/me/notifications).
	Notifications *notification.Service
	// Invariants checks wallets, stock, coupons and orders against their own records.
	Invariants *invariant.Checker
	// Feed is the partner feed (pull, ack, retry, dead letters); events appended to the outbox
	// by any use case are delivered to the subscribed partners.
	Feed *partner.Feed
	// Gatekeeper checks partner requests' certificates, signatures and nonces.
	Gatekeeper *partner.Gatekeeper
	// Pusher registers webhooks and pushes deliveries over real HTTP (any address: test policy).
	Pusher *partner.Pusher
}

type options struct {
	seed    bool
	start   time.Time
	hasher  identity.PasswordHasher
	coupons cart.Coupons
}

// Option configures Build and New.
type Option func(*options)

// WithSeed loads the dev seed (accounts, partner client, catalog, order history and rankings), as
// `make run` does; every seeded account's password is seed.DemoPassword.
func WithSeed() Option { return func(o *options) { o.seed = true } }

// WithClockAt starts the clock at t.
func WithClockAt(t time.Time) Option { return func(o *options) { o.start = t } }

// WithPasswordHasher hashes passwords with h instead of the cheap argon2id.
func WithPasswordHasher(h identity.PasswordHasher) Option { return func(o *options) { o.hasher = h } }

// WithCartCoupons gives the carts another Coupons port than the coupons area's (a test's fake).
func WithCartCoupons(c cart.Coupons) Option { return func(o *options) { o.coupons = c } }

// New builds a System for a test and fails the test if that fails.
func New(t testing.TB, opts ...Option) *System {
	t.Helper()
	sys, err := Build(opts...)
	if err != nil {
		t.Fatalf("jupangtest: %v", err)
	}
	return sys
}

// Build builds a System (New for code without a testing.TB, such as examples).
func Build(opts ...Option) (*System, error) {
	o := options{start: Epoch}
	for _, opt := range opts {
		opt(&o)
	}
	if o.hasher == nil {
		cheap, err := auth.NewArgon2id(CheapHasherParams)
		if err != nil {
			return nil, err
		}
		o.hasher = cheap
	}
	keys, err := auth.GenerateKeySet()
	if err != nil {
		return nil, err
	}
	sys := &System{Clock: kernel.NewFakeClock(o.start), Store: memory.NewStore(), Keys: keys}
	sys.Identity, err = identity.NewService(memory.NewUnitOfWork(sys.Store, memory.IdentityStores), o.hasher,
		auth.NewSigner(keys, Issuer), sys.Clock, identity.Options{})
	if err != nil {
		return nil, err
	}
	// Inventory owns stock; the catalog reads it through inventory's reader.
	stock := memory.NewInventoryReader(sys.Store)
	sys.Inventory = inventory.NewService(memory.NewUnitOfWork(sys.Store, memory.InventoryStores), stock, sys.Clock)
	sys.Wallet = wallet.NewService(memory.NewUnitOfWork(sys.Store, memory.WalletStores), memory.NewWalletReader(sys.Store), sys.Clock)
	reader := memory.NewCatalogReader(sys.Store)
	sys.CatalogReader = reader
	sys.Catalog = catalog.NewService(reader, inventory.NewCatalogStock(stock), memory.NewUnitOfWork(sys.Store, memory.CatalogStores), sys.Clock).
		WithReadModel(catalog.NewReadModel(memory.NewCatalogChangeFeed(sys.Store), catalog.ReadModelConfig{MaxStale: time.Second}))
	sys.Coupons = coupon.NewService(memory.NewUnitOfWork(sys.Store, memory.CouponStores), coupon.NewCatalogPrices(reader), sys.Clock, coupon.Options{})
	if o.coupons == nil {
		o.coupons = coupon.CartPort{Svc: sys.Coupons}
	}
	sys.Cart = cart.NewService(memory.NewUnitOfWork(sys.Store, memory.CartStores), memory.NewCartReads(sys.Store), reader,
		o.coupons, sys.Clock, cart.Config{}, nil)
	sys.Invariants = invariant.NewChecker(memory.NewInvariants(sys.Store))
	sys.Orders = order.NewService(order.Deps{Tx: memory.NewUnitOfWork(sys.Store, memory.OrderStores), Prices: sys.Catalog,
		Terms:     o.coupons,
		Customers: memory.NewCustomers(sys.Store), Numbers: memory.NewOrderNumbers(), Inventory: sys.Inventory, Wallet: sys.Wallet,
		Gateway: payment.NewMockGateway(payment.NewMemoryChargeStore(), sys.Clock, payment.MockConfig{}), Clock: sys.Clock})
	sys.Refunds = refund.NewService(refund.Deps{Tx: memory.NewUnitOfWork(sys.Store, memory.RefundStores), Inventory: sys.Inventory,
		Wallet: sys.Wallet, Rates: reader, Clock: sys.Clock, Policy: refund.Policy{AutoApproveMax: 50000}})
	sys.Notifications = notification.NewService(memory.NewNotificationReader(sys.Store))
	feed := memory.NewUnitOfWork(sys.Store, memory.PartnerStores)
	sys.Feed = partner.NewFeed(feed, sys.Store.FeedWakeups(), sys.Identity, sys.Clock, partner.FeedOptions{})
	sys.Gatekeeper = partner.NewGatekeeper(sys.Identity, feed, sys.Clock)
	testPolicy := partner.URLPolicy{AllowPrivate: true}
	sys.Pusher = partner.NewPusher(feed, sys.Identity, net.DefaultResolver, webhook.NewSender(testPolicy), sys.Clock,
		partner.PushOptions{Policy: testPolicy})
	if o.seed {
		err := seed.All(context.Background(), seed.Deps{Identity: sys.Identity, Catalog: sys.Catalog,
			CatalogReader: sys.CatalogReader, Coupons: sys.Coupons, Inventory: sys.Inventory, Wallet: sys.Wallet, Orders: sys.Orders, Clock: sys.Clock})
		if err != nil {
			return nil, err
		}
	}
	return sys, nil
}

// Authenticate verifies an access token issued for aud, as every binary does, and returns ctx
// carrying its principal: the context in which use cases act for that caller. The market and
// language of ctx are kept (default: KR, Korean).
func (s *System) Authenticate(ctx context.Context, aud kernel.Audience, accessToken string) (context.Context, error) {
	p, err := auth.NewAuthenticator(s.Keys, Issuer, aud, s.Clock).Authenticate(ctx, accessToken)
	if err != nil {
		return nil, err
	}
	r := kernel.RequestFrom(ctx)
	r.Principal = p
	return kernel.WithRequest(ctx, r), nil
}
