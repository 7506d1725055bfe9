package wiring

import (
	"context"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/google/wire"
	kafkago "github.com/segmentio/kafka-go"
	"go.uber.org/zap"

	"github.com/jupang/jupang/adapters/http/server"
	"github.com/jupang/jupang/adapters/jobs"
	"github.com/jupang/jupang/adapters/kafka"
	"github.com/jupang/jupang/adapters/memory"
	"github.com/jupang/jupang/adapters/postgres"
	"github.com/jupang/jupang/apps/internal/config"
	"github.com/jupang/jupang/apps/internal/launch"
	"github.com/jupang/jupang/core/couponstats"
	"github.com/jupang/jupang/core/integration"
	"github.com/jupang/jupang/core/kernel"
)

// RelaySet is the outbox relay to Kafka and the inbox's retention (the worker and the all-in-one
// binary).
var RelaySet = wire.NewSet(NewRelayComponent, NewInboxJobs)

// InboxJobs are the internal consumers' inbox retention.
type InboxJobs []jobs.Job

// NewInboxJobs forgets inbox records older than inbox.retention every idempotency.sweep_interval:
// without it the inbox keeps a row per event per consumer for ever.
func NewInboxJobs(st Storage, clock kernel.Clock, cfg config.Config) InboxJobs {
	u := unitOfWork(st, func(tx *memory.Tx) integration.Inbox { return memory.NewInbox(tx) },
		func(q postgres.Querier) integration.Inbox { return postgres.NewInbox(q) })
	return InboxJobs{{Name: "inbox.purge", Interval: cfg.Idempotency.SweepInterval, Run: func(ctx context.Context) error {
		return drain(ctx, func(ctx context.Context) (int, error) {
			return integration.PurgeInbox(ctx, u, clock.Now().Add(-cfg.Inbox.Retention), sweepBatch)
		})
	}}}
}

// RelayComponent publishes the outbox to Kafka while the binary runs, and runs the internal
// consumers that read it back (a distinct type for wire).
type RelayComponent launch.Component

// relayStatsEvery is how often the relay's gauges (pending, dead, oldest age) are refreshed.
const relayStatsEvery = 5 * time.Second

// NewRelayComponent relays to kafka.brokers, and consumes from them (the coupon statistics). Without brokers the all-in-one binary in dev starts a
// development broker (kfake, in memory) on 127.0.0.1:kafka.dev_port when it starts, and relays to
// it; any other binary without brokers relays nothing and says so. Nothing binds or connects until
// the component starts.
func NewRelayComponent(st Storage, cfg config.Config, name ServiceName, clock kernel.Clock, log *zap.Logger,
	metrics *server.Metrics) RelayComponent {
	log = log.With(zap.String("component", "outbox-relay"))
	devBroker := len(cfg.Kafka.Brokers) == 0 && name == "jupang" && cfg.Env == "dev"
	if len(cfg.Kafka.Brokers) == 0 && !devBroker {
		return RelayComponent(idleComponent("outbox-relay", func() {
			log.Warn("kafka.brokers is empty: the outbox relay is off; events stay PENDING in the outbox")
		}))
	}
	var store integration.RelayStore
	if st.memory != nil {
		store = memory.NewRelayStore(st.memory, clock)
	} else {
		store = postgres.NewRelayStore(st.postgres)
	}
	observer := kafka.NewRelayMetrics(metrics.Registry)
	opts := integration.RelayOptions{BatchSize: cfg.Outbox.BatchSize, Workers: cfg.Outbox.Workers, MaxAttempts: cfg.Outbox.MaxAttempts,
		Backoff: integration.Backoff{Base: cfg.Outbox.BackoffBase, Max: cfg.Outbox.BackoffMax}}
	ctx, cancel := context.WithCancel(context.Background())
	var (
		mu       sync.Mutex
		stopped  bool
		wg       sync.WaitGroup
		cleanups []func()
	)
	start := func() error {
		mu.Lock()
		defer mu.Unlock()
		if stopped {
			return nil
		}
		brokers := cfg.Kafka.Brokers
		if devBroker {
			b, err := kafka.StartDevBroker(cfg.Kafka.DevPort)
			if err != nil {
				return &config.Error{Key: "kafka.dev_port", Reason: "development Kafka broker: " + err.Error()}
			}
			cleanups = append(cleanups, b.Close)
			brokers = b.Addrs()
			log.Info("kafka.brokers is empty: relaying to a development Kafka broker (in memory) on "+strings.Join(brokers, ","),
				zap.String("try", "kcat -b "+brokers[0]+" -C -t jupang.orders.v1 -f '%k %h %s\\n'"))
		}
		w := kafka.NewWriter(kafka.WriterConfig{Brokers: brokers, BatchSize: cfg.Outbox.BatchSize, AutoCreateTopics: devBroker})
		cleanups = append([]func(){func() { _ = w.Close() }}, cleanups...) // the writer closes before the broker
		relay := integration.NewRelay(store, kafka.NewPublisher(w), clock, relayLog{observer, log}, opts)
		consume, err := couponStatsConsumer(st, brokers, log)
		if err != nil {
			return err
		}
		wg.Add(3)
		go func() { defer wg.Done(); relay.Run(ctx, nil) }()
		go func() { defer wg.Done(); consume(ctx) }()
		go func() {
			defer wg.Done()
			observer.WatchStats(ctx, store, relayStatsEvery, func(err error) { log.Warn("outbox stats failed", zap.Error(err)) })
		}()
		return nil
	}
	return RelayComponent{
		Name: "outbox-relay",
		Start: func() error {
			if err := start(); err != nil {
				return err
			}
			<-ctx.Done() // until Stop
			return nil
		},
		Stop: func(stopCtx context.Context) error {
			mu.Lock()
			stopped = true
			mu.Unlock()
			cancel() // a batch in flight rolls back: its events are published again, with the same ids
			done := make(chan struct{})
			go func() { wg.Wait(); close(done) }()
			select {
			case <-done:
			case <-stopCtx.Done():
				return stopCtx.Err()
			}
			for _, c := range cleanups {
				c()
			}
			return nil
		},
	}
}

// relayLog is the relay's observer: its metrics, and a log line for a batch that failed as a whole.
type relayLog struct {
	*kafka.RelayMetrics
	log *zap.Logger
}

func (r relayLog) BatchFailed(err error) {
	r.RelayMetrics.BatchFailed(err)
	r.log.Warn("outbox relay batch failed; retrying after a backoff", zap.Error(err))
}

func (r relayLog) PublishFailed(n, dead int) {
	r.RelayMetrics.PublishFailed(n, dead)
	if dead > 0 {
		r.log.Error("outbox events are DEAD after outbox.max_attempts", zap.Int("dead", dead))
	}
}

// idleComponent starts (calling onStart), does nothing and stops.
func idleComponent(name string, onStart func()) launch.Component {
	stop := make(chan struct{})
	var once sync.Once
	return launch.Component{
		Name:  name,
		Start: func() error { onStart(); <-stop; return nil },
		Stop:  func(context.Context) error { once.Do(func() { close(stop) }); return nil },
	}
}

// couponStatsConsumer is the coupon statistics consumer (core/couponstats) on brokers: consumer
// group couponstats.Consumer on couponstats.Topic, each event counted once through the inbox.
// It returns the loop to run until ctx ends; the loop closes its reader. A reader that fails (the
// brokers are unreachable) is reopened after a backoff: the group's committed offsets say where
// to go on, so nothing is skipped.
func couponStatsConsumer(st Storage, brokers []string, log *zap.Logger) (func(ctx context.Context), error) {
	handle, err := kafka.Once(unitOfWork(st, memory.CouponStatsStores, postgres.CouponStatsStores), couponstats.InboxOf,
		couponstats.Consumer, couponstats.Count)
	if err != nil {
		return nil, err
	}
	log = log.With(zap.String("consumer", couponstats.Consumer))
	onError := func(m kafkago.Message, err error) {
		log.Warn("coupon statistics: an event failed; retrying", zap.Int("partition", m.Partition), zap.Int64("offset", m.Offset), zap.Error(err))
	}
	backoff := integration.Backoff{Base: time.Second, Max: 30 * time.Second}
	return func(ctx context.Context) {
		for failures := 1; ctx.Err() == nil; failures++ {
			r := kafkago.NewReader(kafkago.ReaderConfig{Brokers: brokers, GroupID: couponstats.Consumer, Topic: couponstats.Topic,
				StartOffset: kafkago.FirstOffset, SessionTimeout: 6 * time.Second, MaxWait: 250 * time.Millisecond})
			opened := time.Now()
			err := kafka.Consume(ctx, r, handle, kafka.ConsumeOptions{OnError: onError})
			_ = r.Close()
			if err == nil {
				return // ctx ended
			}
			if time.Since(opened) > backoff.Max {
				failures = 1 // it ran healthy for a while: this is a new outage, not the old one's next retry
			}
			log.Warn("coupon statistics: the consumer stopped; reopening after a backoff", zap.Error(err))
			t := time.NewTimer(backoff.Delay(failures, rand.Float64())) //nolint:gosec // jitter, not a secret
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
		}
	}, nil
}
