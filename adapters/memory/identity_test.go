package memory_test

import (
	"testing"

	"github.com/jupang/jupang/adapters/memory"
	"github.com/jupang/jupang/core/contracttest"
)

func TestIdentityContract(t *testing.T) {
	contracttest.RunIdentity(t, func(*testing.T) contracttest.IdentityHarness {
		store := memory.NewStore()
		return contracttest.IdentityHarness{
			UnitOfWork: memory.NewUnitOfWork(store, memory.IdentityStores),
			Outbox:     memory.NewOutboxReader(store),
		}
	})
}
