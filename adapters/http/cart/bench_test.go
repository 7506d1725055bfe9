package carthttp_test

import (
	"context"
	"testing"

	"github.com/jupang/jupang/core/catalog"
	"github.com/jupang/jupang/core/contracttest"
	"github.com/jupang/jupang/core/kernel"
)

// BenchmarkCartRead prices a three-line cart (GET /v1/carts/current's use case) next to its
// baseline, one product detail (GET /v1/products/{id}), on the same memory store: the ratio is what
// repricing a cart on every read costs compared with the catalog's own read.
func BenchmarkCartRead(b *testing.B) {
	e := newEnv(b)
	ctx := context.Background()
	req := contracttest.CustomerRequest(kernel.NewID(), kernel.MarketUS)
	for _, it := range []struct {
		name string
		i, q int
	}{{"Mug", 0, 2}, {"Laptop", 0, 1}, {"Knife", 0, 1}} {
		if _, err := e.w.Svc.SetItem(ctx, req, e.sku(it.name, it.i), it.q); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("baseline product detail", func(b *testing.B) {
		v := catalog.View{Market: kernel.MarketUS, Locale: kernel.LocaleEN}
		for b.Loop() {
			if _, err := e.w.CatalogWorld.Svc.ProductDetail(ctx, v, e.p["Mug"].ID); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("cart of three lines", func(b *testing.B) {
		for b.Loop() {
			if _, err := e.w.Svc.Current(ctx, req); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("set item", func(b *testing.B) {
		for b.Loop() {
			if _, err := e.w.Svc.SetItem(ctx, req, e.sku("Mug", 0), 3); err != nil {
				b.Fatal(err)
			}
		}
	})
}
