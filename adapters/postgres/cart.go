package postgres

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/jupang/jupang/core/cart"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/uow"
)

// CartStores builds cart.Stores on q (a unit of work's transaction).
func CartStores(q Querier) cart.Stores {
	r := &CartRepository{run: func(ctx context.Context, fn func(ctx context.Context, q Querier) error) error { return fn(ctx, q) }, writable: true}
	return cart.Stores{Carts: r, Stock: r, Purchases: &Purchases{q: q}}
}

// NewCartReads returns the cart.Stores GET /v1/carts/current reads outside a unit of work, on the
// primary (a cart is read right after it was changed, so a lagging replica will not do). Its
// writes fail.
func NewCartReads(db *DB) cart.Stores {
	r := &CartRepository{run: db.read}
	return cart.Stores{Carts: r, Stock: r, Purchases: NewPurchaseReads(db)}
}

// CartRepository is cart.Carts on tables carts and cart_items, and cart.Stock on the inventory
// area's table.
type CartRepository struct {
	run      func(ctx context.Context, fn func(ctx context.Context, q Querier) error) error
	writable bool
}

var errCartReadOnly = errors.New("postgres: cart write outside a unit of work")

func (r *CartRepository) write(ctx context.Context, fn func(ctx context.Context, q Querier) error) error {
	if !r.writable {
		return errCartReadOnly
	}
	return r.run(ctx, fn)
}

type cartRecord struct {
	ID           string         `db:"id"`
	UserID       sql.NullString `db:"user_id"`
	SessionID    sql.NullString `db:"session_id"`
	Market       string         `db:"market"`
	Status       string         `db:"status"`
	UserCouponID sql.NullString `db:"user_coupon_id"`
	MergedInto   sql.NullString `db:"merged_into"`
	ExpiresAt    sql.NullTime   `db:"expires_at"`
	CreatedAt    time.Time      `db:"created_at"`
	UpdatedAt    time.Time      `db:"updated_at"`
}

const cartColumns = `id, user_id, session_id, market, status, user_coupon_id, merged_into, expires_at, created_at, updated_at`

func (rec cartRecord) cart() cart.Cart {
	c := cart.Cart{ID: rec.ID, Owner: cart.Owner{UserID: rec.UserID.String, SessionID: kernel.SessionID(rec.SessionID.String)},
		Market: kernel.Market(rec.Market), Status: cart.Status(rec.Status), UserCouponID: rec.UserCouponID.String,
		MergedInto: rec.MergedInto.String, CreatedAt: rec.CreatedAt.UTC(), UpdatedAt: rec.UpdatedAt.UTC()}
	if rec.ExpiresAt.Valid {
		c.ExpiresAt = rec.ExpiresAt.Time.UTC()
	}
	return c
}

// ownerWhere is the condition that selects an owner's carts, with its argument.
func ownerWhere(o cart.Owner) (string, any) {
	if o.IsGuest() {
		return "session_id = $1", string(o.SessionID)
	}
	return "user_id = $1", o.UserID
}

// loadItems fills in c's lines, oldest first.
func loadItems(ctx context.Context, q Querier, c *cart.Cart) error {
	var rows []struct {
		ID        string    `db:"id"`
		SKUID     string    `db:"sku_id"`
		ProductID string    `db:"product_id"`
		Quantity  int       `db:"quantity"`
		CreatedAt time.Time `db:"created_at"`
		UpdatedAt time.Time `db:"updated_at"`
	}
	if err := q.SelectContext(ctx, &rows, `
		SELECT ci.id, ci.sku_id, s.product_id, ci.quantity, ci.created_at, ci.updated_at
		FROM cart_items ci JOIN skus s ON s.id = ci.sku_id
		WHERE ci.cart_id = $1 ORDER BY ci.created_at, ci.id`, c.ID); err != nil {
		return err
	}
	c.Items = make([]cart.Item, 0, len(rows))
	for _, row := range rows {
		c.Items = append(c.Items, cart.Item{ID: row.ID, SKUID: row.SKUID, ProductID: row.ProductID, Quantity: row.Quantity,
			CreatedAt: row.CreatedAt.UTC(), UpdatedAt: row.UpdatedAt.UTC()})
	}
	return nil
}

// activeCart reads the owner's ACTIVE cart with its lines, with lock appended to the query.
func activeCart(ctx context.Context, q Querier, o cart.Owner, lock string) (cart.Cart, bool, error) {
	where, arg := ownerWhere(o)
	var rec cartRecord
	err := q.GetContext(ctx, &rec, `SELECT `+cartColumns+` FROM carts WHERE `+where+` AND status = 'ACTIVE' `+lock, arg)
	if errors.Is(err, sql.ErrNoRows) {
		return cart.Cart{}, false, nil
	}
	if err != nil {
		return cart.Cart{}, false, err
	}
	c := rec.cart()
	return c, true, loadItems(ctx, q, &c)
}

// Active implements cart.Carts.
func (r *CartRepository) Active(ctx context.Context, o cart.Owner) (c cart.Cart, ok bool, err error) {
	err = r.run(ctx, func(ctx context.Context, q Querier) error {
		c, ok, err = activeCart(ctx, q, o, "")
		return err
	})
	return c, ok, err
}

// LockActive implements cart.Carts: SELECT ... FOR UPDATE, else an insert that a concurrent
// creator's row turns into nothing (ON CONFLICT DO NOTHING on the one-active-cart indexes), then
// the locking read again.
func (r *CartRepository) LockActive(ctx context.Context, o cart.Owner, fresh cart.Cart) (c cart.Cart, err error) {
	err = r.write(ctx, func(ctx context.Context, q Querier) error {
		for range 3 {
			var ok bool
			if c, ok, err = activeCart(ctx, q, o, "FOR UPDATE"); ok || err != nil {
				return err
			}
			if _, err := q.ExecContext(ctx, `
				INSERT INTO carts (id, user_id, session_id, market, status, expires_at, created_at, updated_at)
				VALUES ($1, $2, $3, $4, 'ACTIVE', $5, $6, $6) ON CONFLICT DO NOTHING`,
				fresh.ID, nullString(o.UserID), nullString(string(o.SessionID)), string(fresh.Market), nullTime(fresh.ExpiresAt), fresh.CreatedAt); err != nil {
				return err
			}
		}
		// The owner's active cart kept changing under us: let the unit of work run again.
		return markRetry(errors.New("postgres: the owner's active cart changed during LockActive"))
	})
	return c, err
}

// LockLatestOfSession implements cart.Carts.
func (r *CartRepository) LockLatestOfSession(ctx context.Context, s kernel.SessionID) (c cart.Cart, ok bool, err error) {
	err = r.write(ctx, func(ctx context.Context, q Querier) error {
		var rec cartRecord
		err := q.GetContext(ctx, &rec, `SELECT `+cartColumns+` FROM carts WHERE session_id = $1
			ORDER BY created_at DESC, id DESC LIMIT 1 FOR UPDATE`, string(s))
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		c, ok = rec.cart(), true
		return loadItems(ctx, q, &c)
	})
	return c, ok, err
}

// SaveHeader implements cart.Carts.
func (r *CartRepository) SaveHeader(ctx context.Context, c cart.Cart) error {
	return r.write(ctx, func(ctx context.Context, q Querier) error {
		res, err := q.ExecContext(ctx, `
			UPDATE carts SET market = $2, status = $3, user_coupon_id = $4, merged_into = $5, expires_at = $6, updated_at = $7
			WHERE id = $1`, c.ID, string(c.Market), string(c.Status), nullString(c.UserCouponID), nullString(c.MergedInto),
			nullTime(c.ExpiresAt), c.UpdatedAt)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return errors.Join(err, errors.New("postgres: SaveHeader of an unknown cart"))
		}
		return nil
	})
}

// PutItem implements cart.Carts with INSERT ... ON CONFLICT (cart_id, sku_id) DO UPDATE, so
// concurrent upserts of one SKU leave one line.
func (r *CartRepository) PutItem(ctx context.Context, cartID string, it cart.Item) (out cart.Item, err error) {
	err = r.write(ctx, func(ctx context.Context, q Querier) error {
		var row struct {
			ID        string    `db:"id"`
			CreatedAt time.Time `db:"created_at"`
			UpdatedAt time.Time `db:"updated_at"`
			Quantity  int       `db:"quantity"`
		}
		if err := q.GetContext(ctx, &row, `
			INSERT INTO cart_items (id, cart_id, sku_id, quantity, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (cart_id, sku_id) DO UPDATE SET quantity = EXCLUDED.quantity, updated_at = EXCLUDED.updated_at
			RETURNING id, created_at, updated_at, quantity`, it.ID, cartID, it.SKUID, it.Quantity, it.CreatedAt, it.UpdatedAt); err != nil {
			return err
		}
		out = cart.Item{ID: row.ID, SKUID: it.SKUID, ProductID: it.ProductID, Quantity: row.Quantity,
			CreatedAt: row.CreatedAt.UTC(), UpdatedAt: row.UpdatedAt.UTC()}
		return nil
	})
	return out, err
}

// RemoveItem implements cart.Carts.
func (r *CartRepository) RemoveItem(ctx context.Context, cartID, itemID string) (ok bool, err error) {
	err = r.write(ctx, func(ctx context.Context, q Querier) error {
		res, err := q.ExecContext(ctx, `DELETE FROM cart_items WHERE id = $1 AND cart_id = $2`, itemID, cartID)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		ok = n == 1
		return err
	})
	return ok, err
}

// ProductsOfSKUs implements cart.Carts.
func (r *CartRepository) ProductsOfSKUs(ctx context.Context, skuIDs []string) (out map[string]string, err error) {
	err = r.run(ctx, func(ctx context.Context, q Querier) error {
		var rows []struct {
			ID        string `db:"id"`
			ProductID string `db:"product_id"`
		}
		if err := q.SelectContext(ctx, &rows, `SELECT id, product_id FROM skus WHERE id = ANY($1::uuid[])`, orEmptySlice(skuIDs)); err != nil {
			return err
		}
		out = make(map[string]string, len(rows))
		for _, row := range rows {
			out[row.ID] = row.ProductID
		}
		return nil
	})
	return out, err
}

// DeleteExpired implements cart.Carts; SKIP LOCKED lets several sweepers (and a merge holding a
// guest cart) work at once without waiting for each other.
func (r *CartRepository) DeleteExpired(ctx context.Context, now time.Time, limit int) (n int, err error) {
	err = r.write(ctx, func(ctx context.Context, q Querier) error {
		res, err := q.ExecContext(ctx, `
			DELETE FROM carts WHERE id IN (
				SELECT id FROM carts WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED)`, now, limit)
		if err != nil {
			return err
		}
		rows, err := res.RowsAffected()
		n = int(rows)
		return err
	})
	return n, err
}

// Available implements cart.Stock on table inventory (on hand − reserved).
func (r *CartRepository) Available(ctx context.Context, skuIDs []string) (out map[string]int, err error) {
	err = r.run(ctx, func(ctx context.Context, q Querier) error {
		var rows []struct {
			SKUID     string `db:"sku_id"`
			Available int    `db:"available"`
		}
		if err := q.SelectContext(ctx, &rows, `SELECT sku_id, on_hand - reserved AS available FROM inventory WHERE sku_id = ANY($1::uuid[])`,
			orEmptySlice(skuIDs)); err != nil {
			return err
		}
		out = make(map[string]int, len(rows))
		for _, row := range rows {
			out[row.SKUID] = row.Available
		}
		return nil
	})
	return out, err
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

var _ uow.UnitOfWork[cart.Stores] = (*UnitOfWork[cart.Stores])(nil)
