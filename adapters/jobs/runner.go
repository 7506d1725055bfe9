// Package jobs runs background work on an interval. Before each run a worker takes the job's lease
// for one interval, so with any number of worker instances each job runs once per interval; a
// worker that dies simply lets its lease lapse. Leases are timed by the lease store's clock (the
// database's), never a worker's, and a run renews its lease while it goes on.
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

// Leases grants a job to one holder at a time. Every time is measured on the store's own clock, so
// workers whose clocks disagree still agree on who holds a lease.
type Leases interface {
	// Acquire takes name for holder for lease from now, if no live lease exists (not even holder's
	// own). It returns when the lease ends, to hand back to Finish.
	Acquire(ctx context.Context, name, holder string, lease time.Duration) (until time.Time, ok bool, err error)
	// Renew extends holder's live lease to lease from now; false when holder no longer holds it.
	Renew(ctx context.Context, name, holder string, lease time.Duration) (bool, error)
	// Finish records the outcome of a run (empty errText for success) and keeps the lease until until,
	// or frees it now if the run went past that, so the job runs once per interval.
	Finish(ctx context.Context, name, holder string, until time.Time, errText string) error
}

// Runner runs registered jobs until Stop.
type Runner struct {
	leases  Leases
	log     *zap.Logger
	holder  string
	jobs    []Job
	runs    *prometheus.CounterVec
	seconds *prometheus.HistogramVec
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

// NewRunner builds a runner whose metrics go to reg.
func NewRunner(leases Leases, log *zap.Logger, reg prometheus.Registerer) *Runner {
	host, _ := os.Hostname()
	r := &Runner{
		leases: leases, log: log,
		holder: fmt.Sprintf("%s-%d-%s", host, os.Getpid(), kernel.NewID()[24:]),
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "job_runs_total", Help: "Background job runs by job and result (ok, error, skipped: another worker holds the lease; lease_lost: a renewal failed and the run was cancelled).",
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

// RunOnce runs job if this worker gets its lease; it reports whether the job ran. A run may take
// up to the job's interval; its lease is renewed meanwhile, so no other worker starts the job while
// it goes on, and it is cancelled when a renewal fails.
func (r *Runner) RunOnce(ctx context.Context, job Job) bool {
	lease := leaseFor(job.Interval)
	until, ok, err := r.leases.Acquire(ctx, job.Name, r.holder, lease)
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
	stopRenewing := r.keepLease(ctx, cancel, job.Name, lease)
	err = job.Run(runCtx)
	stopRenewing()
	cancel()
	r.seconds.WithLabelValues(job.Name).Observe(time.Since(start).Seconds())
	errText, result := "", "ok"
	if err != nil {
		errText, result = err.Error(), "error"
		r.log.Error("job failed", zap.String("job", job.Name), zap.Error(err))
	}
	r.runs.WithLabelValues(job.Name, result).Inc()
	if ferr := r.leases.Finish(context.WithoutCancel(ctx), job.Name, r.holder, until, errText); ferr != nil {
		r.log.Warn("job finish not recorded", zap.String("job", job.Name), zap.Error(ferr))
	}
	return true
}

// keepLease renews the lease every third of its length until the returned stop is called (when the
// run returned, even past its deadline: a run that ignores cancellation still holds its job). A
// failed renewal cancels the run, since another worker may take the job once the lease lapses.
func (r *Runner) keepLease(ctx context.Context, cancelRun context.CancelFunc, name string, lease time.Duration) (stop func()) {
	ctx = context.WithoutCancel(ctx)
	every := max(lease/3, time.Millisecond)
	done, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		ticker := time.NewTicker(every)
		defer ticker.Stop()
		for {
			select {
			case <-done:
				return
			case <-ticker.C:
			}
			renewCtx, cancel := context.WithTimeout(ctx, every)
			ok, err := r.leases.Renew(renewCtx, name, r.holder, lease)
			cancel()
			if err != nil || !ok {
				r.log.Warn("job lease lost, cancelling the run", zap.String("job", name), zap.Bool("taken", ok), zap.Error(err))
				r.runs.WithLabelValues(name, "lease_lost").Inc()
				cancelRun()
				return
			}
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}
