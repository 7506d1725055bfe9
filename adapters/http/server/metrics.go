package server

import (
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Metrics are the HTTP metrics of one process, registered on its Prometheus registry.
type Metrics struct {
	Registry *prometheus.Registry
	duration *prometheus.HistogramVec
	// series remembers each label set's histogram: the vector hashes the four labels and takes a
	// lock per lookup. Routes are templates and methods are labelled, so the set is bounded.
	series sync.Map // seriesKey → prometheus.Observer
}

type seriesKey struct {
	binary, method, route string
	status                int
}

// NewMetrics registers the HTTP histogram and the Go runtime and process collectors on reg.
// All binaries of one process share one Metrics; the binary label tells their traffic apart.
func NewMetrics(reg *prometheus.Registry) *Metrics {
	m := &Metrics{
		Registry: reg,
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "http_request_duration_seconds",
			Help:    "HTTP request latency by binary, method, route template and status.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"binary", "method", "route", "status"}),
	}
	reg.MustRegister(m.duration, collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *Metrics) observe(binary, method, route string, status int, elapsed time.Duration) {
	k := seriesKey{binary, method, route, status}
	o, ok := m.series.Load(k)
	if !ok {
		o, _ = m.series.LoadOrStore(k, m.duration.WithLabelValues(binary, method, route, strconv.Itoa(status)))
	}
	o.(prometheus.Observer).Observe(elapsed.Seconds())
}
