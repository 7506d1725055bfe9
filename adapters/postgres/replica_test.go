package postgres_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/jupang/jupang/adapters/postgres"
	"github.com/jupang/jupang/adapters/postgres/pgtest"
	"github.com/jupang/jupang/core/catalog"
	"github.com/jupang/jupang/core/contracttest"
	"github.com/jupang/jupang/core/kernel"
)

type fallbackCounts struct{ c *prometheus.CounterVec }

func (f fallbackCounts) of(reason string) int {
	var m dto.Metric
	if err := f.c.WithLabelValues(reason).Write(&m); err != nil {
		panic(err)
	}
	return int(m.GetCounter().GetValue())
}

func newFallbackCounter(t *testing.T) fallbackCounts {
	t.Helper()
	c, err := postgres.NewReplicaFallbackCounter(prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	return fallbackCounts{c}
}

// productNames reads the products through r and returns their English names.
func productNames(t *testing.T, r catalog.Reader, ids ...string) []string {
	t.Helper()
	return productNamesIn(context.Background(), t, r, ids...)
}

func productNamesIn(ctx context.Context, t *testing.T, r catalog.Reader, ids ...string) []string {
	t.Helper()
	ps, err := r.Products(ctx, ids)
	if err != nil {
		t.Fatalf("read through the router: %v", err)
	}
	var out []string
	for _, p := range ps {
		out = append(out, p.Names.In(kernel.LocaleEN))
	}
	return out
}

func TestReplicaAtADeadPortFallsBackAndTheBreakerSkipsIt(t *testing.T) {
	primary, _ := pgtest.Another(t)
	replica, closeReplica, err := postgres.OpenReplica(postgres.Config{URL: "postgres://postgres@127.0.0.1:1/jupang?sslmode=disable&connect_timeout=2"})
	if err != nil {
		t.Fatal(err)
	}
	defer closeReplica()
	clock := kernel.NewFakeClock(contracttest.CatalogEpoch)
	counts := newFallbackCounter(t)
	router := postgres.NewReadRouter(primary, replica, postgres.ReplicaConfig{FailureThreshold: 3, OpenFor: 30 * time.Second, Now: clock.Now}, counts.c)
	h := catalogHarnessOn(t, primary, router)
	// The fixture is written by a world reading the primary only, so that the router's failures
	// below are the reads this test makes (the catalog's read model reads while it writes).
	w := contracttest.NewCatalogWorld(t, catalogHarnessOn(t, primary, postgres.NewReadRouter(primary, nil, postgres.ReplicaConfig{}, nil)))
	p := w.AddProduct(t, contracttest.ProductSpec{Name: "On primary", Category: w.Kitchen, Base: 1000})

	for i := 1; i <= 3; i++ {
		if got := productNames(t, h.Reader, p.ID); len(got) != 1 || got[0] != "On primary" {
			t.Fatalf("read %d = %v", i, got)
		}
		if counts.of(postgres.FallbackError) != i {
			t.Fatalf("after %d failed replica reads: error fallbacks = %d", i, counts.of(postgres.FallbackError))
		}
	}
	if !router.BreakerOpen() {
		t.Fatal("breaker still closed after 3 failures")
	}
	// While open, reads do not try the replica at all.
	productNames(t, h.Reader, p.ID)
	productNames(t, h.Reader, p.ID)
	if counts.of(postgres.FallbackError) != 3 || counts.of(postgres.FallbackBreakerOpen) != 2 {
		t.Fatalf("while open: error %d, breaker_open %d", counts.of(postgres.FallbackError), counts.of(postgres.FallbackBreakerOpen))
	}
	// After OpenFor one read probes the replica; it fails again and the breaker reopens at once.
	clock.Advance(31 * time.Second)
	productNames(t, h.Reader, p.ID)
	productNames(t, h.Reader, p.ID)
	if counts.of(postgres.FallbackError) != 4 || counts.of(postgres.FallbackBreakerOpen) != 3 {
		t.Fatalf("after the probe: error %d, breaker_open %d", counts.of(postgres.FallbackError), counts.of(postgres.FallbackBreakerOpen))
	}
	// The whole product list works on the primary meanwhile.
	page, err := w.Svc.ListProducts(context.Background(), catalog.View{Market: kernel.MarketKR, Locale: kernel.LocaleKO},
		catalog.ListRequest{Sort: catalog.SortNewest, Limit: 20})
	if err != nil || len(page.Items) != 1 {
		t.Fatalf("list with a dead replica = %+v, %v", page, err)
	}
}

func TestReplicaOnASecondDatabaseServesReadsAndFailsOverBothWays(t *testing.T) {
	ctx := context.Background()
	primary, _ := pgtest.Another(t)
	replicaAdmin, replicaURL := pgtest.Another(t)
	var replicaName string
	if err := replicaAdmin.GetContext(ctx, &replicaName, `SELECT current_database()`); err != nil {
		t.Fatal(err)
	}
	replica, closeReplica, err := postgres.OpenReplica(postgres.Config{URL: replicaURL})
	if err != nil {
		t.Fatal(err)
	}
	defer closeReplica()
	clock := kernel.NewFakeClock(contracttest.CatalogEpoch)
	counts := newFallbackCounter(t)
	router := postgres.NewReadRouter(primary, replica,
		postgres.ReplicaConfig{Timeout: 300 * time.Millisecond, FailureThreshold: 2, OpenFor: time.Minute, Now: clock.Now}, counts.c)

	// Seed both databases; the same id carries a different name on each, so a read shows where it went.
	h := catalogHarnessOn(t, primary, router)
	w := contracttest.NewCatalogWorld(t, h)
	p := w.AddProduct(t, contracttest.ProductSpec{Name: "On primary", Category: w.Kitchen, Base: 1000})
	onReplica := contracttest.NewCatalogWorld(t, catalogHarnessOn(t, replicaAdmin, postgres.NewReadRouter(replicaAdmin, nil, postgres.ReplicaConfig{}, nil)))
	onReplica.AddProduct(t, contracttest.ProductSpec{Name: "On replica", Category: onReplica.Kitchen, Base: 1000,
		Mod: func(rp *catalog.Product) { rp.ID, rp.SKUs[0].ID = p.ID, p.SKUs[0].ID }})

	if got := productNames(t, h.Reader, p.ID); got[0] != "On replica" {
		t.Fatalf("healthy replica: read %v", got)
	}
	// Writes and reads inside a unit of work stay on the primary.
	err = h.Tx.Do(ctx, func(ctx context.Context, _ catalog.Stores) error {
		if got := productNamesIn(ctx, t, h.Reader, p.ID); got[0] != "On primary" {
			t.Errorf("read inside a unit of work went to %v", got)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// A replica that hangs (a table locked by another session) times out and the primary answers.
	locker, err := replicaAdmin.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := locker.ExecContext(ctx, `LOCK TABLE products IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	got := productNames(t, h.Reader, p.ID)
	if err := locker.Rollback(); err != nil {
		t.Fatal(err)
	}
	if got[0] != "On primary" || counts.of(postgres.FallbackTimeout) != 1 {
		t.Fatalf("hung replica: read %v, timeouts %d", got, counts.of(postgres.FallbackTimeout))
	}
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Fatalf("the fallback took %v", elapsed)
	}
	if got := productNames(t, h.Reader, p.ID); got[0] != "On replica" {
		t.Fatalf("after the lock: %v (one failure must not open the breaker)", got)
	}

	// The replica goes away: connections refused, existing ones killed.
	setReplicaReachable(t, primary, replicaName, false)
	for i := range 2 {
		if got := productNames(t, h.Reader, p.ID); got[0] != "On primary" {
			t.Fatalf("down replica, read %d: %v", i, got)
		}
	}
	if counts.of(postgres.FallbackError) != 2 || !router.BreakerOpen() {
		t.Fatalf("down replica: error fallbacks %d, breaker open %v", counts.of(postgres.FallbackError), router.BreakerOpen())
	}
	productNames(t, h.Reader, p.ID)
	if counts.of(postgres.FallbackBreakerOpen) != 1 || counts.of(postgres.FallbackError) != 2 {
		t.Fatalf("open breaker: %d skips, %d errors", counts.of(postgres.FallbackBreakerOpen), counts.of(postgres.FallbackError))
	}

	// It comes back; after OpenFor the probe succeeds and reads return to it.
	setReplicaReachable(t, primary, replicaName, true)
	if got := productNames(t, h.Reader, p.ID); got[0] != "On primary" {
		t.Fatalf("breaker still open, yet the read went to %v", got)
	}
	clock.Advance(61 * time.Second)
	if got := productNames(t, h.Reader, p.ID); got[0] != "On replica" {
		t.Fatalf("after recovery: %v", got)
	}
	if router.BreakerOpen() {
		t.Fatal("a successful probe must close the breaker")
	}
}

// setReplicaReachable refuses (and drops) or allows connections to database name.
func setReplicaReachable(t *testing.T, admin *postgres.DB, name string, reachable bool) {
	t.Helper()
	ctx := context.Background()
	if _, err := admin.ExecContext(ctx, `ALTER DATABASE `+name+` WITH ALLOW_CONNECTIONS `+map[bool]string{true: "true", false: "false"}[reachable]); err != nil {
		t.Fatal(err)
	}
	if reachable {
		return
	}
	if _, err := admin.ExecContext(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1`, name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = admin.ExecContext(context.Background(), `ALTER DATABASE `+name+` WITH ALLOW_CONNECTIONS true`)
	})
}

// A panic while one read probes a half-open breaker must not leave the probe marked as running:
// no read would ever try the replica again.
func TestAPanicDuringTheHalfOpenProbeDoesNotKeepTheBreakerOpen(t *testing.T) {
	ctx := context.Background()
	primary, _ := pgtest.Another(t)
	replica, _ := pgtest.Another(t)
	clock := kernel.NewFakeClock(contracttest.CatalogEpoch)
	router := postgres.NewReadRouter(primary, replica, postgres.ReplicaConfig{FailureThreshold: 1, OpenFor: 30 * time.Second, Now: clock.Now}, nil)
	onReplica := func(q postgres.Querier) bool { return q == postgres.Querier(replica.DB) }

	_ = router.Read(ctx, func(_ context.Context, q postgres.Querier) error {
		if onReplica(q) {
			return errors.New("replica down")
		}
		return nil
	})
	if !router.BreakerOpen() {
		t.Fatal("the breaker did not open")
	}
	clock.Advance(31 * time.Second)
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("the probe's panic was swallowed")
			}
		}()
		_ = router.Read(ctx, func(_ context.Context, q postgres.Querier) error {
			if onReplica(q) {
				panic("bug in the read")
			}
			return nil
		})
	}()
	reachedReplica := false
	if err := router.Read(ctx, func(_ context.Context, q postgres.Querier) error {
		reachedReplica = reachedReplica || onReplica(q)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if !reachedReplica || router.BreakerOpen() {
		t.Fatalf("after the panicking probe: next read reached the replica %v, breaker open %v", reachedReplica, router.BreakerOpen())
	}
}
