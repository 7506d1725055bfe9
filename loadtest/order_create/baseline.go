package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/jupang/jupang/core/kernel"
)

// baseline runs the raw-SQL orders on the copy of the database, with a pool of conns connections
// and conns workers, after a warm-up.
func baseline(ctx context.Context, o options, w world, conns int) (result, error) {
	cfg, err := pgxpool.ParseConfig(o.baselineURL)
	if err != nil {
		return result{}, err
	}
	cfg.MaxConns, cfg.MinConns = int32(conns), int32(conns) //nolint:gosec // a small flag value
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return result{}, err
	}
	defer pool.Close()
	one := func(int) (time.Duration, string) {
		start := time.Now()
		err := rawOrder(ctx, pool, w)
		if err != nil {
			return time.Since(start), err.Error()
		}
		return time.Since(start), ""
	}
	parallel(conns, o.warmup, one)
	meter := cpuMeter{adm: o.adm, database: databaseName(o.baselineURL)}
	before, err := meter.sample(ctx)
	if err != nil {
		return result{}, err
	}
	r := parallel(conns, o.duration, one)
	after, err := meter.sample(ctx)
	if err != nil {
		return result{}, err
	}
	r.cpu = since(before, after, r.ok)
	return r, nil
}

var rawSeq atomic.Int64

// responseBody stands for the stored 201 answer, about the size of the real one.
var responseBody = []byte(`{"order":"` + strings.Repeat("x", 1800) + `"}`)

// rawOrder is one order's work in raw SQL, in the two transactions the real path commits: the
// idempotency-key claim; then 3 guarded stock updates (in SKU order), the order, its lines, the
// guarded wallet debit and its ledger row, the outbox rows and the key's completion.
func rawOrder(ctx context.Context, pool *pgxpool.Pool, w world) error {
	c := rand.IntN(len(w.customers)) //nolint:gosec // load mix
	userID := w.customers[c]
	picked := pick3(len(w.skus))
	skus := []sku{w.skus[picked[0]], w.skus[picked[1]], w.skus[picked[2]]}
	slices.SortFunc(skus, func(a, b sku) int { return strings.Compare(a.id, b.id) })
	n := rawSeq.Add(1)
	scope, key, now := "principal:"+userID, "raw-"+strconv.FormatInt(n, 10), time.Now().UTC()
	if _, err := pool.Exec(ctx, `
		INSERT INTO idempotency_keys (scope, key, fingerprint, state, owner, locked_until, expires_at, created_at)
		VALUES ($1, $2, $3, 'IN_PROGRESS', $4, $5, $6, $7)`,
		scope, key, "fingerprint-"+key, kernel.NewID(), now.Add(time.Minute), now.Add(24*time.Hour), now); err != nil {
		return err
	}
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback(ctx) }()
	const price = 10_000
	for _, s := range skus {
		tag, err := tx.Exec(ctx, `UPDATE inventory SET on_hand = on_hand - 1, version = version + 1, updated_at = $2
			WHERE sku_id = $1 AND on_hand - reserved >= 1`, s.id, now)
		if err != nil {
			return err
		}
		if tag.RowsAffected() != 1 {
			return errors.New("out of stock")
		}
	}
	orderID, total := kernel.NewID(), int64(3*price)
	if _, err := tx.Exec(ctx, `
		INSERT INTO orders (id, number, user_id, market, currency, status, subtotal, tax_included, total, wallet_paid,
		                    wallet_debit_krw, shipping_address, paid_at, idempotency_key, created_at, updated_at)
		VALUES ($1, $2, $3, 'KR', 'KRW', 'PAID', $4, true, $4, $4, $4, $5, $6, $7, $6, $6)`,
		orderID, fmt.Sprintf("B%s-%08d", now.Format("20060102"), n), userID, total, address, now, key); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `
		INSERT INTO order_items (id, order_id, sku_id, product_id, name, sku_code, unit_price, quantity, line_total)
		VALUES ($1, $2, $3, $4, 'Load item', 'LOAD', $11, 1, $11), ($5, $2, $6, $7, 'Load item', 'LOAD', $11, 1, $11),
		       ($8, $2, $9, $10, 'Load item', 'LOAD', $11, 1, $11)`,
		kernel.NewID(), orderID, skus[0].id, skus[0].productID, kernel.NewID(), skus[1].id, skus[1].productID,
		kernel.NewID(), skus[2].id, skus[2].productID, price); err != nil {
		return err
	}
	var balance int64
	if err := tx.QueryRow(ctx, `UPDATE wallets SET balance = balance - $2, updated_at = $3 WHERE user_id = $1 AND balance >= $2
		RETURNING balance`, userID, total, now).Scan(&balance); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `
		INSERT INTO wallet_ledger (id, user_id, type, amount, balance_after, currency, order_id, created_at)
		VALUES ($1, $2, 'PAYMENT', $3, $4, 'KRW', $5, $6)`, kernel.NewID(), userID, -total, balance, orderID, now); err != nil {
		return err
	}
	data := `{"orderId":"` + orderID + `","userId":"` + userID + `","status":"PAID","total":30000}`
	if _, err := tx.Exec(ctx, `
		INSERT INTO outbox_events (id, type, source, aggregate_id, topic, data, occurred_at)
		VALUES ($1, 'order.created', 'jupang', $6, 'jupang.orders.v1', $7, $8), ($2, 'order.paid', 'jupang', $6, 'jupang.orders.v1', $7, $8),
		       ($3, 'inventory.changed', 'jupang', $6, 'jupang.inventory.v1', $7, $8), ($4, 'inventory.changed', 'jupang', $6, 'jupang.inventory.v1', $7, $8),
		       ($5, 'inventory.changed', 'jupang', $6, 'jupang.inventory.v1', $7, $8)`,
		kernel.NewID(), kernel.NewID(), kernel.NewID(), kernel.NewID(), kernel.NewID(), orderID, data, now); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE idempotency_keys SET state = 'COMPLETED', status_code = 201, content_type = 'application/json', body = $3
		WHERE scope = $1 AND key = $2 AND state = 'IN_PROGRESS'`, scope, key, responseBody); err != nil {
		return err
	}
	return tx.Commit(ctx)
}
