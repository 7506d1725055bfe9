package wiring

import (
	"github.com/prometheus/client_golang/prometheus/collectors"
	"go.opentelemetry.io/otel/trace"

	cataloghttp "github.com/jupang/jupang/adapters/http/catalog"
	"github.com/jupang/jupang/adapters/http/server"
	"github.com/jupang/jupang/adapters/memory"
	"github.com/jupang/jupang/adapters/postgres"
	"github.com/jupang/jupang/apps/internal/config"
	"github.com/jupang/jupang/core/catalog"
	"github.com/jupang/jupang/core/kernel"
)

// MemoryCatalogReader reads the catalog from the memory store.
func MemoryCatalogReader(store *memory.Store) catalog.Reader { return memory.NewCatalogReader(store) }

// MemoryCatalog is the catalog service on the memory store.
func MemoryCatalog(store *memory.Store, reader catalog.Reader, clock kernel.Clock) *catalog.Service {
	return catalog.NewService(reader, memory.NewUnitOfWork(store, memory.CatalogStores), clock)
}

// ReadRouter sends catalog reads to database.replica_url when set, falling back to the primary on
// errors and timeouts behind a breaker; db_replica_fallback_total counts the fallbacks.
func ReadRouter(cfg config.Config, primary *postgres.DB, tracer trace.Tracer, metrics *server.Metrics) (*postgres.ReadRouter, func(), error) {
	replica, closeReplica, err := postgres.OpenReplica(postgres.Config{
		URL: cfg.Database.ReplicaURL, MaxOpenConns: cfg.Database.MaxOpenConns, MaxIdleConns: cfg.Database.MaxOpenConns,
		Tracer: postgres.NewQueryTracer(tracer), StatementTimeout: cfg.Database.StatementTimeout, LockTimeout: cfg.Database.LockTimeout,
	})
	if err != nil {
		return nil, nil, &config.Error{Key: "database.replica_url", Reason: err.Error()}
	}
	fallbacks, err := postgres.NewReplicaFallbackCounter(metrics.Registry)
	if err != nil {
		closeReplica()
		return nil, nil, err
	}
	if replica != nil {
		if err := metrics.Registry.Register(collectors.NewDBStatsCollector(replica.DB.DB, "replica")); err != nil {
			closeReplica()
			return nil, nil, err
		}
	}
	router := postgres.NewReadRouter(primary, replica, postgres.ReplicaConfig{
		Timeout: cfg.Database.ReplicaTimeout, FailureThreshold: cfg.Database.ReplicaFailureThreshold,
		OpenFor: cfg.Database.ReplicaOpenFor,
	}, fallbacks)
	return router, closeReplica, nil
}

// PostgresCatalogReader reads the catalog through the replica router.
func PostgresCatalogReader(router *postgres.ReadRouter) catalog.Reader {
	return postgres.NewCatalogReader(router)
}

// PostgresCatalog is the catalog service on PostgreSQL.
func PostgresCatalog(db *postgres.DB, reader catalog.Reader, clock kernel.Clock) *catalog.Service {
	return catalog.NewService(reader, postgres.NewUnitOfWork(db, postgres.CatalogStores), clock)
}

// CatalogRoutes are the catalog reads, served by the storefront and the admin binaries alike.
type CatalogRoutes []server.Route

// CatalogHTTP builds the catalog handlers with a per-instance top-products cache.
func CatalogHTTP(svc *catalog.Service, clock kernel.Clock, cfg config.Config) CatalogRoutes {
	top := cataloghttp.NewTopCache(svc, clock, cfg.Catalog.TopCacheTTL)
	return cataloghttp.Routes(cataloghttp.NewHandlers(svc, top))
}
