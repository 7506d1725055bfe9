package seed_test

import (
	"context"
	"testing"

	"github.com/jupang/jupang/adapters/memory"
	"github.com/jupang/jupang/adapters/seed"
	"github.com/jupang/jupang/core/catalog"
	"github.com/jupang/jupang/core/inventory"
	"github.com/jupang/jupang/core/kernel"
)

// Generated products are visible in every market with stock, and a second run adds none.
func TestGeneratedProducts(t *testing.T) {
	ctx := context.Background()
	store := memory.NewStore()
	read := memory.NewCatalogReader(store)
	clock := kernel.NewFakeClock(seedNow)
	stock := memory.NewInventoryReader(store)
	inv := inventory.NewService(memory.NewUnitOfWork(store, memory.InventoryStores), stock, clock)
	svc := catalog.NewService(read, inventory.NewCatalogStock(stock), memory.NewUnitOfWork(store, memory.CatalogStores), clock)
	deps := seed.CatalogDeps{Service: svc, Reader: read, Stock: inv, Clock: clock}
	if err := seed.Catalog(ctx, deps); err != nil {
		t.Fatal(err)
	}
	count := func(m kernel.Market) int {
		ls, err := read.Listings(ctx, catalog.ListingQuery{Market: m, Sort: catalog.SortNewest, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		return len(ls)
	}
	before := count(kernel.MarketUS)
	for range 2 {
		if err := seed.GeneratedProducts(ctx, deps, 40, 3); err != nil {
			t.Fatal(err)
		}
		for _, m := range kernel.Markets {
			if got := count(m); m == kernel.MarketUS && got != before+40 {
				t.Fatalf("%s listings = %d, want %d", m, got, before+40)
			}
		}
	}
	page, err := svc.ListProducts(ctx, catalog.View{Market: kernel.MarketJP, Locale: kernel.LocaleJA}, catalog.ListRequest{Sort: catalog.SortNewest, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	generated := 0
	for _, s := range page.Items {
		if len(s.Name) > 0 && s.Price.Amount > 0 {
			generated++
		}
	}
	if generated == 0 {
		t.Fatalf("no priced product in the JP list: %+v", page.Items)
	}
}
