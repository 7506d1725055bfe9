package postgres_test

import (
	"testing"

	"github.com/jupang/jupang/adapters/postgres"
	"github.com/jupang/jupang/adapters/postgres/pgtest"
	"github.com/jupang/jupang/core/contracttest"
)

func refundHarness(t *testing.T) contracttest.RefundHarness {
	db, _ := pgtest.Another(t)
	return contracttest.RefundHarness{Order: orderHarnessOn(t, db), Tx: postgres.NewUnitOfWork(db, postgres.RefundStores),
		Notifications: postgres.NewNotificationReader(db)}
}

func TestRefundContract(t *testing.T) {
	t.Parallel() // every harness has a database of its own
	contracttest.RunRefunds(t, refundHarness)
}

func TestNotificationContract(t *testing.T) {
	t.Parallel() // every harness has a database of its own
	contracttest.RunNotifications(t, refundHarness)
}
