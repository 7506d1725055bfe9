package memory_test

import (
	"testing"

	"github.com/jupang/jupang/adapters/memory"
	"github.com/jupang/jupang/core/contracttest"
)

func refundHarness(*testing.T) contracttest.RefundHarness {
	store := memory.NewStore()
	return contracttest.RefundHarness{Order: orderHarnessOn(store), Tx: memory.NewUnitOfWork(store, memory.RefundStores),
		Notifications: memory.NewNotificationReader(store)}
}

func TestRefundContract(t *testing.T) { contracttest.RunRefunds(t, refundHarness) }

func TestNotificationContract(t *testing.T) { contracttest.RunNotifications(t, refundHarness) }
