package ratelimit_test

import (
	"fmt"
	"math"
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
	l := ratelimit.New(clock, 1000)
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
	l := ratelimit.New(kernel.NewFakeClock(start), 1000)
	lim := ratelimit.Limit{Requests: 1, Per: time.Minute, Burst: 1}
	if !l.Take("a", lim).Allowed || l.Take("a", lim).Allowed {
		t.Fatal("a: one request per minute")
	}
	if !l.Take("b", lim).Allowed {
		t.Fatal("b has its own bucket")
	}
}

func TestFullBucketsAreForgotten(t *testing.T) {
	clock := kernel.NewFakeClock(start)
	l := ratelimit.New(clock, 1000)
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
	l := ratelimit.New(kernel.NewFakeClock(start), 1000)
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

// The sign-in guard spends from three buckets at once or from none, and a refund gives all back.
func TestSignInGuardSpendsBeforeAndRefunds(t *testing.T) {
	clock := kernel.NewFakeClock(start)
	limits := ratelimit.DefaultLimits()
	limits.SignInAccountClient = ratelimit.Limit{Requests: 3, Per: time.Hour, Burst: 3}
	limits.SignInClient = ratelimit.Limit{Requests: 5, Per: time.Hour, Burst: 5}
	limits.Account = ratelimit.Limit{Requests: 8, Per: 24 * time.Hour, Burst: 8}
	g := ratelimit.NewSignInGuard(ratelimit.New(clock, 1000), limits)
	for i := 0; i < 3; i++ {
		if _, _, ok := g.Spend("alice", "198.51.100.7"); !ok {
			t.Fatalf("attempt %d refused", i)
		}
	}
	if _, wait, ok := g.Spend("alice", "198.51.100.7"); ok || wait != 20*time.Minute {
		t.Fatalf("4th attempt from one address: ok=%v wait=%s, want refused for 20m", ok, wait)
	}
	// The same address may still try two other accounts, then it is out (5 per address).
	for _, acct := range []string{"bob", "carol"} {
		if _, _, ok := g.Spend(acct, "198.51.100.7"); !ok {
			t.Fatalf("%s refused", acct)
		}
	}
	if _, _, ok := g.Spend("dave", "198.51.100.7"); ok {
		t.Fatal("the address spent its 5 attempts")
	}
	// alice from elsewhere has her own pair bucket and the account's higher ceiling: 8 in all.
	for i := 0; i < 5; i++ {
		if _, _, ok := g.Spend("alice", fmt.Sprintf("203.0.113.%d", i)); !ok {
			t.Fatalf("alice from address %d refused", i)
		}
	}
	if _, _, ok := g.Spend("alice", "192.0.2.1"); ok {
		t.Fatal("the account's ceiling of 8 is reached")
	}
	// A refused attempt spent nothing; a refunded one gives every bucket its request back.
	refund, _, ok := g.Spend("erin", "192.0.2.200")
	if !ok {
		t.Fatal("erin refused")
	}
	refund()
	for i := 0; i < 3; i++ {
		if _, _, ok := g.Spend("erin", "192.0.2.200"); !ok {
			t.Fatalf("after the refund erin still has 3 attempts; attempt %d refused", i)
		}
	}
}

// Concurrent attempts beyond a burst are refused before anything runs.
func TestSignInGuardUnderConcurrency(t *testing.T) {
	limits := ratelimit.DefaultLimits()
	limits.SignInAccountClient = ratelimit.Limit{Requests: 10, Per: time.Hour, Burst: 10}
	g := ratelimit.NewSignInGuard(ratelimit.New(kernel.NewFakeClock(start), 1000), limits)
	var allowed atomic.Int64
	var wg sync.WaitGroup
	for range 300 {
		wg.Go(func() {
			if _, _, ok := g.Spend("alice", "198.51.100.7"); ok {
				allowed.Add(1)
			}
		})
	}
	wg.Wait()
	if allowed.Load() != 10 {
		t.Fatalf("%d attempts allowed, want the burst of 10", allowed.Load())
	}
}

// A million distinct callers hold at most the cap of buckets; the least recently used go first, so
// a throttled caller that keeps trying stays throttled through the churn.
func TestBucketsAreCapped(t *testing.T) {
	clock := kernel.NewFakeClock(start)
	l := ratelimit.New(clock, 1000)
	lim := ratelimit.Limit{Requests: 1, Per: time.Hour, Burst: 1}
	if !l.Take("attacker", lim).Allowed {
		t.Fatal("first request refused")
	}
	for i := 0; i < 1_000_000; i++ {
		l.Take(fmt.Sprint("caller-", i), lim)
		if i%100 == 0 && l.Take("attacker", lim).Allowed {
			t.Fatalf("after %d other callers the throttled caller got a fresh bucket", i)
		}
	}
	if n := l.Buckets(); n > 1000 {
		t.Fatalf("%d buckets, cap 1000", n)
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
	// Limits that would divide by zero or overflow are refused, and never reach the limiter.
	for _, lim := range []ratelimit.Limit{
		{Requests: 2, Per: time.Nanosecond, Burst: 1},
		{Requests: 1001, Per: time.Microsecond, Burst: 1},
		{Requests: 1, Per: time.Hour, Burst: math.MaxInt},
	} {
		if err := lim.Validate(); err == nil {
			t.Errorf("%+v passes validation", lim)
		}
	}
}
