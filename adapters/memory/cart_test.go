package memory_test

import (
	"testing"

	"github.com/jupang/jupang/adapters/memory"
	"github.com/jupang/jupang/core/contracttest"
	"github.com/jupang/jupang/core/kernel"
)

func cartHarness(*testing.T) contracttest.CartHarness {
	store := memory.NewStore()
	return contracttest.CartHarness{
		Catalog: contracttest.CatalogHarness{
			Tx:     memory.NewUnitOfWork(store, memory.CatalogStores),
			Reader: memory.NewCatalogReader(store), StockTx: memory.NewUnitOfWork(store, memory.InventoryStores), StockReader: memory.NewInventoryReader(store),
			NewBuyer: func(*testing.T) string { return kernel.NewID() },
		},
		Tx:     memory.NewUnitOfWork(store, memory.CartStores),
		Reads:  memory.NewCartReads(store),
		Orders: memory.NewUnitOfWork(store, memory.OrderStores),
	}
}

func TestCartContract(t *testing.T) { contracttest.RunCart(t, cartHarness) }
