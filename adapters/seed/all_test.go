package seed_test

import (
	"context"
	"testing"

	"github.com/jupang/jupang/adapters/auth"
	"github.com/jupang/jupang/adapters/memory"
	"github.com/jupang/jupang/adapters/memory/jupangtest"
	"github.com/jupang/jupang/adapters/postgres"
	"github.com/jupang/jupang/adapters/postgres/pgtest"
	"github.com/jupang/jupang/adapters/seed"
	"github.com/jupang/jupang/core/catalog"
	"github.com/jupang/jupang/core/contracttest"
	"github.com/jupang/jupang/core/coupon"
	"github.com/jupang/jupang/core/identity"
	"github.com/jupang/jupang/core/invariant"
	"github.com/jupang/jupang/core/inventory"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/order"
	"github.com/jupang/jupang/core/uow"
	"github.com/jupang/jupang/core/wallet"
)

// The full dev seed on memory leaves every invariant clean, and its rankings are its order history.
func TestFullSeedOnMemoryIsCleanAndRanksItsHistory(t *testing.T) {
	sys := jupangtest.New(t, jupangtest.WithSeed())
	checkFullSeed(t, memory.NewInvariants(sys.Store), memory.NewUnitOfWork(sys.Store, memory.CatalogStores), sys.CatalogReader, sys.Catalog)
}

// The same on a fresh PostgreSQL database, through the PostgreSQL adapters.
func TestFullSeedOnPostgresIsCleanAndRanksItsHistory(t *testing.T) {
	ctx := context.Background()
	db, _ := pgtest.Another(t)
	clock := kernel.NewFakeClock(seedNow)
	hasher, err := auth.NewArgon2id(jupangtest.CheapHasherParams)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := auth.GenerateKeySet()
	if err != nil {
		t.Fatal(err)
	}
	ident, err := identity.NewService(postgres.NewUnitOfWork(db, postgres.IdentityStores), hasher, auth.NewSigner(keys, jupangtest.Issuer),
		clock, identity.Options{})
	if err != nil {
		t.Fatal(err)
	}
	numbers, closeNumbers, err := postgres.NewOrderNumbers(db)
	if err != nil {
		t.Fatal(err)
	}
	defer closeNumbers()
	reader := postgres.NewCatalogReader(postgres.NewReadRouter(db, nil, postgres.ReplicaConfig{}, nil))
	stock := postgres.NewInventoryReader(db)
	inv := inventory.NewService(postgres.NewUnitOfWork(db, postgres.InventoryStores), stock, clock)
	wallets := wallet.NewService(postgres.NewUnitOfWork(db, postgres.WalletStores), postgres.NewWalletReader(db), clock)
	catalogTx := postgres.NewUnitOfWork(db, postgres.CatalogStores)
	cat := catalog.NewService(reader, inventory.NewCatalogStock(stock), catalogTx, clock)
	coupons := coupon.NewService(postgres.NewUnitOfWork(db, postgres.CouponStores), coupon.NewCatalogPrices(reader), clock, coupon.Options{})
	orders := order.NewService(order.Deps{Tx: postgres.NewUnitOfWork(db, postgres.OrderStores), Prices: cat,
		Terms: coupon.CartPort{Svc: coupons}, Customers: postgres.NewCustomers(db), Numbers: numbers, Inventory: inv, Wallet: wallets, Clock: clock})
	if err := seed.All(ctx, seed.Deps{Identity: ident, Catalog: cat, CatalogReader: reader, Inventory: inv, Wallet: wallets,
		Coupons: coupons, Orders: orders, Clock: clock}); err != nil {
		t.Fatal(err)
	}
	checkFullSeed(t, postgres.NewInvariants(db), catalogTx, reader, cat)
}

func checkFullSeed(t *testing.T, snap invariant.Snapshot, catalogTx uow.UnitOfWork[catalog.Stores], read catalog.Reader, svc *catalog.Service) {
	t.Helper()
	ctx := context.Background()
	r := contracttest.CheckInvariantsClean(t, snap)
	if r.Orders < 100 || r.Wallets != len(seed.DemoCustomers)+len(seed.HistoryCustomers) || r.SKUs < 60 {
		t.Errorf("checked %d orders, %d wallets, %d SKUs", r.Orders, r.Wallets, r.SKUs)
	}
	for _, m := range kernel.Markets {
		rankings, err := read.Rankings(ctx, m)
		if err != nil || len(rankings) == 0 {
			t.Fatalf("%s rankings: %v, %v", m, rankings, err)
		}
		for _, rk := range rankings {
			// Each stored ranking is the paid order lines of its window.
			want := map[string][2]int64{}
			err := catalogTx.Do(ctx, func(ctx context.Context, st catalog.Stores) error {
				lines, err := st.Sales.PaidLines(ctx, rk.WindowStart, rk.WindowEnd)
				for _, l := range lines {
					if l.Market == m {
						q, rev := l.Net()
						w := want[l.ProductID]
						want[l.ProductID] = [2]int64{w[0] + q, w[1] + rev}
					}
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(rk.Entries) != min(catalog.RankingDepth, len(want)) || len(rk.Entries) == 0 {
				t.Fatalf("%s by %s: %d entries, %d products sold", m, rk.By, len(rk.Entries), len(want))
			}
			for _, e := range rk.Entries {
				if w := want[e.ProductID]; e.Quantity != w[0] || e.Revenue != w[1] {
					t.Errorf("%s by %s: %s ranked with %d units / %d, its paid lines say %d / %d", m, rk.By, e.ProductID, e.Quantity, e.Revenue, w[0], w[1])
				}
			}
		}
		top, err := svc.TopProducts(ctx, catalog.View{Market: m, Locale: m.Locale()}, catalog.ByQuantity)
		if err != nil || len(top.Items) != catalog.TopSize {
			t.Fatalf("%s top: %d items, %v", m, len(top.Items), err)
		}
		popular, err := svc.ListProducts(ctx, catalog.View{Market: m, Locale: m.Locale()}, catalog.ListRequest{Sort: catalog.SortPopular, Limit: 1})
		if err != nil || len(popular.Items) != 1 || popular.Items[0].ID != top.Items[0].Product.ID {
			t.Errorf("%s: the most popular product %+v is not the top seller %s (%v)", m, popular.Items, top.Items[0].Product.ID, err)
		}
	}
}
