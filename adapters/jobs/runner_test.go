package jobs_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/jupang/jupang/adapters/jobs"
	"github.com/jupang/jupang/adapters/memory"
	"github.com/jupang/jupang/adapters/postgres"
	"github.com/jupang/jupang/adapters/postgres/pgtest"
	"github.com/jupang/jupang/core/kernel"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// leaseStore is a lease store shared by every runner of a test, and a way to let time pass on the
// store's clock (the memory store's fake clock; on PostgreSQL, moving the job's lease back by d).
type leaseStore struct {
	leases jobs.Leases
	pass   func(t *testing.T, job string, d time.Duration)
}

var leaseStores = map[string]func(t *testing.T) leaseStore{
	"memory": func(*testing.T) leaseStore {
		clock := kernel.NewFakeClock(time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC))
		return leaseStore{leases: memory.NewJobLeases(clock), pass: func(_ *testing.T, _ string, d time.Duration) { clock.Advance(d) }}
	},
	"postgres": func(t *testing.T) leaseStore {
		db := pgtest.DB(t)
		return leaseStore{leases: postgres.NewJobLeases(db), pass: func(t *testing.T, job string, d time.Duration) {
			if _, err := db.ExecContext(context.Background(),
				`UPDATE job_leases SET leased_until = leased_until - make_interval(secs => $2) WHERE job_name = $1`, job, d.Seconds()); err != nil {
				t.Fatal(err)
			}
		}}
	},
}

// Many workers racing for the same job: each interval, exactly one of them runs it.
func TestOneRunPerIntervalAcrossWorkers(t *testing.T) {
	for name, newStore := range leaseStores {
		t.Run(name, func(t *testing.T) {
			store := newStore(t)
			var runs atomic.Int32
			job := jobs.Job{Name: "test-" + kernel.NewID(), Interval: time.Minute, Run: func(context.Context) error {
				runs.Add(1)
				return nil
			}}
			const workers, intervals = 16, 5
			runners := make([]*jobs.Runner, workers)
			for i := range runners {
				runners[i] = jobs.NewRunner(store.leases, zap.NewNop(), prometheus.NewRegistry())
			}
			for interval := 1; interval <= intervals; interval++ {
				var wg sync.WaitGroup
				for _, r := range runners {
					for range 4 { // each worker also retries within the interval
						wg.Go(func() { r.RunOnce(context.Background(), job) })
					}
				}
				wg.Wait()
				if got := runs.Load(); got != int32(interval) {
					t.Fatalf("after interval %d: %d runs, want exactly one per interval", interval, got)
				}
				store.pass(t, job.Name, time.Minute)
			}
		})
	}
}

// Before, each worker passed its own clock's time to the lease store, and a worker whose clock ran
// ten minutes ahead took a live lease and ran the job beside its holder. Now the store times every
// lease on its own clock: the database's now(), whatever a worker's clock says.
func TestLeasesAreTimedByTheDatabaseNotByTheWorkers(t *testing.T) {
	ctx := context.Background()
	db := pgtest.DB(t)
	leases := postgres.NewJobLeases(db)
	name := "test-" + kernel.NewID()
	until, ok, err := leases.Acquire(ctx, name, "first", time.Minute)
	if err != nil || !ok {
		t.Fatalf("acquire = %v, %v", ok, err)
	}
	var dbNow time.Time
	if err := db.GetContext(ctx, &dbNow, `SELECT now()`); err != nil {
		t.Fatal(err)
	}
	if left := until.Sub(dbNow); left <= 58*time.Second || left > time.Minute {
		t.Fatalf("the lease ends %s after the database's now, want the minute asked for", left)
	}
	for _, holder := range []string{"second", "first"} {
		if _, ok, err := leases.Acquire(ctx, name, holder, time.Minute); ok || err != nil {
			t.Fatalf("%s took a live lease (%v)", holder, err)
		}
	}
	if ok, err := leases.Renew(ctx, name, "second", time.Minute); ok || err != nil {
		t.Fatalf("a worker renewed a lease it does not hold (%v)", err)
	}
}

// A run that takes longer than its lease renews it, so the next worker's run does not overlap it.
func TestARunSlowerThanItsLeaseDoesNotOverlapTheNext(t *testing.T) {
	for name, newStore := range map[string]func(t *testing.T) jobs.Leases{
		"memory":   func(*testing.T) jobs.Leases { return memory.NewJobLeases(kernel.SystemClock{}) },
		"postgres": func(t *testing.T) jobs.Leases { return postgres.NewJobLeases(pgtest.DB(t)) },
	} {
		t.Run(name, func(t *testing.T) {
			store := newStore(t)
			var running, most atomic.Int32
			started := make(chan struct{})
			var once sync.Once
			job := jobs.Job{Name: "test-" + kernel.NewID(), Interval: 600 * time.Millisecond, Run: func(context.Context) error {
				once.Do(func() { close(started) })
				n := running.Add(1)
				for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
				}
				time.Sleep(900 * time.Millisecond) // slower than the 540 ms lease, and deaf to its context
				running.Add(-1)
				return nil
			}}
			first := jobs.NewRunner(store, zap.NewNop(), prometheus.NewRegistry())
			next := jobs.NewRunner(store, zap.NewNop(), prometheus.NewRegistry())
			done := make(chan bool)
			go func() { done <- first.RunOnce(context.Background(), job) }()
			<-started
			deadline := time.Now().Add(1500 * time.Millisecond)
			for time.Now().Before(deadline) {
				next.RunOnce(context.Background(), job)
				time.Sleep(30 * time.Millisecond)
			}
			if !<-done {
				t.Fatal("the first worker did not run the job")
			}
			if most.Load() != 1 {
				t.Fatalf("%d runs of one job overlapped", most.Load())
			}
		})
	}
}

// lostLeases grants every lease and then refuses to renew it, as when another worker took the job.
type lostLeases struct{ jobs.Leases }

func (lostLeases) Renew(context.Context, string, string, time.Duration) (bool, error) {
	return false, nil
}

func TestARunWhoseLeaseCannotBeRenewedIsCancelled(t *testing.T) {
	r := jobs.NewRunner(lostLeases{memory.NewJobLeases(kernel.SystemClock{})}, zap.NewNop(), prometheus.NewRegistry())
	cancelled := make(chan time.Duration, 1)
	start := time.Now()
	r.RunOnce(context.Background(), jobs.Job{Name: "test-" + kernel.NewID(), Interval: 3 * time.Second, Run: func(ctx context.Context) error {
		<-ctx.Done()
		cancelled <- time.Since(start)
		return ctx.Err()
	}})
	// The first renewal comes after a third of the 2.7 s lease, long before the 3 s run deadline.
	if took := <-cancelled; took > 2*time.Second {
		t.Fatalf("the run was cancelled after %s, want it cancelled at the first failed renewal", took)
	}
}

func TestStopWaitsForRunningJob(t *testing.T) {
	r := jobs.NewRunner(memory.NewJobLeases(kernel.SystemClock{}), zap.NewNop(), prometheus.NewRegistry())
	started, finished := make(chan struct{}), atomic.Bool{}
	r.Register(jobs.Job{Name: "slow", Interval: time.Hour, Run: func(ctx context.Context) error {
		close(started)
		time.Sleep(50 * time.Millisecond) // simulated work that ignores cancellation briefly
		finished.Store(true)
		return nil
	}})
	r.Start(context.Background())
	<-started
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := r.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if !finished.Load() {
		t.Fatal("Stop returned before the running job finished")
	}
}
