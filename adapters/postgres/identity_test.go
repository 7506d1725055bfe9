package postgres_test

import (
	"testing"

	"github.com/jupang/jupang/adapters/postgres"
	"github.com/jupang/jupang/adapters/postgres/pgtest"
	"github.com/jupang/jupang/core/contracttest"
)

func TestIdentityContract(t *testing.T) {
	contracttest.RunIdentity(t, func(t *testing.T) contracttest.IdentityHarness {
		db := pgtest.DB(t)
		return contracttest.IdentityHarness{
			UnitOfWork: postgres.NewUnitOfWork(db, postgres.IdentityStores),
			Outbox:     postgres.NewOutboxReader(db),
		}
	})
}
