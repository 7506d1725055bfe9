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
// Retry-After) instead of queueing into time-outs.
//
// The bound follows observed latency by Little's law: requests in flight = throughput × latency,
// so at a steady throughput, bound × Target / mean latency is the bound whose admitted requests
// take Target on average. Every Interval, when the window's mean latency of admitted requests is
// above Target, the bound is set to that, but never more than a quarter below itself in one step (so
// that one window stalled by something else sheds few) nor below Min; when it is below and the bound
// was reached in the window, the bound grows by a tenth (at least one) up to Max, probing for
// capacity the database has gained.
//
// Of the admitted requests at most Slots run at once (the database pool); the others wait for a slot
// in arrival order. Without that they would wait for a pooled connection, which database/sql hands to
// a random waiter: the same mean wait, but a long tail (a claim with an Idempotency-Key waits twice).
type Admission struct {
	Min, Max   int64
	Target     time.Duration // mean latency of admitted requests the bound steers to
	Interval   time.Duration // the window latency is averaged over
	RetryAfter time.Duration
	// OnShed, when set, counts shed requests.
	OnShed func()

	limit    atomic.Int64
	inflight atomic.Int64  // admitted: running and waiting for a slot
	slots    chan struct{} // a slot is a value in the channel; nil: every admitted request runs

	mu    sync.Mutex
	since time.Time     // start of the window
	sum   time.Duration // latencies of the window's admitted requests
	n     int64
	peak  int64 // most in flight the window saw
	now   func() time.Time
}

// AdmissionConfig sizes an Admission.
type AdmissionConfig struct {
	Max    int64         // most requests in flight; ≤ 0: 64
	Min    int64         // fewest the bound shrinks to; ≤ 0: 16 (about the database pool)
	Target time.Duration // mean latency of admitted requests to steer to; ≤ 0: 60 ms
	Slots  int64         // admitted requests that run at once, the rest wait their turn; ≤ 0: all
}

// NewAdmission returns an admission starting at its maximum.
func NewAdmission(cfg AdmissionConfig) *Admission {
	if cfg.Max <= 0 {
		cfg.Max = 64
	}
	if cfg.Min <= 0 {
		cfg.Min = 16
	}
	if cfg.Target <= 0 {
		cfg.Target = 60 * time.Millisecond
	}
	a := &Admission{Min: min(cfg.Min, cfg.Max), Max: cfg.Max, Target: cfg.Target, Interval: 100 * time.Millisecond,
		RetryAfter: time.Second, now: time.Now}
	if cfg.Slots > 0 && cfg.Slots < cfg.Max {
		a.slots = make(chan struct{}, cfg.Slots)
	}
	a.limit.Store(cfg.Max)
	a.since = a.now()
	return a
}

// Limit is the current bound.
func (a *Admission) Limit() int64 { return a.limit.Load() }

// InFlight is how many admitted requests are running.
func (a *Admission) InFlight() int64 { return a.inflight.Load() }

// Guard admits the request (calls c.Next) or sheds it with OVERLOADED.
func (a *Admission) Guard(c *fiber.Ctx) error {
	running := a.inflight.Add(1)
	if running > a.limit.Load() {
		a.inflight.Add(-1)
		if a.OnShed != nil {
			a.OnShed()
		}
		return errs.ErrOverloaded.WithRetryAfter(a.RetryAfter)
	}
	start := time.Now()
	defer func() {
		a.inflight.Add(-1)
		a.observe(time.Since(start), running) // the wait for a slot included: Little's law counts it
	}()
	if a.slots != nil {
		select {
		case a.slots <- struct{}{}: // blocked senders are woken first come, first served
			defer func() { <-a.slots }()
		case <-c.UserContext().Done():
			return errs.ErrOverloaded.WithRetryAfter(a.RetryAfter) // its deadline passed before its turn
		}
	}
	return c.Next()
}

// observe adds one admitted request's latency (and how many ran with it) to the window, and moves
// the bound when the window is over.
func (a *Admission) observe(took time.Duration, running int64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.sum += took
	a.n++
	a.peak = max(a.peak, running)
	now := a.now()
	if now.Sub(a.since) < a.Interval {
		return
	}
	mean := a.sum / time.Duration(a.n)
	l := a.limit.Load()
	switch {
	case mean > a.Target:
		next := int64(float64(l) * float64(a.Target) / float64(mean))
		l = max(a.Min, next, l-max(1, l/4))
	case a.peak >= l:
		l = min(a.Max, l+max(1, l/10))
	}
	a.limit.Store(l)
	a.since, a.sum, a.n, a.peak = now, 0, 0, 0
}
