package integration

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/jupang/jupang/core/kernel"
)

// Partitions is the number of ordering partitions of the outbox. Every event belongs to the
// partition of its aggregate id (its Kafka key), and a partition's events are claimed by one batch
// at a time, so any number of relays deliver each key's events in order.
const Partitions = 64

// Failure is the outcome of an event that could not be published: retried at RetryAt, or Dead.
type Failure struct {
	ID      string
	Reason  string
	RetryAt time.Time
	Dead    bool
}

// ClaimQuery asks for one relay batch.
type ClaimQuery struct {
	Limit      int // events at most
	Partitions int // partitions the batch holds at most
	Start      int // the first partition tried, in [0, Partitions); the next ones follow, wrapping
}

// RelayBatch is a claimed batch: due PENDING events of the partitions it holds, in outbox order
// (the order they were written). While the batch is open no other batch holds those partitions,
// and an event whose key has an earlier event waiting for a retry is not in it (the failing event
// blocks its key until it is delivered or DEAD). A batch that is never finished (the relay died,
// its context ended) changes nothing: its events are claimed again, with the same ids.
type RelayBatch interface {
	Events() []OutboxEntry
	// Finish marks published events PUBLISHED and records failures, and releases the partitions.
	Finish(ctx context.Context, published []string, failed []Failure) error
	// Release ends the batch changing nothing; after Finish it does nothing.
	Release()
}

// RelayStore is the outbox as the relay sees it.
type RelayStore interface {
	// Claim opens a batch; it may hold no event.
	Claim(ctx context.Context, q ClaimQuery) (RelayBatch, error)
	// Stats counts the outbox for the relay's metrics.
	Stats(ctx context.Context) (OutboxStats, error)
}

// OutboxStats are the relay's gauges.
type OutboxStats struct {
	Pending       int
	Dead          int
	OldestPending time.Time // when the oldest PENDING event was written; zero when none is
}

// Publisher sends events to the broker: each to its Topic, keyed by its AggregateID, with its id,
// type and traceparent as headers, in order per key. It returns nil when every event was
// acknowledged, else one error per event (nil for those that were). An event after a failed one of
// the same key in the same call must fail too (a Kafka producer sends one key's messages in one
// request to one partition, which succeeds or fails as a whole), so a key's order survives a
// failure: the relay retries the first failed event of a key, and the rest of the key wait for it.
type Publisher interface {
	Publish(ctx context.Context, events []Event) []error
}

// RelayObserver hears what the relay did (metrics); a nil observer hears nothing.
type RelayObserver interface {
	Published(n int)
	PublishFailed(n int, dead int)
	BatchFailed(err error)
}

// RelayOptions tune the relay; zero values take the defaults.
type RelayOptions struct {
	BatchSize   int           // events per batch (1000)
	Workers     int           // batches in flight at once, each on its own partitions (4)
	MaxAttempts int           // publish attempts before an event is DEAD (10)
	Backoff     Backoff       // between attempts of an event, and after a failed batch (1 s … 1 min)
	Idle        time.Duration // wait when there was nothing to publish (100 ms), unless woken
	Jitter      func() float64
}

func (o RelayOptions) withDefaults() RelayOptions {
	if o.BatchSize <= 0 {
		o.BatchSize = 1000
	}
	if o.Workers <= 0 {
		o.Workers = 4
	}
	o.Workers = min(o.Workers, Partitions)
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 10
	}
	if o.Backoff.Base <= 0 {
		o.Backoff.Base = time.Second
	}
	if o.Backoff.Max <= 0 {
		o.Backoff.Max = time.Minute
	}
	if o.Idle <= 0 {
		o.Idle = 100 * time.Millisecond
	}
	if o.Jitter == nil {
		o.Jitter = rand.Float64 //nolint:gosec // jitter, not a secret
	}
	return o
}

// Relay publishes the outbox: at least once per event, in order per key.
type Relay struct {
	store RelayStore
	pub   Publisher
	clock kernel.Clock
	opts  RelayOptions
	obs   RelayObserver
}

// NewRelay returns a relay from store to pub.
func NewRelay(store RelayStore, pub Publisher, clock kernel.Clock, obs RelayObserver, opts RelayOptions) *Relay {
	if obs == nil {
		obs = noObserver{}
	}
	return &Relay{store: store, pub: pub, clock: clock, opts: opts.withDefaults(), obs: obs}
}

// Options returns the options in effect.
func (r *Relay) Options() RelayOptions { return r.opts }

// RelayOnce claims one batch starting at partition start, publishes it and records the outcome.
// It returns how many events the batch held. When ctx ends before the outcome is recorded the batch
// is released unchanged: those events are published again later (at least once).
func (r *Relay) RelayOnce(ctx context.Context, start int) (int, error) {
	per := (Partitions + r.opts.Workers - 1) / r.opts.Workers
	b, err := r.store.Claim(ctx, ClaimQuery{Limit: r.opts.BatchSize, Partitions: per, Start: start % Partitions})
	if err != nil {
		return 0, err
	}
	defer b.Release()
	entries := b.Events()
	if len(entries) == 0 {
		return 0, nil
	}
	events := make([]Event, len(entries))
	for i, e := range entries {
		events[i] = e.Event
	}
	results := r.pub.Publish(ctx, events)
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	published, failed := r.outcome(entries, results)
	if err := b.Finish(ctx, published, failed); err != nil {
		return 0, err
	}
	r.obs.Published(len(published))
	if len(failed) > 0 {
		dead := 0
		for _, f := range failed {
			if f.Dead {
				dead++
			}
		}
		r.obs.PublishFailed(len(failed), dead)
	}
	return len(entries), nil
}

// outcome splits a batch by the publisher's results: a failed event is retried after a backoff
// grown with its attempts, or DEAD once it has had MaxAttempts.
func (r *Relay) outcome(entries []OutboxEntry, results []error) (published []string, failed []Failure) {
	now := r.clock.Now()
	failedKeys := map[string]bool{}
	for i, e := range entries {
		var err error
		if results != nil {
			err = results[i]
		}
		if err == nil {
			published = append(published, e.ID)
			continue
		}
		if failedKeys[e.AggregateID] {
			continue // behind its key's failed event: left as it is, and blocked by it until that one is delivered or dead
		}
		failedKeys[e.AggregateID] = true
		attempts := e.Attempts + 1
		failed = append(failed, Failure{ID: e.ID, Reason: truncate(err.Error()), Dead: attempts >= r.opts.MaxAttempts,
			RetryAt: now.Add(r.opts.Backoff.Delay(attempts, r.opts.Jitter()))})
	}
	return published, failed
}

func truncate(s string) string {
	const limit = 500
	if len(s) <= limit {
		return s
	}
	return s[:limit]
}

// Run relays until ctx ends: Workers loops, each claiming from its own starting partition (so the
// batches in flight hold different partitions), publishing, recording, and claiming again at once
// while there is work; when there is none a loop waits Idle, or until wake fires.
func (r *Relay) Run(ctx context.Context, wake <-chan struct{}) {
	var wg sync.WaitGroup
	per := (Partitions + r.opts.Workers - 1) / r.opts.Workers
	offset := rand.IntN(Partitions) //nolint:gosec // spreads relays over partitions, not a secret
	for w := range r.opts.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.loop(ctx, offset+w*per, wake)
		}()
	}
	wg.Wait()
}

func (r *Relay) loop(ctx context.Context, start int, wake <-chan struct{}) {
	failures := 0
	for ctx.Err() == nil {
		n, err := r.RelayOnce(ctx, start)
		var wait time.Duration
		switch {
		case err != nil && ctx.Err() == nil:
			failures++
			r.obs.BatchFailed(err)
			wait = r.opts.Backoff.Delay(failures, r.opts.Jitter())
		case err != nil:
			return
		case n == 0:
			failures = 0
			wait = r.opts.Idle
		default:
			failures = 0
			continue
		}
		if !sleep(ctx, wait, wake) {
			return
		}
	}
}

// sleep waits d, or until wake fires; false when ctx ended.
func sleep(ctx context.Context, d time.Duration, wake <-chan struct{}) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
	case <-wake:
	}
	return true
}

// ErrBatchFinished says a batch was used after Finish or Release.
var ErrBatchFinished = errors.New("integration: relay batch already finished")

// PartitionOf is the ordering partition of an aggregate id for stores that compute it themselves
// (PostgreSQL computes its own, in SQL): FNV-1a, modulo Partitions.
func PartitionOf(aggregateID string) int {
	h := uint32(2166136261)
	for i := range len(aggregateID) {
		h ^= uint32(aggregateID[i])
		h *= 16777619
	}
	return int(h % Partitions)
}

type noObserver struct{}

func (noObserver) Published(int)          {}
func (noObserver) PublishFailed(int, int) {}
func (noObserver) BatchFailed(error)      {}
