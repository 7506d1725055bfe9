package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/jupang/jupang/core/errs"
)

// OpenReplica returns a handle on the read replica at cfg.URL without waiting for it: a replica
// that is down at start is simply skipped by the ReadRouter until it answers. An empty URL returns
// nil (no replica).
func OpenReplica(cfg Config) (*DB, func(), error) {
	if cfg.URL == "" {
		return nil, func() {}, nil
	}
	db, err := newPool(cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("database.replica_url: %w", err)
	}
	return db, func() { _ = db.Close() }, nil
}

// ReplicaConfig tunes how reads use the replica. Zero values take the defaults.
type ReplicaConfig struct {
	// Timeout bounds one read on the replica before it is retried on the primary (default 250 ms).
	Timeout time.Duration
	// FailureThreshold is how many consecutive replica failures open the breaker (default 3).
	FailureThreshold int
	// OpenFor is how long an open breaker sends every read to the primary before one read probes the
	// replica again (default 30 s).
	OpenFor time.Duration
	// Now tells the time (default time.Now); tests move it instead of sleeping.
	Now func() time.Time
}

// Fallback reasons, the values of the "reason" label of db_replica_fallback_total.
const (
	FallbackError       = "error"        // the replica answered with an error or could not be reached
	FallbackTimeout     = "timeout"      // the replica did not answer within ReplicaConfig.Timeout
	FallbackBreakerOpen = "breaker_open" // the replica was skipped after repeated failures
)

// NewReplicaFallbackCounter registers db_replica_fallback_total{reason} on reg.
func NewReplicaFallbackCounter(reg prometheus.Registerer) (*prometheus.CounterVec, error) {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "db_replica_fallback_total",
		Help: "Reads meant for the read replica that were served by the primary, by reason.",
	}, []string{"reason"})
	if err := reg.Register(c); err != nil {
		return nil, err
	}
	return c, nil
}

// ReadRouter sends reads that may lag to the replica and falls back to the primary when the replica
// fails or is slow. After FailureThreshold consecutive failures a breaker sends reads straight to the
// primary for OpenFor; then a single read probes the replica, and success closes the breaker.
// Reads inside an open unit of work always use its transaction on the primary.
type ReadRouter struct {
	primary   *DB
	replica   *DB
	cfg       ReplicaConfig
	fallbacks *prometheus.CounterVec

	mu        sync.Mutex
	failures  int
	openUntil time.Time
	probing   bool
}

// NewReadRouter routes reads between primary and replica (nil: every read goes to the primary).
// fallbacks counts each read the primary served instead of the replica; nil disables counting.
func NewReadRouter(primary, replica *DB, cfg ReplicaConfig, fallbacks *prometheus.CounterVec) *ReadRouter {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 250 * time.Millisecond
	}
	if cfg.FailureThreshold <= 0 {
		cfg.FailureThreshold = 3
	}
	if cfg.OpenFor <= 0 {
		cfg.OpenFor = 30 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &ReadRouter{primary: primary, replica: replica, cfg: cfg, fallbacks: fallbacks}
}

// Read runs fn on the replica, or on the primary when there is no replica, the breaker is open, or
// the replica fails. fn must only read, and may run twice.
func (r *ReadRouter) Read(ctx context.Context, fn func(ctx context.Context, q Querier) error) error {
	if txFrom(ctx, r.primary) != nil {
		return unavailable(fn(ctx, r.primary.Q(ctx)))
	}
	if r.replica == nil {
		return r.primary.read(ctx, fn)
	}
	try, probe := r.allow()
	if !try {
		r.count(FallbackBreakerOpen)
		return r.primary.read(ctx, fn)
	}
	timedOut, err := r.onReplica(ctx, probe, fn)
	if err != nil && ctx.Err() != nil { // the caller gave up: no verdict on the replica
		r.abandoned(probe)
		return unavailable(err)
	}
	if err == nil || !replicaFault(err) {
		r.succeeded()
		return err
	}
	r.replica.note(err)
	r.failed()
	if timedOut {
		r.count(FallbackTimeout)
	} else {
		r.count(FallbackError)
	}
	return r.primary.read(ctx, fn)
}

// onReplica runs fn on the replica within the replica timeout. A panic in fn says nothing about the
// replica: a probe it interrupts is over, so the next read probes again.
func (r *ReadRouter) onReplica(ctx context.Context, probe bool, fn func(ctx context.Context, q Querier) error) (timedOut bool, err error) {
	defer func() {
		if p := recover(); p != nil {
			r.abandoned(probe)
			panic(p)
		}
	}()
	rctx, cancel := context.WithTimeout(ctx, r.cfg.Timeout)
	defer cancel()
	err = fn(rctx, r.replica.DB)
	return errors.Is(rctx.Err(), context.DeadlineExceeded), err
}

// replicaFault reports whether err means the replica could not serve the read (as opposed to an
// answer the primary would give too).
func replicaFault(err error) bool {
	var domain *errs.Error
	return !errors.Is(err, sql.ErrNoRows) && !errors.As(err, &domain)
}

// allow says whether this read may try the replica and whether it is the probe of an open
// breaker: past OpenFor, one read at a time probes it.
func (r *ReadRouter) allow() (try, probe bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.openUntil.IsZero() {
		return true, false
	}
	if r.probing || r.cfg.Now().Before(r.openUntil) {
		return false, false
	}
	r.probing = true
	return true, true
}

func (r *ReadRouter) succeeded() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failures, r.openUntil, r.probing = 0, time.Time{}, false
}

// abandoned ends a read that gave no verdict on the replica; if it was the probe, the next read probes.
func (r *ReadRouter) abandoned(probe bool) {
	if !probe {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.probing = false
}

func (r *ReadRouter) failed() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failures++
	if r.probing || r.failures >= r.cfg.FailureThreshold {
		r.openUntil = r.cfg.Now().Add(r.cfg.OpenFor)
	}
	r.probing = false
}

func (r *ReadRouter) count(reason string) {
	if r.fallbacks != nil {
		r.fallbacks.WithLabelValues(reason).Inc()
	}
}

// BreakerOpen reports whether reads currently skip the replica (for /readyz details and tests).
func (r *ReadRouter) BreakerOpen() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return !r.openUntil.IsZero()
}
