package memory_test

import (
	"context"
	"testing"

	"github.com/jupang/jupang/adapters/memory"
	"github.com/jupang/jupang/core/contracttest"
	"github.com/jupang/jupang/core/identity"
	"github.com/jupang/jupang/core/kernel"
)

func inventoryHarness(*testing.T) contracttest.InventoryHarness {
	store := memory.NewStore()
	return contracttest.InventoryHarness{
		Catalog: contracttest.CatalogHarness{
			Tx: memory.NewUnitOfWork(store, memory.CatalogStores), Reader: memory.NewCatalogReader(store),
			StockTx: memory.NewUnitOfWork(store, memory.InventoryStores), StockReader: memory.NewInventoryReader(store),
			NewBuyer: func(*testing.T) string { return kernel.NewID() },
		},
		Tx:         memory.NewUnitOfWork(store, memory.InventoryStores),
		Reader:     memory.NewInventoryReader(store),
		Outbox:     memory.NewOutboxReader(store),
		NewStaff:   func(testing.TB) string { return kernel.NewID() },
		NewOrder:   func(testing.TB) string { return kernel.NewID() },
		Invariants: memory.NewInvariants(store),
	}
}

func TestInventoryContract(t *testing.T) { contracttest.RunInventory(t, inventoryHarness) }

func walletHarness(*testing.T) contracttest.WalletHarness {
	store := memory.NewStore()
	users := memory.NewUnitOfWork(store, memory.IdentityStores)
	return contracttest.WalletHarness{
		Tx:     memory.NewUnitOfWork(store, memory.WalletStores),
		Reader: memory.NewWalletReader(store),
		NewUser: func(t testing.TB) string {
			id := kernel.NewID()
			err := users.Do(context.Background(), func(ctx context.Context, st identity.Stores) error {
				return st.Users.Create(ctx, identity.User{ID: id, Email: id + "@jupang.test", Name: "Wallet", Status: identity.UserActive,
					Roles: []kernel.Role{kernel.RoleCustomer}})
			})
			if err != nil {
				t.Fatal(err)
			}
			return id
		},
		NewOrder: func(testing.TB, string) string { return kernel.NewID() },
	}
}

func TestWalletContract(t *testing.T) { contracttest.RunWallet(t, walletHarness) }
