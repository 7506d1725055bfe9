package wiring

import (
	"github.com/google/wire"

	carthttp "github.com/jupang/jupang/adapters/http/cart"
	"github.com/jupang/jupang/adapters/http/server"
	"github.com/jupang/jupang/adapters/jobs"
	"github.com/jupang/jupang/adapters/memory"
	"github.com/jupang/jupang/adapters/postgres"
	"github.com/jupang/jupang/apps/internal/config"
	"github.com/jupang/jupang/core/cart"
	"github.com/jupang/jupang/core/catalog"
	"github.com/jupang/jupang/core/coupon"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/uow"
)

// CartSet is the carts area: guest and customer carts, the merge at sign-in, the sweeper.
var CartSet = wire.NewSet(CartUnitOfWork, CartReads, CartCoupons, CartMetrics, CartService, NewCartRoutes, NewCartJobs)

// CartUnitOfWork is the carts' unit of work (always on the primary).
func CartUnitOfWork(st Storage) uow.UnitOfWork[cart.Stores] {
	return unitOfWork(st, memory.CartStores, postgres.CartStores)
}

// CartReadStores are what GET /v1/carts/current reads outside a unit of work: on the primary, as a
// cart is read right after it changed.
type CartReadStores cart.Stores

// CartReads builds the carts' reads on the injector's storage.
func CartReads(st Storage) CartReadStores {
	if st.memory != nil {
		return CartReadStores(memory.NewCartReads(st.memory))
	}
	return CartReadStores(postgres.NewCartReads(st.postgres))
}

// CartCoupons is how carts learn a user coupon's terms: from the coupons area.
func CartCoupons(coupons *coupon.Service) cart.Coupons { return coupon.CartPort{Svc: coupons} }

// CartMetrics counts cart operations, merge adjustments and swept carts on the binary's registry.
func CartMetrics(metrics *server.Metrics) (cart.Recorder, error) {
	return carthttp.NewMetrics(metrics.Registry)
}

// CartService is the carts' use cases; they price lines through the catalog's reads.
func CartService(tx uow.UnitOfWork[cart.Stores], read CartReadStores, cat catalog.Reader, coupons cart.Coupons,
	clock kernel.Clock, cfg config.Config, rec cart.Recorder) *cart.Service {
	return cart.NewService(tx, cart.Stores(read), cat, coupons, clock, cart.Config{SessionTTL: cfg.Cart.SessionTTL}, rec)
}

// CartRoutes are the cart endpoints of the storefront.
type CartRoutes []server.Route

// NewCartRoutes builds the cart handlers.
func NewCartRoutes(svc *cart.Service) CartRoutes { return carthttp.Routes(carthttp.NewHandlers(svc)) }

// CartJobs are the carts' background jobs.
type CartJobs []jobs.Job

// NewCartJobs is the sweeper of expired carts, leased like every job so one worker runs it at a
// time (and it is safe when two do).
func NewCartJobs(tx uow.UnitOfWork[cart.Stores], clock kernel.Clock, cfg config.Config, rec cart.Recorder) CartJobs {
	return CartJobs{{Name: cart.SweeperJobName, Interval: cfg.Cart.SweepInterval, Run: cart.NewSweeper(tx, clock, rec).Run}}
}
