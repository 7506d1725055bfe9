// Package postgres holds the PostgreSQL adapters: sqlx over pgx/v5, one unit of work per transaction.
package postgres

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/jmoiron/sqlx"
)

// Config says how to reach the database.
type Config struct {
	URL             string
	MaxOpenConns    int
	MaxIdleConns    int
	ConnMaxLifetime time.Duration
	// StatementTimeout and LockTimeout are set on every connection (PostgreSQL's statement_timeout and
	// lock_timeout); zero leaves the server's setting.
	StatementTimeout time.Duration
	LockTimeout      time.Duration
	// Tracer, when set, traces every query (OpenTelemetry spans for SQL).
	Tracer pgx.QueryTracer
}

// DB is the primary database handle shared by every repository.
type DB struct {
	*sqlx.DB
	faults *faultWatch
	cfg    Config // to open a side pool on the same database (OrderNumbers)
}

// Open connects and pings; the cleanup closes the pool.
func Open(ctx context.Context, cfg Config) (*DB, func(), error) {
	db, err := newPool(cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("database.url: %w", err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := db.PingContext(pingCtx); err != nil {
		_ = db.Close()
		return nil, nil, fmt.Errorf("database unreachable: %w", err)
	}
	return db, func() { _ = db.Close() }, nil
}

// newPool builds a sqlx pool over pgx without connecting yet.
func newPool(cfg Config) (*DB, error) {
	connCfg, err := pgx.ParseConfig(cfg.URL)
	if err != nil {
		return nil, err
	}
	if cfg.Tracer != nil {
		connCfg.Tracer = cfg.Tracer
	}
	// Set at connection start, so they hold for every statement without a round trip of their own.
	for param, d := range map[string]time.Duration{"statement_timeout": cfg.StatementTimeout, "lock_timeout": cfg.LockTimeout} {
		if d > 0 {
			connCfg.RuntimeParams[param] = strconv.FormatInt(max(1, d.Milliseconds()), 10) // milliseconds
		}
	}
	faults := &faultWatch{}
	db := sqlx.NewDb(stdlib.OpenDB(*connCfg, stdlib.OptionShouldPing(faults.shouldPing), stdlib.OptionAfterConnect(registerUUIDCodec)), "pgx")
	if cfg.MaxOpenConns > 0 {
		db.SetMaxOpenConns(cfg.MaxOpenConns)
	}
	if cfg.MaxIdleConns > 0 {
		db.SetMaxIdleConns(cfg.MaxIdleConns)
	}
	if cfg.ConnMaxLifetime > 0 {
		db.SetConnMaxLifetime(cfg.ConnMaxLifetime)
	}
	return &DB{DB: db, faults: faults, cfg: cfg}, nil
}

// Querier is what repositories run SQL on: the pool or an open transaction.
type Querier interface {
	sqlx.ExtContext
	GetContext(ctx context.Context, dest any, query string, args ...any) error
	SelectContext(ctx context.Context, dest any, query string, args ...any) error
}

// Q returns the transaction open in ctx on this database, or the pool. Reads made while a unit of
// work is open go through its transaction so they see its writes and do not need a second connection.
func (db *DB) Q(ctx context.Context) Querier {
	if tx := txFrom(ctx, db); tx != nil {
		return tx.tx
	}
	return db.DB
}

// Ping checks the database answers; /readyz uses it.
func (db *DB) Ping(ctx context.Context) error { return db.PingContext(ctx) }
