package seed

import (
	"context"

	"github.com/jupang/jupang/core/catalog"
	"github.com/jupang/jupang/core/coupon"
	"github.com/jupang/jupang/core/identity"
	"github.com/jupang/jupang/core/inventory"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/order"
	"github.com/jupang/jupang/core/wallet"
)

// Deps are what the whole dev seed writes through: every area's service (and reader) it seeds.
type Deps struct {
	Identity      *identity.Service
	Catalog       *catalog.Service
	CatalogReader catalog.Reader
	Inventory     *inventory.Service
	Wallet        *wallet.Service
	Coupons       *coupon.Service
	Orders        *order.Service
	Clock         kernel.Clock
}

// All loads the dev seed of every area in dependency order: accounts first, then the catalog with
// the stock its order history will sell, the history through the orders service, and the first
// ranking of it. The jupang binary (`jupang seed`, and at start on
// memory) and the jupangtest kit both seed through it; a new area adds its step here.
func All(ctx context.Context, d Deps) error {
	if err := Accounts(ctx, d.Identity); err != nil {
		return err
	}
	customers, err := demoCustomerIDs(ctx, d.Identity)
	if err != nil {
		return err
	}
	if err := Wallets(ctx, d.Wallet, customers); err != nil {
		return err
	}
	// The stock opens before the history sells from it, so every SKU's audit trail reads in order.
	opening := d.Inventory.WithClock(kernel.NewFakeClock(historyStart(d.Clock.Now())))
	created, err := catalogProducts(ctx, CatalogDeps{Service: d.Catalog, Reader: d.CatalogReader, Stock: opening, Clock: d.Clock,
		Sold: HistorySold()})
	if err != nil {
		return err
	}
	if created {
		if err := History(ctx, HistoryDeps{Identity: d.Identity, Orders: d.Orders, Wallet: d.Wallet, Clock: d.Clock}); err != nil {
			return err
		}
	}
	if err := d.Catalog.RefreshRankings(ctx); err != nil {
		return err
	}
	return Coupons(ctx, d.Coupons, d.Clock)
}
