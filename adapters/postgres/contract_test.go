package postgres_test

import (
	"testing"

	"github.com/jupang/jupang/adapters/postgres"
	"github.com/jupang/jupang/adapters/postgres/pgtest"
	"github.com/jupang/jupang/core/contracttest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func platformHarness(t *testing.T) contracttest.PlatformHarness {
	db := pgtest.DB(t)
	keys := postgres.NewUnitOfWork(db, postgres.IdempotencyStores)
	return contracttest.PlatformHarness{
		Platform: postgres.NewUnitOfWork(db, func(q postgres.Querier) contracttest.PlatformStores {
			return contracttest.PlatformStores{Keys: postgres.IdempotencyStores(q).Keys, Outbox: postgres.NewOutbox(q)}
		}),
		Idempotency: keys,
		Claims:      keys,
		Outbox:      postgres.NewOutboxReader(db),
	}
}

func TestUnitOfWorkContract(t *testing.T)  { contracttest.RunUnitOfWork(t, platformHarness) }
func TestIdempotencyContract(t *testing.T) { contracttest.RunIdempotency(t, platformHarness) }

func TestUnitOfWorkRecoveryContract(t *testing.T) {
	contracttest.RunUnitOfWorkRecovery(t, platformHarness)
}

func TestUnitOfWorkContextContract(t *testing.T) {
	contracttest.RunUnitOfWorkContext(t, platformHarness)
}
