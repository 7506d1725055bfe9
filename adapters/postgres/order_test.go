package postgres_test

import (
	"testing"
	"time"

	"github.com/jupang/jupang/adapters/payment"
	"github.com/jupang/jupang/adapters/postgres"
	"github.com/jupang/jupang/adapters/postgres/pgtest"
	"github.com/jupang/jupang/core/contracttest"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/order"
)

func TestMockGatewayContractOnPostgres(t *testing.T) {
	contracttest.RunPaymentGateway(t, func(t *testing.T, clock kernel.Clock, late time.Duration) order.PaymentGateway {
		return payment.NewMockGateway(postgres.NewMockGatewayCharges(pgtest.DB(t)), clock, payment.MockConfig{LateDelay: late, LostAfter: time.Second})
	})
}

// orderHarness gives each test a database of its own.
func orderHarness(t *testing.T) contracttest.OrderHarness {
	db, _ := pgtest.Another(t)
	return orderHarnessOn(db)
}

func orderHarnessOn(db *postgres.DB) contracttest.OrderHarness {
	newUser := func(t testing.TB) string { return insertBuyer(t, db) }
	return contracttest.OrderHarness{
		Inventory: contracttest.InventoryHarness{
			Catalog: catalogHarnessOn(db, postgres.NewReadRouter(db, nil, postgres.ReplicaConfig{}, nil)),
			Tx:      postgres.NewUnitOfWork(db, postgres.InventoryStores), Reader: postgres.NewInventoryReader(db),
			Outbox: postgres.NewOutboxReader(db), NewStaff: newUser,
			NewOrder: func(t testing.TB) string { return insertOrder(t, db, insertBuyer(t, db)) },
		},
		Wallet: contracttest.WalletHarness{Tx: postgres.NewUnitOfWork(db, postgres.WalletStores), Reader: postgres.NewWalletReader(db),
			NewUser: newUser, NewOrder: func(t testing.TB, user string) string { return insertOrder(t, db, user) }},
		Tx:        postgres.NewUnitOfWork(db, postgres.OrderStores),
		Numbers:   postgres.NewOrderNumbers(db),
		Customers: postgres.NewCustomers(db),
		Gateway: func(clock kernel.Clock, late time.Duration) order.PaymentGateway {
			return payment.NewMockGateway(postgres.NewMockGatewayCharges(db), clock, payment.MockConfig{LateDelay: late, LostAfter: 5 * time.Second})
		},
	}
}

func TestOrderContract(t *testing.T) { contracttest.RunOrders(t, orderHarness) }
