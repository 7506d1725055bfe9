package postgres

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jupang/jupang/core/catalog"
	"github.com/jupang/jupang/core/kernel"
)

// Reads runs read-only queries where they fit best; *ReadRouter (replica, else primary) is the one
// the binaries use.
type Reads interface {
	Read(ctx context.Context, fn func(ctx context.Context, q Querier) error) error
}

// CatalogReader is catalog.Reader through Reads: in production the replica when one is configured
// and healthy, else the primary.
type CatalogReader struct{ catalogQueries }

// NewCatalogReader returns the catalog's shopper-facing reads over router.
func NewCatalogReader(router Reads) *CatalogReader {
	return &CatalogReader{catalogQueries{run: router.Read}}
}

// catalogQueries answers the catalog's reads through run: the read router for CatalogReader, the
// unit of work's transaction for CatalogRepository. Each read is written once.
type catalogQueries struct {
	run func(ctx context.Context, fn func(ctx context.Context, q Querier) error) error
}

// queriesOn runs every read on q.
func queriesOn(q Querier) catalogQueries {
	return catalogQueries{run: func(ctx context.Context, fn func(ctx context.Context, q Querier) error) error { return fn(ctx, q) }}
}

// query runs load through c.run and returns what it loaded.
func query[T any](ctx context.Context, c catalogQueries, load func(ctx context.Context, q Querier) (T, error)) (T, error) {
	var out T
	err := c.run(ctx, func(ctx context.Context, q Querier) (err error) {
		out, err = load(ctx, q)
		return err
	})
	return out, err
}

// Categories implements catalog.Reader and catalog.Catalog.
func (c catalogQueries) Categories(ctx context.Context) ([]catalog.Category, error) {
	return query(ctx, c, loadCategories)
}

// Brands implements catalog.Reader and catalog.Catalog.
func (c catalogQueries) Brands(ctx context.Context, ids []string) ([]catalog.Brand, error) {
	return query(ctx, c, func(ctx context.Context, q Querier) ([]catalog.Brand, error) { return loadBrands(ctx, q, ids) })
}

// Products implements catalog.Reader and catalog.Catalog.
func (c catalogQueries) Products(ctx context.Context, ids []string) ([]catalog.Product, error) {
	return query(ctx, c, func(ctx context.Context, q Querier) ([]catalog.Product, error) { return loadProducts(ctx, q, ids) })
}

// Listings implements catalog.Reader.
func (c catalogQueries) Listings(ctx context.Context, lq catalog.ListingQuery) ([]catalog.Listing, error) {
	return query(ctx, c, func(ctx context.Context, q Querier) ([]catalog.Listing, error) { return loadListings(ctx, q, lq) })
}

// Promotions implements catalog.Reader and catalog.Catalog.
func (c catalogQueries) Promotions(ctx context.Context, m kernel.Market, at time.Time) ([]catalog.Promotion, error) {
	return query(ctx, c, func(ctx context.Context, q Querier) ([]catalog.Promotion, error) {
		return loadPromotions(ctx, q, m, at)
	})
}

// CurrentRates implements catalog.Reader and catalog.Catalog.
func (c catalogQueries) CurrentRates(ctx context.Context, at time.Time) ([]catalog.RateEntry, error) {
	return query(ctx, c, func(ctx context.Context, q Querier) ([]catalog.RateEntry, error) { return loadCurrentRates(ctx, q, at) })
}

// Rankings implements catalog.Reader.
func (c catalogQueries) Rankings(ctx context.Context, m kernel.Market) ([]catalog.Ranking, error) {
	return query(ctx, c, func(ctx context.Context, q Querier) ([]catalog.Ranking, error) { return loadRankings(ctx, q, m) })
}

func loadCategories(ctx context.Context, q Querier) ([]catalog.Category, error) {
	var rows []struct {
		ID        string         `db:"id"`
		ParentID  sql.NullString `db:"parent_id"`
		Slug      string         `db:"slug"`
		Path      string         `db:"path"`
		SortOrder int            `db:"sort_order"`
		Names     []byte         `db:"names"`
	}
	err := q.SelectContext(ctx, &rows, `
		SELECT c.id, c.parent_id, c.slug, array_to_string(c.path, ',') AS path, c.sort_order,
		       (SELECT coalesce(jsonb_object_agg(t.locale, t.name), '{}') FROM category_translations t WHERE t.category_id = c.id) AS names
		  FROM categories c ORDER BY c.depth, c.sort_order, c.id`)
	if err != nil {
		return nil, err
	}
	out := make([]catalog.Category, len(rows))
	for i, row := range rows {
		c := catalog.Category{ID: row.ID, ParentID: row.ParentID.String, Slug: row.Slug, Path: strings.Split(row.Path, ","), SortOrder: row.SortOrder}
		if err := json.Unmarshal(row.Names, &c.Names); err != nil {
			return nil, err
		}
		out[i] = c
	}
	return out, nil
}

func loadBrands(ctx context.Context, q Querier, ids []string) ([]catalog.Brand, error) {
	var out []catalog.Brand
	return out, q.SelectContext(ctx, &out, `SELECT id, slug, name FROM brands WHERE id = ANY($1::uuid[]) ORDER BY id`, orEmptySlice(ids))
}

// productRow is a product with its texts, images, SKUs and markets aggregated into JSON, so a page
// of products is one round trip.
type productRow struct {
	ID          string        `db:"id"`
	CategoryID  string        `db:"category_id"`
	BrandID     string        `db:"brand_id"`
	Status      string        `db:"status"`
	BasePrice   int64         `db:"base_price_krw"`
	PerOrder    sql.NullInt64 `db:"per_order_limit"`
	PerCustomer sql.NullInt64 `db:"per_customer_limit"`
	CreatedAt   time.Time     `db:"created_at"`
	UpdatedAt   time.Time     `db:"updated_at"`
	Texts       []byte        `db:"texts"`
	Images      []byte        `db:"images"`
	SKUs        []byte        `db:"skus"`
	Markets     string        `db:"markets"`
}

type skuJSON struct {
	ID         string            `json:"id"`
	Code       string            `json:"code"`
	Attributes map[string]string `json:"attributes"`
	Delta      int64             `json:"delta"`
	Active     bool              `json:"active"`
	Prices     map[string]int64  `json:"prices"`
}

func loadProducts(ctx context.Context, q Querier, ids []string) ([]catalog.Product, error) {
	var rows []productRow
	err := q.SelectContext(ctx, &rows, `
		SELECT p.id, p.category_id, coalesce(p.brand_id::text, '') AS brand_id, p.status, p.base_price_krw,
		       p.per_order_limit, p.per_customer_limit, p.created_at, p.updated_at,
		       (SELECT coalesce(jsonb_object_agg(t.locale, jsonb_build_array(t.name, t.description)), '{}')
		          FROM product_translations t WHERE t.product_id = p.id) AS texts,
		       (SELECT coalesce(jsonb_agg(jsonb_build_array(i.url, i.alt) ORDER BY i.sort_order), '[]')
		          FROM product_images i WHERE i.product_id = p.id) AS images,
		       (SELECT coalesce(jsonb_agg(jsonb_build_object('id', s.id, 'code', s.code, 'attributes', s.attributes,
		                 'delta', s.price_delta_krw, 'active', s.status = 'ACTIVE',
		                 'prices', (SELECT coalesce(jsonb_object_agg(mp.market, mp.amount), '{}') FROM sku_market_prices mp WHERE mp.sku_id = s.id))
		                 ORDER BY s.sort_order, s.id), '[]')
		          FROM skus s WHERE s.product_id = p.id) AS skus,
		       (SELECT coalesce(string_agg(l.market, ','), '') FROM product_listings l WHERE l.product_id = p.id) AS markets
		  FROM products p WHERE p.id = ANY($1::uuid[])`, orEmptySlice(ids))
	if err != nil {
		return nil, err
	}
	out := make([]catalog.Product, 0, len(rows))
	for _, row := range rows {
		p, err := row.product()
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

func (row productRow) product() (catalog.Product, error) {
	p := catalog.Product{
		ID: row.ID, CategoryID: row.CategoryID, BrandID: row.BrandID, Status: catalog.Status(row.Status), BasePrice: row.BasePrice,
		Limits:    catalog.PurchaseLimit{PerOrder: int(row.PerOrder.Int64), PerCustomer: int(row.PerCustomer.Int64)},
		CreatedAt: row.CreatedAt.UTC(), UpdatedAt: row.UpdatedAt.UTC(),
	}
	var texts map[kernel.Locale][2]string
	if err := json.Unmarshal(row.Texts, &texts); err != nil {
		return p, fmt.Errorf("product %s texts: %w", row.ID, err)
	}
	for l, t := range texts {
		if p.Names == nil {
			p.Names, p.Descriptions = catalog.Localized{}, catalog.Localized{}
		}
		p.Names[l] = t[0]
		if t[1] != "" {
			p.Descriptions[l] = t[1]
		}
	}
	var images [][2]string
	if err := json.Unmarshal(row.Images, &images); err != nil {
		return p, fmt.Errorf("product %s images: %w", row.ID, err)
	}
	for _, img := range images {
		p.Images = append(p.Images, catalog.Image{URL: img[0], Alt: img[1]})
	}
	var skus []skuJSON
	if err := json.Unmarshal(row.SKUs, &skus); err != nil {
		return p, fmt.Errorf("product %s skus: %w", row.ID, err)
	}
	for _, s := range skus {
		sku := catalog.SKU{ID: s.ID, Code: s.Code, PriceDelta: s.Delta, Active: s.Active}
		if len(s.Attributes) > 0 {
			sku.Attributes = s.Attributes
		}
		for m, amount := range s.Prices {
			if sku.MarketPrices == nil {
				sku.MarketPrices = map[kernel.Market]kernel.Money{}
			}
			sku.MarketPrices[kernel.Market(m)] = kernel.NewMoney(amount, kernel.Market(m).Currency())
		}
		p.SKUs = append(p.SKUs, sku)
	}
	if row.Markets != "" {
		for _, m := range strings.Split(row.Markets, ",") {
			p.Markets = append(p.Markets, kernel.Market(m))
		}
		sortMarkets(p.Markets)
	}
	return p, nil
}

// listingOrder is each sort's ORDER BY and keyset condition; every one matches an index of
// product_listings (see migrations/00003_catalog.sql) and agrees with catalog.Sort.Compare.
var listingOrder = map[catalog.Sort]struct {
	orderBy string
	after   func(arg func(any) string, p catalog.Position) string
}{
	catalog.SortNewest: {"l.created_at DESC, l.product_id DESC", func(arg func(any) string, p catalog.Position) string {
		return "(l.created_at, l.product_id) < (" + arg(p.CreatedAt) + "::timestamptz, " + arg(p.ProductID) + "::uuid)"
	}},
	catalog.SortPriceAsc: {"l.price_amount, l.product_id", func(arg func(any) string, p catalog.Position) string {
		return "(l.price_amount, l.product_id) > (" + arg(p.Price) + "::bigint, " + arg(p.ProductID) + "::uuid)"
	}},
	catalog.SortPriceDesc: {"l.price_amount DESC, l.product_id DESC", func(arg func(any) string, p catalog.Position) string {
		return "(l.price_amount, l.product_id) < (" + arg(p.Price) + "::bigint, " + arg(p.ProductID) + "::uuid)"
	}},
	// Mixed directions cannot use a row comparison; the first conjunct still bounds the index scan.
	catalog.SortPopular: {"l.popularity_score DESC, l.product_id", func(arg func(any) string, p catalog.Position) string {
		pop, id := arg(p.Popularity), arg(p.ProductID)
		return "l.popularity_score <= " + pop + "::bigint AND (l.popularity_score < " + pop + "::bigint OR l.product_id > " + id + "::uuid)"
	}},
}

// listingSQL builds the list query for lq. Only the clauses lq needs are present, so the planner
// picks the matching index for each shape (a catch-all "$2 IS NULL OR ..." would defeat it). A
// category filter over several categories (a subtree) is a UNION ALL of one ordered, limited index
// scan per category merged by a Merge Append: PostgreSQL 15 cannot return "category_id = ANY(...)"
// in index order, and would otherwise sort the whole subtree or walk the market-wide index.
func listingSQL(lq catalog.ListingQuery) (string, []any) {
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	order, ok := listingOrder[lq.Sort]
	if !ok {
		order = listingOrder[catalog.SortNewest]
	}
	const columns = `l.market, l.product_id, l.category_id, l.status, l.created_at, l.price_amount, l.popularity_score`
	where := `l.market = ` + arg(string(lq.Market)) + ` AND l.status = 'ACTIVE'`
	if lq.Q != "" {
		where += ` AND EXISTS (SELECT 1 FROM product_translations t WHERE t.product_id = l.product_id AND t.locale = ` +
			arg(string(lq.Locale)) + ` AND t.name ILIKE ` + arg("%"+escapeLike(lq.Q)+"%") + `)`
	}
	if lq.After != nil {
		where += " AND " + order.after(arg, *lq.After)
	}
	limit := arg(lq.Limit)
	tail := "\n ORDER BY " + order.orderBy + " LIMIT " + limit
	switch {
	case lq.CategoryIDs == nil:
		return "SELECT " + columns + "\n  FROM product_listings l\n WHERE " + where + tail, args
	case len(lq.CategoryIDs) == 0:
		return "SELECT " + columns + "\n  FROM product_listings l\n WHERE false" + tail, args
	case len(lq.CategoryIDs) == 1:
		return "SELECT " + columns + "\n  FROM product_listings l\n WHERE " + where + " AND l.category_id = " + arg(lq.CategoryIDs[0]) + "::uuid" + tail, args
	}
	branches := make([]string, len(lq.CategoryIDs))
	for i, id := range lq.CategoryIDs {
		branches[i] = "(SELECT " + columns + " FROM product_listings l WHERE " + where + " AND l.category_id = " + arg(id) + "::uuid" + tail + ")"
	}
	return "SELECT * FROM (\n" + strings.Join(branches, "\n UNION ALL\n") + "\n) l" + tail, args
}

// escapeLike makes s match itself literally in LIKE (backslash is the default escape character).
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func loadListings(ctx context.Context, q Querier, lq catalog.ListingQuery) ([]catalog.Listing, error) {
	query, args := listingSQL(lq)
	var rows []struct {
		Market     string    `db:"market"`
		ProductID  string    `db:"product_id"`
		CategoryID string    `db:"category_id"`
		Status     string    `db:"status"`
		CreatedAt  time.Time `db:"created_at"`
		Price      int64     `db:"price_amount"`
		Popularity int64     `db:"popularity_score"`
	}
	if err := q.SelectContext(ctx, &rows, query, args...); err != nil {
		return nil, err
	}
	out := make([]catalog.Listing, len(rows))
	for i, row := range rows {
		out[i] = catalog.Listing{Market: kernel.Market(row.Market), ProductID: row.ProductID, CategoryID: row.CategoryID,
			Status: catalog.Status(row.Status), CreatedAt: row.CreatedAt.UTC(), Price: row.Price, Popularity: row.Popularity}
	}
	return out, nil
}

func loadPromotions(ctx context.Context, q Querier, m kernel.Market, at time.Time) ([]catalog.Promotion, error) {
	var rows []struct {
		ID         string    `db:"id"`
		Type       string    `db:"type"`
		Value      int64     `db:"value"`
		StartsAt   time.Time `db:"starts_at"`
		EndsAt     time.Time `db:"ends_at"`
		Markets    string    `db:"markets"`
		Products   string    `db:"products"`
		Categories string    `db:"categories"`
		Names      []byte    `db:"names"`
	}
	err := q.SelectContext(ctx, &rows, `
		SELECT p.id, p.type, p.value, p.starts_at, p.ends_at, array_to_string(p.markets, ',') AS markets,
		       (SELECT coalesce(string_agg(t.product_id::text, ','), '') FROM promotion_targets t WHERE t.promotion_id = p.id AND t.product_id IS NOT NULL) AS products,
		       (SELECT coalesce(string_agg(t.category_id::text, ','), '') FROM promotion_targets t WHERE t.promotion_id = p.id AND t.category_id IS NOT NULL) AS categories,
		       (SELECT coalesce(jsonb_object_agg(n.locale, n.name), '{}') FROM promotion_translations n WHERE n.promotion_id = p.id) AS names
		  FROM promotions p
		 WHERE p.ends_at > $2 AND p.starts_at <= $2 AND $1 = ANY(p.markets)
		 ORDER BY p.id`, string(m), at)
	if err != nil {
		return nil, err
	}
	out := make([]catalog.Promotion, len(rows))
	for i, row := range rows {
		p := catalog.Promotion{ID: row.ID, Type: catalog.PromotionType(row.Type), Value: row.Value,
			StartsAt: row.StartsAt.UTC(), EndsAt: row.EndsAt.UTC(), ProductIDs: splitList(row.Products), CategoryIDs: splitList(row.Categories)}
		for _, s := range splitList(row.Markets) {
			p.Markets = append(p.Markets, kernel.Market(s))
		}
		if err := json.Unmarshal(row.Names, &p.Names); err != nil {
			return nil, err
		}
		out[i] = p
	}
	return out, nil
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

func loadCurrentRates(ctx context.Context, q Querier, at time.Time) ([]catalog.RateEntry, error) {
	var rows []struct {
		ID            string    `db:"id"`
		Quote         string    `db:"quote_currency"`
		Rate          string    `db:"rate"`
		EffectiveFrom time.Time `db:"effective_from"`
	}
	// One backward probe of fx_rates_pair_effective_key per currency.
	err := q.SelectContext(ctx, &rows, `
		SELECT r.id, r.quote_currency, r.rate::text AS rate, r.effective_from
		  FROM currencies c
		  CROSS JOIN LATERAL (SELECT * FROM fx_rates f
		                       WHERE f.base_currency = 'KRW' AND f.quote_currency = c.code AND f.effective_from <= $1
		                       ORDER BY f.effective_from DESC LIMIT 1) r
		 ORDER BY r.quote_currency`, at)
	if err != nil {
		return nil, err
	}
	out := make([]catalog.RateEntry, 0, len(rows))
	for _, row := range rows {
		c, err := kernel.CurrencyOf(row.Quote)
		if err != nil {
			return nil, err
		}
		out = append(out, catalog.RateEntry{ID: row.ID, Quote: c, Rate: normalizeRate(row.Rate), EffectiveFrom: row.EffectiveFrom.UTC()})
	}
	return out, nil
}

func loadRankings(ctx context.Context, q Querier, m kernel.Market) ([]catalog.Ranking, error) {
	var rows []struct {
		By          string         `db:"ranked_by"`
		WindowStart time.Time      `db:"window_start"`
		WindowEnd   time.Time      `db:"window_end"`
		ComputedAt  time.Time      `db:"computed_at"`
		Rank        sql.NullInt64  `db:"rank"`
		ProductID   sql.NullString `db:"product_id"`
		Quantity    sql.NullInt64  `db:"sold_quantity"`
		Revenue     sql.NullInt64  `db:"revenue"`
	}
	err := q.SelectContext(ctx, &rows, `
		SELECT run.ranked_by, run.window_start, run.window_end, run.computed_at, r.rank, r.product_id, r.sold_quantity, r.revenue
		  FROM product_ranking_runs run
		  LEFT JOIN product_rankings r ON r.market = run.market AND r.ranked_by = run.ranked_by
		 WHERE run.market = $1
		 ORDER BY run.ranked_by, r.rank`, string(m))
	if err != nil {
		return nil, err
	}
	var out []catalog.Ranking
	for _, row := range rows {
		if len(out) == 0 || string(out[len(out)-1].By) != row.By {
			out = append(out, catalog.Ranking{Market: m, By: catalog.RankBy(row.By), WindowStart: row.WindowStart.UTC(),
				WindowEnd: row.WindowEnd.UTC(), ComputedAt: row.ComputedAt.UTC()})
		}
		if row.Rank.Valid {
			last := &out[len(out)-1]
			last.Entries = append(last.Entries, catalog.RankEntry{Rank: int(row.Rank.Int64), ProductID: row.ProductID.String,
				Quantity: row.Quantity.Int64, Revenue: row.Revenue.Int64})
		}
	}
	return out, nil
}
