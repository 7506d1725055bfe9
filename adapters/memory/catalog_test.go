package memory_test

import (
	"testing"

	"github.com/jupang/jupang/adapters/memory"
	"github.com/jupang/jupang/core/catalog"
	"github.com/jupang/jupang/core/contracttest"
)

func catalogHarness(*testing.T) contracttest.CatalogHarness {
	store := memory.NewStore()
	return contracttest.CatalogHarness{
		Tx:      memory.NewUnitOfWork(store, memory.CatalogStores),
		Reader:  memory.NewCatalogReader(store),
		StockTx: memory.NewUnitOfWork(store, memory.InventoryStores), StockReader: memory.NewInventoryReader(store),
		NewBuyer: func(t *testing.T) string { return newUser(t, store) },
		NewFeed:  func() catalog.ChangeFeed { return memory.NewCatalogChangeFeed(store) },
		OrderTx:  memory.NewUnitOfWork(store, memory.OrderStores), Numbers: memory.NewOrderNumbers(),
		WalletTx: memory.NewUnitOfWork(store, memory.WalletStores), WalletReader: memory.NewWalletReader(store),
	}
}

func TestCatalogContract(t *testing.T) { contracttest.RunCatalog(t, catalogHarness) }
