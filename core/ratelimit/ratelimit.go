// Package ratelimit is a token-bucket rate limiter as plain Go: one bucket per key, refilled at a
// steady rate up to a burst, computed with the GCRA formulation (one timestamp per bucket, integer
// arithmetic, no background goroutine). Time comes from a kernel.Clock so tests never sleep.
//
// Buckets live in the memory of one process: with N instances behind a balancer a caller may get up
// to N times a limit. That is the documented trade-off until limits move to a shared store. The
// number of buckets is capped: past the cap the least recently used bucket is forgotten, which
// gives its caller a full bucket again, so a caller who keeps trying keeps its own.
package ratelimit

import (
	"container/list"
	"fmt"
	"math"
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

// Validate reports a limit that cannot work: one that is not positive, whose tokens would come
// back in less than a nanosecond (a division by zero), or whose full bucket overflows a duration.
func (l Limit) Validate() error {
	if l.Requests <= 0 || l.Per <= 0 || l.Burst <= 0 {
		return fmt.Errorf("requests, per and burst must be positive (got %d per %s, burst %d)", l.Requests, l.Per, l.Burst)
	}
	if l.interval() == 0 {
		return fmt.Errorf("%d requests per %s is more than one per nanosecond", l.Requests, l.Per)
	}
	if int64(l.Burst) > math.MaxInt64/int64(l.interval()) {
		return fmt.Errorf("a burst of %d at one request per %s is longer than a duration can be", l.Burst, l.interval())
	}
	return nil
}

// interval is the time one token takes to come back.
func (l Limit) interval() time.Duration { return l.Per / time.Duration(l.Requests) }

// Limits are the limits of every route class, plus the sign-in guard.
type Limits struct {
	Auth        Limit // token endpoint and sign-up, per IP (or principal)
	Read        Limit // GET/HEAD
	Write       Limit // other methods
	CouponClaim Limit // POST /v1/coupons/{code}/claim
	// Sign-in attempts (password and client-credentials grants) against password guessing: per
	// account and client address, per client address, and per account from any address. The last
	// is higher and refills more slowly, so a stranger runs into the first two long before it and
	// cannot lock the owner out; only many addresses together can reach it.
	SignInAccountClient Limit
	SignInClient        Limit
	Account             Limit
	// MaxBuckets caps the buckets held, whatever the number of callers.
	MaxBuckets int
}

// DefaultLimits are sane limits for a public API.
func DefaultLimits() Limits {
	return Limits{
		Auth:                Limit{Requests: 10, Per: time.Minute, Burst: 10},
		Read:                Limit{Requests: 600, Per: time.Minute, Burst: 100},
		Write:               Limit{Requests: 120, Per: time.Minute, Burst: 30},
		CouponClaim:         Limit{Requests: 30, Per: time.Minute, Burst: 10},
		SignInAccountClient: Limit{Requests: 5, Per: 15 * time.Minute, Burst: 5},
		SignInClient:        Limit{Requests: 30, Per: 15 * time.Minute, Burst: 30},
		Account:             Limit{Requests: 50, Per: 24 * time.Hour, Burst: 50},
		MaxBuckets:          100_000,
	}
}

// Validate reports the first limit that cannot work, by name.
func (ls Limits) Validate() error {
	for _, l := range []struct {
		name string
		l    Limit
	}{{"auth", ls.Auth}, {"read", ls.Read}, {"write", ls.Write}, {"coupon-claim", ls.CouponClaim},
		{"sign-in-account-client", ls.SignInAccountClient}, {"sign-in-client", ls.SignInClient}, {"account", ls.Account}} {
		if err := l.l.Validate(); err != nil {
			return fmt.Errorf("ratelimit.%s: %w", l.name, err)
		}
	}
	if ls.MaxBuckets <= 0 {
		return fmt.Errorf("ratelimit.max_buckets: must be positive (got %d)", ls.MaxBuckets)
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

// Spend names one bucket to take a request from.
type Spend struct {
	Key   string
	Limit Limit
}

// Limiter keeps one bucket per key, at most maxKeys of them.
type Limiter struct {
	clock   kernel.Clock
	maxKeys int
	mu      sync.Mutex
	buckets map[string]*list.Element // of *bucket
	recent  list.List                // most recently used first
}

// bucket is a key's theoretical arrival time: the bucket is full at or after tat.
type bucket struct {
	key string
	tat time.Time
}

// New returns a limiter reading time from clock and holding at most maxKeys buckets (at least one).
func New(clock kernel.Clock, maxKeys int) *Limiter {
	return &Limiter{clock: clock, maxKeys: max(1, maxKeys), buckets: map[string]*list.Element{}}
}

// Take spends one request of key's bucket if it has one.
func (l *Limiter) Take(key string, lim Limit) Decision { return l.TakeAll(Spend{key, lim}) }

// TakeAll spends one request of every bucket named, or of none when any is empty; the decision is
// the empty bucket's (the longest wait), else the one with the fewest requests left.
func (l *Limiter) TakeAll(spends ...Spend) Decision {
	now := l.clock.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	var out Decision
	next := make([]time.Time, len(spends))
	for i, s := range spends {
		d, tat := l.decide(s, now)
		next[i] = tat
		if i == 0 || !d.Allowed && (out.Allowed || d.RetryAfter > out.RetryAfter) || d.Allowed && out.Allowed && d.Remaining < out.Remaining {
			out = d
		}
	}
	for i, s := range spends {
		switch e, known := l.buckets[s.Key]; {
		case out.Allowed:
			l.store(s.Key, next[i], now)
		case known: // a refused caller that keeps trying stays remembered, and throttled
			l.recent.MoveToFront(e)
		}
	}
	return out
}

// Refund gives back one request to each bucket named, as if it had not been taken.
func (l *Limiter) Refund(spends ...Spend) {
	now := l.clock.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, s := range spends {
		if e, ok := l.buckets[s.Key]; ok {
			b := e.Value.(*bucket)
			b.tat = b.tat.Add(-s.Limit.interval())
			if !b.tat.After(now) {
				l.forget(e)
			}
		}
	}
}

// decide says whether s's bucket has a request at now, and its arrival time once it is spent.
func (l *Limiter) decide(s Spend, now time.Time) (Decision, time.Time) {
	t := s.Limit.interval()
	window := t * time.Duration(s.Limit.Burst) // a full bucket
	tat := now
	if e, ok := l.buckets[s.Key]; ok && e.Value.(*bucket).tat.After(now) {
		tat = e.Value.(*bucket).tat
	}
	next := tat.Add(t)
	if allowAt := next.Add(-window); now.Before(allowAt) {
		return Decision{Allowed: false, Limit: s.Limit.Burst, Remaining: 0, Reset: tat.Sub(now), RetryAfter: allowAt.Sub(now)}, tat
	}
	return Decision{Allowed: true, Limit: s.Limit.Burst, Remaining: int((window - next.Sub(now)) / t), Reset: next.Sub(now)}, next
}

// store records key's arrival time as the most recent use, forgetting the least recently used
// bucket when the cap is reached and full buckets at the old end as it goes.
func (l *Limiter) store(key string, tat, now time.Time) {
	if e, ok := l.buckets[key]; ok {
		e.Value.(*bucket).tat = tat
		l.recent.MoveToFront(e)
		return
	}
	for oldest := l.recent.Back(); oldest != nil && (len(l.buckets) >= l.maxKeys || !oldest.Value.(*bucket).tat.After(now)); oldest = l.recent.Back() {
		l.forget(oldest)
	}
	l.buckets[key] = l.recent.PushFront(&bucket{key: key, tat: tat})
}

// forget drops a bucket; a forgotten bucket is the same as a full one.
func (l *Limiter) forget(e *list.Element) {
	delete(l.buckets, l.recent.Remove(e).(*bucket).key)
}

// Buckets returns how many buckets are held (for tests and metrics).
func (l *Limiter) Buckets() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

// SignInGuard throttles sign-in attempts; it implements identity.AttemptLimiter. Every attempt is
// spent before the password is checked, so concurrent guesses beyond the limits are refused without
// a check, and refunded when it succeeds, so the owner's own sign-ins never count against them.
type SignInGuard struct {
	limiter                        *Limiter
	accountClient, client, account Limit
}

// NewSignInGuard returns the guard of limits' sign-in limits on limiter.
func NewSignInGuard(limiter *Limiter, limits Limits) *SignInGuard {
	return &SignInGuard{limiter: limiter, accountClient: limits.SignInAccountClient, client: limits.SignInClient,
		account: limits.Account}
}

// Spend takes one attempt for account from client from all three buckets, or from none and says
// how long to wait. refund gives the attempt back.
func (g *SignInGuard) Spend(account, client string) (refund func(), retryAfter time.Duration, ok bool) {
	spends := []Spend{
		{"sign-in:account-client:" + client + "|" + account, g.accountClient}, // an address has no "|"
		{"sign-in:client:" + client, g.client},
		{"sign-in:account:" + account, g.account},
	}
	if d := g.limiter.TakeAll(spends...); !d.Allowed {
		return nil, d.RetryAfter, false
	}
	return func() { g.limiter.Refund(spends...) }, 0, true
}
