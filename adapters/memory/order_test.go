package memory_test

import (
	"context"
	"testing"
	"time"

	"github.com/jupang/jupang/adapters/memory"
	"github.com/jupang/jupang/adapters/payment"
	"github.com/jupang/jupang/core/contracttest"
	"github.com/jupang/jupang/core/identity"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/order"
)

// newUser adds a customer to store's identity tables, for wallets and orders to belong to.
func newUser(t testing.TB, store *memory.Store) string {
	t.Helper()
	id := kernel.NewID()
	err := memory.NewUnitOfWork(store, memory.IdentityStores).Do(context.Background(), func(ctx context.Context, st identity.Stores) error {
		return st.Users.Create(ctx, identity.User{ID: id, Email: id + "@jupang.test", Name: "Buyer", Status: identity.UserActive,
			Roles: []kernel.Role{kernel.RoleCustomer}})
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func orderHarness(*testing.T) contracttest.OrderHarness { return orderHarnessOn(memory.NewStore()) }

func orderHarnessOn(store *memory.Store) contracttest.OrderHarness {
	newUser := func(t testing.TB) string { return newUser(t, store) }
	charges := payment.NewMemoryChargeStore()
	return contracttest.OrderHarness{
		Inventory: contracttest.InventoryHarness{
			Catalog: contracttest.CatalogHarness{Tx: memory.NewUnitOfWork(store, memory.CatalogStores), Reader: memory.NewCatalogReader(store), StockTx: memory.NewUnitOfWork(store, memory.InventoryStores), StockReader: memory.NewInventoryReader(store),
				NewBuyer: func(t *testing.T) string { return newUser(t) }},
			Tx: memory.NewUnitOfWork(store, memory.InventoryStores), Reader: memory.NewInventoryReader(store),
			Outbox: memory.NewOutboxReader(store), NewStaff: newUser,
			NewOrder: func(testing.TB) string { return kernel.NewID() },
		},
		Wallet: contracttest.WalletHarness{Tx: memory.NewUnitOfWork(store, memory.WalletStores), Reader: memory.NewWalletReader(store),
			NewUser: newUser, NewOrder: func(testing.TB, string) string { return kernel.NewID() }},
		Tx:         memory.NewUnitOfWork(store, memory.OrderStores),
		Numbers:    memory.NewOrderNumbers(),
		Customers:  memory.NewCustomers(store),
		Coupons:    memory.NewUnitOfWork(store, memory.CouponStores),
		Invariants: memory.NewInvariants(store),
		Gateway: func(clock kernel.Clock, late time.Duration) order.PaymentGateway {
			return payment.NewMockGateway(charges, clock, payment.MockConfig{LateDelay: late, LostAfter: 5 * time.Second})
		},
	}
}

func TestOrderContract(t *testing.T) { contracttest.RunOrders(t, orderHarness) }
