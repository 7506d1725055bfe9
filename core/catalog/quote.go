package catalog

import (
	"context"
	"time"

	"github.com/jupang/jupang/core/kernel"
)

// Quote is what a checkout prices its lines with: the products that own the SKUs asked for, the
// category tree, and one pricing of the market (its rate and active promotions) at one instant.
type Quote struct {
	// Owners maps each SKU asked for to its product's id; a SKU without an inventory row (one that
	// cannot be sold) is absent.
	Owners map[string]string
	// Products are the owners that exist, by id, in any status: the caller checks Visible and the
	// SKU's Active flag.
	Products map[string]Product
	Tree     CategoryTree
	Pricer   Pricer
	// Rate converts KRW into the market's currency at the quote's instant.
	Rate kernel.FXRate
}

// Quote prices skuIDs in market m at instant at from the read model, as the product pages show
// them: a checkout of cached products reads nothing from the database. What a change of the
// catalog invalidates reaches it within the read model's MaxStale (promotion and rate windows
// exactly at their edges); the checkout's unit of work then re-checks stock, limits and money on
// the primary, so a quote a moment old can misprice by at most that moment, never oversell.
func (s *Service) Quote(ctx context.Context, m kernel.Market, skuIDs []string, at time.Time) (Quote, error) {
	c, l := s.cards.cardsFor(ctx), s.loads()
	owners, err := c.ownersOf(ctx, l, skuIDs)
	if err != nil {
		return Quote{}, err
	}
	ids := make([]string, 0, len(owners))
	for _, sku := range skuIDs {
		if p, ok := owners[sku]; ok {
			ids = append(ids, p)
		}
	}
	products, err := c.productsByID(ctx, l, ids)
	if err != nil {
		return Quote{}, err
	}
	tree, err := c.categoryTree(ctx, l)
	if err != nil {
		return Quote{}, err
	}
	pricing, err := c.marketPricing(ctx, l, m, at, tree)
	if err != nil {
		return Quote{}, err
	}
	return Quote{Owners: owners, Products: products, Tree: tree, Pricer: pricing.pricer, Rate: pricing.pricer.rate}, nil
}

// ownersOf maps SKUs to their products: from the cached products' SKUs, else from the stock rows
// (which name their product), whose levels it caches on the way.
func (c *cards) ownersOf(ctx context.Context, l loads, skuIDs []string) (map[string]string, error) {
	out := make(map[string]string, len(skuIDs))
	var missing []string
	c.mu.RLock()
	gen := c.gen
	for _, sku := range skuIDs {
		if p, ok := c.skuOwner[sku]; ok {
			if e, known := c.stock[sku]; !known || e.known { // a SKU known to have no stock row is not sold
				out[sku] = p
			}
		} else {
			missing = append(missing, sku)
		}
	}
	c.mu.RUnlock()
	if len(missing) == 0 {
		return out, nil
	}
	loaded, err := l.stock.StockLevels(ctx, missing)
	if err != nil {
		return nil, err
	}
	for sku, level := range loaded {
		out[sku] = level.ProductID
	}
	c.storeIf(gen, func() {
		for _, sku := range missing {
			level, known := loaded[sku]
			c.stock[sku] = stockEntry{level: level, known: known}
		}
	})
	return out, nil
}
