package memory

import (
	"cmp"
	"context"
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

func compareListingKeys(a, b listingKey) int {
	return cmp.Or(strings.Compare(string(a.market), string(b.market)), strings.Compare(a.productID, b.productID))
}

type bucketKey struct {
	market    kernel.Market
	hour      time.Time
	productID string
}

func compareBucketKeys(a, b bucketKey) int {
	return cmp.Or(strings.Compare(string(a.market), string(b.market)), a.hour.Compare(b.hour), strings.Compare(a.productID, b.productID))
}

type rankingKey struct {
	market kernel.Market
	by     catalog.RankBy
}

func compareRankingKeys(a, b rankingKey) int {
	return cmp.Or(strings.Compare(string(a.market), string(b.market)), strings.Compare(string(a.by), string(b.by)))
}

// catalogTables are the catalog area's in-memory tables, with the indexes of 00003_catalog.sql.
// Products are stored without their markets: like PostgreSQL, the markets a product is sold in
// are the listing rows it has.
type catalogTables struct {
	Categories       *Table[string, catalog.Category]
	CategoriesBySlug *Table[string, string] // slug → category id
	Brands           *Table[string, catalog.Brand]
	BrandsBySlug     *Table[string, string] // slug → brand id
	Products         *Table[string, catalog.Product]
	SKUProducts      *Table[string, string] // SKU id → product id
	SKUsByCode       *Table[string, string] // SKU code → SKU id
	Listings         *Table[listingKey, catalog.Listing]
	Rates            *Table[string, catalog.RateEntry]
	Promotions       *Table[string, catalog.Promotion]
	Sales            *Table[bucketKey, catalog.SalesBucket]
	Rankings         *Table[rankingKey, catalog.Ranking]
	Changes          *Table[int64, changeRow] // the change log read models follow (catalog_changes.go)
	ChangeSeq        int64                    // sequence number of the last change recorded
}

// Listing indexes: per sort, a market's ACTIVE listings, and those of one category of a market
// (product_listings_*_idx), plus every listing of a market for the ranking job.
var (
	listingsByMarket                       = &Index[catalog.Listing]{Group: func(l catalog.Listing) string { return string(l.Market) }}
	listingsBySort, listingsByCategorySort = listingIndexes()
)

func listingIndexes() (byMarket, byCategory map[catalog.Sort]*Index[catalog.Listing]) {
	byMarket, byCategory = map[catalog.Sort]*Index[catalog.Listing]{}, map[catalog.Sort]*Index[catalog.Listing]{}
	active := func(l catalog.Listing) bool { return l.Status == catalog.StatusActive }
	for _, s := range catalog.Sorts {
		byMarket[s] = &Index[catalog.Listing]{Group: func(l catalog.Listing) string { return string(l.Market) }, Order: s.Compare, Where: active}
		byCategory[s] = &Index[catalog.Listing]{Group: func(l catalog.Listing) string { return marketCategory(l.Market, l.CategoryID) },
			Order: s.Compare, Where: active}
	}
	return byMarket, byCategory
}

func marketCategory(m kernel.Market, categoryID string) string { return string(m) + "/" + categoryID }

func allListingIndexes() []*Index[catalog.Listing] {
	out := []*Index[catalog.Listing]{listingsByMarket}
	for _, s := range catalog.Sorts {
		out = append(out, listingsBySort[s], listingsByCategorySort[s])
	}
	return out
}

var (
	// ratesByQuote finds the rate in effect at an instant (fx_rates_pair_effective_key).
	ratesByQuote = &Index[catalog.RateEntry]{
		Group: func(r catalog.RateEntry) string { return r.Quote.Code },
		Order: func(a, b catalog.RateEntry) int { return a.EffectiveFrom.Compare(b.EffectiveFrom) },
	}
	// promotionsByEnd finds the promotions that have not ended (promotions_window_idx).
	promotionsByEnd = &Index[catalog.Promotion]{Order: func(a, b catalog.Promotion) int { return a.EndsAt.Compare(b.EndsAt) }}
	// salesByHour and salesByMarket find buckets from an hour on, in every market or one.
	salesByHour   = &Index[catalog.SalesBucket]{Order: func(a, b catalog.SalesBucket) int { return a.Hour.Compare(b.Hour) }}
	salesByMarket = &Index[catalog.SalesBucket]{
		Group: func(b catalog.SalesBucket) string { return string(b.Market) },
		Order: func(a, b catalog.SalesBucket) int { return a.Hour.Compare(b.Hour) },
	}
)

func newCatalogTables() catalogTables {
	return catalogTables{
		Categories:       newTable[string, catalog.Category](strings.Compare),
		CategoriesBySlug: newTable[string, string](strings.Compare),
		Brands:           newTable[string, catalog.Brand](strings.Compare),
		BrandsBySlug:     newTable[string, string](strings.Compare),
		Products:         newTable[string, catalog.Product](strings.Compare),
		SKUProducts:      newTable[string, string](strings.Compare),
		SKUsByCode:       newTable[string, string](strings.Compare),
		Listings:         newTable(compareListingKeys, allListingIndexes()...),
		Rates:            newTable(strings.Compare, ratesByQuote),
		Promotions:       newTable(strings.Compare, promotionsByEnd),
		Sales:            newTable(compareBucketKeys, salesByHour, salesByMarket),
		Rankings:         newTable[rankingKey, catalog.Ranking](compareRankingKeys),
		Changes:          newChangeTable(),
	}
}

// CatalogStores builds catalog.Stores for a unit of work.
func CatalogStores(tx *Tx) catalog.Stores {
	r := &CatalogRepository{catalogQueries: catalogQueries{tables: func(context.Context) *catalogTables { return &tx.State.Catalog }}, tx: tx}
	return catalog.Stores{Catalog: r, Changes: &changeLog{tx: tx}, Sales: &Sales{tx: tx}, Rankings: r}
}

// catalogQueries answers the catalog's reads from the tables a context sees. The reader and the
// repository share it, so each read is written once.
type catalogQueries struct {
	tables func(ctx context.Context) *catalogTables
}

// CatalogReader is the in-memory catalog.Reader over committed state (or the caller's open unit of work).
type CatalogReader struct{ catalogQueries }

// NewCatalogReader returns a reader over store.
func NewCatalogReader(store *Store) *CatalogReader {
	return &CatalogReader{catalogQueries{tables: func(ctx context.Context) *catalogTables { return &store.Snapshot(ctx).Catalog }}}
}

// CatalogRepository is the in-memory catalog.Catalog and catalog.RankingStore of one unit of work.
type CatalogRepository struct {
	catalogQueries
	tx *Tx
}

func (c *CatalogRepository) t() *catalogTables { return &c.tx.State.Catalog }

// Categories implements catalog.Reader and catalog.Catalog.
func (q catalogQueries) Categories(ctx context.Context) ([]catalog.Category, error) {
	t := q.tables(ctx)
	out := make([]catalog.Category, 0, t.Categories.Len())
	for _, c := range t.Categories.All() { // the whole tree, as PostgreSQL reads it
		out = append(out, c.Clone())
	}
	slices.SortFunc(out, func(a, b catalog.Category) int {
		return cmp.Or(cmp.Compare(len(a.Path), len(b.Path)), cmp.Compare(a.SortOrder, b.SortOrder), strings.Compare(a.ID, b.ID))
	})
	return out, nil
}

// Brands implements catalog.Reader and catalog.Catalog.
func (q catalogQueries) Brands(ctx context.Context, ids []string) ([]catalog.Brand, error) {
	t := q.tables(ctx)
	var out []catalog.Brand
	for _, id := range dedupe(ids) {
		if b, ok := t.Brands.Get(id); ok {
			out = append(out, b)
		}
	}
	return out, nil
}

// Products implements catalog.Reader and catalog.Catalog.
func (q catalogQueries) Products(ctx context.Context, ids []string) ([]catalog.Product, error) {
	t := q.tables(ctx)
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
	return out, nil
}

// Listings implements catalog.Reader with the plan PostgreSQL uses: an ordered scan of the
// market's index for the sort from the cursor on, or, for a category subtree, one such scan per
// category, merged.
func (q catalogQueries) Listings(ctx context.Context, lq catalog.ListingQuery) ([]catalog.Listing, error) {
	t := q.tables(ctx)
	if lq.Limit <= 0 {
		return nil, nil
	}
	byMarket, ok := listingsBySort[lq.Sort]
	if !ok {
		lq.Sort, byMarket = catalog.SortNewest, listingsBySort[catalog.SortNewest]
	}
	seek := Seek[catalog.Listing]{Group: string(lq.Market)}
	if lq.After != nil {
		p := lq.After
		seek.Pivot, seek.Past = &catalog.Listing{CreatedAt: p.CreatedAt, Price: p.Price, Popularity: p.Popularity, ProductID: p.ProductID}, true
	}
	if lq.CategoryIDs == nil {
		return firstListings(t, lq, byMarket, seek), nil
	}
	var out []catalog.Listing
	for _, id := range lq.CategoryIDs {
		seek.Group = marketCategory(lq.Market, id)
		out = append(out, firstListings(t, lq, listingsByCategorySort[lq.Sort], seek)...)
	}
	slices.SortFunc(out, lq.Sort.Compare)
	return out[:min(len(out), lq.Limit)], nil
}

// firstListings returns the first lq.Limit listings of the scan that match lq.
func firstListings(t *catalogTables, lq catalog.ListingQuery, ix *Index[catalog.Listing], seek Seek[catalog.Listing]) []catalog.Listing {
	var out []catalog.Listing
	for _, l := range t.Listings.Ascend(ix, seek) {
		name := ""
		if lq.Q != "" {
			p, _ := t.Products.Get(l.ProductID)
			name = p.Names[lq.Locale]
		}
		if !lq.Matches(l, name) {
			continue
		}
		if out = append(out, l); len(out) == lq.Limit {
			break
		}
	}
	return out
}

// Promotions implements catalog.Reader and catalog.Catalog.
func (q catalogQueries) Promotions(ctx context.Context, m kernel.Market, at time.Time) ([]catalog.Promotion, error) {
	var out []catalog.Promotion
	notEnded := Seek[catalog.Promotion]{Pivot: &catalog.Promotion{EndsAt: at}, Past: true}
	for _, p := range q.tables(ctx).Promotions.Ascend(promotionsByEnd, notEnded) {
		if p.ActiveAt(at) && slices.Contains(p.Markets, m) {
			out = append(out, p.Clone())
		}
	}
	slices.SortFunc(out, func(a, b catalog.Promotion) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// CurrentRates implements catalog.Reader and catalog.Catalog: one backward probe per currency.
func (q catalogQueries) CurrentRates(ctx context.Context, at time.Time) ([]catalog.RateEntry, error) {
	t := q.tables(ctx)
	var out []catalog.RateEntry
	for _, m := range kernel.Markets {
		inEffect := Seek[catalog.RateEntry]{Group: m.Currency().Code, Pivot: &catalog.RateEntry{EffectiveFrom: at}}
		if r, ok := first(t.Rates.Descend(ratesByQuote, inEffect)); ok {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b catalog.RateEntry) int { return strings.Compare(a.Quote.Code, b.Quote.Code) })
	return out, nil
}

// Rankings implements catalog.Reader.
func (q catalogQueries) Rankings(ctx context.Context, m kernel.Market) ([]catalog.Ranking, error) {
	t := q.tables(ctx)
	var out []catalog.Ranking
	for _, by := range catalog.RankBys {
		if r, ok := t.Rankings.Get(rankingKey{m, by}); ok {
			r.Entries = slices.Clone(r.Entries)
			out = append(out, r)
		}
	}
	return out, nil
}

// ProductIDs implements catalog.Catalog.
func (c *CatalogRepository) ProductIDs(context.Context) ([]string, error) {
	ids := make([]string, 0, c.t().Products.Len())
	for id := range c.t().Products.All() { // every product, in id order
		ids = append(ids, id)
	}
	return ids, nil
}

// SaveCategory implements catalog.Catalog.
func (c *CatalogRepository) SaveCategory(_ context.Context, cat catalog.Category) error {
	t := c.t()
	old, _ := t.Categories.Get(cat.ID)
	if !putUnique(c.tx, &t.CategoriesBySlug, cat.Slug, old.Slug, cat.ID) {
		return catalog.ErrSlugTaken.WithField("slug", "SLUG_TAKEN", "another category uses this slug")
	}
	Mutable(c.tx, &t.Categories).Put(cat.ID, cat.Clone())
	return nil
}

// SaveBrand implements catalog.Catalog.
func (c *CatalogRepository) SaveBrand(_ context.Context, b catalog.Brand) error {
	t := c.t()
	old, _ := t.Brands.Get(b.ID)
	if !putUnique(c.tx, &t.BrandsBySlug, b.Slug, old.Slug, b.ID) {
		return catalog.ErrSlugTaken.WithField("slug", "SLUG_TAKEN", "another brand uses this slug")
	}
	Mutable(c.tx, &t.Brands).Put(b.ID, b)
	return nil
}

// SaveProduct implements catalog.Catalog. Like PostgreSQL (skus_pkey, skus_code_key), it refuses a
// SKU id of another product and a code held by another SKU, checking the SKUs in order as the
// upserts would run, and writes nothing when it refuses.
func (c *CatalogRepository) SaveProduct(_ context.Context, p catalog.Product) error {
	t := c.t()
	codeOf := map[string]string{} // SKU id → its code, as the SKUs saved so far leave it
	if old, ok := t.Products.Get(p.ID); ok {
		for _, s := range old.SKUs {
			codeOf[s.ID] = s.Code
		}
	}
	holders := map[string]string{} // code → the SKU id holding it after this save; "": released
	for _, s := range p.SKUs {
		if owner, ok := t.SKUProducts.Get(s.ID); ok && owner != p.ID {
			return errs.ErrValidation.WithField("skus", "SKU_OF_ANOTHER_PRODUCT", "SKU "+s.ID+" belongs to another product")
		}
		holder, held := holders[s.Code]
		if !held {
			holder, held = t.SKUsByCode.Get(s.Code)
		}
		if held && holder != "" && holder != s.ID {
			return catalog.ErrSKUCodeTaken.WithField("skus", "SKU_CODE_TAKEN", "code "+s.Code+" is used by another SKU")
		}
		if prev, ok := codeOf[s.ID]; ok && prev != s.Code {
			holders[prev] = ""
		}
		holders[s.Code], codeOf[s.ID] = s.ID, s.Code
	}
	codes, skus := Mutable(c.tx, &t.SKUsByCode), Mutable(c.tx, &t.SKUProducts)
	for code, id := range holders {
		if id == "" {
			codes.Delete(code)
		} else {
			codes.Put(code, id)
		}
	}
	for _, s := range p.SKUs {
		skus.Put(s.ID, p.ID)
	}
	p = p.Clone()
	p.Markets = nil
	Mutable(c.tx, &t.Products).Put(p.ID, p)
	return nil
}

// SaveListings implements catalog.Catalog. The table is copied on its first write in a unit of
// work, so a reprice that changes nothing copies and re-indexes nothing.
func (c *CatalogRepository) SaveListings(_ context.Context, productID string, ls []catalog.Listing) (bool, error) {
	t := c.t()
	changed := false
	keep := map[kernel.Market]bool{}
	for _, l := range ls {
		k := listingKey{l.Market, productID}
		keep[l.Market] = true
		old, ok := t.Listings.Get(k)
		if ok {
			l.Popularity = old.Popularity
			if sameListing(old, l) {
				continue
			}
		}
		Mutable(c.tx, &t.Listings).Put(k, l)
		changed = true
	}
	for _, m := range kernel.Markets {
		if _, ok := t.Listings.Get(listingKey{m, productID}); ok && !keep[m] {
			Mutable(c.tx, &t.Listings).Delete(listingKey{m, productID})
			changed = true
		}
	}
	return changed, nil
}

// sameListing is a == b with instants compared as instants.
func sameListing(a, b catalog.Listing) bool {
	at, bt := a.CreatedAt, b.CreatedAt
	a.CreatedAt, b.CreatedAt = time.Time{}, time.Time{}
	return a == b && at.Equal(bt)
}

// SaveRate implements catalog.Catalog.
func (c *CatalogRepository) SaveRate(_ context.Context, r catalog.RateEntry) error {
	t := c.t()
	for id, o := range t.Rates.Ascend(ratesByQuote, Seek[catalog.RateEntry]{Group: r.Quote.Code, Pivot: &r}) {
		if !o.EffectiveFrom.Equal(r.EffectiveFrom) {
			break
		}
		if id != r.ID {
			return catalog.ErrRateExists
		}
	}
	Mutable(c.tx, &t.Rates).Put(r.ID, r)
	return nil
}

// SavePromotion implements catalog.Catalog.
func (c *CatalogRepository) SavePromotion(_ context.Context, p catalog.Promotion) error {
	Mutable(c.tx, &c.t().Promotions).Put(p.ID, p.Clone())
	return nil
}

// Lock implements catalog.RankingStore: a memory unit of work already holds the writer lock.
func (c *CatalogRepository) Lock(context.Context) error { return nil }

// ReplaceBuckets implements catalog.RankingStore.
func (c *CatalogRepository) ReplaceBuckets(_ context.Context, from time.Time, buckets []catalog.SalesBucket) error {
	t := Mutable(c.tx, &c.t().Sales)
	for k := range t.Ascend(salesByHour, Seek[catalog.SalesBucket]{Pivot: &catalog.SalesBucket{Hour: from}}) {
		t.Delete(k)
	}
	for _, b := range buckets {
		t.Put(bucketKey{b.Market, b.Hour, b.ProductID}, b)
	}
	return nil
}

// SalesByProduct implements catalog.RankingStore.
func (c *CatalogRepository) SalesByProduct(_ context.Context, m kernel.Market, from, to time.Time) ([]catalog.ProductSales, error) {
	var window []catalog.SalesBucket
	for _, b := range c.t().Sales.Ascend(salesByMarket, Seek[catalog.SalesBucket]{Group: string(m), Pivot: &catalog.SalesBucket{Hour: from}}) {
		if !b.Hour.Before(to) {
			break
		}
		window = append(window, b)
	}
	return catalog.SumBuckets(window, m, from, to), nil
}

// SaveRanking implements catalog.RankingStore.
func (c *CatalogRepository) SaveRanking(_ context.Context, r catalog.Ranking) error {
	r.Entries = slices.Clone(r.Entries)
	Mutable(c.tx, &c.t().Rankings).Put(rankingKey{r.Market, r.By}, r)
	return nil
}

// SetPopularity implements catalog.RankingStore; only rows whose score changes are written.
func (c *CatalogRepository) SetPopularity(_ context.Context, m kernel.Market, scores map[string]int64) (bool, error) {
	t := c.t()
	changed := false
	for k, l := range t.Listings.Ascend(listingsByMarket, Seek[catalog.Listing]{Group: string(m)}) {
		if score := scores[k.productID]; l.Popularity != score {
			l.Popularity = score
			Mutable(c.tx, &t.Listings).Put(k, l)
			changed = true
		}
	}
	return changed, nil
}

func dedupe(ids []string) []string {
	out := slices.Clone(ids)
	slices.Sort(out)
	return slices.Compact(out)
}
