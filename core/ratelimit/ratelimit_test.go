package ratelimit_test

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/ratelimit"
)

var start = time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)

func TestBurstThenSteadyRate(t *testing.T) {
	clock := kernel.NewFakeClock(start)
	l := ratelimit.New(clock)
	lim := ratelimit.Limit{Requests: 10, Per: time.Minute, Burst: 5}
	for i := 0; i < 5; i++ {
		d := l.Take("k", lim)
		if !d.Allowed || d.Remaining != 4-i || d.Limit != 5 {
			t.Fatalf("request %d: %+v", i, d)
		}
	}
	d := l.Take("k", lim)
	if d.Allowed || d.RetryAfter != 6*time.Second || d.Remaining != 0 || d.Reset != 30*time.Second {
		t.Fatalf("over the burst: %+v", d)
	}
	clock.Advance(5999 * time.Millisecond)
	if d := l.Take("k", lim); d.Allowed {
		t.Fatalf("one token takes 6 s: %+v", d)
	}
	clock.Advance(time.Millisecond)
	if d := l.Take("k", lim); !d.Allowed || d.Remaining != 0 {
		t.Fatalf("after 6 s one request fits: %+v", d)
	}
	clock.Advance(time.Hour)
	if d := l.Take("k", lim); !d.Allowed || d.Remaining != 4 {
		t.Fatalf("a rested bucket is full: %+v", d)
	}
}

func TestKeysAreIndependent(t *testing.T) {
	l := ratelimit.New(kernel.NewFakeClock(start))
	lim := ratelimit.Limit{Requests: 1, Per: time.Minute, Burst: 1}
	if !l.Take("a", lim).Allowed || l.Take("a", lim).Allowed {
		t.Fatal("a: one request per minute")
	}
	if !l.Take("b", lim).Allowed {
		t.Fatal("b has its own bucket")
	}
}

func TestPeekSpendsNothing(t *testing.T) {
	l := ratelimit.New(kernel.NewFakeClock(start))
	lim := ratelimit.Limit{Requests: 1, Per: time.Minute, Burst: 1}
	for i := 0; i < 3; i++ {
		if d := l.Peek("k", lim); !d.Allowed || d.Remaining != 1 {
			t.Fatalf("peek %d: %+v", i, d)
		}
	}
	l.Take("k", lim)
	if d := l.Peek("k", lim); d.Allowed || d.RetryAfter != time.Minute {
		t.Fatalf("peek after take: %+v", d)
	}
}

func TestFullBucketsAreForgotten(t *testing.T) {
	clock := kernel.NewFakeClock(start)
	l := ratelimit.New(clock)
	lim := ratelimit.Limit{Requests: 60, Per: time.Minute, Burst: 10}
	for i := 0; i < 100; i++ {
		l.Take(fmt.Sprint("caller-", i), lim)
	}
	if l.Buckets() != 100 {
		t.Fatalf("buckets = %d", l.Buckets())
	}
	clock.Advance(2 * time.Minute)
	l.Take("another", lim)
	if l.Buckets() != 1 {
		t.Fatalf("after a sweep buckets = %d, want 1", l.Buckets())
	}
}

func TestConcurrentTakesNeverExceedTheBurst(t *testing.T) {
	l := ratelimit.New(kernel.NewFakeClock(start))
	lim := ratelimit.Limit{Requests: 50, Per: time.Hour, Burst: 50}
	var allowed atomic.Int64
	var wg sync.WaitGroup
	for i := 0; i < 500; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if l.Take("hot", lim).Allowed {
				allowed.Add(1)
			}
		}()
	}
	wg.Wait()
	if allowed.Load() != 50 {
		t.Fatalf("allowed = %d, want exactly the burst of 50", allowed.Load())
	}
}

func TestAttemptsCountOnlyFailures(t *testing.T) {
	clock := kernel.NewFakeClock(start)
	a := ratelimit.NewAttempts(ratelimit.New(clock), ratelimit.Limit{Requests: 3, Per: time.Hour, Burst: 3})
	for i := 0; i < 10; i++ {
		if _, ok := a.Check("alice"); !ok {
			t.Fatal("checks alone never lock out")
		}
	}
	for i := 0; i < 3; i++ {
		a.Failed("alice")
	}
	wait, ok := a.Check("alice")
	if ok || wait != 20*time.Minute {
		t.Fatalf("after 3 failures: ok=%v wait=%s", ok, wait)
	}
	if _, ok := a.Check("bob"); !ok {
		t.Fatal("bob is not affected")
	}
	clock.Advance(20 * time.Minute)
	if _, ok := a.Check("alice"); !ok {
		t.Fatal("one attempt is back after 20 min")
	}
}

func TestLimitsValidate(t *testing.T) {
	if err := ratelimit.DefaultLimits().Validate(); err != nil {
		t.Fatal(err)
	}
	bad := ratelimit.DefaultLimits()
	bad.CouponClaim.Burst = 0
	if err := bad.Validate(); err == nil || err.Error()[:22] != "ratelimit.coupon-claim" {
		t.Fatalf("err = %v", err)
	}
}
