package postgres

import (
	"context"
	"database/sql"
	"errors"

	"github.com/jupang/jupang/core/couponstats"
)

// CouponStatsStores builds couponstats.Stores on q (00101_coupon_stats.sql and the inbox).
func CouponStatsStores(q Querier) couponstats.Stores {
	return couponstats.Stores{Stats: &CouponStats{q}, Inbox: NewInbox(q)}
}

// CouponStats is couponstats.Store on table coupon_stats.
type CouponStats struct{ q Querier }

// Add implements couponstats.Store: one upsert that adds to the row.
func (s *CouponStats) Add(ctx context.Context, d couponstats.Counts) error {
	_, err := s.q.ExecContext(ctx, `
		INSERT INTO coupon_stats (coupon_id, claimed, used, released) VALUES ($1, $2, $3, $4)
		ON CONFLICT (coupon_id) DO UPDATE SET claimed = coupon_stats.claimed + EXCLUDED.claimed,
		       used = coupon_stats.used + EXCLUDED.used, released = coupon_stats.released + EXCLUDED.released,
		       updated_at = now()`, d.CouponID, d.Claimed, d.Used, d.Released)
	return err
}

// Get implements couponstats.Store.
func (s *CouponStats) Get(ctx context.Context, couponID string) (couponstats.Counts, error) {
	c := couponstats.Counts{CouponID: couponID}
	err := s.q.QueryRowxContext(ctx, `SELECT claimed, used, released FROM coupon_stats WHERE coupon_id = $1`, couponID).
		Scan(&c.Claimed, &c.Used, &c.Released)
	if errors.Is(err, sql.ErrNoRows) {
		return c, nil
	}
	return c, err
}
