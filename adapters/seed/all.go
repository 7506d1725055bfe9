package seed

import (
	"context"

	"github.com/jupang/jupang/core/catalog"
	"github.com/jupang/jupang/core/identity"
	"github.com/jupang/jupang/core/inventory"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/wallet"
)

// Deps are what the whole dev seed writes through: every area's service (and reader) it seeds.
type Deps struct {
	Identity      *identity.Service
	Catalog       *catalog.Service
	CatalogReader catalog.Reader
	Inventory     *inventory.Service
	Wallet        *wallet.Service
	Clock         kernel.Clock
}

// All loads the dev seed of every area in dependency order: accounts first, since the catalog's
// order history belongs to the demo customers. The jupang binary (`jupang seed`, and at start on
// memory) and the jupangtest kit both seed through it; a new area adds its step here.
func All(ctx context.Context, d Deps) error {
	if err := Accounts(ctx, d.Identity); err != nil {
		return err
	}
	buyers, err := DemoBuyers(ctx, d.Identity)
	if err != nil {
		return err
	}
	if err := Wallets(ctx, d.Wallet, buyers); err != nil {
		return err
	}
	return Catalog(ctx, CatalogDeps{Service: d.Catalog, Reader: d.CatalogReader, Stock: d.Inventory, Clock: d.Clock, Buyers: buyers})
}
