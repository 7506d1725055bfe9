package memory

import (
	"context"
	"sync"
	"time"
)

// JobLeases implements jobs.Leases for one process.
type JobLeases struct {
	mu     sync.Mutex
	leases map[string]jobLease
}

type jobLease struct {
	holder string
	until  time.Time
}

// NewJobLeases returns an empty lease table.
func NewJobLeases() *JobLeases { return &JobLeases{leases: map[string]jobLease{}} }

// Acquire takes the lease if it is free or lapsed.
func (l *JobLeases) Acquire(_ context.Context, name, holder string, now, until time.Time) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if cur, ok := l.leases[name]; ok && cur.until.After(now) {
		return false, nil
	}
	l.leases[name] = jobLease{holder: holder, until: until}
	return true, nil
}

// Finish has nothing to record in memory.
func (l *JobLeases) Finish(context.Context, string, string, time.Time, string) error { return nil }
