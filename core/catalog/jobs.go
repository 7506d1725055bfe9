package catalog

import (
	"context"
	"time"

	"github.com/jupang/jupang/core/kernel"
)

// Job names, as the job runner leases them.
const (
	RankingJobName = "catalog.rankings"
	RepriceJobName = "catalog.reprice"
	// PruneChangeLogJobName deletes change-log entries older than ChangeLogRetention.
	PruneChangeLogJobName = "catalog.change-log-prune"
)

// RefreshRankings is the ranking job: it rolls the lines of orders paid in the ranking window into
// hourly sales buckets, then rebuilds each market's top lists (both measures) and the popularity the
// product list sorts by, all in one unit of work. Rebuilding the window's buckets from the order lines
// on every run makes the job idempotent and lets refunds and cancellations drop out of the ranking.
// Concurrent runs queue on RankingStore.Lock; the job runner's lease normally keeps it to one worker.
func (s *Service) RefreshRankings(ctx context.Context) error {
	now := s.now()
	start, _ := RankingWindowAt(now)
	end := HourOf(now).Add(time.Hour) // buckets are whole hours: the current one is still filling
	return s.tx.Do(ctx, func(ctx context.Context, st Stores) error {
		if err := st.Rankings.Lock(ctx); err != nil {
			return err
		}
		lines, err := st.Sales.PaidLines(ctx, start, end)
		if err != nil {
			return err
		}
		if err := st.Rankings.ReplaceBuckets(ctx, start, Bucketize(lines)); err != nil {
			return err
		}
		changed := false
		for _, m := range kernel.Markets {
			sales, err := st.Rankings.SalesByProduct(ctx, m, start, end)
			if err != nil {
				return err
			}
			for _, by := range RankBys {
				r := Ranking{Market: m, By: by, Entries: Rank(sales, by, RankingDepth), WindowStart: start, WindowEnd: now, ComputedAt: now}
				if err := st.Rankings.SaveRanking(ctx, r); err != nil {
					return err
				}
			}
			scores := make(map[string]int64, len(sales))
			for _, p := range sales {
				scores[p.ProductID] = p.Quantity
			}
			c, err := st.Rankings.SetPopularity(ctx, m, scores)
			if err != nil {
				return err
			}
			changed = changed || c
		}
		if !changed { // the popular sort is as it was: the rendered list pages stay
			return nil
		}
		return st.Changes.ListingsChanged(ctx)
	})
}
