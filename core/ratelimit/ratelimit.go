// Package ratelimit is a token-bucket rate limiter as plain Go: one bucket per key, refilled at a
// steady rate up to a burst, computed with the GCRA formulation (one timestamp per bucket, integer
// arithmetic, no background goroutine). Time comes from a kernel.Clock so tests never sleep.
//
// Buckets live in the memory of one process: with N instances behind a balancer a caller may get up
// to N times a limit. That is the documented trade-off until limits move to a shared store.
package ratelimit

import (
	"fmt"
	"sync"
	"time"

	"github.com/jupang/jupang/core/kernel"
)

// Limit allows Requests per Per on average, and up to Burst at once.
type Limit struct {
	Requests int
	Per      time.Duration
	Burst    int
}

// Validate reports a limit that cannot work.
func (l Limit) Validate() error {
	if l.Requests <= 0 || l.Per <= 0 || l.Burst <= 0 {
		return fmt.Errorf("requests, per and burst must be positive (got %d per %s, burst %d)", l.Requests, l.Per, l.Burst)
	}
	return nil
}

// interval is the time one token takes to come back.
func (l Limit) interval() time.Duration { return l.Per / time.Duration(l.Requests) }

// Limits are the limits of every route class, plus the per-account sign-in guard.
type Limits struct {
	Auth        Limit // token endpoint and sign-up, per IP (or principal)
	Read        Limit // GET/HEAD
	Write       Limit // other methods
	CouponClaim Limit // POST /v1/coupons/{code}/claim
	// Account bounds failed sign-ins per account (e-mail or client id) against password guessing.
	Account Limit
}

// DefaultLimits are sane limits for a public API.
func DefaultLimits() Limits {
	return Limits{
		Auth:        Limit{Requests: 10, Per: time.Minute, Burst: 10},
		Read:        Limit{Requests: 600, Per: time.Minute, Burst: 100},
		Write:       Limit{Requests: 120, Per: time.Minute, Burst: 30},
		CouponClaim: Limit{Requests: 30, Per: time.Minute, Burst: 10},
		Account:     Limit{Requests: 20, Per: time.Hour, Burst: 10},
	}
}

// Validate reports the first limit that cannot work, by name.
func (ls Limits) Validate() error {
	for _, l := range []struct {
		name string
		l    Limit
	}{{"auth", ls.Auth}, {"read", ls.Read}, {"write", ls.Write}, {"coupon-claim", ls.CouponClaim}, {"account", ls.Account}} {
		if err := l.l.Validate(); err != nil {
			return fmt.Errorf("ratelimit.%s: %w", l.name, err)
		}
	}
	return nil
}

// Decision is the answer for one request.
type Decision struct {
	Allowed    bool
	Limit      int           // the burst: requests allowed at once
	Remaining  int           // requests left right now
	Reset      time.Duration // until the bucket is full again
	RetryAfter time.Duration // when not allowed: until one request fits
}

// Limiter keeps one bucket per key.
type Limiter struct {
	clock kernel.Clock
	mu    sync.Mutex
	// tat is each bucket's theoretical arrival time: the bucket is full at or after it.
	tat       map[string]time.Time
	lastSweep time.Time
}

// sweepEvery is how often full buckets are forgotten, bounding memory to the active callers.
const sweepEvery = time.Minute

// New returns a limiter reading time from clock.
func New(clock kernel.Clock) *Limiter {
	return &Limiter{clock: clock, tat: map[string]time.Time{}, lastSweep: clock.Now()}
}

// Take spends one request of key's bucket if it has one.
func (l *Limiter) Take(key string, lim Limit) Decision { return l.decide(key, lim, true) }

// Peek says whether key's bucket has a request left, without spending it.
func (l *Limiter) Peek(key string, lim Limit) Decision { return l.decide(key, lim, false) }

func (l *Limiter) decide(key string, lim Limit, spend bool) Decision {
	now := l.clock.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweep(now)
	t := lim.interval()
	window := t * time.Duration(lim.Burst) // a full bucket
	tat := l.tat[key]
	if tat.Before(now) {
		tat = now
	}
	next := tat.Add(t)
	allowAt := next.Add(-window)
	if now.Before(allowAt) {
		return Decision{Allowed: false, Limit: lim.Burst, Remaining: 0, Reset: tat.Sub(now), RetryAfter: allowAt.Sub(now)}
	}
	if spend {
		l.tat[key] = next
		tat = next
	}
	return Decision{Allowed: true, Limit: lim.Burst, Remaining: int((window - tat.Sub(now)) / t), Reset: tat.Sub(now)}
}

// sweep forgets buckets that are full again; a forgotten bucket is the same as a full one.
func (l *Limiter) sweep(now time.Time) {
	if now.Sub(l.lastSweep) < sweepEvery {
		return
	}
	l.lastSweep = now
	for k, tat := range l.tat {
		if !tat.After(now) {
			delete(l.tat, k)
		}
	}
}

// Buckets returns how many buckets are held (for tests and metrics).
func (l *Limiter) Buckets() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.tat)
}

// Attempts counts failed attempts per key against one limit; it implements identity.AttemptLimiter.
// Only failures spend: a user who signs in correctly is never locked out by their own successes.
type Attempts struct {
	limiter *Limiter
	limit   Limit
	prefix  string
}

// NewAttempts returns an attempt counter on limiter with limit.
func NewAttempts(limiter *Limiter, limit Limit) *Attempts {
	return &Attempts{limiter: limiter, limit: limit, prefix: "attempts:"}
}

// Check reports whether key may try now, and if not, for how long it must wait.
func (a *Attempts) Check(key string) (time.Duration, bool) {
	d := a.limiter.Peek(a.prefix+key, a.limit)
	return d.RetryAfter, d.Allowed
}

// Failed spends one attempt of key.
func (a *Attempts) Failed(key string) { a.limiter.Take(a.prefix+key, a.limit) }
