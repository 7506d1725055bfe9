package kafka_test

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/jupang/jupang/adapters/kafka"
	"github.com/jupang/jupang/core/integration"
)

func TestRelayMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := kafka.NewRelayMetrics(reg)
	now := time.Date(2026, 12, 2, 6, 0, 0, 0, time.UTC)
	m.Observe(integration.OutboxStats{Pending: 7, Dead: 2, OldestPending: now.Add(-1500 * time.Millisecond)}, now)
	m.Published(10)
	m.PublishFailed(3, 1)
	want := map[string]float64{"outbox_pending": 7, "outbox_dead": 2, "outbox_oldest_pending_age_seconds": 1.5,
		"outbox_published_total": 10, "outbox_publish_errors_total": 3, "outbox_dead_total": 1}
	got := values(t, reg)
	for name, v := range want {
		if got[name] != v {
			t.Errorf("%s = %v, want %v", name, got[name], v)
		}
	}
	m.Observe(integration.OutboxStats{}, now)
	if v := values(t, reg)["outbox_oldest_pending_age_seconds"]; v != 0 {
		t.Errorf("oldest age with nothing pending = %v, want 0", v)
	}
}

func values(t *testing.T, reg *prometheus.Registry) map[string]float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, f := range families {
		for _, metric := range f.GetMetric() {
			if c := metric.GetCounter(); c != nil {
				got[f.GetName()] = c.GetValue()
			}
			if g := metric.GetGauge(); g != nil {
				got[f.GetName()] = g.GetValue()
			}
		}
	}
	return got
}
