package memory

import (
	"context"
	"strings"

	"github.com/jupang/jupang/core/couponstats"
)

// couponStatsTable is coupon_stats: counts by coupon id.
type couponStatsTable = *Table[string, couponstats.Counts]

func newCouponStatsTable() couponStatsTable {
	return newTable[string, couponstats.Counts](strings.Compare)
}

// CouponStatsStores builds couponstats.Stores in one unit of work.
func CouponStatsStores(tx *Tx) couponstats.Stores {
	return couponstats.Stores{Stats: &CouponStats{tx}, Inbox: NewInbox(tx)}
}

// CouponStats is the in-memory couponstats.Store of one unit of work.
type CouponStats struct{ tx *Tx }

// Add implements couponstats.Store.
func (s *CouponStats) Add(_ context.Context, d couponstats.Counts) error {
	c, _ := s.tx.State.CouponStats.Get(d.CouponID)
	c.CouponID = d.CouponID
	c.Claimed, c.Used, c.Released = c.Claimed+d.Claimed, c.Used+d.Used, c.Released+d.Released
	Mutable(s.tx, &s.tx.State.CouponStats).Put(d.CouponID, c)
	return nil
}

// Get implements couponstats.Store.
func (s *CouponStats) Get(_ context.Context, couponID string) (couponstats.Counts, error) {
	c, ok := s.tx.State.CouponStats.Get(couponID)
	if !ok {
		c.CouponID = couponID
	}
	return c, nil
}
