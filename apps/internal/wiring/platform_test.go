package wiring

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/jupang/jupang/adapters/jobs"
	"github.com/jupang/jupang/adapters/memory"
	"github.com/jupang/jupang/core/kernel"
)

func countingRunner(runs *atomic.Int64) *jobs.Runner {
	r := jobs.NewRunner(memory.NewJobLeases(kernel.SystemClock{}), zap.NewNop(), prometheus.NewRegistry())
	r.Register(jobs.Job{Name: "count", Interval: time.Hour, Run: func(context.Context) error {
		runs.Add(1)
		return nil
	}})
	return r
}

// launch.Run may stop a component before the goroutine that starts it has run: the jobs must then
// never start, and Start must still return.
func TestRunnerComponentStoppedBeforeStartNeverRunsJobs(t *testing.T) {
	var runs atomic.Int64
	r := countingRunner(&runs)
	c := RunnerComponent(r)
	if err := c.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	// Stopping the runner itself waits for any job loop Start may have launched (each runs its
	// job once right away), so a wrongly started job has been counted by now.
	if err := r.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := runs.Load(); n != 0 {
		t.Fatalf("a job ran %d times after the runner was stopped", n)
	}
}

// Started and stopped concurrently, as launch.Run does, in either order: Stop returns, Start
// returns, and a job that ran finished before Stop returned (run with -race).
func TestRunnerComponentStartStopRace(t *testing.T) {
	for range 200 {
		var runs atomic.Int64
		c := RunnerComponent(countingRunner(&runs))
		started := make(chan error, 1)
		go func() { started <- c.Start() }()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := c.Stop(ctx) // a job loop Stop could not cancel keeps it waiting until the deadline
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		after := runs.Load()
		if err := <-started; err != nil {
			t.Fatal(err)
		}
		if n := runs.Load(); n != after {
			t.Fatalf("jobs ran after Stop returned: %d then %d", after, n)
		}
	}
}
