package memory_test

import (
	"testing"

	"github.com/jupang/jupang/adapters/memory"
	"github.com/jupang/jupang/core/contracttest"
	"github.com/jupang/jupang/core/kernel"
)

func TestCouponContract(t *testing.T) {
	contracttest.RunCoupon(t, func(*testing.T) contracttest.CouponHarness {
		store := memory.NewStore()
		return contracttest.CouponHarness{
			Tx:     memory.NewUnitOfWork(store, memory.CouponStores),
			Outbox: memory.NewOutboxReader(store),
			NewUsers: func(_ *testing.T, n int) []string {
				ids := make([]string, n)
				for i := range ids {
					ids[i] = kernel.NewID()
				}
				return ids
			},
			NewOrder: func(*testing.T, string) string { return kernel.NewID() },
		}
	})
}
