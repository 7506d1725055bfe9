package postgres

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/jupang/jupang/core/invariant"
	"github.com/jupang/jupang/core/order"
)

// Invariants is invariant.Snapshot on the primary: every query runs in one REPEATABLE READ READ
// ONLY transaction, so they all see the same committed moment and block no writer. Each query
// is one grouped scan of its tables, one row per entity.
type Invariants struct{ db *DB }

// NewInvariants returns the snapshot reader of db.
func NewInvariants(db *DB) *Invariants { return &Invariants{db: db} }

// walletFacts: per wallet, the ledger's count, sum and lowest balance_after, and how many
// balances have unequal numbers of rows starting (balance_after - amount) and ending there,
// with the opening 0 as one more end and the ledger sum as one more start.
const walletFacts = `
WITH l AS (
    SELECT user_id, count(*) AS entries, sum(amount) AS ledger_sum, LEAST(min(balance_after), 0) AS min_after
      FROM wallet_ledger GROUP BY user_id
), steps AS (
    SELECT user_id, balance_after - amount AS v, 1 AS d FROM wallet_ledger
    UNION ALL SELECT user_id, balance_after, -1 FROM wallet_ledger
    UNION ALL SELECT user_id, 0, -1 FROM l
    UNION ALL SELECT user_id, ledger_sum, 1 FROM l
), unchained AS (
    SELECT user_id, count(*) AS n
      FROM (SELECT user_id FROM steps GROUP BY user_id, v HAVING sum(d) <> 0) x
     GROUP BY user_id
)
SELECT w.user_id::text AS user_id, w.balance, COALESCE(l.entries, 0) AS entries, COALESCE(l.ledger_sum, 0) AS ledger_sum,
       COALESCE(l.min_after, 0) AS min_after, COALESCE(u.n, 0) AS unchained
  FROM wallets w
  LEFT JOIN l ON l.user_id = w.user_id
  LEFT JOIN unchained u ON u.user_id = w.user_id
 ORDER BY w.user_id`

// stockFacts: per SKU with a stock row or audit rows, the row and the sums of the audit deltas.
const stockFacts = `
WITH a AS (
    SELECT sku_id, count(*) AS audits, sum(delta_on_hand) AS on_hand, sum(delta_reserved) AS reserved
      FROM inventory_audits GROUP BY sku_id
)
SELECT COALESCE(i.sku_id, a.sku_id)::text AS sku_id, COALESCE(i.on_hand, 0) AS on_hand, COALESCE(i.reserved, 0) AS reserved,
       COALESCE(a.audits, 0) AS audits, COALESCE(a.on_hand, 0) AS audit_on_hand, COALESCE(a.reserved, 0) AS audit_reserved
  FROM inventory i FULL JOIN a ON a.sku_id = i.sku_id
 ORDER BY 1`

// couponFacts: per coupon, its limits, the sum of its bucket counters and the counts of its claims.
const couponFacts = `
WITH b AS (
    SELECT coupon_id, sum(issued) AS issued FROM coupon_buckets GROUP BY coupon_id
), per_user AS (
    SELECT coupon_id, user_id, count(*) AS claims, count(*) FILTER (WHERE status = 'USED') AS used
      FROM user_coupons GROUP BY coupon_id, user_id
), u AS (
    SELECT coupon_id, sum(claims) AS claims, sum(used) AS used, max(claims) AS max_per_user,
           (array_agg(user_id ORDER BY claims DESC, user_id))[1]::text AS max_user
      FROM per_user GROUP BY coupon_id
)
SELECT c.id::text AS coupon_id, c.total_quantity, c.per_user_limit, COALESCE(b.issued, 0) AS issued,
       COALESCE(u.claims, 0) AS claims, COALESCE(u.used, 0) AS used, COALESCE(u.max_per_user, 0) AS max_per_user,
       COALESCE(u.max_user, '') AS max_user
  FROM coupons c
  LEFT JOIN b ON b.coupon_id = c.id
  LEFT JOIN u ON u.coupon_id = c.id
 ORDER BY c.id`

// orderFacts: per order id among the orders and the aggregates of the orders topic, the order
// (if any), how many orders share its (customer, key), and the counts of its events.
const orderFacts = `
WITH e AS (
    SELECT aggregate_id,
           count(*) FILTER (WHERE type = $2) AS created,
           count(*) FILTER (WHERE type = $3) AS paid,
           count(*) FILTER (WHERE type = $4) AS cancelled
      FROM outbox_events WHERE topic = $1 GROUP BY aggregate_id
), o AS (
    SELECT id::text AS id, user_id::text AS user_id, status, paid_at IS NOT NULL AS paid,
           CASE WHEN idempotency_key IS NULL THEN 0
                ELSE count(*) OVER (PARTITION BY user_id, idempotency_key) END AS key_shared
      FROM orders
)
SELECT COALESCE(o.id, e.aggregate_id) AS order_id, o.id IS NOT NULL AS exists, COALESCE(o.user_id, '') AS user_id,
       COALESCE(o.status, '') AS status, COALESCE(o.paid, false) AS paid, COALESCE(o.key_shared, 0) AS key_shared,
       COALESCE(e.created, 0) AS created, COALESCE(e.paid, 0) AS paid_events, COALESCE(e.cancelled, 0) AS cancelled
  FROM o FULL JOIN e ON e.aggregate_id = o.id
 ORDER BY 1`

// Facts implements invariant.Snapshot.
func (i *Invariants) Facts(ctx context.Context) (invariant.Facts, error) {
	tx, err := i.db.BeginTxx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return invariant.Facts{}, err
	}
	defer func() { _ = tx.Rollback() }()
	// A check of a loaded database may outlast the pool's statement timeout; ctx bounds it.
	if _, err := tx.ExecContext(ctx, `SET LOCAL statement_timeout = 0`); err != nil {
		return invariant.Facts{}, err
	}
	var (
		f       invariant.Facts
		wallets []struct {
			UserID    string `db:"user_id"`
			Balance   int64  `db:"balance"`
			Entries   int    `db:"entries"`
			LedgerSum int64  `db:"ledger_sum"`
			MinAfter  int64  `db:"min_after"`
			Unchained int    `db:"unchained"`
		}
		coupons []struct {
			CouponID     string        `db:"coupon_id"`
			Total        sql.NullInt64 `db:"total_quantity"`
			PerUserLimit int           `db:"per_user_limit"`
			Issued       int           `db:"issued"`
			Claims       int           `db:"claims"`
			Used         int           `db:"used"`
			MaxPerUser   int           `db:"max_per_user"`
			MaxUser      string        `db:"max_user"`
		}
		orders []struct {
			OrderID    string `db:"order_id"`
			Exists     bool   `db:"exists"`
			UserID     string `db:"user_id"`
			Status     string `db:"status"`
			Paid       bool   `db:"paid"`
			KeyShared  int    `db:"key_shared"`
			Created    int    `db:"created"`
			PaidEvents int    `db:"paid_events"`
			Cancelled  int    `db:"cancelled"`
		}
	)
	if err := tx.SelectContext(ctx, &wallets, walletFacts); err != nil {
		return f, fmt.Errorf("wallets: %w", err)
	}
	var rows []struct {
		SKUID         string `db:"sku_id"`
		OnHand        int    `db:"on_hand"`
		Reserved      int    `db:"reserved"`
		Audits        int    `db:"audits"`
		AuditOnHand   int    `db:"audit_on_hand"`
		AuditReserved int    `db:"audit_reserved"`
	}
	if err := tx.SelectContext(ctx, &rows, stockFacts); err != nil {
		return f, fmt.Errorf("stock: %w", err)
	}
	if err := tx.SelectContext(ctx, &coupons, couponFacts); err != nil {
		return f, fmt.Errorf("coupons: %w", err)
	}
	if err := tx.SelectContext(ctx, &orders, orderFacts, order.Topic, order.EventCreated, order.EventPaid, order.EventCancelled); err != nil {
		return f, fmt.Errorf("orders: %w", err)
	}
	for _, w := range wallets {
		f.Wallets = append(f.Wallets, invariant.WalletFacts{UserID: w.UserID, Balance: w.Balance, Entries: w.Entries,
			LedgerSum: w.LedgerSum, MinBalanceAfter: w.MinAfter, Unchained: w.Unchained})
	}
	for _, s := range rows {
		f.Stock = append(f.Stock, invariant.StockFacts(s))
	}
	for _, c := range coupons {
		cf := invariant.CouponFacts{CouponID: c.CouponID, PerUserLimit: c.PerUserLimit, Issued: c.Issued, Claims: c.Claims,
			Used: c.Used, MaxPerUser: c.MaxPerUser, MaxUserID: c.MaxUser}
		if c.Total.Valid {
			n := int(c.Total.Int64)
			cf.Total = &n
		}
		f.Coupons = append(f.Coupons, cf)
	}
	for _, o := range orders {
		f.Orders = append(f.Orders, invariant.OrderFacts{OrderID: o.OrderID, Exists: o.Exists, UserID: o.UserID, Status: order.Status(o.Status),
			Paid: o.Paid, KeyShared: o.KeyShared, Created: o.Created, PaidEvent: o.PaidEvents, Cancelled: o.Cancelled})
	}
	return f, tx.Commit()
}
