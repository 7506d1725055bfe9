package memory

import (
	"context"
	"sync"
	"time"

	"github.com/jupang/jupang/core/kernel"
)

// JobLeases implements jobs.Leases for one process, timed by its clock.
type JobLeases struct {
	clock  kernel.Clock
	mu     sync.Mutex
	leases map[string]jobLease
}

type jobLease struct {
	holder string
	until  time.Time
}

// NewJobLeases returns an empty lease table on clock.
func NewJobLeases(clock kernel.Clock) *JobLeases {
	return &JobLeases{clock: clock, leases: map[string]jobLease{}}
}

// Acquire implements jobs.Leases.
func (l *JobLeases) Acquire(_ context.Context, name, holder string, lease time.Duration) (time.Time, bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.clock.Now()
	if cur, ok := l.leases[name]; ok && cur.until.After(now) {
		return time.Time{}, false, nil
	}
	until := now.Add(lease)
	l.leases[name] = jobLease{holder: holder, until: until}
	return until, true, nil
}

// Renew implements jobs.Leases.
func (l *JobLeases) Renew(_ context.Context, name, holder string, lease time.Duration) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.clock.Now()
	cur, ok := l.leases[name]
	if !ok || cur.holder != holder || !cur.until.After(now) {
		return false, nil
	}
	l.leases[name] = jobLease{holder: holder, until: now.Add(lease)}
	return true, nil
}

// Finish implements jobs.Leases; there is no run history to record in memory.
func (l *JobLeases) Finish(_ context.Context, name, holder string, until time.Time, _ string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if cur, ok := l.leases[name]; ok && cur.holder == holder {
		l.leases[name] = jobLease{holder: holder, until: maxTime(until, l.clock.Now())}
	}
	return nil
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
