package memory

import (
	"cmp"
	"context"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/jupang/jupang/core/catalog"
	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/kernel"
)

type listingKey struct {
	market    kernel.Market
	productID string
}

type bucketKey struct {
	market    kernel.Market
	hour      time.Time
	productID string
}

type rankingKey struct {
	market kernel.Market
	by     catalog.RankBy
}

// catalogTables are the catalog area's in-memory tables. Products are stored without their
// markets: like PostgreSQL, the markets a product is sold in are the listing rows it has.
type catalogTables struct {
	Categories *Table[string, catalog.Category]
	Brands     *Table[string, catalog.Brand]
	Products   *Table[string, catalog.Product]
	Listings   *Table[listingKey, catalog.Listing]
	Rates      *Table[string, catalog.RateEntry]
	Promotions *Table[string, catalog.Promotion]
	// Stock stands in for the inventory area's table until it has its own in-memory adapter.
	Stock *Table[string, catalog.StockLevel]
	// PaidOrders stands in for the orders area's tables: the seed's order history.
	PaidOrders *Table[string, catalog.PaidOrder]
	Sales      *Table[bucketKey, catalog.SalesBucket]
	Rankings   *Table[rankingKey, catalog.Ranking]
}

func newCatalogTables() catalogTables {
	return catalogTables{
		Categories: newTable[string, catalog.Category](),
		Brands:     newTable[string, catalog.Brand](),
		Products:   newTable[string, catalog.Product](),
		Listings:   newTable[listingKey, catalog.Listing](),
		Rates:      newTable[string, catalog.RateEntry](),
		Promotions: newTable[string, catalog.Promotion](),
		Stock:      newTable[string, catalog.StockLevel](),
		PaidOrders: newTable[string, catalog.PaidOrder](),
		Sales:      newTable[bucketKey, catalog.SalesBucket](),
		Rankings:   newTable[rankingKey, catalog.Ranking](),
	}
}

// CatalogStores builds catalog.Stores for a unit of work.
func CatalogStores(tx *Tx) catalog.Stores {
	r := &CatalogRepository{tx: tx}
	return catalog.Stores{Catalog: r, Sales: r, Rankings: r, History: r}
}

// CatalogRepository is the in-memory catalog store of one unit of work: catalog.Catalog,
// catalog.SalesSource, catalog.RankingStore and catalog.SalesHistory.
type CatalogRepository struct{ tx *Tx }

// CatalogReader is the in-memory catalog.Reader over committed state (or the caller's open unit of work).
type CatalogReader struct{ store *Store }

// NewCatalogReader returns a reader over store.
func NewCatalogReader(store *Store) *CatalogReader { return &CatalogReader{store: store} }

// read runs fn on a consistent snapshot.
func (r *CatalogReader) read(ctx context.Context, fn func(t *catalogTables)) {
	r.store.View(ctx, func(s *State) { fn(&s.Catalog) })
}

// Categories implements catalog.Reader.
func (r *CatalogReader) Categories(ctx context.Context) (out []catalog.Category, err error) {
	r.read(ctx, func(t *catalogTables) { out = categories(t) })
	return out, nil
}

// Brands implements catalog.Reader.
func (r *CatalogReader) Brands(ctx context.Context, ids []string) (out []catalog.Brand, err error) {
	r.read(ctx, func(t *catalogTables) { out = brands(t, ids) })
	return out, nil
}

// Products implements catalog.Reader.
func (r *CatalogReader) Products(ctx context.Context, ids []string) (out []catalog.Product, err error) {
	r.read(ctx, func(t *catalogTables) { out = products(t, ids) })
	return out, nil
}

// Listings implements catalog.Reader.
func (r *CatalogReader) Listings(ctx context.Context, q catalog.ListingQuery) (out []catalog.Listing, err error) {
	r.read(ctx, func(t *catalogTables) { out = listings(t, q) })
	return out, nil
}

// Stock implements catalog.Reader.
func (r *CatalogReader) Stock(ctx context.Context, skuIDs []string) (out map[string]catalog.StockLevel, err error) {
	r.read(ctx, func(t *catalogTables) { out = stock(t, skuIDs) })
	return out, nil
}

// Promotions implements catalog.Reader.
func (r *CatalogReader) Promotions(ctx context.Context, m kernel.Market, at time.Time) (out []catalog.Promotion, err error) {
	r.read(ctx, func(t *catalogTables) { out = promotions(t, m, at) })
	return out, nil
}

// CurrentRates implements catalog.Reader.
func (r *CatalogReader) CurrentRates(ctx context.Context, at time.Time) (out []catalog.RateEntry, err error) {
	r.read(ctx, func(t *catalogTables) { out = currentRates(t, at) })
	return out, nil
}

// Rankings implements catalog.Reader.
func (r *CatalogReader) Rankings(ctx context.Context, m kernel.Market) (out []catalog.Ranking, err error) {
	r.read(ctx, func(t *catalogTables) { out = rankings(t, m) })
	return out, nil
}

func (c *CatalogRepository) t() *catalogTables { return &c.tx.State.Catalog }

// Categories implements catalog.Catalog.
func (c *CatalogRepository) Categories(context.Context) ([]catalog.Category, error) {
	return categories(c.t()), nil
}

// Brands implements catalog.Catalog.
func (c *CatalogRepository) Brands(_ context.Context, ids []string) ([]catalog.Brand, error) {
	return brands(c.t(), ids), nil
}

// Products implements catalog.Catalog.
func (c *CatalogRepository) Products(_ context.Context, ids []string) ([]catalog.Product, error) {
	return products(c.t(), ids), nil
}

// Promotions implements catalog.Catalog.
func (c *CatalogRepository) Promotions(_ context.Context, m kernel.Market, at time.Time) ([]catalog.Promotion, error) {
	return promotions(c.t(), m, at), nil
}

// CurrentRates implements catalog.Catalog.
func (c *CatalogRepository) CurrentRates(_ context.Context, at time.Time) ([]catalog.RateEntry, error) {
	return currentRates(c.t(), at), nil
}

// ProductIDs implements catalog.Catalog.
func (c *CatalogRepository) ProductIDs(context.Context) ([]string, error) {
	ids := make([]string, 0, c.t().Products.Len())
	c.t().Products.Each(func(id string, _ catalog.Product) bool {
		ids = append(ids, id)
		return true
	})
	slices.Sort(ids)
	return ids, nil
}

// SaveCategory implements catalog.Catalog.
func (c *CatalogRepository) SaveCategory(_ context.Context, cat catalog.Category) error {
	taken := false
	c.t().Categories.Each(func(id string, other catalog.Category) bool {
		taken = id != cat.ID && other.Slug == cat.Slug
		return !taken
	})
	if taken {
		return catalog.ErrSlugTaken.WithField("slug", "SLUG_TAKEN", "another category uses this slug")
	}
	Mutable(c.tx, &c.tx.State.Catalog.Categories).Put(cat.ID, cat.Clone())
	return nil
}

// SaveBrand implements catalog.Catalog.
func (c *CatalogRepository) SaveBrand(_ context.Context, b catalog.Brand) error {
	taken := false
	c.t().Brands.Each(func(id string, other catalog.Brand) bool {
		taken = id != b.ID && other.Slug == b.Slug
		return !taken
	})
	if taken {
		return catalog.ErrSlugTaken.WithField("slug", "SLUG_TAKEN", "another brand uses this slug")
	}
	Mutable(c.tx, &c.tx.State.Catalog.Brands).Put(b.ID, b)
	return nil
}

// SaveProduct implements catalog.Catalog. Like PostgreSQL (skus_pkey, skus_code_key), it refuses a
// SKU id of another product and a code used by another SKU, in this product or another one.
func (c *CatalogRepository) SaveProduct(_ context.Context, p catalog.Product) error {
	codes := map[string]string{}  // code → SKU id, of every other product
	others := map[string]string{} // SKU id → product id, of every other product
	c.t().Products.Each(func(id string, other catalog.Product) bool {
		if id != p.ID {
			for _, s := range other.SKUs {
				codes[s.Code] = s.ID
				others[s.ID] = id
			}
		}
		return true
	})
	for _, s := range p.SKUs {
		if _, ok := others[s.ID]; ok {
			return errs.ErrValidation.WithField("skus", "SKU_OF_ANOTHER_PRODUCT", "SKU "+s.ID+" belongs to another product")
		}
		if owner, ok := codes[s.Code]; ok && owner != s.ID {
			return catalog.ErrSKUCodeTaken.WithField("skus", "SKU_CODE_TAKEN", "code "+s.Code+" is used by another SKU")
		}
		codes[s.Code] = s.ID
	}
	p = p.Clone()
	p.Markets = nil
	Mutable(c.tx, &c.tx.State.Catalog.Products).Put(p.ID, p)
	return nil
}

// SaveListings implements catalog.Catalog.
func (c *CatalogRepository) SaveListings(_ context.Context, productID string, ls []catalog.Listing) error {
	t := Mutable(c.tx, &c.tx.State.Catalog.Listings)
	keep := map[kernel.Market]bool{}
	for _, l := range ls {
		k := listingKey{l.Market, productID}
		if old, ok := t.Get(k); ok {
			l.Popularity = old.Popularity
		}
		t.Put(k, l)
		keep[l.Market] = true
	}
	for _, m := range kernel.Markets {
		if !keep[m] {
			t.Delete(listingKey{m, productID})
		}
	}
	return nil
}

// SaveRate implements catalog.Catalog.
func (c *CatalogRepository) SaveRate(_ context.Context, r catalog.RateEntry) error {
	clash := false
	c.t().Rates.Each(func(id string, o catalog.RateEntry) bool {
		clash = id != r.ID && o.Quote == r.Quote && o.EffectiveFrom.Equal(r.EffectiveFrom)
		return !clash
	})
	if clash {
		return catalog.ErrRateExists
	}
	Mutable(c.tx, &c.tx.State.Catalog.Rates).Put(r.ID, r)
	return nil
}

// SavePromotion implements catalog.Catalog.
func (c *CatalogRepository) SavePromotion(_ context.Context, p catalog.Promotion) error {
	Mutable(c.tx, &c.tx.State.Catalog.Promotions).Put(p.ID, p.Clone())
	return nil
}

// SetStock implements catalog.Catalog.
func (c *CatalogRepository) SetStock(_ context.Context, skuID string, onHand int) error {
	t := Mutable(c.tx, &c.tx.State.Catalog.Stock)
	level, _ := t.Get(skuID)
	if onHand < level.Reserved {
		return errs.ErrValidation.WithField("onHand", "BELOW_RESERVED", "must not be below the reserved units")
	}
	level.OnHand = onHand
	t.Put(skuID, level)
	return nil
}

// PaidLines implements catalog.SalesSource.
func (c *CatalogRepository) PaidLines(_ context.Context, from, to time.Time) ([]catalog.SaleLine, error) {
	var out []catalog.SaleLine
	c.t().PaidOrders.Each(func(_ string, o catalog.PaidOrder) bool {
		if !o.PaidAt.Before(from) && o.PaidAt.Before(to) {
			out = append(out, o.SaleLines()...)
		}
		return true
	})
	return out, nil
}

// RecordPaidOrder implements catalog.SalesHistory.
func (c *CatalogRepository) RecordPaidOrder(_ context.Context, o catalog.PaidOrder) error {
	lines := slices.Clone(o.Lines)
	for i := range lines {
		lines[i].Attributes = maps.Clone(lines[i].Attributes)
	}
	o.Lines = lines
	Mutable(c.tx, &c.tx.State.Catalog.PaidOrders).Put(o.ID, o)
	return nil
}

// Lock implements catalog.RankingStore: a memory unit of work already holds the store lock.
func (c *CatalogRepository) Lock(context.Context) error { return nil }

// ReplaceBuckets implements catalog.RankingStore.
func (c *CatalogRepository) ReplaceBuckets(_ context.Context, from time.Time, buckets []catalog.SalesBucket) error {
	t := Mutable(c.tx, &c.tx.State.Catalog.Sales)
	var stale []bucketKey
	t.Each(func(k bucketKey, _ catalog.SalesBucket) bool {
		if !k.hour.Before(from) {
			stale = append(stale, k)
		}
		return true
	})
	for _, k := range stale {
		t.Delete(k)
	}
	for _, b := range buckets {
		t.Put(bucketKey{b.Market, b.Hour, b.ProductID}, b)
	}
	return nil
}

// SalesByProduct implements catalog.RankingStore.
func (c *CatalogRepository) SalesByProduct(_ context.Context, m kernel.Market, from, to time.Time) ([]catalog.ProductSales, error) {
	return catalog.SumBuckets(c.t().Sales.Rows(), m, from, to), nil
}

// SaveRanking implements catalog.RankingStore.
func (c *CatalogRepository) SaveRanking(_ context.Context, r catalog.Ranking) error {
	r.Entries = slices.Clone(r.Entries)
	Mutable(c.tx, &c.tx.State.Catalog.Rankings).Put(rankingKey{r.Market, r.By}, r)
	return nil
}

// SetPopularity implements catalog.RankingStore.
func (c *CatalogRepository) SetPopularity(_ context.Context, m kernel.Market, scores map[string]int64) error {
	t := Mutable(c.tx, &c.tx.State.Catalog.Listings)
	var rows []catalog.Listing
	t.Each(func(k listingKey, l catalog.Listing) bool {
		if k.market == m && l.Popularity != scores[k.productID] {
			rows = append(rows, l)
		}
		return true
	})
	for _, l := range rows {
		l.Popularity = scores[l.ProductID]
		t.Put(listingKey{m, l.ProductID}, l)
	}
	return nil
}

func categories(t *catalogTables) []catalog.Category {
	out := make([]catalog.Category, 0, t.Categories.Len())
	t.Categories.Each(func(_ string, c catalog.Category) bool {
		out = append(out, c.Clone())
		return true
	})
	slices.SortFunc(out, func(a, b catalog.Category) int {
		return cmp.Or(cmp.Compare(len(a.Path), len(b.Path)), cmp.Compare(a.SortOrder, b.SortOrder), strings.Compare(a.ID, b.ID))
	})
	return out
}

func brands(t *catalogTables, ids []string) []catalog.Brand {
	var out []catalog.Brand
	for _, id := range dedupe(ids) {
		if b, ok := t.Brands.Get(id); ok {
			out = append(out, b)
		}
	}
	return out
}

func products(t *catalogTables, ids []string) []catalog.Product {
	var out []catalog.Product
	for _, id := range dedupe(ids) {
		p, ok := t.Products.Get(id)
		if !ok {
			continue
		}
		p = p.Clone()
		for _, m := range kernel.Markets {
			if _, listed := t.Listings.Get(listingKey{m, id}); listed {
				p.Markets = append(p.Markets, m)
			}
		}
		out = append(out, p)
	}
	return out
}

func listings(t *catalogTables, q catalog.ListingQuery) []catalog.Listing {
	var out []catalog.Listing
	t.Listings.Each(func(k listingKey, l catalog.Listing) bool {
		if k.market != q.Market {
			return true
		}
		name := ""
		if q.Q != "" {
			p, _ := t.Products.Get(l.ProductID)
			name = p.Names[q.Locale]
		}
		if q.Matches(l, name) {
			out = append(out, l)
		}
		return true
	})
	slices.SortFunc(out, q.Sort.Compare)
	if len(out) > q.Limit {
		out = out[:q.Limit]
	}
	return out
}

func stock(t *catalogTables, skuIDs []string) map[string]catalog.StockLevel {
	out := make(map[string]catalog.StockLevel, len(skuIDs))
	for _, id := range skuIDs {
		if s, ok := t.Stock.Get(id); ok {
			out[id] = s
		}
	}
	return out
}

func promotions(t *catalogTables, m kernel.Market, at time.Time) []catalog.Promotion {
	var out []catalog.Promotion
	t.Promotions.Each(func(_ string, p catalog.Promotion) bool {
		if p.ActiveAt(at) && slices.Contains(p.Markets, m) {
			out = append(out, p.Clone())
		}
		return true
	})
	slices.SortFunc(out, func(a, b catalog.Promotion) int { return strings.Compare(a.ID, b.ID) })
	return out
}

func currentRates(t *catalogTables, at time.Time) []catalog.RateEntry {
	best := map[string]catalog.RateEntry{}
	t.Rates.Each(func(_ string, r catalog.RateEntry) bool {
		if cur, ok := best[r.Quote.Code]; !r.EffectiveFrom.After(at) && (!ok || r.EffectiveFrom.After(cur.EffectiveFrom)) {
			best[r.Quote.Code] = r
		}
		return true
	})
	out := slices.Collect(maps.Values(best))
	slices.SortFunc(out, func(a, b catalog.RateEntry) int { return strings.Compare(a.Quote.Code, b.Quote.Code) })
	return out
}

func rankings(t *catalogTables, m kernel.Market) []catalog.Ranking {
	var out []catalog.Ranking
	for _, by := range catalog.RankBys {
		if r, ok := t.Rankings.Get(rankingKey{m, by}); ok {
			r.Entries = slices.Clone(r.Entries)
			out = append(out, r)
		}
	}
	return out
}

func dedupe(ids []string) []string {
	out := slices.Clone(ids)
	slices.Sort(out)
	return slices.Compact(out)
}
