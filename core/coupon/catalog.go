package coupon

import (
	"context"
	"strconv"
	"time"

	"github.com/jupang/jupang/core/cart"
	"github.com/jupang/jupang/core/catalog"
	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/kernel"
)

// CatalogPrices is the Catalog port on the catalog's read side: rates and promotions in effect,
// products priced as the storefront prices them.
type CatalogPrices struct{ Read catalog.Reader }

// NewCatalogPrices returns the port on r.
func NewCatalogPrices(r catalog.Reader) CatalogPrices { return CatalogPrices{Read: r} }

// Rate implements Catalog.
func (p CatalogPrices) Rate(ctx context.Context, m kernel.Market, at time.Time) (kernel.FXRate, error) {
	entries, err := p.Read.CurrentRates(ctx, at)
	if err != nil {
		return kernel.FXRate{}, err
	}
	rates, err := catalog.CurrentRates(entries, at)
	if err != nil {
		return kernel.FXRate{}, err
	}
	return rates.For(m)
}

// Lines implements Catalog: each item priced as a cart line of it would be. A product that is not
// sold in m, or a SKU it does not have, is a validation error on the item.
func (p CatalogPrices) Lines(ctx context.Context, m kernel.Market, items []Item, at time.Time) ([]cart.Line, error) {
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = it.ProductID
	}
	products, err := p.Read.Products(ctx, ids)
	if err != nil {
		return nil, err
	}
	byID := map[string]catalog.Product{}
	for _, prod := range products {
		byID[prod.ID] = prod
	}
	cats, err := p.Read.Categories(ctx)
	if err != nil {
		return nil, err
	}
	tree := catalog.NewCategoryTree(cats)
	entries, err := p.Read.CurrentRates(ctx, at)
	if err != nil {
		return nil, err
	}
	rates, err := catalog.CurrentRates(entries, at)
	if err != nil {
		return nil, err
	}
	promos, err := p.Read.Promotions(ctx, m, at)
	if err != nil {
		return nil, err
	}
	pricer, err := catalog.NewPricer(m, rates, promos, tree, at)
	if err != nil {
		return nil, err
	}
	var v errs.Validation
	lines := make([]cart.Line, 0, len(items))
	for i, it := range items {
		prod, ok := byID[it.ProductID]
		field := "items[" + strconv.Itoa(i) + "]"
		if !v.Check(ok && prod.Visible(m), field+".productId", catalog.FieldUnknownProduct, "no product with this id is sold in this market") {
			continue
		}
		sku, ok := prod.SKU(it.SKUID)
		if !v.Check(ok && sku.Active, field+".skuId", catalog.FieldUnknownSKU, "the product has no such option") {
			continue
		}
		lines = append(lines, cart.PricedLine(field, prod, pricer.SKUPrice(prod, sku), tree, it.Quantity))
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return lines, nil
}
