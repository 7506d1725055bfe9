package postgres_test

import (
	"context"
	"errors"
	"net/url"
	"os"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/jupang/jupang/adapters/postgres"
	"github.com/jupang/jupang/adapters/postgres/pgtest"
	"github.com/jupang/jupang/core/contracttest"
	"github.com/jupang/jupang/core/inventory"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/wallet"
)

// asAppRole applies deploy/postgres/jupang_app_grants.sql to a fresh database as its owner and
// returns the owner's handle and one connected as jupang_app.
func asAppRole(t *testing.T) (owner, app *postgres.DB) {
	t.Helper()
	owner, raw := pgtest.Another(t)
	script, err := os.ReadFile("../../deploy/postgres/jupang_app_grants.sql")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := owner.ExecContext(context.Background(), string(script)); err != nil {
		t.Fatalf("grants script: %v", err)
	}
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.User("jupang_app")
	app, closeApp, err := postgres.Open(context.Background(), postgres.Config{URL: u.String(), MaxOpenConns: 8})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(closeApp) // before the database is dropped (cleanups run last-in first-out)
	return owner, app
}

func sqlState(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code
	}
	return ""
}

// The binaries' stock and wallet paths work as jupang_app, and PostgreSQL itself refuses that
// role any UPDATE or DELETE of an audit row or a ledger entry (insufficient_privilege, 42501).
// Even the tables' owner is refused by the forbid_update_delete trigger (restrict_violation, 23001).
func TestAuditTablesAreAppendOnlyForTheAppRoleAndTheOwner(t *testing.T) {
	ctx := context.Background()
	owner, app := asAppRole(t)
	h := contracttest.InventoryHarness{
		Catalog:  catalogHarnessOn(t, app, postgres.NewReadRouter(app, nil, postgres.ReplicaConfig{}, nil)),
		Tx:       postgres.NewUnitOfWork(app, postgres.InventoryStores),
		Reader:   postgres.NewInventoryReader(app),
		Outbox:   postgres.NewOutboxReader(app),
		NewStaff: func(t testing.TB) string { return insertBuyer(t, app) },
		NewOrder: func(t testing.TB) string { return insertOrder(t, app, insertBuyer(t, app)) },
	}
	w := contracttest.NewInventoryWorld(t, h)
	_, skus := w.NewSKUs(t, 10)
	delta := 5
	if _, err := w.Svc.Adjust(ctx, w.Staff, []inventory.AdjustmentLine{{SKUID: skus[0], Delta: &delta, Reason: inventory.AdjustReceived}}); err != nil {
		t.Fatalf("adjust as jupang_app: %v", err)
	}
	if _, err := w.Reserve(ctx, h.NewOrder(t), inventory.Line{SKUID: skus[0], Quantity: 2}); err != nil {
		t.Fatalf("reserve as jupang_app: %v", err)
	}
	wallets := wallet.NewService(postgres.NewUnitOfWork(app, postgres.WalletStores), postgres.NewWalletReader(app), kernel.SystemClock{})
	customer := insertBuyer(t, app)
	if _, err := wallets.Deposit(ctx, customer, 1_000, "grant test"); err != nil {
		t.Fatalf("deposit as jupang_app: %v", err)
	}
	contracttest.CheckStockInvariant(t, h, skus[0])

	statements := []string{
		`UPDATE inventory_audits SET note = 'rewritten' WHERE sku_id = '` + skus[0] + `'`,
		`DELETE FROM inventory_audits WHERE sku_id = '` + skus[0] + `'`,
		`UPDATE wallet_ledger SET amount = 1000000 WHERE user_id = '` + customer + `'`,
		`DELETE FROM wallet_ledger WHERE user_id = '` + customer + `'`,
	}
	for _, stmt := range statements {
		if _, err := app.ExecContext(ctx, stmt); sqlState(err) != "42501" {
			t.Errorf("as jupang_app %q: %v, want insufficient_privilege", stmt, err)
		}
		if _, err := owner.ExecContext(ctx, stmt); sqlState(err) != "23001" {
			t.Errorf("as the owner %q: %v, want restrict_violation from the trigger", stmt, err)
		}
	}
	for _, stmt := range []string{`TRUNCATE inventory_audits`, `ALTER TABLE inventory_audits DISABLE TRIGGER inventory_audits_append_only`,
		`INSERT INTO goose_db_version (version_id, is_applied) VALUES (99999, true)`} {
		if _, err := app.ExecContext(ctx, stmt); err == nil {
			t.Errorf("as jupang_app %q succeeded", stmt)
		}
	}
	// Nothing was rewritten.
	audits, err := h.Reader.Audits(ctx, inventory.AuditQuery{SKUID: skus[0], Limit: 10})
	if err != nil || len(audits) != 3 {
		t.Fatalf("audits = %d, %v", len(audits), err)
	}
	for _, a := range audits {
		if a.Note == "rewritten" {
			t.Errorf("audit %s was rewritten", a.ID)
		}
	}
	if b, err := wallets.Balance(ctx, customer); err != nil || b.Balance != 1_000 {
		t.Errorf("balance = %+v, %v", b, err)
	}
}
