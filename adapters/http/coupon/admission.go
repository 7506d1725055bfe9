package couponhttp

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/jupang/jupang/core/errs"
)

// Admission bounds how many requests of one route class run at once, so that when claims arrive
// faster than the database serves them the excess is answered at once (503 OVERLOADED with
// Retry-After) instead of queueing into time-outs. The bound adapts to observed latency: above
// Target it shrinks by a tenth (at most every Interval, never below Min), below it grows by one up
// to Max (additive increase, multiplicative decrease).
type Admission struct {
	Min, Max   int64
	Target     time.Duration
	Interval   time.Duration
	RetryAfter time.Duration
	// OnShed, when set, counts shed requests.
	OnShed func()

	limit    atomic.Int64
	inflight atomic.Int64
	mu       sync.Mutex
	last     time.Time // last decrease
}

// AdmissionConfig sizes an Admission.
type AdmissionConfig struct {
	Max    int64         // most requests in flight; ≤ 0: 64
	Min    int64         // fewest the bound shrinks to; ≤ 0: Max/2 (at least 1)
	Target time.Duration // latency above which the bound shrinks; ≤ 0: 100 ms
}

// NewAdmission returns an admission starting at its maximum.
func NewAdmission(cfg AdmissionConfig) *Admission {
	if cfg.Max <= 0 {
		cfg.Max = 64
	}
	if cfg.Min <= 0 {
		cfg.Min = max(1, cfg.Max/2)
	}
	if cfg.Target <= 0 {
		cfg.Target = 100 * time.Millisecond
	}
	a := &Admission{Min: min(cfg.Min, cfg.Max), Max: cfg.Max, Target: cfg.Target, Interval: 100 * time.Millisecond, RetryAfter: time.Second}
	a.limit.Store(cfg.Max)
	return a
}

// Limit is the current bound.
func (a *Admission) Limit() int64 { return a.limit.Load() }

// InFlight is how many admitted requests are running.
func (a *Admission) InFlight() int64 { return a.inflight.Load() }

// Guard admits the request (calls c.Next) or sheds it with OVERLOADED.
func (a *Admission) Guard(c *fiber.Ctx) error {
	if a.inflight.Add(1) > a.limit.Load() {
		a.inflight.Add(-1)
		if a.OnShed != nil {
			a.OnShed()
		}
		return errs.ErrOverloaded.WithRetryAfter(a.RetryAfter)
	}
	start := time.Now()
	defer func() {
		a.inflight.Add(-1)
		a.observe(time.Since(start))
	}()
	return c.Next()
}

func (a *Admission) observe(took time.Duration) {
	if took <= a.Target {
		if l := a.limit.Load(); l < a.Max && a.inflight.Load() >= l-1 {
			a.limit.CompareAndSwap(l, l+1)
		}
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if now := time.Now(); now.Sub(a.last) >= a.Interval {
		a.last = now
		l := a.limit.Load()
		a.limit.Store(max(a.Min, l-max(1, l/10)))
	}
}
