package postgres_test

import (
	"testing"

	"github.com/jupang/jupang/adapters/postgres"
	"github.com/jupang/jupang/adapters/postgres/pgtest"
	"github.com/jupang/jupang/core/contracttest"
)

// cartHarness gives each test a database of its own, with the catalog on it.
func cartHarness(t *testing.T) contracttest.CartHarness {
	db, _ := pgtest.Another(t)
	return contracttest.CartHarness{
		Catalog: catalogHarnessOn(t, db, postgres.NewReadRouter(db, nil, postgres.ReplicaConfig{}, nil)),
		Tx:      postgres.NewUnitOfWork(db, postgres.CartStores),
		Reads:   postgres.NewCartReads(db),
		Orders:  postgres.NewUnitOfWork(db, postgres.OrderStores),
	}
}

func TestCartContract(t *testing.T) {
	t.Parallel() // every harness has a database of its own
	contracttest.RunCart(t, cartHarness)
}
