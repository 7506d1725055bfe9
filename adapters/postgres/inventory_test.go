package postgres_test

import (
	"context"
	"strings"
	"testing"

	"github.com/jupang/jupang/adapters/postgres"
	"github.com/jupang/jupang/adapters/postgres/pgtest"
	"github.com/jupang/jupang/core/contracttest"
	"github.com/jupang/jupang/core/kernel"
)

// inventoryHarness gives each test a database of its own: the suite lists whole tables.
func inventoryHarness(t *testing.T) contracttest.InventoryHarness {
	db, _ := pgtest.Another(t)
	return contracttest.InventoryHarness{
		Catalog:    catalogHarnessOn(t, db, postgres.NewReadRouter(db, nil, postgres.ReplicaConfig{}, nil)),
		Tx:         postgres.NewUnitOfWork(db, postgres.InventoryStores),
		Reader:     postgres.NewInventoryReader(db),
		Outbox:     postgres.NewOutboxReader(db),
		NewStaff:   func(t testing.TB) string { return insertBuyer(t, db) },
		NewOrder:   func(t testing.TB) string { return insertOrder(t, db, insertBuyer(t, db)) },
		Invariants: postgres.NewInvariants(db),
	}
}

func TestInventoryContract(t *testing.T) {
	t.Parallel() // every harness has a database of its own
	contracttest.RunInventory(t, inventoryHarness)
}

// insertOrder adds a paid order row of buyer for audit and ledger rows to reference.
func insertOrder(t testing.TB, db *postgres.DB, buyer string) string {
	t.Helper()
	id := kernel.NewID()
	_, err := db.ExecContext(context.Background(), `
		INSERT INTO orders (id, number, user_id, market, currency, status, subtotal, tax_included, total, wallet_paid,
		                    wallet_debit_krw, shipping_address, paid_at)
		VALUES ($1, $2, $3, 'KR', 'KRW', 'PAID', 1000, true, 1000, 1000, 1000, '{}', now())`, id, "T-"+strings.ToUpper(id[len(id)-12:]), buyer)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func walletHarness(t *testing.T) contracttest.WalletHarness {
	db := pgtest.DB(t)
	return contracttest.WalletHarness{
		Tx:       postgres.NewUnitOfWork(db, postgres.WalletStores),
		Reader:   postgres.NewWalletReader(db),
		NewUser:  func(t testing.TB) string { return insertBuyer(t, db) },
		NewOrder: func(t testing.TB, user string) string { return insertOrder(t, db, user) },
	}
}

func TestWalletContract(t *testing.T) { contracttest.RunWallet(t, walletHarness) }
