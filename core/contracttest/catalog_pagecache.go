package contracttest

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/jupang/jupang/core/catalog"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/order"
)

// renderPage stands in for the HTTP edge's renderer: any function of the page alone.
func renderPage(p kernel.Page[catalog.ProductSummary]) ([]byte, error) { return json.Marshal(p) }

// runCatalogPageCache checks the rendered-page cache (Service.ListPage): a cached page is always
// the bytes an uncached read renders, within 2 s of a change on another instance, at once on the
// writing one, and exactly at promotion and rate edges.
func runCatalogPageCache(t *testing.T, world func(t *testing.T) *CatalogWorld) {
	ctx := context.Background()
	kr := catalog.View{Market: kernel.MarketKR, Locale: kernel.LocaleEN}
	us := catalog.View{Market: kernel.MarketUS, Locale: kernel.LocaleEN}

	// fresh renders what a service without read model reads now.
	fresh := func(t *testing.T, w *CatalogWorld, v catalog.View, r catalog.ListRequest) []byte {
		t.Helper()
		page, err := catalog.NewService(w.H.Reader, w.Levels, w.H.Tx, w.Clock).ListProducts(ctx, v, r)
		if err != nil {
			t.Fatal(err)
		}
		body, err := renderPage(page)
		if err != nil {
			t.Fatal(err)
		}
		return body
	}
	page := func(t *testing.T, svc *catalog.Service, v catalog.View, r catalog.ListRequest) []byte {
		t.Helper()
		body, err := svc.ListPage(ctx, v, r, renderPage)
		if err != nil {
			t.Fatal(err)
		}
		return body
	}

	t.Run("a price, stock, promotion or popularity change reaches cached pages: at once on the writer, within 2 s elsewhere", func(t *testing.T) {
		w := world(t)
		if w.H.NewFeed == nil {
			t.Skip("the harness has no change feed")
		}
		other := w.NewService(catalog.DefaultReadModelConfig)
		a := w.AddProduct(t, ProductSpec{Name: "Alpha", Category: w.Kitchen, Base: 30_000})
		b := w.AddProduct(t, ProductSpec{Name: "Beta", Category: w.Kitchen, Base: 20_000})
		requests := []catalog.ListRequest{
			{Sort: catalog.SortNewest, Limit: 10}, {Sort: catalog.SortPriceAsc, Limit: 1},
			{Sort: catalog.SortPopular, Limit: 10, Category: w.Kitchen.ID},
		}
		before := map[int][]byte{}
		for i, r := range requests { // warm both instances
			before[i] = page(t, other, kr, r)
			if got, want := page(t, w.Svc, kr, r), fresh(t, w, kr, r); !bytes.Equal(got, want) || !bytes.Equal(before[i], want) {
				t.Fatalf("%+v: cached %s, other %s, want %s", r, got, before[i], want)
			}
		}
		step := func(what string, change func()) {
			t.Helper()
			change()
			changed := false
			for i, r := range requests {
				want := fresh(t, w, kr, r)
				changed = changed || !bytes.Equal(want, before[i])
				if got := page(t, w.Svc, kr, r); !bytes.Equal(got, want) {
					t.Fatalf("%s, %+v on the writer:\n got %s\nwant %s", what, r, got, want)
				}
				start := time.Now()
				for got := page(t, other, kr, r); !bytes.Equal(got, want); got = page(t, other, kr, r) {
					if time.Since(start) > 2*time.Second {
						t.Fatalf("%s, %+v on the other instance after 2 s:\n got %s\nwant %s", what, r, got, want)
					}
					time.Sleep(20 * time.Millisecond)
				}
				before[i] = want
			}
			if !changed {
				t.Fatalf("%s changed no page: the step checks nothing", what)
			}
		}
		step("price", func() {
			a.BasePrice = 10_000
			saved, err := w.Svc.SaveProduct(ctx, a)
			if err != nil {
				t.Fatal(err)
			}
			a = saved
		})
		step("popularity (the ranking job)", func() { // before the stock step sells out b
			last := a
			if a.ID < b.ID { // popular ties break on id: sell the one that comes last
				last = b
			}
			w.Sell(t, w.H.NewBuyer(t), kernel.MarketKR, w.Clock.Now().Add(-time.Hour), order.ItemInput{SKUID: last.SKUs[0].ID, Quantity: 3})
			if err := w.Svc.RefreshRankings(ctx); err != nil {
				t.Fatal(err)
			}
		})
		step("stock (through catalog.StockChanges)", func() {
			if err := w.SetStock(t, b.SKUs[0].ID, 0); err != nil {
				t.Fatal(err)
			}
		})
		step("promotion", func() {
			now := w.Clock.Now()
			if _, err := w.Svc.SavePromotion(ctx, catalog.Promotion{Type: catalog.PromotionPercent, Value: 10, StartsAt: now.Add(-time.Hour),
				EndsAt: now.Add(time.Hour), Markets: []kernel.Market{kernel.MarketKR}, ProductIDs: []string{b.ID}, Names: names("할인", "Sale", "セール")}); err != nil {
				t.Fatal(err)
			}
		})
	})

	t.Run("a cached page changes price exactly at promotion and rate edges", func(t *testing.T) {
		w := world(t)
		p := w.AddProduct(t, ProductSpec{Name: "Edge", Category: w.Laptops, Base: 100_000})
		start := w.Clock.Now().Add(time.Hour)
		end := start.Add(time.Hour)
		if _, err := w.Svc.SavePromotion(ctx, catalog.Promotion{Type: catalog.PromotionPercent, Value: 20, StartsAt: start, EndsAt: end,
			Markets: []kernel.Market{kernel.MarketKR}, ProductIDs: []string{p.ID}, Names: names("할인", "Sale", "セール")}); err != nil {
			t.Fatal(err)
		}
		rateAt := start.Add(30 * time.Minute)
		if _, err := w.Svc.SetRate(ctx, kernel.USD, "0.001", rateAt); err != nil {
			t.Fatal(err)
		}
		r := catalog.ListRequest{Sort: catalog.SortNewest, Limit: 10}
		check := func(at time.Time, krPrice, usPrice int64) {
			t.Helper()
			w.Clock.Set(at)
			for _, v := range []catalog.View{kr, us} {
				want := krPrice
				if v.Market == kernel.MarketUS {
					want = usPrice
				}
				for range 2 { // the second read is a cache hit
					got := page(t, w.Svc, v, r)
					var decoded kernel.Page[catalog.ProductSummary]
					if err := json.Unmarshal(got, &decoded); err != nil || len(decoded.Items) != 1 || decoded.Items[0].Price.Amount != want {
						t.Fatalf("%s at %v: page %s (%v); want price %d", v.Market, at.Sub(start), got, err, want)
					}
					if exp := fresh(t, w, v, r); !bytes.Equal(got, exp) {
						t.Fatalf("%s at %v:\n got %s\nwant %s", v.Market, at.Sub(start), got, exp)
					}
				}
			}
		}
		checkPriceEdges(start, rateAt, end, check)
	})

	t.Run("cached pages under concurrent writes end equal to uncached renders", func(t *testing.T) {
		w := world(t)
		if w.H.NewFeed == nil {
			t.Skip("the harness has no change feed")
		}
		products := addPhones(t, w, "P")
		cached := w.NewService(catalog.DefaultReadModelConfig)
		requests := []catalog.ListRequest{
			{Category: w.Phones.ID, Sort: catalog.SortPriceAsc, Limit: 4}, {Sort: catalog.SortPriceDesc, Limit: 3},
			{Sort: catalog.SortNewest, Limit: 20},
		}
		churn(t, w, products, func(g, i int) error {
			_, err := cached.ListPage(ctx, kr, requests[(g+i)%len(requests)], renderPage)
			return err
		})
		for _, r := range requests {
			if got, want := page(t, cached, kr, r), fresh(t, w, kr, r); !bytes.Equal(got, want) {
				t.Fatalf("%+v:\n cached %s\nuncached %s", r, got, want)
			}
		}
	})

	t.Run("a reprice or ranking run that changes no listing records no change: cached pages stay", func(t *testing.T) {
		w := world(t)
		if w.H.NewFeed == nil {
			t.Skip("the harness has no change feed")
		}
		p := w.AddProduct(t, ProductSpec{Name: "Still", Category: w.Kitchen, Base: 15_000})
		feed := w.H.NewFeed()
		next := func() ([]catalog.Change, bool) {
			t.Helper()
			changes, reset, err := feed.Next(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return changes, reset
		}
		next() // positions the feed
		if err := w.Svc.RepriceListings(ctx); err != nil {
			t.Fatal(err)
		}
		if err := w.Svc.RefreshRankings(ctx); err != nil {
			t.Fatal(err)
		}
		// The feed may hand back earlier changes again (at least once: its horizon is the oldest
		// transaction open anywhere on the server), but the jobs must have added no LISTINGS change.
		if changes, reset := next(); reset || slices.ContainsFunc(changes, func(c catalog.Change) bool { return c.Kind == catalog.ChangeListings }) {
			t.Fatalf("after jobs that changed nothing: changes %v, reset %v", changes, reset)
		}
		// A future rate in effect now: the reprice moves a listing price, and says so.
		if _, err := w.Svc.SetRate(ctx, kernel.USD, "0.002", w.Clock.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		next()
		w.Clock.Advance(time.Hour)
		if err := w.Svc.RepriceListings(ctx); err != nil {
			t.Fatal(err)
		}
		if changes, _ := next(); !slices.ContainsFunc(changes, func(c catalog.Change) bool { return c.Kind == catalog.ChangeListings }) {
			t.Fatalf("after a reprice that moved %s's US price: changes %v, want a %s change", p.ID, changes, catalog.ChangeListings)
		}
	})
}
