package postgres

import (
	"context"
	"database/sql"
	"time"
)

// JobLeases implements jobs.Leases on table job_leases.
type JobLeases struct{ db *DB }

// NewJobLeases returns the lease store on db.
func NewJobLeases(db *DB) *JobLeases { return &JobLeases{db: db} }

// Acquire takes the lease in one statement: insert, or take over a lapsed one. A live lease is never
// taken again, not even by its holder, so concurrent attempts of one worker run the job once.
func (l *JobLeases) Acquire(ctx context.Context, name, holder string, now, until time.Time) (bool, error) {
	res, err := l.db.ExecContext(ctx, `
		INSERT INTO job_leases (job_name, holder, leased_until) VALUES ($1, $2, $3)
		ON CONFLICT (job_name) DO UPDATE SET holder = EXCLUDED.holder, leased_until = EXCLUDED.leased_until
		 WHERE job_leases.leased_until <= $4`, name, holder, until, now)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// Finish records the run; the lease stays until it lapses so the job runs once per interval.
func (l *JobLeases) Finish(ctx context.Context, name, holder string, at time.Time, errText string) error {
	_, err := l.db.ExecContext(ctx, `UPDATE job_leases SET last_run_at = $3, last_error = $4 WHERE job_name = $1 AND holder = $2`,
		name, holder, at, sql.NullString{String: errText, Valid: errText != ""})
	return err
}
