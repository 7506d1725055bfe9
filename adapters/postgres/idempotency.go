package postgres

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
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
	Owner       sql.NullString `db:"owner"`
	StatusCode  sql.NullInt32  `db:"status_code"`
	ContentType sql.NullString `db:"content_type"`
	Headers     []byte         `db:"headers"`
	Body        []byte         `db:"body"`
	LockedUntil time.Time      `db:"locked_until"`
	ExpiresAt   time.Time      `db:"expires_at"`
	CreatedAt   time.Time      `db:"created_at"`
}

func (r idemRow) record() (idempotency.Record, error) {
	resp := idempotency.Response{Status: int(r.StatusCode.Int32), ContentType: r.ContentType.String, Body: r.Body}
	if len(r.Headers) > 0 {
		if err := json.Unmarshal(r.Headers, &resp.Headers); err != nil {
			return idempotency.Record{}, fmt.Errorf("idempotency_keys.headers: %w", err)
		}
	}
	return idempotency.Record{
		Scope: r.Scope, Key: kernel.IdempotencyKey(r.Key), Fingerprint: r.Fingerprint, State: idempotency.State(r.State),
		Owner: r.Owner.String, LockedUntil: r.LockedUntil, ExpiresAt: r.ExpiresAt, CreatedAt: r.CreatedAt, Response: resp,
	}, nil
}

// claimAttempts bounds Claim's loop: each turn sees the key change state (released, completed,
// taken over) under it, which a retry storm can repeat only so often.
const claimAttempts = 4

// Claim implements idempotency.Store. A new key is inserted. A key whose record expired or whose
// claim's lease ran out is taken over by an UPDATE that waits for the row lock its running request
// holds (Hold), then re-checks the condition on the row as that request left it: completed (the
// caller replays it), released (the next turn inserts) or still abandoned (taken over). A wait
// longer than lock_timeout answers IDEMPOTENCY_KEY_IN_USE.
func (s *IdempotencyKeys) Claim(ctx context.Context, rec idempotency.Record, now time.Time) (idempotency.Record, bool, error) {
	for range claimAttempts {
		res, err := s.q.ExecContext(ctx, `
			INSERT INTO idempotency_keys (scope, key, fingerprint, state, owner, locked_until, expires_at, created_at)
			VALUES ($1, $2, $3, 'IN_PROGRESS', $4, $5, $6, $7)
			ON CONFLICT (scope, key) DO NOTHING`,
			rec.Scope, string(rec.Key), rec.Fingerprint, rec.Owner, rec.LockedUntil, rec.ExpiresAt, now)
		if claimed, err := oneRow(res, err); err != nil || claimed {
			return idempotency.Record{}, claimed, err
		}
		var row idemRow
		err = s.q.GetContext(ctx, &row, `SELECT * FROM idempotency_keys WHERE scope = $1 AND key = $2`, rec.Scope, string(rec.Key))
		if errors.Is(err, sql.ErrNoRows) {
			continue // released since the insert
		}
		if err != nil {
			return idempotency.Record{}, false, err
		}
		cur, err := row.record()
		if err != nil || cur.Live(now) {
			return cur, false, err
		}
		res, err = s.q.ExecContext(ctx, `
			UPDATE idempotency_keys
			   SET fingerprint = $3, state = 'IN_PROGRESS', owner = $4, status_code = NULL, content_type = NULL,
			       headers = NULL, body = NULL, locked_until = $5, expires_at = $6, created_at = $7
			 WHERE scope = $1 AND key = $2
			   AND (expires_at <= $7 OR (state = 'IN_PROGRESS' AND locked_until <= $7))`,
			rec.Scope, string(rec.Key), rec.Fingerprint, rec.Owner, rec.LockedUntil, rec.ExpiresAt, now)
		if code, _ := pgCode(err); code == codeLockNotAvailable {
			return idempotency.Record{}, false, idempotency.ErrKeyInUse.WithRetryAfter(time.Second).Wrap(err)
		}
		if claimed, err := oneRow(res, err); err != nil || claimed {
			return idempotency.Record{}, claimed, err
		}
	}
	return idempotency.Record{}, false, idempotency.ErrKeyInUse.WithRetryAfter(time.Second)
}

// oneRow reports whether a statement changed exactly one row.
func oneRow(res sql.Result, err error) (bool, error) {
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// Hold implements idempotency.Store with a row lock, kept until the transaction ends.
func (s *IdempotencyKeys) Hold(ctx context.Context, scope string, key kernel.IdempotencyKey, owner string) error {
	var one int
	err := s.q.GetContext(ctx, &one, `
		SELECT 1 FROM idempotency_keys WHERE scope = $1 AND key = $2 AND owner = $3 AND state = 'IN_PROGRESS' FOR UPDATE`,
		scope, string(key), owner)
	if errors.Is(err, sql.ErrNoRows) {
		return idempotency.ErrNotOwner
	}
	return err
}

// Complete implements idempotency.Store.
func (s *IdempotencyKeys) Complete(ctx context.Context, scope string, key kernel.IdempotencyKey, owner string, resp idempotency.Response) error {
	var headers []byte
	if len(resp.Headers) > 0 {
		var err error
		if headers, err = json.Marshal(resp.Headers); err != nil {
			return err
		}
	}
	res, err := s.q.ExecContext(ctx, `
		UPDATE idempotency_keys SET state = 'COMPLETED', status_code = $4, content_type = $5, headers = $6, body = $7
		 WHERE scope = $1 AND key = $2 AND owner = $3 AND state = 'IN_PROGRESS'`,
		scope, string(key), owner, resp.Status, resp.ContentType, headers, resp.Body)
	done, err := oneRow(res, err)
	if err == nil && !done {
		return idempotency.ErrNotOwner
	}
	return err
}

// Release implements idempotency.Store.
func (s *IdempotencyKeys) Release(ctx context.Context, scope string, key kernel.IdempotencyKey, owner string) error {
	_, err := s.q.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2 AND owner = $3 AND state = 'IN_PROGRESS'`,
		scope, string(key), owner)
	return err
}

// DeleteExpired implements idempotency.Store; rows locked by a running request are skipped.
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
