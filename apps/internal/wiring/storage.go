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
	"github.com/jupang/jupang/core/uow"
)

// Storage is an injector's one storage decision: MemorySet or PostgresSet. Every area's storage
// providers build that area's stores on it, so an area has one storage set for both adapters and
// an injector names the storage once, whatever areas it builds. (google/wire has no multibinding:
// per-storage sets per area would have to be listed per area in every injector, twice in the
// all-in-one binary, which has one injector per storage.)
type Storage struct {
	memory   *memory.Store // in-memory mode
	postgres *postgres.DB  // PostgreSQL mode
}

// MemorySet stores everything in process memory: the all-in-one default, nothing persisted.
var MemorySet = wire.NewSet(MemoryStorage)

// PostgresSet stores everything in PostgreSQL.
var PostgresSet = wire.NewSet(Database, PostgresStorage)

// MemoryStorage is a fresh in-memory store.
func MemoryStorage() Storage { return Storage{memory: memory.NewStore()} }

// PostgresStorage is the primary database.
func PostgresStorage(db *postgres.DB) Storage { return Storage{postgres: db} }

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

// unitOfWork is an area's unit of work on st, from the area's store builders of both adapters.
func unitOfWork[S any](st Storage, onMemory func(*memory.Tx) S, onPostgres func(postgres.Querier) S) uow.UnitOfWork[S] {
	if st.memory != nil {
		return memory.NewUnitOfWork(st.memory, onMemory)
	}
	return postgres.NewUnitOfWork(st.postgres, onPostgres)
}

// Leases keeps job leases in this process on its clock (memory) or in table job_leases on the
// database's clock, shared by every worker.
func Leases(st Storage, clock kernel.Clock) jobs.Leases {
	if st.memory != nil {
		return memory.NewJobLeases(clock)
	}
	return postgres.NewJobLeases(st.postgres)
}

// StorageReadiness checks the database answers; memory has nothing outside the process to check.
func StorageReadiness(st Storage) Readiness {
	if st.memory != nil {
		return nil
	}
	return Readiness{{Name: "database", Check: st.postgres.Ping}}
}

// IdempotencyService runs idempotent requests on the storage. In memory a claim goes to the key
// table, which other requests see before the claiming unit of work ends (as a unique index shows
// an uncommitted row); PostgreSQL claims with single statements of their own (no transaction
// around them: each claim step is one conditional statement) on the same stores.
func IdempotencyService(st Storage, clock kernel.Clock, cfg config.Config) *idempotency.Service {
	if st.memory != nil {
		return idempotencyService(memory.NewKeysUnitOfWork(st.memory), memory.NewUnitOfWork(st.memory, memory.IdempotencyStores), clock, cfg)
	}
	return idempotencyService(postgres.NewAutocommitUnitOfWork(st.postgres, postgres.IdempotencyStores),
		postgres.NewUnitOfWork(st.postgres, postgres.IdempotencyStores), clock, cfg)
}
