package wiring

import (
	"context"

	"github.com/google/wire"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"

	"github.com/jupang/jupang/adapters/http/server"
	"github.com/jupang/jupang/adapters/jobs"
	"github.com/jupang/jupang/adapters/memory"
	"github.com/jupang/jupang/adapters/postgres"
	"github.com/jupang/jupang/apps/internal/config"
	"github.com/jupang/jupang/apps/internal/launch"
	"github.com/jupang/jupang/core/idempotency"
	"github.com/jupang/jupang/core/kernel"
)

// MemorySet stores everything in process memory: the all-in-one default, nothing persisted.
var MemorySet = wire.NewSet(memory.NewStore, MemoryIdempotency, MemoryLeases, MemoryReadiness, MemoryIdentity,
	MemoryCatalogReader, MemoryCatalog)

// PostgresSet stores everything in PostgreSQL.
var PostgresSet = wire.NewSet(Database, PostgresIdempotency, PostgresLeases, PostgresReadiness, PostgresIdentity,
	ReadRouter, PostgresCatalogReader, PostgresCatalog)

// MemoryIdempotency runs idempotency on the memory store.
func MemoryIdempotency(store *memory.Store, clock kernel.Clock, cfg config.Config) *idempotency.Service {
	return idempotencyService(memory.NewKeysUnitOfWork(store), memory.NewUnitOfWork(store, memory.IdempotencyStores), clock, cfg)
}

// MemoryLeases keeps job leases in this process, on its clock.
func MemoryLeases(clock kernel.Clock) jobs.Leases { return memory.NewJobLeases(clock) }

// MemoryReadiness has nothing outside the process to check.
func MemoryReadiness() Readiness { return nil }

// Database opens the primary database and exports its pool statistics.
func Database(ctx context.Context, cfg config.Config, tracer trace.Tracer, log *zap.Logger, metrics *server.Metrics) (*postgres.DB, func(), error) {
	db, cleanup, err := launch.OpenDatabase(ctx, cfg.Database, tracer, log)
	if err != nil {
		return nil, nil, err
	}
	if err := metrics.Registry.Register(collectors.NewDBStatsCollector(db.DB.DB, "primary")); err != nil {
		cleanup()
		return nil, nil, err
	}
	return db, cleanup, nil
}

// PostgresIdempotency runs idempotency on PostgreSQL.
func PostgresIdempotency(db *postgres.DB, clock kernel.Clock, cfg config.Config) *idempotency.Service {
	keys := postgres.NewUnitOfWork(db, postgres.IdempotencyStores)
	return idempotencyService(keys, keys, clock, cfg)
}

// PostgresLeases keeps job leases in table job_leases, shared by every worker.
func PostgresLeases(db *postgres.DB) jobs.Leases { return postgres.NewJobLeases(db) }

// PostgresReadiness checks the database answers.
func PostgresReadiness(db *postgres.DB) Readiness {
	return Readiness{{Name: "database", Check: db.Ping}}
}
