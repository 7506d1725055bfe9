package contracttest

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jupang/jupang/core/coupon"
	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/integration"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/uow"
)

// CouponHarness is what an adapter provides to the coupon suite. Each call must return adapters over
// fresh coupon storage.
type CouponHarness struct {
	Tx     uow.UnitOfWork[coupon.Stores]
	Outbox integration.OutboxReader
	// NewUsers returns the ids of n customers who may hold coupons (on PostgreSQL: existing users).
	NewUsers func(t *testing.T, n int) []string
	// NewOrder returns the id of an order of user that a coupon may be used on.
	NewOrder func(t *testing.T, userID string) string
}

// CouponEpoch is the suite's "now".
var CouponEpoch = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

type couponWorld struct {
	h       CouponHarness
	svc     *coupon.Service
	clock   *kernel.FakeClock
	admin   string
	calls   *atomic.Int64 // units of work the service opened
	metrics *CountingCouponMetrics
}

// countingUoW counts Do calls, to show which answers never reach the storage.
type countingUoW struct {
	uow.UnitOfWork[coupon.Stores]
	calls *atomic.Int64
}

func (c countingUoW) Do(ctx context.Context, fn func(ctx context.Context, st coupon.Stores) error) error {
	c.calls.Add(1)
	return c.UnitOfWork.Do(ctx, fn)
}

func newCouponWorld(t *testing.T, newHarness func(*testing.T) CouponHarness) *couponWorld {
	h := newHarness(t)
	w := &couponWorld{h: h, clock: kernel.NewFakeClock(CouponEpoch), calls: &atomic.Int64{}, metrics: &CountingCouponMetrics{}}
	w.svc = coupon.NewService(countingUoW{h.Tx, w.calls}, nil, w.clock, coupon.Options{LatchTTL: time.Hour, Metrics: w.metrics})
	w.admin = h.NewUsers(t, 1)[0]
	return w
}

var couponSeq atomic.Int64

// draft is a valid coupon definition with a fresh code: 10 % off, valid from an hour ago for a week.
func draft(total *int, perUser int) coupon.Coupon {
	return coupon.Coupon{Code: "TEST" + strconv.FormatInt(couponSeq.Add(1), 10) + "-" + strconv.FormatInt(time.Now().UnixNano()%1e6, 10),
		Name: names("테스트 쿠폰", "Test coupon", "テストクーポン"), Type: coupon.TypePercent, Value: 10,
		ValidFrom: CouponEpoch.Add(-time.Hour), ValidUntil: CouponEpoch.Add(7 * 24 * time.Hour),
		TotalQuantity: total, PerUserLimit: perUser}
}

func ptr[T any](v T) *T { return &v }

func (w *couponWorld) create(t *testing.T, c coupon.Coupon) coupon.Coupon {
	t.Helper()
	out, err := w.svc.Create(context.Background(), w.admin, c)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func (w *couponWorld) issued(t *testing.T, id string) int {
	t.Helper()
	st, err := w.svc.Stats(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return st.Issued
}

func (w *couponWorld) checkInvariant(t *testing.T, id string) {
	t.Helper()
	if err := w.svc.CheckInvariant(context.Background(), id); err != nil {
		t.Fatal(err)
	}
}

// events counts the pending outbox events of type typ about coupon couponID.
func (w *couponWorld) events(t *testing.T, typ, couponID string) int {
	t.Helper()
	events, err := w.h.Outbox.List(context.Background(), integration.OutboxPending, 100000)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range events {
		if e.Type == typ && e.AggregateID == couponID {
			n++
		}
	}
	return n
}

// claimAll runs one claim per user at once (released together) and counts answers by code.
func (w *couponWorld) claimAll(t *testing.T, code string, users []string) map[string]int {
	t.Helper()
	var mu sync.Mutex
	counts := map[string]int{}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for _, u := range users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, err := w.svc.Claim(context.Background(), u, code)
			key := "OK"
			if err != nil {
				key = errs.As(err).Code
			}
			mu.Lock()
			counts[key]++
			mu.Unlock()
		}()
	}
	close(start)
	wg.Wait()
	return counts
}

func wantErrorIs(t *testing.T, err error, want *errs.Error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("got %v, want %s", err, want.Code)
	}
}

// RunCoupon runs the coupon contract suite: definitions, the claim's exactness under concurrency
// (distinct users, one user, pauses and total changes mid-sale), the sold-out latch, user coupon
// states and their history.
func RunCoupon(t *testing.T, newHarness func(*testing.T) CouponHarness) {
	ctx := context.Background()

	t.Run("CreateReadAndList", func(t *testing.T) {
		w := newCouponWorld(t, newHarness)
		c := draft(ptr(5), 1)
		c.MaxDiscount, c.MinOrderAmount, c.ValidDays = ptr[int64](3000), 10000, ptr(3)
		c.Targets = coupon.Targets{Markets: []kernel.Market{kernel.MarketKR, kernel.MarketJP}}
		made := w.create(t, c)
		if made.Version != 1 || made.Status != coupon.StatusActive || made.ID == "" {
			t.Fatalf("created %+v", made)
		}
		got, err := w.svc.Get(ctx, made.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Code != c.Code || got.Name[kernel.LocaleJA] != "テストクーポン" || *got.MaxDiscount != 3000 || got.MinOrderAmount != 10000 ||
			*got.ValidDays != 3 || *got.TotalQuantity != 5 || len(got.Targets.Markets) != 2 || got.Targets.Markets[1] != kernel.MarketJP ||
			!got.ValidFrom.Equal(c.ValidFrom) || got.Issued != 0 {
			t.Fatalf("read back %+v", got)
		}
		dup := draft(nil, 1)
		dup.Code = "  " + lowerASCII(c.Code)
		_, err = w.svc.Create(ctx, w.admin, dup)
		wantErrorIs(t, err, coupon.ErrCodeTaken)

		bad := draft(nil, 1)
		bad.Value, bad.ValidUntil = 101, bad.ValidFrom.Add(-time.Minute)
		_, err = w.svc.Create(ctx, w.admin, bad)
		fields := map[string]string{}
		for _, f := range errs.As(err).Fields {
			fields[f.Field] = f.Code
		}
		if fields["value"] != coupon.FieldPercentOver100.Code || fields["validUntil"] != coupon.FieldInvalidWindow.Code {
			t.Fatalf("invalid coupon: %v %v", err, fields)
		}

		for range 4 {
			w.create(t, draft(nil, 1))
		}
		paused := w.create(t, draft(nil, 1))
		if _, err := w.svc.Update(ctx, w.admin, paused.ID, 1, coupon.Patch{Status: ptr(coupon.StatusPaused)}); err != nil {
			t.Fatal(err)
		}
		var seen []string
		cursor := ""
		for {
			page, err := w.svc.List(ctx, "", cursor, 2)
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range page.Items {
				seen = append(seen, it.ID)
			}
			if cursor = page.NextCursor; cursor == "" {
				break
			}
		}
		if len(seen) != 6 || seen[0] != paused.ID || seen[5] != made.ID {
			t.Fatalf("list newest first in pages of 2: %v", seen)
		}
		onlyPaused, err := w.svc.List(ctx, coupon.StatusPaused, "", 10)
		if err != nil || len(onlyPaused.Items) != 1 || onlyPaused.Items[0].ID != paused.ID {
			t.Fatalf("paused list: %+v %v", onlyPaused, err)
		}
	})

	t.Run("IssuedIsLiveInGetListAndStats", func(t *testing.T) {
		w := newCouponWorld(t, newHarness)
		made := w.create(t, draft(ptr(10), 1))
		for _, u := range w.h.NewUsers(t, 3) {
			if _, err := w.svc.Claim(ctx, u, made.Code); err != nil {
				t.Fatal(err)
			}
		}
		got, err := w.svc.Get(ctx, made.ID)
		if err != nil {
			t.Fatal(err)
		}
		page, err := w.svc.List(ctx, "", "", 1) // newest first: this coupon
		if err != nil || len(page.Items) != 1 || page.Items[0].ID != made.ID {
			t.Fatalf("list: %d items, %v", len(page.Items), err)
		}
		st, err := w.svc.Stats(ctx, made.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Issued != 3 || page.Items[0].Issued != 3 || st.Issued != 3 || *st.Remaining != 7 {
			t.Fatalf("after 3 claims with no definition change: get %d, list %d, stats %d remaining %v", got.Issued, page.Items[0].Issued, st.Issued, *st.Remaining)
		}
	})

	t.Run("ClaimAnswers", func(t *testing.T) {
		w := newCouponWorld(t, newHarness)
		u := w.h.NewUsers(t, 1)[0]
		_, err := w.svc.Claim(ctx, u, "NO-SUCH-CODE")
		wantErrorIs(t, err, coupon.ErrNotFound)

		later := draft(nil, 1)
		later.ValidFrom = CouponEpoch.Add(time.Hour)
		_, err = w.svc.Claim(ctx, u, w.create(t, later).Code)
		wantErrorIs(t, err, coupon.ErrNotActive)

		over := draft(nil, 1)
		over.ValidFrom, over.ValidUntil = CouponEpoch.Add(-48*time.Hour), CouponEpoch.Add(-time.Hour)
		_, err = w.svc.Claim(ctx, u, w.create(t, over).Code)
		wantErrorIs(t, err, coupon.ErrExpired)

		d := draft(nil, 1)
		d.Status = coupon.StatusDraft
		_, err = w.svc.Claim(ctx, u, w.create(t, d).Code)
		wantErrorIs(t, err, coupon.ErrNotActive)

		c := draft(ptr(1), 1)
		c.ValidDays = ptr(2)
		made := w.create(t, c)
		uc, err := w.svc.Claim(ctx, u, lowerASCII(made.Code)) // codes in any letter case
		if err != nil {
			t.Fatal(err)
		}
		if uc.Status != coupon.UserAvailable || uc.ClaimNo != 1 || !uc.ExpiresAt.Equal(CouponEpoch.Add(48*time.Hour)) || uc.Code != made.Code {
			t.Fatalf("claimed %+v", uc)
		}
		_, err = w.svc.Claim(ctx, u, made.Code)
		wantErrorIs(t, err, coupon.ErrAlreadyClaimed)
		_, err = w.svc.Claim(ctx, w.h.NewUsers(t, 1)[0], made.Code)
		wantErrorIs(t, err, coupon.ErrSoldOut)

		if claimed := w.events(t, coupon.EventClaimed, made.ID); claimed != 1 {
			t.Fatalf("%d coupon.claimed events for one claim", claimed)
		}
		w.checkInvariant(t, made.ID)
	})

	t.Run("FlashSaleDistinctUsersGetExactlyTheQuantity", func(t *testing.T) {
		w := newCouponWorld(t, newHarness)
		made := w.create(t, draft(ptr(100), 1))
		users := w.h.NewUsers(t, 1000)
		counts := w.claimAll(t, made.Code, users)
		if counts["OK"] != 100 || counts[coupon.ErrSoldOut.Code] != 900 {
			t.Fatalf("1,000 claimers of 100: %v", counts)
		}
		if n := w.issued(t, made.ID); n != 100 {
			t.Fatalf("issued %d", n)
		}
		w.checkInvariant(t, made.ID)
		if claimed := w.events(t, coupon.EventClaimed, made.ID); claimed != 100 {
			t.Fatalf("%d coupon.claimed events for 100 claims", claimed)
		}
	})

	t.Run("IssueWritesAllOrNothing", func(t *testing.T) {
		w := newCouponWorld(t, newHarness)
		made := w.create(t, draft(ptr(1), 2))
		users := w.h.NewUsers(t, 2)
		// issue tries the short way for user as claim number no: did it issue, and does the user
		// coupon exist afterwards (with its history)?
		issue := func(user string, no int) (bool, bool) {
			t.Helper()
			uc := coupon.UserCoupon{ID: kernel.NewID(), CouponID: made.ID, UserID: user, Code: made.Code, ClaimNo: no,
				Status: coupon.UserAvailable, ClaimedAt: CouponEpoch, ExpiresAt: made.ValidUntil, UpdatedAt: CouponEpoch}
			var issued, exists bool
			err := w.h.Tx.Do(ctx, func(ctx context.Context, st coupon.Stores) error {
				ev, err := integration.NewEvent(ctx, w.clock, coupon.Topic, coupon.EventClaimed, made.ID, "coupons/"+made.ID, map[string]int{"claimNo": no})
				if err != nil {
					return err
				}
				issued, err = st.Issuer.Issue(ctx, uc, coupon.HistoryEntry{ID: kernel.NewID(), UserCouponID: uc.ID, To: coupon.UserAvailable,
					Reason: coupon.ReasonClaimed, ActorID: user, At: CouponEpoch}, ev)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if h, err := w.svc.History(ctx, user, uc.ID); err == nil {
				if exists = true; len(h) != 1 || h[0].To != coupon.UserAvailable {
					t.Fatalf("history of an issued coupon: %+v", h)
				}
			} else {
				wantErrorIs(t, err, coupon.ErrUserCouponNotFound)
			}
			return issued, exists
		}
		if issued, exists := issue(users[0], 2); issued || exists {
			t.Fatalf("claim number 2 of a user who holds none: issued %v, stored %v", issued, exists)
		}
		if issued, exists := issue(users[0], 1); !issued || !exists {
			t.Fatalf("the next claim number: issued %v, stored %v", issued, exists)
		}
		if issued, exists := issue(users[0], 1); issued || exists {
			t.Fatalf("a claim number the user holds: issued %v, stored %v", issued, exists)
		}
		if issued, exists := issue(users[1], 1); issued || exists {
			t.Fatalf("none left: issued %v, stored %v", issued, exists)
		}
		if n, events := w.issued(t, made.ID), w.events(t, coupon.EventClaimed, made.ID); n != 1 || events != 1 {
			t.Fatalf("after one issue: issued %d, %d coupon.claimed events", n, events)
		}
		w.checkInvariant(t, made.ID)
	})

	for _, limit := range []int{1, 3} {
		t.Run("OneUserFiftyConcurrentClaimsLimit"+strconv.Itoa(limit), func(t *testing.T) {
			w := newCouponWorld(t, newHarness)
			made := w.create(t, draft(ptr(1000), limit))
			u := w.h.NewUsers(t, 1)[0]
			users := make([]string, 50)
			for i := range users {
				users[i] = u
			}
			counts := w.claimAll(t, made.Code, users)
			if counts["OK"] != limit || counts[coupon.ErrAlreadyClaimed.Code] != 50-limit {
				t.Fatalf("50 claims by one user, limit %d: %v", limit, counts)
			}
			page, err := w.svc.MyCoupons(ctx, u, "", "", 100)
			if err != nil || len(page.Items) != limit {
				t.Fatalf("user holds %d (%v)", len(page.Items), err)
			}
			nos := map[int]bool{}
			for _, uc := range page.Items {
				nos[uc.ClaimNo] = true
			}
			for n := 1; n <= limit; n++ {
				if !nos[n] {
					t.Fatalf("claim numbers %v", nos)
				}
			}
			w.checkInvariant(t, made.ID)
		})
	}

	t.Run("PauseMidSaleStopsFurtherIssues", func(t *testing.T) {
		w := newCouponWorld(t, newHarness)
		made := w.create(t, draft(nil, 1000))
		users := w.h.NewUsers(t, 50)
		var stop atomic.Bool
		var afterPause atomic.Int64 // successes that began after the pause returned
		var pausedAt atomic.Bool
		var wg sync.WaitGroup
		for _, u := range users {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for !stop.Load() {
					began := pausedAt.Load()
					_, err := w.svc.Claim(ctx, u, made.Code)
					if err == nil && began {
						afterPause.Add(1)
					}
					if err != nil && !errors.Is(err, coupon.ErrNotActive) {
						t.Error(err)
						return
					}
				}
			}()
		}
		for w.issued(t, made.ID) < 100 {
			time.Sleep(2 * time.Millisecond)
		}
		if _, err := w.svc.Update(ctx, w.admin, made.ID, 1, coupon.Patch{Status: ptr(coupon.StatusPaused)}); err != nil {
			t.Fatal(err)
		}
		pausedAt.Store(true)
		atPause := w.issued(t, made.ID)
		time.Sleep(100 * time.Millisecond)
		stop.Store(true)
		wg.Wait()
		if n := w.issued(t, made.ID); n != atPause || afterPause.Load() != 0 {
			t.Fatalf("issued %d at the pause, %d after; %d claims begun after the pause succeeded", atPause, n, afterPause.Load())
		}
		w.checkInvariant(t, made.ID)
		// Resuming reopens it.
		if _, err := w.svc.Update(ctx, w.admin, made.ID, 2, coupon.Patch{Status: ptr(coupon.StatusActive)}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.Claim(ctx, users[0], made.Code); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("TotalRaisedAndLoweredMidSaleNeverBelowIssued", func(t *testing.T) {
		w := newCouponWorld(t, newHarness)
		made := w.create(t, draft(ptr(200), 1))
		users := w.h.NewUsers(t, 600)
		var wg sync.WaitGroup
		var issued atomic.Int64
		start := make(chan struct{})
		for _, u := range users {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				if _, err := w.svc.Claim(ctx, u, made.Code); err == nil {
					issued.Add(1)
				} else if !errors.Is(err, coupon.ErrSoldOut) {
					t.Error(err)
				}
			}()
		}
		close(start)
		version, refused, changed := 1, 0, 0
		totals := []int{150, 400, 120, 350, 300}
		for _, total := range totals {
			c, err := w.svc.Update(ctx, w.admin, made.ID, version, coupon.Patch{TotalQuantity: coupon.Optional[int]{Set: true, Value: ptr(total)}})
			switch {
			case err == nil:
				version, changed = c.Version, changed+1
				if c.Issued > total {
					t.Fatalf("total %d set with %d issued", total, c.Issued)
				}
			case errs.As(err).Code == errs.ErrValidation.Code && len(errs.As(err).Fields) == 1 && errs.As(err).Fields[0].Code == coupon.FieldBelowIssued.Code:
				refused++
			default:
				t.Fatal(err)
			}
			w.checkInvariant(t, made.ID)
		}
		wg.Wait()
		final, err := w.svc.Get(ctx, made.ID)
		if err != nil {
			t.Fatal(err)
		}
		if final.Issued != int(issued.Load()) || final.Issued > *final.TotalQuantity || changed == 0 {
			t.Fatalf("issued %d (claims say %d) of %d; %d changes, %d refused", final.Issued, issued.Load(), *final.TotalQuantity, changed, refused)
		}
		w.checkInvariant(t, made.ID)
		// Lowering below what is issued is refused and changes nothing.
		_, err = w.svc.Update(ctx, w.admin, made.ID, version, coupon.Patch{TotalQuantity: coupon.Optional[int]{Set: true, Value: ptr(final.Issued - 1)}})
		if e := errs.As(err); e.Code != errs.ErrValidation.Code || len(e.Fields) != 1 || e.Fields[0].Code != coupon.FieldBelowIssued.Code {
			t.Fatalf("lowering below issued: %v", err)
		}
		// Once every claimer is done, what remains can still be claimed, and no more.
		if left := *final.TotalQuantity - final.Issued; left > 0 {
			counts := w.claimAll(t, made.Code, w.h.NewUsers(t, left+10))
			if counts["OK"] != left || counts[coupon.ErrSoldOut.Code] != 10 {
				t.Fatalf("%d left: %v", left, counts)
			}
		}
		w.checkInvariant(t, made.ID)
	})

	t.Run("StaleVersionIsAConflict", func(t *testing.T) {
		w := newCouponWorld(t, newHarness)
		made := w.create(t, draft(ptr(10), 1))
		if _, err := w.svc.Update(ctx, w.admin, made.ID, 1, coupon.Patch{PerUserLimit: ptr(2)}); err != nil {
			t.Fatal(err)
		}
		_, err := w.svc.Update(ctx, w.admin, made.ID, 1, coupon.Patch{PerUserLimit: ptr(3)})
		wantErrorIs(t, err, errs.ErrVersionConflict)
		got, _ := w.svc.Get(ctx, made.ID)
		if got.PerUserLimit != 2 || got.Version != 2 {
			t.Fatalf("after a stale PATCH: %+v", got)
		}
		_, err = w.svc.Update(ctx, w.admin, made.ID, 2, coupon.Patch{Status: ptr(coupon.StatusDraft)})
		wantErrorIs(t, err, errs.ErrInvalidTransition)
	})

	t.Run("SoldOutLatchAnswersWithoutStorageUntilReopened", func(t *testing.T) {
		w := newCouponWorld(t, newHarness)
		made := w.create(t, draft(ptr(1), 1))
		users := w.h.NewUsers(t, 3)
		if _, err := w.svc.Claim(ctx, users[0], made.Code); err != nil {
			t.Fatal(err)
		}
		_, err := w.svc.Claim(ctx, users[1], made.Code)
		wantErrorIs(t, err, coupon.ErrSoldOut)
		before := w.calls.Load()
		for range 100 {
			_, err = w.svc.Claim(ctx, users[2], lowerASCII(made.Code))
			wantErrorIs(t, err, coupon.ErrSoldOut)
		}
		if n := w.calls.Load() - before; n != 0 {
			t.Fatalf("%d units of work for latched sold-out answers", n)
		}
		if _, err := w.svc.Update(ctx, w.admin, made.ID, 1, coupon.Patch{TotalQuantity: coupon.Optional[int]{Set: true, Value: ptr(2)}}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.Claim(ctx, users[2], made.Code); err != nil {
			t.Fatalf("after raising the total: %v", err)
		}
	})

	t.Run("ExpiryJobAndHistory", func(t *testing.T) {
		w := newCouponWorld(t, newHarness)
		c := draft(nil, 2)
		c.ValidDays = ptr(1)
		made := w.create(t, c)
		users := w.h.NewUsers(t, 2)
		u, other := users[0], users[1]
		first, err := w.svc.Claim(ctx, u, made.Code)
		if err != nil {
			t.Fatal(err)
		}
		w.clock.Advance(2 * time.Hour)
		second, err := w.svc.Claim(ctx, u, made.Code)
		if err != nil {
			t.Fatal(err)
		}
		w.clock.Advance(23 * time.Hour) // past the first's expiry, before the second's
		if err := w.svc.ExpireDue(ctx); err != nil {
			t.Fatal(err)
		}
		expired, err := w.svc.MyCoupons(ctx, u, coupon.UserExpired, "", 10)
		if err != nil || len(expired.Items) != 1 || expired.Items[0].ID != first.ID {
			t.Fatalf("expired: %+v %v", expired.Items, err)
		}
		available, err := w.svc.MyCoupons(ctx, u, coupon.UserAvailable, "", 10)
		if err != nil || len(available.Items) != 1 || available.Items[0].ID != second.ID {
			t.Fatalf("available: %+v %v", available.Items, err)
		}
		h, err := w.svc.History(ctx, u, first.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(h) != 2 || h[0].From != "" || h[0].To != coupon.UserAvailable || h[1].From != coupon.UserAvailable ||
			h[1].To != coupon.UserExpired || h[1].ActorID != "" || h[1].Reason != coupon.ReasonExpiredJob {
			t.Fatalf("history %+v", h)
		}
		_, err = w.svc.History(ctx, other, first.ID)
		wantErrorIs(t, err, coupon.ErrUserCouponNotFound)
		if err := w.svc.ExpireDue(ctx); err != nil { // nothing more is due
			t.Fatal(err)
		}
		if h, _ := w.svc.History(ctx, u, first.ID); len(h) != 2 {
			t.Fatalf("a second run changed history: %+v", h)
		}
		st, err := w.svc.Stats(ctx, made.ID)
		if err != nil {
			t.Fatal(err)
		}
		if st.Issued != 2 || st.Expired != 1 || st.Available != 1 || len(st.ClaimsPerHour) != 48 || st.Remaining != nil {
			t.Fatalf("stats %+v", st)
		}
		total := 0
		for _, hc := range st.ClaimsPerHour {
			total += hc.Count
		}
		if total != 2 {
			t.Fatalf("claims per hour add up to %d", total)
		}
	})

	t.Run("CartPortGivesTermsOfUsableCouponsOnly", func(t *testing.T) {
		w := newCouponWorld(t, newHarness)
		c := draft(nil, 1)
		c.Type, c.Value, c.MinOrderAmount, c.ValidDays = coupon.TypeFixed, 5000, 20000, ptr(1)
		c.Targets.Markets = []kernel.Market{kernel.MarketKR}
		made := w.create(t, c)
		users := w.h.NewUsers(t, 2)
		uc, err := w.svc.Claim(ctx, users[0], made.Code)
		if err != nil {
			t.Fatal(err)
		}
		port := coupon.CartPort{Svc: w.svc}
		terms, err := port.Terms(ctx, users[0], uc.ID, kernel.MarketKR, w.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		if terms.UserCouponID != uc.ID || terms.Code != made.Code || string(terms.Type) != "FIXED" || terms.Value != 5000 ||
			terms.MinOrderAmount != 20000 || terms.MaxDiscount != 0 || len(terms.Targets.Markets) != 1 {
			t.Fatalf("terms %+v", terms)
		}
		_, err = port.Terms(ctx, users[1], uc.ID, kernel.MarketKR, w.clock.Now())
		wantErrorIs(t, err, coupon.ErrUserCouponNotFound)
		_, err = port.Terms(ctx, users[0], uc.ID, kernel.MarketKR, w.clock.Now().Add(25*time.Hour))
		wantErrorIs(t, err, coupon.ErrNotUsable)
	})

	t.Run("UseAndReleaseWithAnOrder", func(t *testing.T) {
		w := newCouponWorld(t, newHarness)
		made := w.create(t, draft(ptr(10), 1))
		u := w.h.NewUsers(t, 1)[0]
		uc, err := w.svc.Claim(ctx, u, made.Code)
		if err != nil {
			t.Fatal(err)
		}
		order := w.h.NewOrder(t, u)
		if err := w.svc.Use(ctx, w.h.NewUsers(t, 1)[0], uc.ID, order, kernel.NewMoney(1200, kernel.KRW)); !errors.Is(err, coupon.ErrUserCouponNotFound) {
			t.Fatalf("someone else's coupon: %v", err)
		}
		if err := w.svc.Use(ctx, u, uc.ID, order, kernel.NewMoney(1200, kernel.KRW)); err != nil {
			t.Fatal(err)
		}
		wantErrorIs(t, w.svc.Use(ctx, u, uc.ID, kernel.NewID(), kernel.NewMoney(1, kernel.KRW)), coupon.ErrNotUsable)
		st, err := w.svc.Stats(ctx, made.ID)
		if err != nil {
			t.Fatal(err)
		}
		if st.Used != 1 || st.RedemptionRate != 1 || len(st.DiscountGiven) != 1 || st.DiscountGiven[0] != kernel.NewMoney(1200, kernel.KRW) {
			t.Fatalf("stats after use %+v", st)
		}
		if err := w.svc.Release(ctx, order); err != nil {
			t.Fatal(err)
		}
		h, err := w.svc.History(ctx, u, uc.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(h) != 3 || h[1].To != coupon.UserUsed || h[1].OrderID != order || h[2].To != coupon.UserAvailable || h[2].OrderID != order {
			t.Fatalf("history %+v", h)
		}
		again, _ := w.svc.MyCoupons(ctx, u, coupon.UserAvailable, "", 10)
		if len(again.Items) != 1 || again.Items[0].UsedOrderID != "" {
			t.Fatalf("released coupon %+v", again.Items)
		}
	})
	t.Run("AdminCancelsAnUnusedCoupon", func(t *testing.T) {
		w := newCouponWorld(t, newHarness)
		c := draft(ptr(5), 1)
		c.ValidDays = ptr(1)
		made := w.create(t, c)
		other := w.create(t, draft(nil, 1))
		users := w.h.NewUsers(t, 4)
		held := make([]coupon.UserCoupon, len(users))
		for i, u := range users {
			uc, err := w.svc.Claim(ctx, u, made.Code)
			if err != nil {
				t.Fatal(err)
			}
			held[i] = uc
		}
		otherHeld, err := w.svc.Claim(ctx, users[0], other.Code)
		if err != nil {
			t.Fatal(err)
		}
		order := w.h.NewOrder(t, users[1])
		if err := w.svc.Use(ctx, users[1], held[1].ID, order, kernel.NewMoney(500, kernel.KRW)); err != nil {
			t.Fatal(err)
		}
		w.clock.Advance(time.Hour)

		// Refusals change nothing: no reason, an unknown id, another coupon's user coupon, a used one.
		_, err = w.svc.Cancel(ctx, w.admin, made.ID, held[0].ID, "  ")
		if f := errs.As(err).Fields; !errors.Is(err, errs.ErrValidation) || len(f) != 1 || f[0].Field != "reason" {
			t.Fatalf("blank reason: %v", err)
		}
		_, err = w.svc.Cancel(ctx, w.admin, made.ID, kernel.NewID(), "fraud")
		wantErrorIs(t, err, coupon.ErrUserCouponNotFound)
		_, err = w.svc.Cancel(ctx, w.admin, made.ID, otherHeld.ID, "fraud")
		wantErrorIs(t, err, coupon.ErrUserCouponNotFound)
		_, err = w.svc.Cancel(ctx, w.admin, made.ID, held[1].ID, "fraud")
		wantErrorIs(t, err, errs.ErrInvalidTransition)

		got, err := w.svc.Cancel(ctx, w.admin, made.ID, held[0].ID, "  duplicate account  ")
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != coupon.UserCancelled || got.ID != held[0].ID || !got.UpdatedAt.Equal(CouponEpoch.Add(time.Hour)) {
			t.Fatalf("cancelled %+v", got)
		}
		_, err = w.svc.Cancel(ctx, w.admin, made.ID, held[0].ID, "again")
		wantErrorIs(t, err, errs.ErrInvalidTransition)
		h, err := w.svc.History(ctx, users[0], held[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(h) != 2 || h[1].From != coupon.UserAvailable || h[1].To != coupon.UserCancelled || h[1].ActorID != w.admin ||
			h[1].Reason != "duplicate account" || !h[1].At.Equal(CouponEpoch.Add(time.Hour)) {
			t.Fatalf("history %+v", h)
		}
		if mine, _ := w.svc.MyCoupons(ctx, users[0], coupon.UserCancelled, "", 10); len(mine.Items) != 1 || mine.Items[0].ID != held[0].ID {
			t.Fatalf("cancelled list %+v", mine.Items)
		}
		if n := w.events(t, coupon.EventCancelled, made.ID); n != 1 {
			t.Fatalf("%d coupon.cancelled events", n)
		}
		if n := w.metrics.Count(coupon.UserCancelled); n != 1 {
			t.Fatalf("%d CANCELLED transitions counted", n)
		}

		// Past its expiry (the job not run yet) a coupon is expired, not withdrawn.
		w.clock.Advance(24 * time.Hour)
		_, err = w.svc.Cancel(ctx, w.admin, made.ID, held[2].ID, "late")
		wantErrorIs(t, err, errs.ErrInvalidTransition)

		// A withdrawn coupon stays issued: it is not handed to someone else.
		st, err := w.svc.Stats(ctx, made.ID)
		if err != nil {
			t.Fatal(err)
		}
		if st.Issued != 4 || st.Cancelled != 1 || st.Used != 1 || st.Available != 2 || *st.Remaining != 1 {
			t.Fatalf("stats %+v", st)
		}
		w.checkInvariant(t, made.ID)
	})

	t.Run("CancelAndUseRaceForOneCouponOneWins", func(t *testing.T) {
		w := newCouponWorld(t, newHarness)
		made := w.create(t, draft(nil, 1))
		const rounds, each = 10, 4 // per round: each orders and each admins race for one coupon
		users := w.h.NewUsers(t, rounds)
		used, cancelled := 0, 0
		for _, u := range users {
			uc, err := w.svc.Claim(ctx, u, made.Code)
			if err != nil {
				t.Fatal(err)
			}
			orders := make([]string, each)
			for i := range orders {
				orders[i] = w.h.NewOrder(t, u)
			}
			var mu sync.Mutex
			wins := map[string]int{}
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range 2 * each {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					var err error
					kind := "use"
					if i%2 == 0 {
						err = w.svc.Use(ctx, u, uc.ID, orders[i/2], kernel.NewMoney(100, kernel.KRW))
					} else {
						kind = "cancel"
						_, err = w.svc.Cancel(ctx, w.admin, made.ID, uc.ID, "race "+strconv.Itoa(i))
					}
					switch {
					case err == nil:
					case kind == "use" && errors.Is(err, coupon.ErrNotUsable), kind == "cancel" && errors.Is(err, errs.ErrInvalidTransition):
						kind = "lost"
					default:
						kind = "error: " + err.Error()
					}
					mu.Lock()
					wins[kind]++
					mu.Unlock()
				}()
			}
			close(start)
			wg.Wait()
			if wins["use"]+wins["cancel"] != 1 || wins["lost"] != 2*each-1 {
				t.Fatalf("one coupon, %d racers: %v", 2*each, wins)
			}
			used += wins["use"]
			cancelled += wins["cancel"]
			if h, err := w.svc.History(ctx, u, uc.ID); err != nil || len(h) != 2 {
				t.Fatalf("history after the race: %+v %v", h, err)
			}
		}
		st, err := w.svc.Stats(ctx, made.ID)
		if err != nil {
			t.Fatal(err)
		}
		if st.Used != used || st.Cancelled != cancelled || st.Issued != rounds {
			t.Fatalf("stats %+v, counted %d used %d cancelled", st, used, cancelled)
		}
		t.Logf("%d rounds: %d used, %d cancelled", rounds, used, cancelled)
		w.checkInvariant(t, made.ID)
	})
}

func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
