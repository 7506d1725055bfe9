package carthttp

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/jupang/jupang/core/cart"
	"github.com/jupang/jupang/core/errs"
)

// Metrics is cart.Recorder on Prometheus counters:
//
//	cart_operations_total{operation, result}   result "ok" or the error code (OUT_OF_STOCK, …)
//	cart_merge_adjustments_total{reason}       lines a merge capped, by reason
//	cart_swept_total                            carts the sweeper deleted
type Metrics struct {
	operations  *prometheus.CounterVec
	adjustments *prometheus.CounterVec
	swept       prometheus.Counter
}

// NewMetrics registers the cart counters on reg.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		operations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cart_operations_total", Help: "Cart operations by operation and result (ok or the error code).",
		}, []string{"operation", "result"}),
		adjustments: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cart_merge_adjustments_total", Help: "Cart lines a merge at sign-in capped, by reason.",
		}, []string{"reason"}),
		swept: prometheus.NewCounter(prometheus.CounterOpts{Name: "cart_swept_total", Help: "Expired carts the sweeper deleted."}),
	}
	for _, c := range []prometheus.Collector{m.operations, m.adjustments, m.swept} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// Operation implements cart.Recorder.
func (m *Metrics) Operation(op cart.Operation, err error) {
	result := "ok"
	if err != nil {
		result = errs.As(err).Code
	}
	m.operations.WithLabelValues(string(op), result).Inc()
}

// MergeAdjusted implements cart.Recorder.
func (m *Metrics) MergeAdjusted(reason cart.AdjustmentReason) {
	m.adjustments.WithLabelValues(string(reason)).Inc()
}

// Swept implements cart.Recorder.
func (m *Metrics) Swept(n int) { m.swept.Add(float64(n)) }
