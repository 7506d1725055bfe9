package seed_test

import (
	"context"
	"testing"
	"time"

	"github.com/jupang/jupang/adapters/memory"
	"github.com/jupang/jupang/adapters/postgres"
	"github.com/jupang/jupang/adapters/postgres/pgtest"
	"github.com/jupang/jupang/adapters/seed"
	"github.com/jupang/jupang/core/catalog"
	"github.com/jupang/jupang/core/contracttest"
	"github.com/jupang/jupang/core/inventory"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/uow"
)

var seedNow = time.Date(2026, 11, 26, 9, 30, 0, 0, time.UTC)

func TestCatalogSeedOnMemory(t *testing.T) {
	store := memory.NewStore()
	checkCatalogSeed(t, memory.NewUnitOfWork(store, memory.CatalogStores), memory.NewCatalogReader(store),
		memory.NewUnitOfWork(store, memory.InventoryStores), memory.NewInventoryReader(store))
}

func TestCatalogSeedOnPostgres(t *testing.T) {
	db, _ := pgtest.Another(t)
	checkCatalogSeed(t, postgres.NewUnitOfWork(db, postgres.CatalogStores),
		postgres.NewCatalogReader(postgres.NewReadRouter(db, nil, postgres.ReplicaConfig{}, nil)),
		postgres.NewUnitOfWork(db, postgres.InventoryStores), postgres.NewInventoryReader(db))
}

func checkCatalogSeed(t *testing.T, tx uow.UnitOfWork[catalog.Stores], read contracttest.CatalogReads,
	stockTx uow.UnitOfWork[inventory.Stores], stock inventory.Reader) {
	ctx := context.Background()
	clock := kernel.NewFakeClock(seedNow)
	inv := inventory.NewService(stockTx, stock, clock)
	svc := catalog.NewService(read, inventory.NewCatalogStock(stock), tx, clock)
	deps := seed.CatalogDeps{Service: svc, Reader: read, Stock: inv, Clock: clock}
	if err := seed.Catalog(ctx, deps); err != nil {
		t.Fatal(err)
	}
	// Inventory owns the opening stock: one OPENING audit row per seeded SKU, matching its row.
	levels, err := inv.ListLevels(ctx, inventory.LevelFilter{Limit: inventory.MaxPageSize})
	if err != nil || len(levels.Items) < 60 {
		t.Fatalf("stock rows = %d, %v", len(levels.Items), err)
	}
	for _, l := range levels.Items {
		d, err := inv.SKU(ctx, l.SKUID)
		if err != nil || len(d.Audits) != 1 || d.Audits[0].Reason != inventory.ReasonOpening || d.Audits[0].After.OnHand != l.OnHand {
			t.Fatalf("%s: audits %+v, %v", l.SKUID, d.Audits, err)
		}
	}

	cats, err := read.Categories(ctx)
	if err != nil {
		t.Fatal(err)
	}
	roots := 0
	for _, c := range cats {
		if c.ParentID == "" {
			roots++
		}
	}
	if roots < 6 {
		t.Errorf("%d root categories, want at least 6", roots)
	}
	availability := map[string]int{}
	for _, m := range kernel.Markets {
		for _, l := range kernel.Locales {
			page, err := svc.ListProducts(ctx, catalog.View{Market: m, Locale: l}, catalog.ListRequest{Sort: catalog.SortNewest, Limit: catalog.MaxLimit})
			if err != nil {
				t.Fatal(err)
			}
			if m == kernel.MarketKR && len(page.Items) < 60 {
				t.Errorf("KR lists %d products, want at least 60", len(page.Items))
			}
			if len(page.Items) < 55 {
				t.Errorf("%s lists %d products", m, len(page.Items))
			}
			for _, it := range page.Items {
				if it.Name == "" || it.Category.Name == "" || it.Price.Currency != m.Currency() {
					t.Fatalf("%s/%s: %+v", m, l, it)
				}
				if m == kernel.MarketKR && l == kernel.LocaleKO {
					availability[string(it.Availability)]++
				}
			}
		}
	}
	if availability[string(catalog.LowStock)] == 0 || availability[string(catalog.OutOfStock)] == 0 || availability[string(catalog.InStock)] < 40 {
		t.Errorf("availability mix = %v", availability)
	}
	// Explicit prices and a live promotion show through.
	detail, err := svc.ProductDetail(ctx, catalog.View{Market: kernel.MarketUS, Locale: kernel.LocaleEN}, findProduct(t, svc, "Hanbit Laptop Pro 14"))
	if err != nil {
		t.Fatal(err)
	}
	if detail.Options[0].ListPrice != kernel.NewMoney(139_900, kernel.USD) || detail.Options[0].Price != kernel.NewMoney(125_910, kernel.USD) ||
		len(detail.Promotions) != 1 || detail.Promotions[0].Name != "Autumn Electronics Sale" {
		t.Errorf("US laptop = %+v", detail)
	}

	// A second run adds nothing.
	clock.Advance(time.Minute)
	if err := seed.Catalog(ctx, deps); err != nil {
		t.Fatalf("second run: %v", err)
	}
	cats2, err := read.Categories(ctx)
	if err != nil || len(cats2) != len(cats) {
		t.Fatalf("categories after a second run: %d, %v", len(cats2), err)
	}
}

func findProduct(t *testing.T, svc *catalog.Service, enName string) string {
	t.Helper()
	page, err := svc.ListProducts(context.Background(), catalog.View{Market: kernel.MarketUS, Locale: kernel.LocaleEN},
		catalog.ListRequest{Q: enName, Sort: catalog.SortNewest, Limit: 5})
	if err != nil || len(page.Items) != 1 {
		t.Fatalf("find %q: %+v, %v", enName, page.Items, err)
	}
	return page.Items[0].ID
}
