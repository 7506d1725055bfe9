package memory_test

import (
	"testing"

	"github.com/jupang/jupang/adapters/memory"
	"github.com/jupang/jupang/core/contracttest"
	"github.com/jupang/jupang/core/couponstats"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/uow"
)

func platformHarness(*testing.T) contracttest.PlatformHarness {
	store := memory.NewStore()
	return contracttest.PlatformHarness{
		Platform: memory.NewUnitOfWork(store, func(tx *memory.Tx) contracttest.PlatformStores {
			return contracttest.PlatformStores{Keys: memory.NewIdempotencyKeys(tx), Outbox: memory.NewOutbox(tx)}
		}),
		Idempotency: memory.NewUnitOfWork(store, memory.IdempotencyStores),
		Claims:      memory.NewKeysUnitOfWork(store),
		Outbox:      memory.NewOutboxReader(store),
	}
}

func TestUnitOfWorkContract(t *testing.T)  { contracttest.RunUnitOfWork(t, platformHarness) }
func TestIdempotencyContract(t *testing.T) { contracttest.RunIdempotency(t, platformHarness) }

func TestPartnerContract(t *testing.T) {
	contracttest.RunPartner(t, func(*testing.T) contracttest.PartnerHarness {
		store := memory.NewStore()
		return contracttest.PartnerHarness{
			Identity: memory.NewUnitOfWork(store, memory.IdentityStores),
			Partner:  memory.NewUnitOfWork(store, memory.PartnerStores),
			Wakeups:  store.FeedWakeups(),
		}
	})
}

func TestUnitOfWorkRecoveryContract(t *testing.T) {
	contracttest.RunUnitOfWorkRecovery(t, platformHarness)
}

func TestUnitOfWorkContextContract(t *testing.T) {
	contracttest.RunUnitOfWorkContext(t, platformHarness)
}

func TestCouponStatsContract(t *testing.T) {
	contracttest.RunCouponStats(t, func(*testing.T) uow.UnitOfWork[couponstats.Stores] {
		return memory.NewUnitOfWork(memory.NewStore(), memory.CouponStatsStores)
	})
}

func TestRelayContract(t *testing.T) {
	contracttest.RunRelay(t, func(*testing.T) contracttest.RelayHarness {
		store := memory.NewStore()
		return contracttest.RelayHarness{
			Stores: memory.NewUnitOfWork(store, func(tx *memory.Tx) contracttest.RelayStores {
				return contracttest.RelayStores{Outbox: memory.NewOutbox(tx), Inbox: memory.NewInbox(tx)}
			}),
			Relay:  memory.NewRelayStore(store, kernel.SystemClock{}),
			Reader: memory.NewOutboxReader(store),
		}
	})
}
