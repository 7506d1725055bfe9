package carthttp_test

import (
	"context"
	"errors"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	carthttp "github.com/jupang/jupang/adapters/http/cart"
	"github.com/jupang/jupang/core/cart"
	"github.com/jupang/jupang/core/errs"
)

// counterValue reads one sample of a counter family from reg.
func counterValue(t *testing.T, reg *prometheus.Registry, name string, labels map[string]string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	metrics:
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if labels[l.GetName()] != l.GetValue() {
					continue metrics
				}
			}
			return m.GetCounter().GetValue()
		}
	}
	return 0
}

func TestMetricsCountOperationsByResult(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := carthttp.NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	m.Operation(cart.OpSetItem, nil)
	m.Operation(cart.OpSetItem, cart.OutOfStock(2))
	m.Operation(cart.OpSetItem, cart.OutOfStock(0))
	m.Operation(cart.OpMerge, errors.New("driver fault"))
	m.Operation(cart.OpGet, errs.ErrUnavailable)
	m.MergeAdjusted(cart.AdjustedPurchaseLimit)
	m.Swept(3)
	m.Swept(0)
	for _, tc := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"cart_operations_total", map[string]string{"operation": "set_item", "result": "ok"}, 1},
		{"cart_operations_total", map[string]string{"operation": "set_item", "result": "OUT_OF_STOCK"}, 2},
		{"cart_operations_total", map[string]string{"operation": "merge", "result": "INTERNAL"}, 1},
		{"cart_operations_total", map[string]string{"operation": "get", "result": "SERVICE_UNAVAILABLE"}, 1},
		{"cart_merge_adjustments_total", map[string]string{"reason": "PURCHASE_LIMIT_EXCEEDED"}, 1},
		{"cart_swept_total", nil, 3},
	} {
		if got := counterValue(t, reg, tc.name, tc.labels); got != tc.want {
			t.Errorf("%s%v = %v, want %v", tc.name, tc.labels, got, tc.want)
		}
	}
}

// The service reports each use case's outcome to its recorder.
func TestTheServiceRecordsItsOperations(t *testing.T) {
	e := newEnv(t)
	reg := prometheus.NewRegistry()
	m, err := carthttp.NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	svc := cart.NewService(e.w.Carts.Tx, e.w.Carts.Reads, e.w.Carts.Catalog.Reader, nil, e.w.Clock, cart.Config{}, m)
	_, user := e.customer(t)
	req := customerRequest(user)
	if _, err := svc.SetItem(context.Background(), req, e.sku("Knife", 1), 1); !errors.Is(err, cart.ErrOutOfStock) {
		t.Fatal(err)
	}
	if _, err := svc.SetItem(context.Background(), req, e.sku("Mug", 0), 1); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Current(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	for labels, want := range map[[2]string]float64{{"set_item", "OUT_OF_STOCK"}: 1, {"set_item", "ok"}: 1, {"get", "ok"}: 1} {
		if got := counterValue(t, reg, "cart_operations_total", map[string]string{"operation": labels[0], "result": labels[1]}); got != want {
			t.Errorf("%v = %v, want %v", labels, got, want)
		}
	}
}
