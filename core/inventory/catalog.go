package inventory

import (
	"context"

	"github.com/jupang/jupang/core/catalog"
)

// CatalogStock is the catalog's StockLevels port served by inventory: the catalog shows
// availability from inventory's rows and never writes them.
type CatalogStock struct{ read Reader }

// NewCatalogStock returns the catalog's view of stock over read.
func NewCatalogStock(read Reader) *CatalogStock { return &CatalogStock{read: read} }

// StockLevels implements catalog.StockLevels.
func (c *CatalogStock) StockLevels(ctx context.Context, skuIDs []string) (map[string]catalog.StockLevel, error) {
	levels, err := c.read.Levels(ctx, skuIDs)
	if err != nil {
		return nil, err
	}
	out := make(map[string]catalog.StockLevel, len(levels))
	for id, l := range levels {
		out[id] = catalog.StockLevel{ProductID: l.ProductID, OnHand: l.OnHand, Reserved: l.Reserved, LowThreshold: l.LowStockThreshold}
	}
	return out, nil
}

var _ catalog.StockLevels = (*CatalogStock)(nil)
