package postgres

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jmoiron/sqlx"

	"github.com/jupang/jupang/core/uow"
)

// openTx is a transaction with a counter for naming nested savepoints.
type openTx struct {
	tx         *sqlx.Tx
	savepoints int
}

type txKey struct{ db *DB }

func txFrom(ctx context.Context, db *DB) *openTx {
	tx, _ := ctx.Value(txKey{db}).(*openTx)
	return tx
}

// maxAttempts bounds retries of a transaction that lost a serialization or deadlock race.
const maxAttempts = 4

// UnitOfWork adapts the database to core's uow.UnitOfWork for one area's Stores.
type UnitOfWork[S any] struct {
	db    *DB
	build func(q Querier) S
}

// NewUnitOfWork returns a unit of work that hands fn the stores build makes on each transaction.
func NewUnitOfWork[S any](db *DB, build func(q Querier) S) *UnitOfWork[S] {
	return &UnitOfWork[S]{db: db, build: build}
}

// Do runs fn in a transaction (READ COMMITTED; the repositories use conditional updates and row
// locks for their invariants). Inside another Do on the same database it becomes a savepoint.
// The outermost Do runs the whole function again when it lost a serialization or deadlock race
// (40001/40P01, or an error marked uow.ErrRetry that fn carried out of a nested Do), so fn must be
// safe to run again and must not act outside the database. A fault of the database is returned as
// 503 SERVICE_UNAVAILABLE; no write is ever retried because of one.
func (u *UnitOfWork[S]) Do(ctx context.Context, fn func(ctx context.Context, stores S) error) error {
	if parent := txFrom(ctx, u.db); parent != nil {
		return u.nested(ctx, parent, fn)
	}
	var err error
	for attempt := 1; ; attempt++ {
		err = u.once(ctx, fn)
		if err == nil || !retryable(err) || attempt == maxAttempts {
			break
		}
		// Jittered backoff so the racing transactions do not collide again in lockstep.
		backoff := time.Duration(attempt*attempt)*5*time.Millisecond + time.Duration(rand.IntN(5))*time.Millisecond //nolint:gosec // jitter, not a secret
		select {
		case <-time.After(backoff):
			continue
		case <-ctx.Done():
		}
		break
	}
	return u.db.fault(err)
}

func (u *UnitOfWork[S]) once(ctx context.Context, fn func(ctx context.Context, stores S) error) (err error) {
	tx, err := u.db.BeginTxx(ctx, nil)
	if lostConnection(err) && ctx.Err() == nil {
		// Nothing ran yet: the dead pooled connection only cost the BEGIN, so begin on another one.
		u.db.faults.seen()
		tx, err = u.db.BeginTxx(ctx, nil)
	}
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	open := &openTx{tx: tx}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
	}()
	ctx, committed := uow.Attempt(ctx)
	if err := fn(context.WithValue(ctx, txKey{u.db}, open), u.build(tx)); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	committed()
	return nil
}

// AutocommitUnitOfWork runs fn's statements each as its own transaction, for stores whose every
// invariant rests on single conditional statements (the idempotency claims: an insert on conflict
// do nothing, a guarded update, a delete). It saves the BEGIN and COMMIT round trips of a
// transaction that would hold one statement. Inside an open unit of work it joins it as
// UnitOfWork does (a savepoint).
type AutocommitUnitOfWork[S any] struct{ tx *UnitOfWork[S] }

// NewAutocommitUnitOfWork returns the unit of work that hands fn the stores build makes on the pool.
func NewAutocommitUnitOfWork[S any](db *DB, build func(q Querier) S) *AutocommitUnitOfWork[S] {
	return &AutocommitUnitOfWork[S]{tx: NewUnitOfWork(db, build)}
}

// Do implements uow.UnitOfWork. A fault of the database is returned as 503 SERVICE_UNAVAILABLE.
func (u *AutocommitUnitOfWork[S]) Do(ctx context.Context, fn func(ctx context.Context, stores S) error) error {
	if txFrom(ctx, u.tx.db) != nil {
		return u.tx.Do(ctx, fn)
	}
	return u.tx.db.fault(fn(ctx, u.tx.build(u.tx.db.DB)))
}

// nested runs fn in a savepoint of the open transaction, kept until the transaction ends. A lost race is passed out marked
// uow.ErrRetry: only the outermost unit can run the transaction again.
func (u *UnitOfWork[S]) nested(ctx context.Context, parent *openTx, fn func(ctx context.Context, stores S) error) error {
	parent.savepoints++
	name := fmt.Sprintf("sp_%d", parent.savepoints)
	if _, err := parent.tx.ExecContext(ctx, "SAVEPOINT "+name); err != nil {
		return u.db.fault(fmt.Errorf("savepoint: %w", err))
	}
	failed := uow.Nested(ctx)
	defer func() {
		if p := recover(); p != nil {
			// The outer unit may recover and commit: what this one wrote must not go with it.
			_, _ = parent.tx.ExecContext(context.WithoutCancel(ctx), "ROLLBACK TO SAVEPOINT "+name)
			failed()
			panic(p)
		}
	}()
	if err := fn(ctx, u.build(parent.tx)); err != nil {
		failed()
		if _, rbErr := parent.tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT "+name); rbErr != nil {
			err = errors.Join(err, rbErr)
		}
		if retryable(err) {
			return markRetry(err)
		}
		return u.db.fault(err)
	}
	// No RELEASE: a savepoint lives until its transaction ends (as one rolled back to does), and
	// releasing it early would only cost a round trip — inside a checkout, one while its SKU rows
	// are locked. Its name is never reused, so a later nested unit rolls back to its own.
	return nil
}

// SQLSTATE codes the adapters react to.
const (
	codeSerializationFailure = "40001"
	codeDeadlockDetected     = "40P01"
	codeUniqueViolation      = "23505"
	codeCheckViolation       = "23514"
	codeForeignKeyViolation  = "23503"
)

func pgCode(err error) (code, constraint string) {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code, pgErr.ConstraintName
	}
	return "", ""
}

// IsUniqueViolation reports whether err is a unique-key violation (of constraint, when non-empty).
func IsUniqueViolation(err error, constraint string) bool {
	code, c := pgCode(err)
	return code == codeUniqueViolation && (constraint == "" || c == constraint)
}

// IsCheckViolation reports whether err is a CHECK violation (of constraint, when non-empty).
func IsCheckViolation(err error, constraint string) bool {
	code, c := pgCode(err)
	return code == codeCheckViolation && (constraint == "" || c == constraint)
}

// IsForeignKeyViolation reports whether err is a foreign-key violation.
func IsForeignKeyViolation(err error) bool {
	code, _ := pgCode(err)
	return code == codeForeignKeyViolation
}
