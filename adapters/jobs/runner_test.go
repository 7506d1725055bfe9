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

// Many workers racing for the same job: each interval, exactly one of them runs it.
func TestOneRunPerIntervalAcrossWorkers(t *testing.T) {
	for name, leases := range map[string]func(t *testing.T) jobs.Leases{
		"memory":   func(*testing.T) jobs.Leases { return memory.NewJobLeases() },
		"postgres": func(t *testing.T) jobs.Leases { return postgres.NewJobLeases(pgtest.DB(t)) },
	} {
		t.Run(name, func(t *testing.T) {
			store := leases(t)
			clock := kernel.NewFakeClock(time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC))
			var runs atomic.Int32
			job := jobs.Job{Name: "test-" + kernel.NewID(), Interval: time.Minute, Run: func(context.Context) error {
				runs.Add(1)
				return nil
			}}
			const workers, intervals = 16, 5
			runners := make([]*jobs.Runner, workers)
			for i := range runners {
				runners[i] = jobs.NewRunner(store, clock, zap.NewNop(), prometheus.NewRegistry())
			}
			for interval := 1; interval <= intervals; interval++ {
				var wg sync.WaitGroup
				for _, r := range runners {
					for range 4 { // each worker also retries within the interval
						wg.Add(1)
						go func() {
							defer wg.Done()
							r.RunOnce(context.Background(), job)
						}()
					}
				}
				wg.Wait()
				if got := runs.Load(); got != int32(interval) {
					t.Fatalf("after interval %d: %d runs, want exactly one per interval", interval, got)
				}
				clock.Advance(time.Minute)
			}
		})
	}
}

func TestStopWaitsForRunningJob(t *testing.T) {
	r := jobs.NewRunner(memory.NewJobLeases(), kernel.SystemClock{}, zap.NewNop(), prometheus.NewRegistry())
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
