package wiring

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/google/wire"
	"go.uber.org/zap"

	"github.com/jupang/jupang/adapters/http/server"
	"github.com/jupang/jupang/adapters/kafka"
	"github.com/jupang/jupang/adapters/memory"
	"github.com/jupang/jupang/adapters/postgres"
	"github.com/jupang/jupang/apps/internal/config"
	"github.com/jupang/jupang/apps/internal/launch"
	"github.com/jupang/jupang/core/integration"
	"github.com/jupang/jupang/core/kernel"
)

// RelaySet is the outbox relay to Kafka (the worker and the all-in-one binary).
var RelaySet = wire.NewSet(NewRelayComponent)

// RelayComponent publishes the outbox to Kafka while the binary runs (a distinct type for wire).
type RelayComponent launch.Component

// relayStatsEvery is how often the relay's gauges (pending, dead, oldest age) are refreshed.
const relayStatsEvery = 5 * time.Second

// NewRelayComponent relays to kafka.brokers. Without brokers the all-in-one binary in dev starts a
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
		wg.Add(2)
		go func() { defer wg.Done(); relay.Run(ctx, nil) }()
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
