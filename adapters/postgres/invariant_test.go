package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/jupang/jupang/adapters/postgres"
	"github.com/jupang/jupang/adapters/postgres/pgtest"
	"github.com/jupang/jupang/core/contracttest"
	"github.com/jupang/jupang/core/integration"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/order"
)

// TestInvariantContract gives each test a database of its own: the checker reads every table.
func TestInvariantContract(t *testing.T) {
	t.Parallel() // every harness has a database of its own
	contracttest.RunInvariants(t, func(t *testing.T) contracttest.InvariantHarness {
		db, _ := pgtest.Another(t)
		return contracttest.InvariantHarness{
			Order: orderHarnessOn(t, db),
			Coupons: contracttest.CouponHarness{Tx: postgres.NewUnitOfWork(db, postgres.CouponStores), Outbox: postgres.NewOutboxReader(db),
				NewUsers: func(t *testing.T, n int) []string { return insertUsers(t, db, n) },
				NewOrder: func(t *testing.T, userID string) string { return insertOrder(t, db, userID) }},
			Snapshot: postgres.NewInvariants(db),
			Tamper:   tamper{db},
		}
	})
}

// refusedByConstraint marks an integrity-constraint violation (SQLSTATE class 23) as the
// storage refusing the broken fact; every other error stays what it is.
func refusedByConstraint(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && strings.HasPrefix(pgErr.Code, "23") {
		return fmt.Errorf("%w: %v", contracttest.ErrRefusedByConstraint, err)
	}
	return err
}

// tamper writes the tables directly, past every use case.
type tamper struct{ db *postgres.DB }

func (p tamper) SetBalance(ctx context.Context, userID string, balance int64) error {
	_, err := p.db.ExecContext(ctx, `UPDATE wallets SET balance = $2 WHERE user_id = $1`, userID, balance)
	return refusedByConstraint(err)
}

func (p tamper) AppendEntry(ctx context.Context, userID string, amount, balanceAfter int64) error {
	_, err := p.db.ExecContext(ctx, `
		INSERT INTO wallet_ledger (id, user_id, type, amount, balance_after, currency, actor_id)
		VALUES ($1, $2, 'ADJUSTMENT', $3, $4, 'KRW', $2)`, kernel.NewID(), userID, amount, balanceAfter)
	return refusedByConstraint(err)
}

func (p tamper) SetStock(ctx context.Context, skuID string, onHand, reserved int) error {
	_, err := p.db.ExecContext(ctx, `UPDATE inventory SET on_hand = $2, reserved = $3 WHERE sku_id = $1`, skuID, onHand, reserved)
	return refusedByConstraint(err)
}

func (p tamper) AddClaim(ctx context.Context, couponID, userID string, claimNo int) error {
	_, err := p.db.ExecContext(ctx, `
		INSERT INTO user_coupons (id, coupon_id, user_id, claim_no, expires_at) VALUES ($1, $2, $3, $4, now() + interval '1 hour')`,
		kernel.NewID(), couponID, userID, claimNo)
	return refusedByConstraint(err)
}

func (p tamper) DropOrderEvents(ctx context.Context, orderID, eventType string) error {
	_, err := p.db.ExecContext(ctx, `DELETE FROM outbox_events WHERE aggregate_id = $1 AND type = $2`, orderID, eventType)
	return err
}

func (p tamper) AddOrderEvent(ctx context.Context, orderID, eventType string) error {
	e, err := integration.NewEvent(ctx, kernel.SystemClock{}, order.Topic, eventType, orderID, "orders/"+orderID, map[string]string{"orderId": orderID})
	if err != nil {
		return err
	}
	return postgres.NewOutbox(p.db.Q(ctx)).Append(ctx, e)
}

func (p tamper) CopyOrder(ctx context.Context, orderID string) error {
	_, err := p.db.ExecContext(ctx, `
		INSERT INTO orders (id, number, user_id, market, currency, status, subtotal, tax_included, total, wallet_paid,
		                    wallet_debit_krw, shipping_address, paid_at, idempotency_key)
		SELECT $2::uuid, 'C-' || upper(right($2::text, 12)), user_id, market, currency, status, subtotal, tax_included, total, wallet_paid,
		       wallet_debit_krw, shipping_address, paid_at, idempotency_key
		  FROM orders WHERE id = $1`, orderID, kernel.NewID())
	return refusedByConstraint(err)
}
