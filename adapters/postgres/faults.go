package postgres

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/uow"
)

// This file is the adapter's error chain for faults of the database itself, as opposed to answers
// to a query: they become 503 SERVICE_UNAVAILABLE with Retry-After here, and nowhere else.

// faultRetryAfter is what a client is asked to wait after a database fault: a restart or a
// failover takes seconds.
const faultRetryAfter = 2 * time.Second

// SQLSTATE codes and classes that are faults of the server rather than answers.
const (
	codeQueryCanceled          = "57014" // statement_timeout, or a cancel request
	codeLockNotAvailable       = "55P03" // lock_timeout
	codeReadOnlyTransaction    = "25006" // the server is (now) a read-only standby
	codeAdminShutdown          = "57P01" // the backend was terminated (pg_terminate_backend, a fast shutdown)
	codeCrashShutdown          = "57P02"
	codeCannotConnectNow       = "57P03" // starting up, shutting down, in recovery
	classConnectionException   = "08"
	classOperatorIntervention  = "57"
	classInsufficientResources = "53" // too many connections, out of memory, disk full
)

// lostConnection reports whether err means the connection itself is gone or could not be made: the
// server restarted, ended the backend or cannot be reached. Nothing more can be read from it.
func lostConnection(err error) bool {
	if err == nil {
		return false
	}
	var connectErr *pgconn.ConnectError
	if errors.As(err, &connectErr) {
		return true
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case codeAdminShutdown, codeCrashShutdown, codeCannotConnectNow:
			return true
		}
		return strings.HasPrefix(pgErr.Code, classConnectionException)
	}
	var netErr net.Error
	return errors.As(err, &netErr) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, net.ErrClosed) || errors.Is(err, pgconn.ErrConnClosed) ||
		errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone)
}

// serverFault reports whether err is a fault of the database that a later try may not meet: a lost
// connection, a timeout (statement_timeout, lock_timeout, the request's deadline while waiting for
// a pooled connection), a read-only or overloaded server, or a race the unit of work kept losing.
func serverFault(err error) bool {
	if lostConnection(err) || retryable(err) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return false
	}
	switch pgErr.Code {
	case codeQueryCanceled, codeLockNotAvailable, codeReadOnlyTransaction:
		return true
	}
	return strings.HasPrefix(pgErr.Code, classOperatorIntervention) || strings.HasPrefix(pgErr.Code, classInsufficientResources)
}

// unavailable turns a fault of the database into 503 SERVICE_UNAVAILABLE with Retry-After, keeping
// the cause for the log; answers (no rows, a constraint, a domain error) pass unchanged.
func unavailable(err error) error {
	if err == nil || !serverFault(err) {
		return err
	}
	var domain *errs.Error
	if errors.As(err, &domain) && domain.Kind != errs.Internal {
		return err // already classified, e.g. by a nested unit of work
	}
	return errs.ErrUnavailable.WithRetryAfter(faultRetryAfter).Wrap(err)
}

// retryable reports whether the whole transaction may succeed when run again from the start.
func retryable(err error) bool {
	code, _ := pgCode(err)
	return code == codeSerializationFailure || code == codeDeadlockDetected || errors.Is(err, uow.ErrRetry)
}

// markRetry labels a lost race with uow.ErrRetry, so that code outside this adapter (the
// idempotency layer, a handler) can carry it out to the outermost unit of work, which reruns it.
func markRetry(err error) error {
	if errors.Is(err, uow.ErrRetry) {
		return err
	}
	return fmt.Errorf("%w: %w", uow.ErrRetry, err)
}

// faultWatch remembers when a connection of the pool was last found dead. After a server restart
// every pooled connection is dead, yet the pool only checks one that sat idle for over a second;
// from then on it checks (pings) each connection last checked before the fault, so a retry gets a
// live one.
type faultWatch struct{ last atomic.Int64 } // unix nanoseconds

func (f *faultWatch) seen() { f.last.Store(time.Now().UnixNano()) }

func (f *faultWatch) shouldPing(_ context.Context, p stdlib.ShouldPingParams) bool {
	if p.IdleDuration > time.Second {
		return true // pgx's own rule
	}
	return time.Now().Add(-p.IdleDuration).UnixNano() < f.last.Load()
}

// note remembers a lost connection of db's pool, so the pool checks the others before reuse.
func (db *DB) note(err error) {
	if lostConnection(err) {
		db.faults.seen()
	}
}

// fault notes a lost connection of db's pool and classifies err.
func (db *DB) fault(err error) error {
	db.note(err)
	return unavailable(err)
}

// read runs the read-only fn on the pool. A read that failed because its pooled connection was dead
// runs once more, on a connection the pool has checked; writes never take this path.
func (db *DB) read(ctx context.Context, fn func(ctx context.Context, q Querier) error) error {
	err := fn(ctx, db.DB)
	if lostConnection(err) && ctx.Err() == nil {
		db.faults.seen()
		err = fn(ctx, db.DB)
	}
	return db.fault(err)
}
