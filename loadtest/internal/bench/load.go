package bench

import (
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Result is one closed-loop measurement: answers counted by name, every request's latency, and
// the wall time.
type Result struct {
	Answers  map[string]int
	Lat      []time.Duration            // every answer's
	ByAnswer map[string][]time.Duration // the latencies of each answer name
	Elapsed  time.Duration
}

// Rate is how many answers named name came per second.
func (r Result) Rate(name string) float64 { return float64(r.Answers[name]) / r.Elapsed.Seconds() }

// Total is how many answers came.
func (r Result) Total() int {
	n := 0
	for _, v := range r.Answers {
		n += v
	}
	return n
}

// Codes lists the answers by name, in name order: "201:500 409 COUPON_SOLD_OUT:1500".
func (r Result) Codes() string {
	keys := make([]string, 0, len(r.Answers))
	for k := range r.Answers {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ":" + strconv.Itoa(r.Answers[k])
	}
	return strings.Join(parts, " ")
}

// Merge adds o's answers and latencies to r (whose maps must be made).
func (r *Result) Merge(o Result) {
	for k, v := range o.Answers {
		r.Answers[k] += v
	}
	for k, v := range o.ByAnswer {
		r.ByAnswer[k] = append(r.ByAnswer[k], v...)
	}
	r.Lat = append(r.Lat, o.Lat...)
}

// Parallel runs one(worker) over and over in conns goroutines for d and merges what they
// measured: each call returns its request's latency and the name of its answer.
func Parallel(conns int, d time.Duration, one func(worker int) (time.Duration, string)) Result {
	parts := make([]Result, conns)
	var stop atomic.Bool
	var wg sync.WaitGroup
	began := time.Now()
	for i := range conns {
		wg.Go(func() {
			r := Result{Answers: map[string]int{}, ByAnswer: map[string][]time.Duration{}}
			for !stop.Load() {
				took, answer := one(i)
				r.Lat = append(r.Lat, took)
				r.Answers[answer]++
				r.ByAnswer[answer] = append(r.ByAnswer[answer], took)
			}
			parts[i] = r
		})
	}
	time.Sleep(d)
	stop.Store(true)
	wg.Wait()
	out := Result{Answers: map[string]int{}, ByAnswer: map[string][]time.Duration{}, Elapsed: time.Since(began)}
	for _, p := range parts {
		out.Merge(p)
	}
	return out
}

// LoadAverage is the 1-minute load average (/proc/loadavg), "?" where it cannot be read.
func LoadAverage() string {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Fields(string(raw))[0]
}

// SelfCPU is the user and system CPU time this process has used.
func SelfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// CPU is the user and system CPU time the process has used (0 where /proc cannot be read).
func (p *Process) CPU() time.Duration {
	d, _ := ProcessCPU(p.cmd.Process.Pid)
	return d
}
