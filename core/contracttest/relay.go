package contracttest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jupang/jupang/core/integration"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/uow"
)

// RelayStores are the stores the relay suite writes through: the outbox (as a business
// transaction would) and the inbox (as a consumer would).
type RelayStores struct {
	Outbox integration.Outbox
	Inbox  integration.Inbox
}

// RelayHarness is one storage with an empty outbox.
type RelayHarness struct {
	Stores uow.UnitOfWork[RelayStores]
	Relay  integration.RelayStore
	Reader integration.OutboxReader
}

// RunRelay runs the relay and inbox contract against the harnesses newHarness makes (one per
// subtest, each with an empty outbox).
func RunRelay(t *testing.T, newHarness func(t *testing.T) RelayHarness) {
	t.Run("ManyRelaysDeliverEveryEventInOrderPerKey", func(t *testing.T) { relayManyInOrder(t, newHarness(t)) })
	t.Run("FailingEventBlocksItsKeyUntilDelivered", func(t *testing.T) { relayBlocksUntilDelivered(t, newHarness(t)) })
	t.Run("FailingEventBlocksItsKeyUntilDead", func(t *testing.T) { relayBlocksUntilDead(t, newHarness(t)) })
	t.Run("KilledBetweenPublishAndMarkRepublishesAndInboxAppliesOnce", func(t *testing.T) { relayKilledAfterPublish(t, newHarness(t)) })
	t.Run("RolledBackUnitOfWorkPublishesNothing", func(t *testing.T) { relayRolledBack(t, newHarness(t)) })
	t.Run("OpenBatchHoldsItsPartitions", func(t *testing.T) { relayPartitionsExclusive(t, newHarness(t)) })
	t.Run("InboxAppliesOnceUnderConcurrentRedelivery", func(t *testing.T) { inboxConcurrent(t, newHarness(t)) })
	t.Run("InboxFailedApplyIsRetried", func(t *testing.T) { inboxFailedApply(t, newHarness(t)) })
	t.Run("InboxPurgeForgetsOnlyOldRecords", func(t *testing.T) { inboxPurge(t, newHarness(t)) })
}

// appendEvents commits one event per key, in one unit of work, and returns them.
func appendEvents(t testing.TB, h RelayHarness, keys ...string) []integration.Event {
	t.Helper()
	out, err := tryAppend(h, keys...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func tryAppend(h RelayHarness, keys ...string) ([]integration.Event, error) {
	var out []integration.Event
	err := h.Stores.Do(context.Background(), func(ctx context.Context, st RelayStores) error {
		out = out[:0]
		for _, k := range keys {
			ev, err := integration.NewEvent(ctx, kernel.SystemClock{}, "jupang.test.v1", "test.happened", k, "tests/"+k, map[string]string{"key": k})
			if err != nil {
				return err
			}
			if err := st.Outbox.Append(ctx, ev); err != nil {
				return err
			}
			out = append(out, ev)
		}
		return nil
	})
	return out, err
}

// FakePublisher records what it was asked to publish. Fail, when set, decides per event whether
// its publish fails; as a Kafka producer does, a failed event fails the later events of its key in
// the same call.
type FakePublisher struct {
	mu        sync.Mutex
	Fail      func(e integration.Event) error
	delivered []integration.Event // acknowledged, in order
	calls     int
}

// Publish implements integration.Publisher.
func (p *FakePublisher) Publish(_ context.Context, events []integration.Event) []error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls++
	var out []error
	failed := map[string]error{}
	for i, e := range events {
		err := failed[e.AggregateID]
		if err == nil && p.Fail != nil {
			err = p.Fail(e)
		}
		if err != nil {
			failed[e.AggregateID] = err
			if out == nil {
				out = make([]error, len(events))
			}
			out[i] = err
			continue
		}
		p.delivered = append(p.delivered, e)
	}
	return out
}

// Delivered returns the acknowledged events, in order.
func (p *FakePublisher) Delivered() []integration.Event {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]integration.Event(nil), p.delivered...)
}

func ids(events []integration.Event) []string {
	out := make([]string, len(events))
	for i, e := range events {
		out[i] = e.ID
	}
	return out
}

func deliveredOf(p *FakePublisher, key string) []string {
	var out []string
	for _, e := range p.Delivered() {
		if e.AggregateID == key {
			out = append(out, e.ID)
		}
	}
	return out
}

func fastRelay(store integration.RelayStore, pub integration.Publisher, opts integration.RelayOptions) *integration.Relay {
	if opts.Backoff.Base == 0 {
		opts.Backoff = integration.Backoff{Base: 5 * time.Millisecond, Max: 20 * time.Millisecond}
	}
	if opts.Workers == 0 {
		opts.Workers = 1 // one batch holds every partition: RelayOnce sees every key
	}
	if opts.Idle == 0 {
		opts.Idle = 2 * time.Millisecond
	}
	return integration.NewRelay(store, pub, kernel.SystemClock{}, nil, opts)
}

func pending(t testing.TB, h RelayHarness) integration.OutboxStats {
	t.Helper()
	s, err := h.Relay.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Four relays of three workers each, while 8 writers commit, and a tenth of the publishes
// failing: every event is delivered exactly once (nothing was lost between publish and mark) and
// each key's events in the order they were committed.
func relayManyInOrder(t *testing.T, h RelayHarness) {
	const writers, txPerWriter, keysPerWriter = 8, 40, 3
	var rngMu sync.Mutex
	rng := rand.New(rand.NewPCG(1, 2)) //nolint:gosec // test failures, not a secret
	pub := &FakePublisher{Fail: func(integration.Event) error {
		rngMu.Lock()
		defer rngMu.Unlock()
		if rng.IntN(10) == 0 {
			return errors.New("broker said no")
		}
		return nil
	}}
	ctx, cancel := context.WithCancel(context.Background())
	var relays sync.WaitGroup
	for range 4 {
		r := fastRelay(h.Relay, pub, integration.RelayOptions{BatchSize: 20, Workers: 3, MaxAttempts: 1000})
		relays.Add(1)
		go func() { defer relays.Done(); r.Run(ctx, nil) }()
	}
	committed := make([][]string, writers) // per writer, in commit order; writer w owns keys w-0..w-2
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range txPerWriter {
				keys := make([]string, keysPerWriter)
				for k := range keys {
					keys[k] = fmt.Sprintf("w%d-%d", w, k)
				}
				evs, err := tryAppend(h, keys...)
				if err != nil {
					t.Error(err)
					return
				}
				committed[w] = append(committed[w], ids(evs)...)
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		cancel()
		relays.Wait()
		return
	}
	deadline := time.Now().Add(60 * time.Second)
	for pending(t, h).Pending > 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	relays.Wait()
	if s := pending(t, h); s.Pending != 0 || s.Dead != 0 {
		t.Fatalf("after the relays: %+v, want nothing pending or dead", s)
	}
	total := writers * txPerWriter * keysPerWriter
	if got := len(pub.Delivered()); got != total {
		t.Fatalf("delivered %d events, want each of %d exactly once", got, total)
	}
	for w := range writers {
		for k := range keysPerWriter {
			key := fmt.Sprintf("w%d-%d", w, k)
			var want []string
			for i, id := range committed[w] {
				if i%keysPerWriter == k {
					want = append(want, id)
				}
			}
			if got := deliveredOf(pub, key); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("key %s delivered\n %v\nwant\n %v", key, got, want)
			}
		}
	}
}

// relayUntil runs RelayOnce until cond holds (or fails the test after 10 s).
func relayUntil(t *testing.T, r *integration.Relay, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("relay: condition not reached in 10 s")
		}
		if _, err := r.RelayOnce(context.Background(), 0); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func relayBlocksUntilDelivered(t *testing.T, h RelayHarness) {
	evs := appendEvents(t, h, "a", "a", "b")
	var failures atomic.Int32
	pub := &FakePublisher{Fail: func(e integration.Event) error {
		if e.ID == evs[0].ID && failures.Add(1) <= 3 {
			return errors.New("not this time")
		}
		return nil
	}}
	r := fastRelay(h.Relay, pub, integration.RelayOptions{MaxAttempts: 10})
	if _, err := r.RelayOnce(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	if got := deliveredOf(pub, "b"); len(got) != 1 {
		t.Fatalf("key b: %v, want its event at once (another key's failure blocks only its own key)", got)
	}
	if got := deliveredOf(pub, "a"); len(got) != 0 {
		t.Fatalf("key a: %v published behind its failed first event", got)
	}
	relayUntil(t, r, func() bool { return pending(t, h).Pending == 0 })
	if got, want := deliveredOf(pub, "a"), ids(evs[:2]); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("key a delivered %v, want %v (in order, once)", got, want)
	}
	if failures.Load() < 4 {
		t.Fatalf("the failing event was tried %d times, want 4", failures.Load())
	}
}

func relayBlocksUntilDead(t *testing.T, h RelayHarness) {
	evs := appendEvents(t, h, "a", "a")
	pub := &FakePublisher{Fail: func(e integration.Event) error {
		if e.ID == evs[0].ID {
			return errors.New("poison")
		}
		return nil
	}}
	r := fastRelay(h.Relay, pub, integration.RelayOptions{MaxAttempts: 3})
	relayUntil(t, r, func() bool { return pending(t, h).Pending == 0 })
	if got := deliveredOf(pub, "a"); fmt.Sprint(got) != fmt.Sprint([]string{evs[1].ID}) {
		t.Fatalf("key a delivered %v, want only the second event, after the first went DEAD", got)
	}
	dead, err := h.Reader.List(context.Background(), integration.OutboxDead, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(dead) != 1 || dead[0].ID != evs[0].ID || dead[0].Attempts != 3 {
		t.Fatalf("dead: %+v, want the first event after 3 attempts", dead)
	}
	if s := pending(t, h); s.Dead != 1 || s.Pending != 0 || !s.OldestPending.IsZero() {
		t.Fatalf("stats %+v, want 1 dead and nothing pending", s)
	}
}

// cancellingPublisher publishes for real, then cancels the relay's context before it can mark the
// rows: the relay dying between publish and mark.
type cancellingPublisher struct {
	*FakePublisher
	cancel context.CancelFunc
}

func (p cancellingPublisher) Publish(ctx context.Context, events []integration.Event) []error {
	errs := p.FakePublisher.Publish(ctx, events)
	p.cancel()
	return errs
}

func relayKilledAfterPublish(t *testing.T, h RelayHarness) {
	evs := appendEvents(t, h, "a", "b", "c")
	pub := &FakePublisher{}
	ctx, cancel := context.WithCancel(context.Background())
	dying := fastRelay(h.Relay, cancellingPublisher{pub, cancel}, integration.RelayOptions{})
	if _, err := dying.RelayOnce(ctx, 0); !errors.Is(err, context.Canceled) {
		t.Fatalf("RelayOnce after the kill: %v, want context.Canceled", err)
	}
	if s := pending(t, h); s.Pending != 3 {
		t.Fatalf("after the kill %d pending, want all 3 (published but never marked)", s.Pending)
	}
	r := fastRelay(h.Relay, pub, integration.RelayOptions{})
	relayUntil(t, r, func() bool { return pending(t, h).Pending == 0 })
	got := ids(pub.Delivered())
	if want := append(ids(evs), ids(evs)...); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("delivered %v, want each event twice with the same id", got)
	}
	// A consumer reading both deliveries acts once per id.
	applied := map[string]int{}
	for _, e := range pub.Delivered() {
		ok, err := integration.Once(context.Background(), h.Stores, func(st RelayStores) integration.Inbox { return st.Inbox },
			"contract.killed", e, func(context.Context, RelayStores, integration.Event) error { return nil })
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			applied[e.ID]++
		}
	}
	for _, e := range evs {
		if applied[e.ID] != 1 {
			t.Fatalf("inbox applied %s %d times, want once", e.ID, applied[e.ID])
		}
	}
}

func relayRolledBack(t *testing.T, h RelayHarness) {
	boom := errors.New("the order failed")
	err := h.Stores.Do(context.Background(), func(ctx context.Context, st RelayStores) error {
		ev, err := integration.NewEvent(ctx, kernel.SystemClock{}, "jupang.orders.v1", "order.placed", "o-1", "orders/o-1", map[string]int{})
		if err != nil {
			return err
		}
		if err := st.Outbox.Append(ctx, ev); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Do: %v", err)
	}
	pub := &FakePublisher{}
	r := fastRelay(h.Relay, pub, integration.RelayOptions{})
	if _, err := r.RelayOnce(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	if got := pub.Delivered(); len(got) != 0 {
		t.Fatalf("a rolled-back unit of work published %v", got)
	}
	if s := pending(t, h); s.Pending != 0 {
		t.Fatalf("a rolled-back unit of work left %d pending", s.Pending)
	}
}

func relayPartitionsExclusive(t *testing.T, h RelayHarness) {
	appendEvents(t, h, "a", "b", "c", "d")
	ctx := context.Background()
	first, err := h.Relay.Claim(ctx, integration.ClaimQuery{Limit: 100, Partitions: integration.Partitions})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(first.Events()); n != 4 {
		t.Fatalf("first batch holds %d events, want 4", n)
	}
	second, err := h.Relay.Claim(ctx, integration.ClaimQuery{Limit: 100, Partitions: integration.Partitions, Start: 7})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(second.Events()); n != 0 {
		t.Fatalf("a second batch got %d events while the first holds every partition", n)
	}
	second.Release()
	first.Release() // changes nothing
	third, err := h.Relay.Claim(ctx, integration.ClaimQuery{Limit: 100, Partitions: integration.Partitions})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(third.Events()); n != 4 {
		t.Fatalf("after release a batch holds %d events, want the same 4", n)
	}
	if err := third.Finish(ctx, ids(eventsOf(third)), nil); err != nil {
		t.Fatal(err)
	}
	if err := third.Finish(ctx, nil, nil); !errors.Is(err, integration.ErrBatchFinished) {
		t.Fatalf("second Finish: %v, want ErrBatchFinished", err)
	}
	if s := pending(t, h); s.Pending != 0 {
		t.Fatalf("%d pending after Finish", s.Pending)
	}
}

func eventsOf(b integration.RelayBatch) []integration.Event {
	var out []integration.Event
	for _, e := range b.Events() {
		out = append(out, e.Event)
	}
	return out
}

// effect appends a marker event through the same unit of work: the consumer's change.
func effect(ctx context.Context, st RelayStores, e integration.Event) error {
	ev, err := integration.NewEvent(ctx, kernel.SystemClock{}, "jupang.test.v1", "test.effect", "effect-"+e.ID, "", map[string]string{})
	if err != nil {
		return err
	}
	return st.Outbox.Append(ctx, ev)
}

func effects(t *testing.T, h RelayHarness) int {
	t.Helper()
	rows, err := h.Reader.List(context.Background(), integration.OutboxPending, 10_000)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range rows {
		if r.Type == "test.effect" {
			n++
		}
	}
	return n
}

func inboxOf(st RelayStores) integration.Inbox { return st.Inbox }

// 200 goroutines deliver the same 5 events: each is applied once, its effect written once.
func inboxConcurrent(t *testing.T, h RelayHarness) {
	evs := appendEvents(t, h, "a", "b", "c", "d", "e")
	var applied atomic.Int32
	var wg sync.WaitGroup
	for g := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e := evs[g%len(evs)]
			for {
				ok, err := integration.Once(context.Background(), h.Stores, inboxOf, "contract.stats", e, effect)
				if errors.Is(err, uow.ErrRetry) {
					continue
				}
				if err != nil {
					t.Error(err)
					return
				}
				if ok {
					applied.Add(1)
				}
				return
			}
		}()
	}
	wg.Wait()
	if applied.Load() != int32(len(evs)) {
		t.Fatalf("applied %d times, want once per event (%d)", applied.Load(), len(evs))
	}
	if n := effects(t, h); n != len(evs) {
		t.Fatalf("%d effects written, want %d", n, len(evs))
	}
	// Another consumer has an inbox of its own.
	ok, err := integration.Once(context.Background(), h.Stores, inboxOf, "contract.other", evs[0], effect)
	if err != nil || !ok {
		t.Fatalf("another consumer: applied %v, %v; want applied", ok, err)
	}
	if _, err := integration.Once(context.Background(), h.Stores, inboxOf, "Bad Name", evs[0], effect); !errors.Is(err, integration.ErrConsumerName) {
		t.Fatalf("bad consumer name: %v", err)
	}
}

func inboxFailedApply(t *testing.T, h RelayHarness) {
	e := appendEvents(t, h, "a")[0]
	boom := errors.New("handler failed")
	for i := range 2 {
		ok, err := integration.Once(context.Background(), h.Stores, inboxOf, "contract.retry", e,
			func(ctx context.Context, st RelayStores, e integration.Event) error {
				if err := effect(ctx, st, e); err != nil {
					return err
				}
				if i == 0 {
					return boom
				}
				return nil
			})
		if i == 0 && (!errors.Is(err, boom) || ok) {
			t.Fatalf("failing apply: %v, %v", ok, err)
		}
		if i == 1 && (err != nil || !ok) {
			t.Fatalf("apply after a failure: %v, %v; want applied", ok, err)
		}
	}
	if n := effects(t, h); n != 1 {
		t.Fatalf("%d effects, want 1 (the failed apply rolled back with its inbox row)", n)
	}
}

// The retention job forgets records made before its cutoff, at most limit at a time; a forgotten
// event acts again when it is delivered again (why the retention must outlast the brokers').
func inboxPurge(t *testing.T, h RelayHarness) {
	evs := appendEvents(t, h, "a", "b", "c")
	for _, e := range evs {
		if ok, err := integration.Once(context.Background(), h.Stores, inboxOf, "contract.purge", e, effect); err != nil || !ok {
			t.Fatalf("first delivery: %v %v", ok, err)
		}
	}
	purge := func(before time.Time, limit int) int {
		t.Helper()
		var n int
		err := h.Stores.Do(context.Background(), func(ctx context.Context, st RelayStores) error {
			var err error
			n, err = st.Inbox.Purge(ctx, before, limit)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := purge(time.Now().Add(-time.Hour), 10); n != 0 {
		t.Fatalf("a cutoff before every record purged %d", n)
	}
	if ok, err := integration.Once(context.Background(), h.Stores, inboxOf, "contract.purge", evs[0], effect); err != nil || ok {
		t.Fatalf("a kept record: applied again %v %v", ok, err)
	}
	later := time.Now().Add(time.Minute)
	if n := purge(later, 2); n != 2 {
		t.Fatalf("purged %d with limit 2", n)
	}
	if n := purge(later, 10); n != 1 {
		t.Fatalf("purged %d of the last one", n)
	}
	for _, e := range evs {
		if ok, err := integration.Once(context.Background(), h.Stores, inboxOf, "contract.purge", e, effect); err != nil || !ok {
			t.Fatalf("a forgotten event delivered again: applied %v %v", ok, err)
		}
	}
}
