package postgres

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// JobLeases implements jobs.Leases on table job_leases. Every time is the database's now(), so
// workers whose clocks disagree still agree on who holds a lease.
type JobLeases struct{ db *DB }

// NewJobLeases returns the lease store on db.
func NewJobLeases(db *DB) *JobLeases { return &JobLeases{db: db} }

// Acquire takes the lease in one statement: insert, or take over a lapsed one. A live lease is never
// taken again, not even by its holder, so concurrent attempts of one worker run the job once.
func (l *JobLeases) Acquire(ctx context.Context, name, holder string, lease time.Duration) (time.Time, bool, error) {
	var until time.Time
	err := l.db.GetContext(ctx, &until, `
		INSERT INTO job_leases (job_name, holder, leased_until) VALUES ($1, $2, now() + make_interval(secs => $3))
		ON CONFLICT (job_name) DO UPDATE SET holder = EXCLUDED.holder, leased_until = EXCLUDED.leased_until
		 WHERE job_leases.leased_until <= now()
		RETURNING leased_until`, name, holder, lease.Seconds())
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, false, nil
	}
	return until, err == nil, err
}

// Renew extends a live lease of holder.
func (l *JobLeases) Renew(ctx context.Context, name, holder string, lease time.Duration) (bool, error) {
	res, err := l.db.ExecContext(ctx, `
		UPDATE job_leases SET leased_until = now() + make_interval(secs => $3)
		 WHERE job_name = $1 AND holder = $2 AND leased_until > now()`, name, holder, lease.Seconds())
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// Finish records the run and keeps the lease until until (or frees it now, after an overrun), so
// the job runs once per interval.
func (l *JobLeases) Finish(ctx context.Context, name, holder string, until time.Time, errText string) error {
	_, err := l.db.ExecContext(ctx, `
		UPDATE job_leases SET last_run_at = now(), last_error = $4, leased_until = GREATEST($3, now())
		 WHERE job_name = $1 AND holder = $2`,
		name, holder, until, sql.NullString{String: errText, Valid: errText != ""})
	return err
}
