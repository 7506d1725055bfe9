package contracttest

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/jupang/jupang/core/coupon"
	"github.com/jupang/jupang/core/couponstats"
	"github.com/jupang/jupang/core/integration"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/uow"
)

// RunCouponStats runs the coupon statistics consumer's contract on the unit of work newUoW makes
// (one per subtest, with no counts yet): every event counts once through the inbox, however often
// and however concurrently it is delivered.
func RunCouponStats(t *testing.T, newUoW func(t *testing.T) uow.UnitOfWork[couponstats.Stores]) {
	t.Run("EachTransitionCountsOnce", func(t *testing.T) { couponStatsCounts(t, newUoW(t)) })
	t.Run("ConcurrentRedeliveryCountsOnce", func(t *testing.T) { couponStatsRedelivered(t, newUoW(t)) })
}

func couponEvent(t *testing.T, typ, couponID string) integration.Event {
	t.Helper()
	ev, err := integration.NewEvent(context.Background(), kernel.SystemClock{}, coupon.Topic, typ, couponID, "coupons/"+couponID,
		map[string]string{"couponId": couponID})
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

func deliver(t *testing.T, u uow.UnitOfWork[couponstats.Stores], e integration.Event) bool {
	t.Helper()
	applied, err := integration.Once(context.Background(), u, couponstats.InboxOf, couponstats.Consumer, e, couponstats.Count)
	if err != nil {
		t.Fatal(err)
	}
	return applied
}

func countsOf(t *testing.T, u uow.UnitOfWork[couponstats.Stores], couponID string) couponstats.Counts {
	t.Helper()
	var c couponstats.Counts
	if err := u.Do(context.Background(), func(ctx context.Context, st couponstats.Stores) (err error) {
		c, err = st.Stats.Get(ctx, couponID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return c
}

// Claims, uses and releases count per coupon; each event delivered twice counts once; other
// coupon events and keys that are no coupon id count nothing.
func couponStatsCounts(t *testing.T, u uow.UnitOfWork[couponstats.Stores]) {
	a, b := kernel.NewID(), kernel.NewID()
	evs := []integration.Event{
		couponEvent(t, coupon.EventClaimed, a), couponEvent(t, coupon.EventClaimed, a), couponEvent(t, coupon.EventUsed, a),
		couponEvent(t, coupon.EventReleased, a), couponEvent(t, coupon.EventClaimed, b), couponEvent(t, coupon.EventCreated, b),
		couponEvent(t, coupon.EventClaimed, "not-an-id"),
	}
	for _, e := range evs {
		if !deliver(t, u, e) {
			t.Fatalf("first delivery of %s (%s) was not applied", e.ID, e.Type)
		}
		if deliver(t, u, e) {
			t.Fatalf("second delivery of %s (%s) was applied again", e.ID, e.Type)
		}
	}
	if got, want := countsOf(t, u, a), (couponstats.Counts{CouponID: a, Claimed: 2, Used: 1, Released: 1}); got != want {
		t.Fatalf("coupon a: %+v, want %+v", got, want)
	}
	if got, want := countsOf(t, u, b), (couponstats.Counts{CouponID: b, Claimed: 1}); got != want {
		t.Fatalf("coupon b: %+v, want %+v", got, want)
	}
}

// 20 events of one coupon, each delivered by 10 goroutines at once (a relay republishing and a
// rebalance rereading at the same time): each is applied by exactly one delivery, and the count
// is 20, not 200.
func couponStatsRedelivered(t *testing.T, u uow.UnitOfWork[couponstats.Stores]) {
	id := kernel.NewID()
	var evs []integration.Event
	for range 20 {
		evs = append(evs, couponEvent(t, coupon.EventUsed, id))
	}
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		applied = map[string]int{}
		failed  error
	)
	for _, e := range evs {
		for range 10 {
			wg.Go(func() {
				ok, err := integration.Once(context.Background(), u, couponstats.InboxOf, couponstats.Consumer, e, couponstats.Count)
				for errors.Is(err, uow.ErrRetry) {
					ok, err = integration.Once(context.Background(), u, couponstats.InboxOf, couponstats.Consumer, e, couponstats.Count)
				}
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					failed = err
				}
				if ok {
					applied[e.ID]++
				}
			})
		}
	}
	wg.Wait()
	if failed != nil {
		t.Fatal(failed)
	}
	for _, e := range evs {
		if applied[e.ID] != 1 {
			t.Fatalf("event %s applied %d times, want once", e.ID, applied[e.ID])
		}
	}
	if got := countsOf(t, u, id); got.Used != int64(len(evs)) {
		t.Fatalf("used %d, want %d", got.Used, len(evs))
	}
}
