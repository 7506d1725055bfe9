package seed

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/jupang/jupang/core/catalog"
	"github.com/jupang/jupang/core/inventory"
	"github.com/jupang/jupang/core/kernel"
)

// GeneratedProducts adds n generated products to the dev catalog (seed Catalog first), for load
// tests at catalog scale: spread over the leaf categories and brands, sold in every market, one to
// three options each with stock, created a minute apart. It writes through the same use cases as
// the API, skips the products an earlier run wrote, and uses workers units of work at once.
func GeneratedProducts(ctx context.Context, d CatalogDeps, n, workers int) error {
	cats, err := d.Reader.Categories(ctx)
	if err != nil {
		return err
	}
	tree := catalog.NewCategoryTree(cats)
	var leaves []catalog.Category
	for _, c := range cats {
		if len(tree.Subtree(c.ID)) == 1 {
			leaves = append(leaves, c)
		}
	}
	if len(leaves) == 0 {
		return fmt.Errorf("generated products: seed the catalog first (no categories)")
	}
	brands := make([]string, len(brandDefs))
	for i, b := range brandDefs {
		brands[i] = seedID("brand", b.Slug)
	}
	ids := make([]string, n)
	for i := range n {
		ids[i] = seedID("generated-product", strconv.Itoa(i))
	}
	have := map[string]bool{}
	for chunk := range slices.Chunk(ids, 500) {
		existing, err := d.Reader.Products(ctx, chunk)
		if err != nil {
			return err
		}
		for _, p := range existing {
			have[p.ID] = true
		}
	}
	now := d.Clock.Now()
	work := make(chan int)
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for range max(1, workers) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				if err := generateProduct(ctx, d, i, ids[i], leaves[i%len(leaves)].ID, brands[i%len(brands)], now); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	var sendErr error
	for i := range n {
		if have[ids[i]] {
			continue
		}
		select {
		case work <- i:
		case sendErr = <-errs:
		}
		if sendErr != nil {
			break
		}
	}
	close(work)
	wg.Wait()
	close(errs)
	if sendErr != nil {
		return sendErr
	}
	return <-errs
}

func generateProduct(ctx context.Context, d CatalogDeps, i int, id, categoryID, brandID string, now time.Time) error {
	label := fmt.Sprintf("%05d", i)
	p := catalog.Product{
		ID: id, CategoryID: categoryID, BrandID: brandID, Status: catalog.StatusActive,
		BasePrice: int64(1000 + (i*7919)%500_000/100*100),
		Names:     l10n("생성 상품 "+label, "Generated Product "+label, "生成商品 "+label),
		Descriptions: l10n("생성 상품 "+label+" — 부하 시험용.", "Generated product "+label+" — for load tests.",
			"生成商品 "+label+" — 負荷試験用。"),
		Images:    []catalog.Image{{URL: "https://img.jupang.test/generated/" + label + ".jpg", Alt: "Generated Product " + label}},
		Markets:   slices.Clone(kernel.Markets),
		CreatedAt: now.Add(-time.Duration(i) * time.Minute),
	}
	sizes := []string{"S", "M", "L"}
	for j, size := range sizes[:1+i%len(sizes)] {
		p.SKUs = append(p.SKUs, catalog.SKU{ID: seedID("generated-sku", label+"/"+strconv.Itoa(j)), Code: "GEN-" + label + "-" + strconv.Itoa(j),
			Attributes: map[string]string{"size": size}, PriceDelta: int64(j) * 1000, Active: true})
	}
	saved, err := d.Service.SaveProduct(ctx, p)
	if err != nil {
		return fmt.Errorf("generated product %s: %w", label, err)
	}
	for j, sku := range saved.SKUs {
		if _, err := d.Stock.Open(ctx, "", sku.ID, (i*13+j*7)%150, nil); err != nil && !errors.Is(err, inventory.ErrStockOpened) {
			return fmt.Errorf("generated stock %s: %w", label, err)
		}
	}
	return nil
}
