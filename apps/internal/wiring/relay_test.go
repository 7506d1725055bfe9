package wiring

import (
	"context"
	"net"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	kafkago "github.com/segmentio/kafka-go"
	"go.uber.org/zap"

	"github.com/jupang/jupang/adapters/kafka"
	"github.com/jupang/jupang/adapters/memory"
	"github.com/jupang/jupang/apps/internal/config"
	"github.com/jupang/jupang/core/coupon"
	"github.com/jupang/jupang/core/couponstats"
	"github.com/jupang/jupang/core/integration"
	"github.com/jupang/jupang/core/kernel"
)

// The outbox relay is built by the worker and the all-in-one binary, and by no other binary.
func TestOnlyTheWorkerAndJupangRelay(t *testing.T) {
	for _, tc := range []struct {
		binary, injector string
		relays           bool
	}{
		{"storefront", "initialize", false}, {"admin", "initialize", false}, {"partner", "initialize", false},
		{"worker", "initialize", true}, {"jupang", "initMemory", true}, {"jupang", "initPostgres", true},
	} {
		calls := injectorCalls(t, filepath.Join("..", "..", tc.binary, "wire_gen.go"), tc.injector)
		if got := slices.Contains(calls, "NewRelayComponent"); got != tc.relays {
			t.Errorf("%s.%s builds the relay: %v, want %v", tc.binary, tc.injector, got, tc.relays)
		}
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ln.Close() }()
	return ln.Addr().(*net.TCPAddr).Port
}

// startDevRelay starts the all-in-one binary's relay component in dev, without kafka.brokers, on
// a memory store: it runs its own broker on a free kafka.dev_port. It stops when the test ends.
func startDevRelay(t *testing.T) (config.Config, *memory.Store) {
	t.Helper()
	cfg, err := config.Load()
	if err != nil {
		t.Fatal(err)
	}
	cfg.Kafka.Brokers, cfg.Kafka.DevPort = nil, freePort(t)
	store := memory.NewStore()
	c := NewRelayComponent(Storage{memory: store}, cfg, "jupang", kernel.SystemClock{}, zap.NewNop(), Metrics())
	started := make(chan error, 1)
	go func() { started <- c.Start() }()
	t.Cleanup(func() {
		if err := c.Stop(context.Background()); err != nil {
			t.Error(err)
		}
		if err := <-started; err != nil {
			t.Error(err)
		}
	})
	return cfg, store
}

// The all-in-one binary in dev without kafka.brokers starts its own broker on kafka.dev_port and
// relays the outbox to it; a committed event reads back from its topic.
func TestJupangInDevRelaysToItsOwnBroker(t *testing.T) {
	cfg, store := startDevRelay(t)
	ev, err := integration.NewEvent(context.Background(), kernel.SystemClock{}, "jupang.orders.v1", "order.placed", "o-1", "orders/o-1", map[string]int{})
	if err != nil {
		t.Fatal(err)
	}
	if err := memory.NewUnitOfWork(store, memory.NewOutbox).Do(context.Background(), func(ctx context.Context, o *memory.Outbox) error {
		return o.Append(ctx, ev)
	}); err != nil {
		t.Fatal(err)
	}
	r := kafkago.NewReader(kafkago.ReaderConfig{Brokers: []string{"127.0.0.1:" + strconv.Itoa(cfg.Kafka.DevPort)},
		Topic: "jupang.orders.v1", GroupID: "wiring-test", SessionTimeout: 6 * time.Second, StartOffset: kafkago.FirstOffset,
		MaxWait: 100 * time.Millisecond})
	defer func() { _ = r.Close() }()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	m, err := r.ReadMessage(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if string(m.Key) != "o-1" {
		t.Fatalf("read key %q, want o-1", m.Key)
	}
}

// A standalone worker without kafka.brokers starts no broker and relays nothing.
func TestWorkerWithoutBrokersRelaysNothing(t *testing.T) {
	cfg, err := config.Load()
	if err != nil {
		t.Fatal(err)
	}
	cfg.Kafka.Brokers, cfg.Kafka.DevPort = nil, freePort(t)
	store := memory.NewStore()
	c := NewRelayComponent(Storage{memory: store}, cfg, "worker", kernel.SystemClock{}, zap.NewNop(), Metrics())
	started := make(chan error, 1)
	go func() { started <- c.Start() }()
	time.Sleep(100 * time.Millisecond)
	if conn, err := kafkago.Dial("tcp", "127.0.0.1:"+strconv.Itoa(cfg.Kafka.DevPort)); err == nil {
		_ = conn.Close()
		t.Fatal("a standalone worker started a broker")
	}
	if err := c.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := <-started; err != nil {
		t.Fatal(err)
	}
}

// The worker's coupon statistics consumer counts a coupon event the relay published, and a
// redelivery of it (a relay killed between publish and mark republishes it with the same id:
// TestRelayKilledBetweenPublishAndMarkConsumerAppliesOnce in adapters/kafka) counts nothing. The
// coupon's next event (a use), behind the duplicate on the same Kafka partition, says when the
// duplicate has been read.
func TestRelayComponentCountsEachCouponEventOnce(t *testing.T) {
	cfg, store := startDevRelay(t)
	couponID := kernel.NewID()
	appendEvent := func(typ string) integration.Event {
		ev, err := integration.NewEvent(context.Background(), kernel.SystemClock{}, coupon.Topic, typ, couponID,
			"coupons/"+couponID, map[string]string{"couponId": couponID})
		if err != nil {
			t.Fatal(err)
		}
		if err := memory.NewUnitOfWork(store, memory.NewOutbox).Do(context.Background(), func(ctx context.Context, o *memory.Outbox) error {
			return o.Append(ctx, ev)
		}); err != nil {
			t.Fatal(err)
		}
		return ev
	}
	stats := memory.NewUnitOfWork(store, memory.CouponStatsStores)
	waitUntil := func(done func(couponstats.Counts) bool) couponstats.Counts {
		t.Helper()
		var got couponstats.Counts
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if err := stats.Do(context.Background(), func(ctx context.Context, st couponstats.Stores) (err error) {
				got, err = st.Stats.Get(ctx, couponID)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			if done(got) {
				return got
			}
		}
		t.Fatalf("counts %+v after 30 s", got)
		return got
	}
	first := appendEvent(coupon.EventClaimed)
	waitUntil(func(c couponstats.Counts) bool { return c.Claimed > 0 })

	// The same event again on Kafka, as a relay that died before marking it publishes it again.
	w := kafka.NewWriter(kafka.WriterConfig{Brokers: []string{"127.0.0.1:" + strconv.Itoa(cfg.Kafka.DevPort)}})
	defer func() { _ = w.Close() }()
	m, err := kafka.Message(first)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.WriteMessages(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	appendEvent(coupon.EventUsed)
	got := waitUntil(func(c couponstats.Counts) bool { return c.Used > 0 })
	if want := (couponstats.Counts{CouponID: couponID, Claimed: 1, Used: 1}); got != want {
		t.Fatalf("counts %+v, want %+v (the redelivered claim counted again?)", got, want)
	}
}
