package wiring

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/jupang/jupang/adapters/http/server"
	"github.com/jupang/jupang/adapters/jobs"
	"github.com/jupang/jupang/adapters/memory/jupangtest"
	"github.com/jupang/jupang/apps/internal/config"
	"github.com/jupang/jupang/core/cart"
	"github.com/jupang/jupang/core/catalog"
	"github.com/jupang/jupang/core/kernel"
)

// The worker's cart sweeper, as NewCartJobs builds it, on the kit's store and fake clock: under
// its lease one of two workers runs it per interval, and it deletes only guest carts whose
// cart.session_ttl has passed since their last change.
func TestCartSweeperJobIsLeasedAndDeletesOnlyExpiredCarts(t *testing.T) {
	cfg, err := config.Load()
	if err != nil {
		t.Fatal(err)
	}
	sys := jupangtest.New(t, jupangtest.WithSeed())
	ctx := context.Background()
	st := Storage{memory: sys.Store}
	reg := prometheus.NewRegistry()
	metrics := server.NewMetrics(reg)
	swept := func() float64 {
		families, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range families {
			if f.GetName() == "cart_swept_total" {
				return f.GetMetric()[0].GetCounter().GetValue()
			}
		}
		t.Fatal("cart_swept_total is not registered")
		return 0
	}
	rec, err := CartMetrics(metrics)
	if err != nil {
		t.Fatal(err)
	}
	job := NewCartJobs(CartUnitOfWork(st), sys.Clock, cfg, rec)
	if len(job) != 1 || job[0].Name != cart.SweeperJobName || job[0].Interval != cfg.Cart.SweepInterval {
		t.Fatalf("jobs %+v", job)
	}
	page, err := sys.Catalog.ListProducts(ctx, catalog.View{Market: kernel.MarketKR, Locale: kernel.LocaleKO}, catalog.ListRequest{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	d, err := sys.Catalog.ProductDetail(ctx, catalog.View{Market: kernel.MarketKR, Locale: kernel.LocaleKO}, page.Items[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	sku := d.Options[0].SKUID
	guest := func(s string) kernel.Request {
		return kernel.Request{Principal: kernel.Guest, Market: kernel.MarketKR, Locale: kernel.LocaleKO, SessionID: kernel.SessionID(s)}
	}
	old, fresh := guest("session-old-000001"), guest("session-fresh-00001")
	customer := kernel.Request{Principal: kernel.Principal{ID: kernel.NewID(), Roles: []kernel.Role{kernel.RoleCustomer}}, Market: kernel.MarketKR}
	for _, r := range []kernel.Request{old, customer} {
		if _, err := sys.Cart.SetItem(ctx, r, sku, 1); err != nil {
			t.Fatal(err)
		}
	}
	sys.Clock.Advance(cfg.Cart.SessionTTL - time.Hour)
	if _, err := sys.Cart.SetItem(ctx, fresh, sku, 1); err != nil {
		t.Fatal(err)
	}

	leases := Leases(st, sys.Clock)
	workers := []*jobs.Runner{jobs.NewRunner(leases, zap.NewNop(), prometheus.NewRegistry()), jobs.NewRunner(leases, zap.NewNop(), prometheus.NewRegistry())}
	ran := func() int {
		n := 0
		for _, w := range workers {
			if w.RunOnce(ctx, job[0]) {
				n++
			}
		}
		return n
	}
	if n := ran(); n != 1 {
		t.Fatalf("%d workers ran the sweeper under one lease", n)
	}
	if got := swept(); got != 0 {
		t.Fatalf("swept %v carts before any expired", got)
	}
	sys.Clock.Advance(time.Minute)
	if n := ran(); n != 0 {
		t.Fatalf("the sweeper ran again within its interval (%d)", n)
	}
	sys.Clock.Advance(time.Hour) // the old cart's 7 days are up; the fresh one has 23 h left
	if n := ran(); n != 1 {
		t.Fatalf("%d workers ran the sweeper in the next interval", n)
	}
	if got := swept(); got != 1 {
		t.Fatalf("swept %v carts, want 1", got)
	}
	for r, want := range map[*kernel.Request]int{&old: 0, &fresh: 1, &customer: 1} {
		v, err := sys.Cart.Current(ctx, *r)
		if err != nil || len(v.Items) != want {
			t.Fatalf("%v: %d lines (%v), want %d", r.SessionID, len(v.Items), err, want)
		}
	}
}
