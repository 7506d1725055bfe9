package contracttest

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jupang/jupang/core/catalog"
	"github.com/jupang/jupang/core/kernel"
)

// runCatalogReadModel checks the read model's promises: another instance shows a write within 2 s,
// promotions and rates take effect exactly at their edges, and concurrent reads under writes end
// equal to uncached reads.
func runCatalogReadModel(t *testing.T, world func(t *testing.T) *CatalogWorld) {
	ctx := context.Background()
	kr := catalog.View{Market: kernel.MarketKR, Locale: kernel.LocaleEN}
	us := catalog.View{Market: kernel.MarketUS, Locale: kernel.LocaleEN}

	t.Run("a price, stock, text or promotion written on one instance shows on another within 2 s", func(t *testing.T) {
		w := world(t)
		if w.H.NewFeed == nil {
			t.Skip("the harness has no change feed")
		}
		other := w.NewService(catalog.DefaultReadModelConfig)
		p := w.AddProduct(t, ProductSpec{Name: "Kettle", Category: w.Kitchen, Base: 30_000})
		d, err := other.ProductDetail(ctx, kr, p.ID) // warms the other instance's cards
		if err != nil || d.Price.Amount != 30_000 || d.Availability != catalog.InStock {
			t.Fatalf("before = %+v, %v", d.ProductSummary, err)
		}
		waitFor := func(what string, ok func(d catalog.ProductDetail, list []catalog.ProductSummary) bool) {
			t.Helper()
			start := time.Now()
			for {
				d, err := other.ProductDetail(ctx, kr, p.ID)
				if err != nil {
					t.Fatal(err)
				}
				page, err := other.ListProducts(ctx, kr, catalog.ListRequest{Sort: catalog.SortNewest, Limit: 10})
				if err != nil {
					t.Fatal(err)
				}
				if ok(d, page.Items) {
					return
				}
				if time.Since(start) > 2*time.Second {
					t.Fatalf("%s: not visible on the other instance after 2 s: %+v", what, d.ProductSummary)
				}
				time.Sleep(20 * time.Millisecond)
			}
		}
		p.BasePrice, p.Names = 31_000, names("새 주전자", "New Kettle", "新しいケトル")
		if _, err := w.Svc.SaveProduct(ctx, p); err != nil {
			t.Fatal(err)
		}
		waitFor("price and name", func(d catalog.ProductDetail, l []catalog.ProductSummary) bool {
			return d.ListPrice.Amount == 31_000 && d.Name == "New Kettle" && len(l) == 1 && l[0].ListPrice.Amount == 31_000 && l[0].Name == "New Kettle"
		})
		if err := w.SetStock(t, p.SKUs[0].ID, 0); err != nil {
			t.Fatal(err)
		}
		waitFor("stock", func(d catalog.ProductDetail, l []catalog.ProductSummary) bool {
			return d.Availability == catalog.OutOfStock && d.Options[0].Availability == catalog.OutOfStock && l[0].Availability == catalog.OutOfStock
		})
		now := w.Clock.Now()
		if _, err := w.Svc.SavePromotion(ctx, catalog.Promotion{Type: catalog.PromotionPercent, Value: 10, StartsAt: now.Add(-time.Hour),
			EndsAt: now.Add(time.Hour), Markets: []kernel.Market{kernel.MarketKR}, ProductIDs: []string{p.ID}, Names: names("할인", "Sale", "セール")}); err != nil {
			t.Fatal(err)
		}
		waitFor("promotion", func(d catalog.ProductDetail, l []catalog.ProductSummary) bool {
			return d.Price.Amount == 27_900 && len(d.Promotions) == 1 && l[0].Price.Amount == 27_900
		})
	})

	t.Run("promotions and rates take effect exactly at their edges on warm cards", func(t *testing.T) {
		w := world(t)
		p := w.AddProduct(t, ProductSpec{Name: "Edge", Category: w.Laptops, Base: 100_000})
		start := w.Clock.Now().Add(time.Hour)
		end := start.Add(time.Hour)
		// A category promotion (through the subtree) so product and category targeting both count.
		if _, err := w.Svc.SavePromotion(ctx, catalog.Promotion{Type: catalog.PromotionPercent, Value: 20, StartsAt: start, EndsAt: end,
			Markets: []kernel.Market{kernel.MarketKR}, CategoryIDs: []string{w.Electronics.ID}, Names: names("할인", "Sale", "セール")}); err != nil {
			t.Fatal(err)
		}
		rateAt := start.Add(30 * time.Minute)
		if _, err := w.Svc.SetRate(ctx, kernel.USD, "0.001", rateAt); err != nil {
			t.Fatal(err)
		}
		check := func(at time.Time, krPrice, usPrice int64) {
			t.Helper()
			w.Clock.Set(at)
			for _, v := range []catalog.View{kr, us} {
				want := krPrice
				if v.Market == kernel.MarketUS {
					want = usPrice
				}
				d, err := w.Svc.ProductDetail(ctx, v, p.ID)
				if err != nil {
					t.Fatal(err)
				}
				page, err := w.Svc.ListProducts(ctx, v, catalog.ListRequest{Sort: catalog.SortNewest, Limit: 10})
				if err != nil {
					t.Fatal(err)
				}
				if d.Price.Amount != want || d.Options[0].Price.Amount != want || len(page.Items) != 1 || page.Items[0].Price.Amount != want {
					t.Fatalf("%s at %v: detail %v, option %v, list %+v; want %d", v.Market, at.Sub(start), d.Price, d.Options[0].Price, page.Items, want)
				}
			}
		}
		checkPriceEdges(start, rateAt, end, check)
	})

	t.Run("reads under concurrent writes end equal to uncached reads", func(t *testing.T) {
		w := world(t)
		if w.H.NewFeed == nil {
			t.Skip("the harness has no change feed")
		}
		products := addPhones(t, w, "C")
		ids := make([]string, len(products))
		for i, p := range products {
			ids[i] = p.ID
		}
		cached := w.NewService(catalog.DefaultReadModelConfig)
		products = churn(t, w, products, func(g, i int) error {
			if _, err := cached.ProductDetail(ctx, kr, ids[(g+i)%len(ids)]); err != nil {
				return err
			}
			_, err := cached.ListProducts(ctx, kr, catalog.ListRequest{Category: w.Phones.ID, Sort: catalog.SortPriceAsc, Limit: 4})
			return err
		})
		uncached := catalog.NewService(w.H.Reader, w.Levels, w.H.Tx, w.Clock)
		for _, p := range products {
			for _, v := range []catalog.View{kr, us} {
				got, err1 := cached.ProductDetail(ctx, v, p.ID)
				want, err2 := uncached.ProductDetail(ctx, v, p.ID)
				if err1 != nil || err2 != nil || !reflect.DeepEqual(got, want) {
					t.Fatalf("%s %s: cached %+v (%v)\nuncached %+v (%v)", v.Market, p.ID, got, err1, want, err2)
				}
			}
		}
		for _, v := range []catalog.View{kr, us} {
			got, err1 := cached.ListProducts(ctx, v, catalog.ListRequest{Sort: catalog.SortPriceDesc, Limit: 20})
			want, err2 := uncached.ListProducts(ctx, v, catalog.ListRequest{Sort: catalog.SortPriceDesc, Limit: 20})
			if err1 != nil || err2 != nil || !reflect.DeepEqual(got, want) {
				t.Fatalf("%s list: cached %+v (%v)\nuncached %+v (%v)", v.Market, got, err1, want, err2)
			}
		}
	})
}

// addPhones adds six phones named prefix0…prefix5, each with two SKUs in stock.
func addPhones(t *testing.T, w *CatalogWorld, prefix string) []catalog.Product {
	t.Helper()
	var products []catalog.Product
	for i := range 6 {
		products = append(products, w.AddProduct(t, ProductSpec{Name: fmt.Sprint(prefix, i), Category: w.Phones, Base: int64(10_000 + i), Stock: []int{10, 10}}))
	}
	return products
}

// churn writes 30 times to products (a stock level each time, every third time also a price)
// while 200 goroutines call read(g, i) for their i-th read, then waits one sync interval, so a
// read model following the feed has seen every write. It returns the products as last saved.
func churn(t *testing.T, w *CatalogWorld, products []catalog.Product, read func(g, i int) error) []catalog.Product {
	t.Helper()
	products = slices.Clone(products)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	errs := make(chan error, 200)
	for g := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				if err := read(g, i); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for i := range 30 {
		p := products[i%len(products)]
		if err := w.SetStock(t, p.SKUs[i%2].ID, i%7); err != nil {
			t.Fatal(err)
		}
		if i%3 == 0 {
			p.BasePrice += 100
			saved, err := w.Svc.SaveProduct(context.Background(), p)
			if err != nil {
				t.Fatal(err)
			}
			products[i%len(products)] = saved
		}
	}
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	time.Sleep(catalog.DefaultReadModelConfig.SyncEvery + 50*time.Millisecond)
	return products
}

// checkPriceEdges runs check around the edges the two edge tests set up on a ₩100,000 product: a
// 20 % KR promotion over [start, end) and a USD rate of 0.001 from rateAt (0.00075 before it),
// just before and exactly at each edge, with the KR and US prices expected there.
func checkPriceEdges(start, rateAt, end time.Time, check func(at time.Time, krPrice, usPrice int64)) {
	check(start.Add(-time.Second), 100_000, 7500)
	check(start.Add(-time.Microsecond), 100_000, 7500)
	check(start, 80_000, 7500)
	check(rateAt.Add(-time.Microsecond), 80_000, 7500)
	check(rateAt, 80_000, 10_000)
	check(end.Add(-time.Microsecond), 80_000, 10_000)
	check(end, 100_000, 10_000)
}
