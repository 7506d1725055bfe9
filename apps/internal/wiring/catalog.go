package wiring

import (
	"github.com/google/wire"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"go.opentelemetry.io/otel/trace"

	cataloghttp "github.com/jupang/jupang/adapters/http/catalog"
	"github.com/jupang/jupang/adapters/http/server"
	"github.com/jupang/jupang/adapters/jobs"
	"github.com/jupang/jupang/adapters/memory"
	"github.com/jupang/jupang/adapters/postgres"
	"github.com/jupang/jupang/apps/internal/config"
	"github.com/jupang/jupang/apps/internal/launch"
	"github.com/jupang/jupang/core/catalog"
	"github.com/jupang/jupang/core/inventory"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/uow"
)

// CatalogSet is the catalog area: products, prices, promotions, rankings.
var CatalogSet = wire.NewSet(CatalogStorageSet, CatalogRoutesSet, CatalogService, NewCatalogJobs)

// CatalogStorageSet keeps the catalog on the injector's storage; its reads go to the replica.
var CatalogStorageSet = wire.NewSet(CatalogUnitOfWork, CatalogReads, CatalogReader, CatalogStockLevels, CatalogReadModel)

// CatalogRoutesSet are the catalog reads, served by the storefront and the admin binary alike.
var CatalogRoutesSet = wire.NewSet(NewCatalogRoutes)

// CatalogUnitOfWork is the catalog stores' unit of work (always on the primary).
func CatalogUnitOfWork(st Storage) uow.UnitOfWork[catalog.Stores] {
	return unitOfWork(st, memory.CatalogStores, postgres.CatalogStores)
}

// CatalogReads reads the catalog from the memory store, or on PostgreSQL from database.replica_url
// when set, falling back to the primary on errors and timeouts behind a breaker;
// db_replica_fallback_total counts the fallbacks. Only binaries that serve catalog reads open the
// replica pool.
func CatalogReads(st Storage, cfg config.Config, tracer trace.Tracer, metrics *server.Metrics) (CatalogReadPorts, func(), error) {
	if st.memory != nil {
		return memory.NewCatalogReader(st.memory), func() {}, nil
	}
	replica, closeReplica, err := postgres.OpenReplica(postgres.Config{
		URL: cfg.Database.ReplicaURL, MaxOpenConns: cfg.Database.MaxOpenConns, MaxIdleConns: cfg.Database.MaxOpenConns,
		Tracer: launch.QueryTracer(tracer), StatementTimeout: cfg.Database.StatementTimeout, LockTimeout: cfg.Database.LockTimeout,
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
	router := postgres.NewReadRouter(st.postgres, replica, postgres.ReplicaConfig{
		Timeout: cfg.Database.ReplicaTimeout, FailureThreshold: cfg.Database.ReplicaFailureThreshold,
		OpenFor: cfg.Database.ReplicaOpenFor,
	}, fallbacks)
	return postgres.NewCatalogReader(router), closeReplica, nil
}

// CatalogReadPorts are what the catalog reads outside a unit of work.
type CatalogReadPorts interface {
	catalog.Reader
}

// CatalogReader is the catalog's read port.
func CatalogReader(r CatalogReadPorts) catalog.Reader { return r }

// CatalogStockLevels is where the catalog reads stock levels: inventory's rows.
func CatalogStockLevels(read inventory.Reader) catalog.StockLevels {
	return inventory.NewCatalogStock(read)
}

// CatalogReadModel is the per-instance cache of what shopper reads show, following the change log:
// on memory at every read (an atomic load), on PostgreSQL at most every 250 ms through the same
// route as the reads, never more than 1 s behind (docs/catalog-read-path.md).
func CatalogReadModel(st Storage, r CatalogReadPorts) *catalog.ReadModel {
	if st.memory != nil {
		return catalog.NewReadModel(memory.NewCatalogChangeFeed(st.memory), catalog.ReadModelConfig{MaxStale: catalog.DefaultReadModelConfig.MaxStale})
	}
	return catalog.NewReadModel(r.(*postgres.CatalogReader).ChangeFeed(), catalog.DefaultReadModelConfig)
}

// CatalogService is the catalog use cases, its shopper reads served from the read model.
func CatalogService(read catalog.Reader, stock catalog.StockLevels, tx uow.UnitOfWork[catalog.Stores], clock kernel.Clock,
	cards *catalog.ReadModel) *catalog.Service {
	return catalog.NewService(read, stock, tx, clock).WithReadModel(cards)
}

// CatalogRoutes are the catalog reads, the same group on the storefront and the admin binary.
type CatalogRoutes []server.Route

// NewCatalogRoutes builds the catalog handlers with a per-instance top-products cache.
func NewCatalogRoutes(svc *catalog.Service, clock kernel.Clock, cfg config.Config) CatalogRoutes {
	top := cataloghttp.NewTopCache(svc, clock, cfg.Catalog.TopCacheTTL)
	return cataloghttp.Routes(cataloghttp.NewHandlers(svc, top))
}

// CatalogJobs are the catalog's background jobs.
type CatalogJobs []jobs.Job

// NewCatalogJobs computes the top-products rankings, moves future-dated FX rates into listings and
// prunes the change log.
func NewCatalogJobs(svc *catalog.Service, cfg config.Config) CatalogJobs {
	return CatalogJobs{
		{Name: catalog.RankingJobName, Interval: cfg.Catalog.RankingInterval, Run: svc.RefreshRankings},
		{Name: catalog.RepriceJobName, Interval: cfg.Catalog.RepriceInterval, Run: svc.RepriceListings},
		{Name: catalog.PruneChangeLogJobName, Interval: catalog.ChangeLogRetention / 10, Run: svc.PruneChangeLog},
	}
}
