package postgres_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jupang/jupang/adapters/postgres"
	"github.com/jupang/jupang/adapters/postgres/pgtest"
	"github.com/jupang/jupang/core/errs"
)

// unavailable fails the test unless err is 503 SERVICE_UNAVAILABLE with a Retry-After.
func unavailable(t *testing.T, what string, err error) {
	t.Helper()
	var e *errs.Error
	if !errors.As(err, &e) || e.Kind != errs.Unavailable || e.RetryAfter <= 0 {
		t.Errorf("%s: %v (kind %v), want Unavailable with a Retry-After", what, err, errs.KindOf(err))
	}
}

// noop is a unit of work over nothing but the transaction itself.
func noop(q postgres.Querier) postgres.Querier { return q }

// Faults of the database are the client's 503 with Retry-After, never a 500: a server that refuses
// connections, a statement over statement_timeout, a lock wait over lock_timeout.
func TestDatabaseFaultsAreUnavailable(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second) // a missing timeout fails, not hangs
	defer cancel()
	_, url := pgtest.Another(t)
	db, closeDB, err := postgres.Open(ctx, postgres.Config{URL: url, StatementTimeout: 200 * time.Millisecond, LockTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer closeDB()
	router := postgres.NewReadRouter(db, nil, postgres.ReplicaConfig{}, nil)
	u := postgres.NewUnitOfWork(db, noop)

	unavailable(t, "a read over statement_timeout", router.Read(ctx, func(ctx context.Context, q postgres.Querier) error {
		_, err := q.ExecContext(ctx, `SELECT pg_sleep(2)`)
		return err
	}))

	if _, err := db.ExecContext(ctx, `INSERT INTO job_leases (job_name, holder, leased_until) VALUES ('locked', 'test', now())`); err != nil {
		t.Fatal(err)
	}
	holder, err := db.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = holder.Rollback() }()
	if _, err := holder.ExecContext(ctx, `SELECT 1 FROM job_leases WHERE job_name = 'locked' FOR UPDATE`); err != nil {
		t.Fatal(err)
	}
	lockCtx, cancelLock := context.WithTimeout(ctx, 3*time.Second)
	defer cancelLock()
	unavailable(t, "a write waiting over lock_timeout", u.Do(lockCtx, func(ctx context.Context, q postgres.Querier) error {
		_, err := q.ExecContext(ctx, `UPDATE job_leases SET holder = 'other' WHERE job_name = 'locked'`)
		return err
	}))

	down, closeDown, err := postgres.OpenReplica(postgres.Config{URL: "postgres://postgres@127.0.0.1:1/jupang?sslmode=disable&connect_timeout=2"})
	if err != nil {
		t.Fatal(err)
	}
	defer closeDown()
	unavailable(t, "a read on a server that refuses connections", postgres.NewReadRouter(down, nil, postgres.ReplicaConfig{}, nil).Read(ctx,
		func(ctx context.Context, q postgres.Querier) error {
			_, err := q.ExecContext(ctx, `SELECT 1`)
			return err
		}))
	unavailable(t, "a write on a server that refuses connections", postgres.NewUnitOfWork(down, noop).Do(ctx,
		func(ctx context.Context, q postgres.Querier) error { return nil }))
}

// When the server drops every connection (a restart, pg_terminate_backend), the pool still holds
// them; the next read on one fails. It is retried once on a fresh connection, and a unit of work
// whose BEGIN hit a dead connection (nothing ran yet) begins again.
func TestWorkGoesOnAfterTheServerDroppedEveryConnection(t *testing.T) {
	ctx := context.Background()
	db, _ := pgtest.Another(t)
	router := postgres.NewReadRouter(db, nil, postgres.ReplicaConfig{}, nil)
	u := postgres.NewUnitOfWork(db, noop)
	for round := range 3 {
		// Fill the pool with idle connections, then have the server end them all.
		var name string
		if err := db.GetContext(ctx, &name, `SELECT current_database()`); err != nil {
			t.Fatal(err)
		}
		// Twice: the pool only checks a connection that sat idle for over a second (or was never
		// reused), and a busy server's connections never do.
		for range 2 {
			conns := make([]func(), 0, 8)
			for range 8 {
				c, err := db.Conn(ctx)
				if err != nil {
					t.Fatal(err)
				}
				_ = c.PingContext(ctx) // a connection the last round left dead is dropped here
				conns = append(conns, func() { _ = c.Close() })
			}
			for _, release := range conns {
				release()
			}
		}
		var ended int
		if err := pgtest.DB(t).GetContext(ctx, &ended, `
			SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1) t`, name); err != nil {
			t.Fatal(err)
		}
		if ended == 0 {
			t.Fatal("no backend was terminated")
		}
		time.Sleep(50 * time.Millisecond) // the backends are gone before the pool hands a connection out again

		if round%2 == 0 {
			var one int
			if err := router.Read(ctx, func(ctx context.Context, q postgres.Querier) error {
				return q.GetContext(ctx, &one, `SELECT 1`)
			}); err != nil {
				t.Fatalf("round %d: read after the server dropped the pool's connections: %v", round, err)
			}
		} else if err := u.Do(ctx, func(ctx context.Context, q postgres.Querier) error {
			_, err := q.ExecContext(ctx, `SELECT 1`)
			return err
		}); err != nil {
			t.Fatalf("round %d: unit of work after the server dropped the pool's connections: %v", round, err)
		}
	}
}
