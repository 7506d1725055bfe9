package postgres

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/jupang/jupang/core/idempotency"
	"github.com/jupang/jupang/core/kernel"
)

// IdempotencyKeys is the idempotency.Store on table idempotency_keys.
type IdempotencyKeys struct{ q Querier }

// IdempotencyStores builds idempotency.Stores on q.
func IdempotencyStores(q Querier) idempotency.Stores {
	return idempotency.Stores{Keys: &IdempotencyKeys{q: q}}
}

type idemRow struct {
	Scope       string         `db:"scope"`
	Key         string         `db:"key"`
	Fingerprint string         `db:"fingerprint"`
	State       string         `db:"state"`
	StatusCode  sql.NullInt32  `db:"status_code"`
	ContentType sql.NullString `db:"content_type"`
	Body        []byte         `db:"body"`
	LockedUntil time.Time      `db:"locked_until"`
	ExpiresAt   time.Time      `db:"expires_at"`
	CreatedAt   time.Time      `db:"created_at"`
}

func (r idemRow) record() idempotency.Record {
	return idempotency.Record{
		Scope: r.Scope, Key: kernel.IdempotencyKey(r.Key), Fingerprint: r.Fingerprint,
		State: idempotency.State(r.State), LockedUntil: r.LockedUntil, ExpiresAt: r.ExpiresAt, CreatedAt: r.CreatedAt,
		Response: idempotency.Response{Status: int(r.StatusCode.Int32), ContentType: r.ContentType.String, Body: r.Body},
	}
}

// Claim implements idempotency.Store: one statement inserts the claim or takes over a dead one;
// the unique key makes concurrent claimers of one key queue behind each other and see the winner.
func (s *IdempotencyKeys) Claim(ctx context.Context, rec idempotency.Record, now time.Time) (idempotency.Record, bool, error) {
	res, err := s.q.ExecContext(ctx, `
		INSERT INTO idempotency_keys (scope, key, fingerprint, state, locked_until, expires_at, created_at)
		VALUES ($1, $2, $3, 'IN_PROGRESS', $4, $5, $6)
		ON CONFLICT (scope, key) DO UPDATE
		   SET fingerprint = EXCLUDED.fingerprint, state = 'IN_PROGRESS', status_code = NULL,
		       content_type = NULL, body = NULL, locked_until = EXCLUDED.locked_until,
		       expires_at = EXCLUDED.expires_at, created_at = EXCLUDED.created_at
		 WHERE idempotency_keys.expires_at <= $6
		    OR (idempotency_keys.state = 'IN_PROGRESS' AND idempotency_keys.locked_until <= $6)`,
		rec.Scope, string(rec.Key), rec.Fingerprint, rec.LockedUntil, rec.ExpiresAt, now)
	if err != nil {
		return idempotency.Record{}, false, err
	}
	if n, err := res.RowsAffected(); err != nil {
		return idempotency.Record{}, false, err
	} else if n == 1 {
		return idempotency.Record{}, true, nil
	}
	var row idemRow
	err = s.q.GetContext(ctx, &row, `SELECT * FROM idempotency_keys WHERE scope = $1 AND key = $2`, rec.Scope, string(rec.Key))
	if err != nil {
		return idempotency.Record{}, false, err
	}
	return row.record(), false, nil
}

var errNoClaim = errors.New("postgres: idempotency key was not claimed")

// Complete implements idempotency.Store.
func (s *IdempotencyKeys) Complete(ctx context.Context, scope string, key kernel.IdempotencyKey, resp idempotency.Response) error {
	res, err := s.q.ExecContext(ctx, `
		UPDATE idempotency_keys SET state = 'COMPLETED', status_code = $3, content_type = $4, body = $5
		 WHERE scope = $1 AND key = $2 AND state = 'IN_PROGRESS'`,
		scope, string(key), resp.Status, resp.ContentType, resp.Body)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n != 1 {
		return errNoClaim
	}
	return nil
}

// Release implements idempotency.Store.
func (s *IdempotencyKeys) Release(ctx context.Context, scope string, key kernel.IdempotencyKey) error {
	_, err := s.q.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2 AND state = 'IN_PROGRESS'`, scope, string(key))
	return err
}

// DeleteExpired implements idempotency.Store.
func (s *IdempotencyKeys) DeleteExpired(ctx context.Context, now time.Time, limit int) (int, error) {
	res, err := s.q.ExecContext(ctx, `
		DELETE FROM idempotency_keys WHERE ctid IN (
			SELECT ctid FROM idempotency_keys WHERE expires_at <= $1 LIMIT $2 FOR UPDATE SKIP LOCKED)`, now, limit)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}
