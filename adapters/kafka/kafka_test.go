package kafka_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	kafkago "github.com/segmentio/kafka-go"

	"github.com/jupang/jupang/adapters/kafka"
	"github.com/jupang/jupang/adapters/postgres"
	"github.com/jupang/jupang/adapters/postgres/pgtest"
	"github.com/jupang/jupang/core/contracttest"
	"github.com/jupang/jupang/core/integration"
	"github.com/jupang/jupang/core/kernel"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

const traceParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

func broker(t testing.TB) *kafka.DevBroker {
	t.Helper()
	b, err := kafka.StartDevBroker(0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b
}

func outbox(t testing.TB) (*postgres.DB, *postgres.UnitOfWork[contracttest.RelayStores]) {
	t.Helper()
	db, _ := pgtest.Another(t)
	return db, postgres.NewUnitOfWork(db, func(q postgres.Querier) contracttest.RelayStores {
		return contracttest.RelayStores{Outbox: postgres.NewOutbox(q), Inbox: postgres.NewInbox(q)}
	})
}

// commit writes n events over keys, in transactions of perTx events, on topic.
func commit(t testing.TB, u *postgres.UnitOfWork[contracttest.RelayStores], topic string, n, keys, perTx int) []integration.Event {
	t.Helper()
	ctx := kernel.WithRequest(context.Background(), kernel.Request{TraceParent: traceParent})
	var all []integration.Event
	for i := 0; i < n; i += perTx {
		var evs []integration.Event
		err := u.Do(ctx, func(ctx context.Context, st contracttest.RelayStores) error {
			evs = evs[:0]
			for j := i; j < min(n, i+perTx); j++ {
				key := fmt.Sprintf("order-%d", j%keys)
				ev, err := integration.NewEvent(ctx, kernel.SystemClock{}, topic, "order.placed", key, "orders/"+key, map[string]int{"n": j})
				if err != nil {
					return err
				}
				evs = append(evs, ev)
			}
			return st.Outbox.Append(ctx, evs...)
		})
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, evs...)
	}
	return all
}

func readAll(t testing.TB, b *kafka.DevBroker, topic string, n int) []kafkago.Message {
	t.Helper()
	r := kafkago.NewReader(kafkago.ReaderConfig{Brokers: b.Addrs(), GroupID: "test-" + kernel.NewID(), Topic: topic,
		SessionTimeout: 6 * time.Second, StartOffset: kafkago.FirstOffset, MaxWait: 100 * time.Millisecond})
	defer func() { _ = r.Close() }()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out []kafkago.Message
	for len(out) < n {
		m, err := r.ReadMessage(ctx)
		if err != nil {
			t.Fatalf("read %d of %d messages: %v", len(out), n, err)
		}
		out = append(out, m)
	}
	return out
}

func relay(db *postgres.DB, pub integration.Publisher, opts integration.RelayOptions) *integration.Relay {
	if opts.Backoff.Base == 0 {
		opts.Backoff = integration.Backoff{Base: 10 * time.Millisecond, Max: 100 * time.Millisecond}
	}
	return integration.NewRelay(postgres.NewRelayStore(db), pub, kernel.SystemClock{}, nil, opts)
}

func drain(t testing.TB, r *integration.Relay, db *postgres.DB) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.Run(ctx, nil); close(done) }()
	defer func() { cancel(); <-done }()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		var left bool
		if err := db.GetContext(context.Background(), &left, `SELECT EXISTS (SELECT 1 FROM outbox_events WHERE status = 'PENDING')`); err != nil {
			t.Fatal(err)
		}
		if !left {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("the relay did not drain the outbox in 60 s")
}

// What the relay publishes reads back with its id, type and traceparent headers, the aggregate
// id as key, the CloudEvents document as value, in order per key.
func TestRelayPublishesToKafkaWithKeysAndHeaders(t *testing.T) {
	b := broker(t)
	db, u := outbox(t)
	evs := commit(t, u, "jupang.orders.v1", 300, 7, 10)
	w := kafka.NewWriter(kafka.WriterConfig{Brokers: b.Addrs(), AutoCreateTopics: true})
	defer func() { _ = w.Close() }()
	drain(t, relay(db, kafka.NewPublisher(w), integration.RelayOptions{BatchSize: 50}), db)
	msgs := readAll(t, b, "jupang.orders.v1", len(evs))
	byID := map[string]integration.Event{}
	for _, e := range evs {
		byID[e.ID] = e
	}
	perKey := map[string][]string{}
	for _, m := range msgs {
		h := map[string]string{}
		for _, x := range m.Headers {
			h[x.Key] = string(x.Value)
		}
		want, ok := byID[h[kafka.HeaderID]]
		if !ok {
			t.Fatalf("message with id header %q was never committed", h[kafka.HeaderID])
		}
		got, err := kafka.Event(m)
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != want.ID || string(m.Key) != want.AggregateID || h[kafka.HeaderType] != "order.placed" ||
			h[kafka.HeaderTraceParent] != traceParent || got.TraceParent != traceParent || got.Topic != "jupang.orders.v1" ||
			string(got.Data) != string(want.Data) {
			t.Fatalf("message %+v headers %v decoded %+v, want %+v", m, h, got, want)
		}
		perKey[want.AggregateID] = append(perKey[want.AggregateID], want.ID)
	}
	for key, got := range perKey {
		var want []string
		for _, e := range evs {
			if e.AggregateID == key {
				want = append(want, e.ID)
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("key %s read back in order %v, want %v", key, got, want)
		}
	}
}

// killingPublisher publishes to Kafka for real, then kills the relay (cancels its context) before
// it marks the rows.
type killingPublisher struct {
	*kafka.Publisher
	kill context.CancelFunc
}

func (p killingPublisher) Publish(ctx context.Context, events []integration.Event) []error {
	errs := p.Publisher.Publish(ctx, events)
	p.kill()
	return errs
}

// The relay dies between publish and mark: the next relay publishes the same events again with the
// same ids, and a consumer reading Kafka through the inbox applies each once.
func TestRelayKilledBetweenPublishAndMarkConsumerAppliesOnce(t *testing.T) {
	b := broker(t)
	db, u := outbox(t)
	evs := commit(t, u, "jupang.coupons.v1", 40, 40, 40)
	w := kafka.NewWriter(kafka.WriterConfig{Brokers: b.Addrs(), AutoCreateTopics: true})
	defer func() { _ = w.Close() }()
	ctx, kill := context.WithCancel(context.Background())
	dying := relay(db, killingPublisher{kafka.NewPublisher(w), kill}, integration.RelayOptions{Workers: 1})
	if n, err := dying.RelayOnce(ctx, 0); err == nil {
		t.Fatalf("the killed relay finished its batch of %d", n)
	}
	drain(t, relay(db, kafka.NewPublisher(w), integration.RelayOptions{}), db)

	var applied atomic.Int32
	var mu sync.Mutex
	appliedIDs := map[string]int{}
	handle, err := kafka.Once(u, func(st contracttest.RelayStores) integration.Inbox { return st.Inbox }, "coupons.stats",
		func(_ context.Context, _ contracttest.RelayStores, e integration.Event) error {
			applied.Add(1)
			mu.Lock()
			appliedIDs[e.ID]++
			mu.Unlock()
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	r := kafkago.NewReader(kafkago.ReaderConfig{Brokers: b.Addrs(), GroupID: "coupons.stats", Topic: "jupang.coupons.v1",
		SessionTimeout: 6 * time.Second, StartOffset: kafkago.FirstOffset, MaxWait: 100 * time.Millisecond})
	defer func() { _ = r.Close() }()
	counting := &countingReader{Reader: r}
	cctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- kafka.Consume(cctx, counting, handle, kafka.ConsumeOptions{}) }()
	deadline := time.Now().Add(30 * time.Second)
	for counting.committed.Load() < int32(2*len(evs)) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := counting.committed.Load(); got != int32(2*len(evs)) {
		t.Fatalf("the consumer read %d messages, want each of %d events twice", got, len(evs))
	}
	if applied.Load() != int32(len(evs)) {
		t.Fatalf("applied %d times, want once per event (%d)", applied.Load(), len(evs))
	}
	for _, e := range evs {
		if appliedIDs[e.ID] != 1 {
			t.Fatalf("event %s applied %d times", e.ID, appliedIDs[e.ID])
		}
	}
}

type countingReader struct {
	*kafkago.Reader
	committed atomic.Int32
}

func (c *countingReader) CommitMessages(ctx context.Context, msgs ...kafkago.Message) error {
	err := c.Reader.CommitMessages(ctx, msgs...)
	if err == nil {
		c.committed.Add(int32(len(msgs))) //nolint:gosec // small
	}
	return err
}
