package postgres_test

import (
	"context"
	"testing"

	"github.com/jupang/jupang/adapters/postgres"
	"github.com/jupang/jupang/adapters/postgres/pgtest"
	"github.com/jupang/jupang/core/catalog"
	"github.com/jupang/jupang/core/contracttest"
	"github.com/jupang/jupang/core/kernel"
)

// catalogHarness gives each test a database of its own: the suite counts and pages whole lists.
func catalogHarness(t *testing.T) contracttest.CatalogHarness {
	db, _ := pgtest.Another(t)
	return catalogHarnessOn(t, db, postgres.NewReadRouter(db, nil, postgres.ReplicaConfig{}, nil))
}

func catalogHarnessOn(t testing.TB, primary *postgres.DB, router *postgres.ReadRouter) contracttest.CatalogHarness {
	numbers, closeNumbers, err := postgres.NewOrderNumbers(primary)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(closeNumbers)
	return contracttest.CatalogHarness{
		Tx:      postgres.NewUnitOfWork(primary, postgres.CatalogStores),
		Reader:  postgres.NewCatalogReader(router),
		StockTx: postgres.NewUnitOfWork(primary, postgres.InventoryStores), StockReader: postgres.NewInventoryReader(primary),
		NewBuyer: func(t *testing.T) string { return insertBuyer(t, primary) },
		NewFeed:  func() catalog.ChangeFeed { return postgres.NewCatalogChangeFeed(router) },
		OrderTx:  postgres.NewUnitOfWork(primary, postgres.OrderStores), Numbers: numbers,
		WalletTx: postgres.NewUnitOfWork(primary, postgres.WalletStores), WalletReader: postgres.NewWalletReader(primary),
	}
}

// insertBuyer adds a customer row for orders to reference.
func insertBuyer(t testing.TB, db *postgres.DB) string {
	t.Helper()
	id := kernel.NewID()
	_, err := db.ExecContext(context.Background(),
		`INSERT INTO users (id, email, password_hash, name) VALUES ($1, $2, 'x', 'Buyer')`, id, id+"@jupang.test")
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestCatalogContract(t *testing.T) {
	t.Parallel() // every harness has a database of its own
	contracttest.RunCatalog(t, catalogHarness)
}
