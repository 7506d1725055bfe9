// Package jobs runs background work on an interval. Before each run a worker takes the job's lease
// for one interval, so with any number of worker instances each job runs once per interval; a
// worker that dies simply lets its lease lapse.
package jobs

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/jupang/jupang/core/kernel"
)

// Job is one periodic task.
type Job struct {
	Name     string
	Interval time.Duration
	Run      func(ctx context.Context) error
}

// Leases grants a job to one holder at a time until a deadline.
type Leases interface {
	// Acquire takes name for holder until until, if it is free or its lease lapsed.
	Acquire(ctx context.Context, name, holder string, now, until time.Time) (bool, error)
	// Finish records the outcome of a run (empty errText for success).
	Finish(ctx context.Context, name, holder string, at time.Time, errText string) error
}

// Runner runs registered jobs until Stop.
type Runner struct {
	leases  Leases
	clock   kernel.Clock
	log     *zap.Logger
	holder  string
	jobs    []Job
	runs    *prometheus.CounterVec
	seconds *prometheus.HistogramVec
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

// NewRunner builds a runner whose metrics go to reg.
func NewRunner(leases Leases, clock kernel.Clock, log *zap.Logger, reg prometheus.Registerer) *Runner {
	host, _ := os.Hostname()
	r := &Runner{
		leases: leases, clock: clock, log: log,
		holder: fmt.Sprintf("%s-%d-%s", host, os.Getpid(), kernel.NewID()[24:]),
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "job_runs_total", Help: "Background job runs by job and result (ok, error, skipped: another worker holds the lease).",
		}, []string{"job", "result"}),
		seconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "job_duration_seconds", Help: "Background job run time.", Buckets: prometheus.DefBuckets,
		}, []string{"job"}),
	}
	reg.MustRegister(r.runs, r.seconds)
	return r
}

// Register adds a job; call before Start.
func (r *Runner) Register(jobs ...Job) { r.jobs = append(r.jobs, jobs...) }

// Jobs lists the registered jobs.
func (r *Runner) Jobs() []Job { return append([]Job(nil), r.jobs...) }

// Start launches one loop per job. Each loop tries once right away, then every interval.
func (r *Runner) Start(ctx context.Context) {
	ctx, r.cancel = context.WithCancel(ctx)
	for _, job := range r.jobs {
		r.wg.Add(1)
		go r.loop(ctx, job)
	}
}

// Stop ends the loops and waits for running jobs to return, or for ctx to end.
func (r *Runner) Stop(ctx context.Context) error {
	if r.cancel != nil {
		r.cancel()
	}
	done := make(chan struct{})
	go func() { r.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return errors.New("jobs: stop timed out with jobs still running")
	}
}

// leaseFor is a little shorter than the interval, so timer jitter never makes the next tick find
// its own previous lease still live and skip a whole interval.
func leaseFor(interval time.Duration) time.Duration {
	return interval - min(time.Second, interval/10)
}

func (r *Runner) loop(ctx context.Context, job Job) {
	defer r.wg.Done()
	ticker := time.NewTicker(job.Interval)
	defer ticker.Stop()
	for {
		r.RunOnce(ctx, job)
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

// RunOnce runs job if this worker gets its lease; it reports whether the job ran.
func (r *Runner) RunOnce(ctx context.Context, job Job) bool {
	now := r.clock.Now()
	ok, err := r.leases.Acquire(ctx, job.Name, r.holder, now, now.Add(leaseFor(job.Interval)))
	if err != nil {
		if ctx.Err() == nil {
			r.log.Warn("job lease failed", zap.String("job", job.Name), zap.Error(err))
			r.runs.WithLabelValues(job.Name, "error").Inc()
		}
		return false
	}
	if !ok {
		r.runs.WithLabelValues(job.Name, "skipped").Inc()
		return false
	}
	start := time.Now()
	runCtx, cancel := context.WithTimeout(ctx, job.Interval)
	err = job.Run(runCtx)
	cancel()
	r.seconds.WithLabelValues(job.Name).Observe(time.Since(start).Seconds())
	errText, result := "", "ok"
	if err != nil {
		errText, result = err.Error(), "error"
		r.log.Error("job failed", zap.String("job", job.Name), zap.Error(err))
	}
	r.runs.WithLabelValues(job.Name, result).Inc()
	if ferr := r.leases.Finish(context.WithoutCancel(ctx), job.Name, r.holder, r.clock.Now(), errText); ferr != nil {
		r.log.Warn("job finish not recorded", zap.String("job", job.Name), zap.Error(ferr))
	}
	return true
}
