package kafka

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/jupang/jupang/core/integration"
)

// RelayMetrics are the relay's Prometheus metrics; it is the relay's integration.RelayObserver.
type RelayMetrics struct {
	published, failed, dead, batchErrors prometheus.Counter
	pending, deadRows, oldestAge         prometheus.Gauge
}

// NewRelayMetrics registers the relay's metrics on reg.
func NewRelayMetrics(reg prometheus.Registerer) *RelayMetrics {
	m := &RelayMetrics{
		published:   prometheus.NewCounter(prometheus.CounterOpts{Name: "outbox_published_total", Help: "Outbox events the relay published to Kafka (acknowledged by every in-sync replica)."}),
		failed:      prometheus.NewCounter(prometheus.CounterOpts{Name: "outbox_publish_errors_total", Help: "Outbox events whose publish failed (retried after a backoff, or dead)."}),
		dead:        prometheus.NewCounter(prometheus.CounterOpts{Name: "outbox_dead_total", Help: "Outbox events marked DEAD after outbox.max_attempts."}),
		batchErrors: prometheus.NewCounter(prometheus.CounterOpts{Name: "outbox_relay_batch_errors_total", Help: "Relay batches that failed as a whole (database errors); retried after a backoff."}),
		pending:     prometheus.NewGauge(prometheus.GaugeOpts{Name: "outbox_pending", Help: "Outbox events not yet published."}),
		deadRows:    prometheus.NewGauge(prometheus.GaugeOpts{Name: "outbox_dead", Help: "Outbox events that are DEAD."}),
		oldestAge:   prometheus.NewGauge(prometheus.GaugeOpts{Name: "outbox_oldest_pending_age_seconds", Help: "Age of the oldest unpublished outbox event (0 when none)."}),
	}
	reg.MustRegister(m.published, m.failed, m.dead, m.batchErrors, m.pending, m.deadRows, m.oldestAge)
	return m
}

// Published implements integration.RelayObserver.
func (m *RelayMetrics) Published(n int) { m.published.Add(float64(n)) }

// PublishFailed implements integration.RelayObserver.
func (m *RelayMetrics) PublishFailed(n, dead int) {
	m.failed.Add(float64(n))
	m.dead.Add(float64(dead))
}

// BatchFailed implements integration.RelayObserver.
func (m *RelayMetrics) BatchFailed(error) { m.batchErrors.Inc() }

// Observe sets the gauges from the outbox's stats at now.
func (m *RelayMetrics) Observe(s integration.OutboxStats, now time.Time) {
	m.pending.Set(float64(s.Pending))
	m.deadRows.Set(float64(s.Dead))
	age := 0.0
	if !s.OldestPending.IsZero() {
		age = max(0, now.Sub(s.OldestPending).Seconds())
	}
	m.oldestAge.Set(age)
}

// WatchStats refreshes the gauges from store every interval until ctx ends; onError hears a failed read.
func (m *RelayMetrics) WatchStats(ctx context.Context, store integration.RelayStore, every time.Duration, onError func(error)) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if s, err := store.Stats(ctx); err == nil {
			m.Observe(s, time.Now())
		} else if ctx.Err() == nil && onError != nil {
			onError(err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
