package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jupang/jupang/core/catalog"
	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/kernel"
)

// CatalogStores builds catalog.Stores on q (the primary, inside a unit of work).
func CatalogStores(q Querier) catalog.Stores {
	r := &CatalogRepository{catalogQueries: queriesOn(q), q: q}
	return catalog.Stores{Catalog: r, Changes: &changeLog{q: q}, Sales: &Sales{q: q}, Rankings: r}
}

// CatalogRepository is the catalog's write side on the primary: catalog.Catalog and
// catalog.RankingStore.
type CatalogRepository struct {
	catalogQueries
	q Querier
}

// ProductIDs implements catalog.Catalog.
func (r *CatalogRepository) ProductIDs(ctx context.Context) ([]string, error) {
	var ids []string
	return ids, r.q.SelectContext(ctx, &ids, `SELECT id::text FROM products ORDER BY id`)
}

// SaveCategory implements catalog.Catalog.
func (r *CatalogRepository) SaveCategory(ctx context.Context, c catalog.Category) error {
	_, err := r.q.ExecContext(ctx, `
		INSERT INTO categories (id, parent_id, slug, path, depth, sort_order)
		VALUES ($1, $2, $3, $4::uuid[], $5, $6)
		ON CONFLICT (id) DO UPDATE SET parent_id = EXCLUDED.parent_id, slug = EXCLUDED.slug, path = EXCLUDED.path,
		       depth = EXCLUDED.depth, sort_order = EXCLUDED.sort_order`,
		c.ID, nullString(c.ParentID), c.Slug, c.Path, c.Depth(), c.SortOrder)
	if IsUniqueViolation(err, "categories_slug_key") {
		return catalog.ErrSlugTaken.WithField("slug", "SLUG_TAKEN", "another category uses this slug")
	}
	if err != nil {
		return err
	}
	return saveTexts(ctx, r.q, "category_translations", "category_id", c.ID, c.Names)
}

// saveTexts makes texts the rows of a translations table (locale, name) for one owner.
func saveTexts(ctx context.Context, q Querier, table, owner, id string, texts catalog.Localized) error {
	locales, values := localizedArrays(texts)
	_, err := q.ExecContext(ctx, fmt.Sprintf(`DELETE FROM %s WHERE %s = $1 AND locale <> ALL($2::text[])`, table, owner), id, locales)
	if err != nil {
		return err
	}
	_, err = q.ExecContext(ctx, fmt.Sprintf(`
		INSERT INTO %s (%s, locale, name) SELECT $1, l, n FROM unnest($2::text[], $3::text[]) AS x(l, n)
		ON CONFLICT (%s, locale) DO UPDATE SET name = EXCLUDED.name`, table, owner, owner), id, locales, values)
	return err
}

func localizedArrays(t catalog.Localized) (locales, values []string) {
	for _, l := range kernel.Locales {
		if v, ok := t[l]; ok {
			locales = append(locales, string(l))
			values = append(values, v)
		}
	}
	return locales, values
}

// SaveBrand implements catalog.Catalog.
func (r *CatalogRepository) SaveBrand(ctx context.Context, b catalog.Brand) error {
	_, err := r.q.ExecContext(ctx, `
		INSERT INTO brands (id, slug, name) VALUES ($1, $2, $3)
		ON CONFLICT (id) DO UPDATE SET slug = EXCLUDED.slug, name = EXCLUDED.name`, b.ID, b.Slug, b.Name)
	if IsUniqueViolation(err, "brands_slug_key") {
		return catalog.ErrSlugTaken.WithField("slug", "SLUG_TAKEN", "another brand uses this slug")
	}
	return err
}

// SaveProduct implements catalog.Catalog.
func (r *CatalogRepository) SaveProduct(ctx context.Context, p catalog.Product) error {
	_, err := r.q.ExecContext(ctx, `
		INSERT INTO products (id, category_id, brand_id, status, base_price_krw, per_order_limit, per_customer_limit, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT (id) DO UPDATE SET category_id = EXCLUDED.category_id, brand_id = EXCLUDED.brand_id, status = EXCLUDED.status,
		       base_price_krw = EXCLUDED.base_price_krw, per_order_limit = EXCLUDED.per_order_limit,
		       per_customer_limit = EXCLUDED.per_customer_limit, updated_at = EXCLUDED.updated_at`,
		p.ID, p.CategoryID, nullString(p.BrandID), string(p.Status), p.BasePrice, nullPositive(p.Limits.PerOrder),
		nullPositive(p.Limits.PerCustomer), p.CreatedAt, p.UpdatedAt)
	if err != nil {
		return err
	}
	locales, nameValues := localizedArrays(p.Names)
	descriptions := make([]string, len(locales))
	for i, l := range locales {
		descriptions[i] = p.Descriptions[kernel.Locale(l)]
	}
	if _, err := r.q.ExecContext(ctx, `DELETE FROM product_translations WHERE product_id = $1 AND locale <> ALL($2::text[])`, p.ID, locales); err != nil {
		return err
	}
	if _, err := r.q.ExecContext(ctx, `
		INSERT INTO product_translations (product_id, locale, name, description, updated_at)
		SELECT $1, l, n, d, $5 FROM unnest($2::text[], $3::text[], $4::text[]) AS x(l, n, d)
		ON CONFLICT (product_id, locale) DO UPDATE SET name = EXCLUDED.name, description = EXCLUDED.description, updated_at = EXCLUDED.updated_at`,
		p.ID, locales, nameValues, descriptions, p.UpdatedAt); err != nil {
		return err
	}
	if _, err := r.q.ExecContext(ctx, `DELETE FROM product_images WHERE product_id = $1`, p.ID); err != nil {
		return err
	}
	for i, img := range p.Images {
		if _, err := r.q.ExecContext(ctx, `INSERT INTO product_images (id, product_id, url, alt, sort_order) VALUES ($1, $2, $3, $4, $5)`,
			kernel.NewID(), p.ID, img.URL, img.Alt, i); err != nil {
			return err
		}
	}
	for i, s := range p.SKUs {
		if err := r.saveSKU(ctx, p.ID, i, s); err != nil {
			return err
		}
	}
	return nil
}

func (r *CatalogRepository) saveSKU(ctx context.Context, productID string, order int, s catalog.SKU) error {
	attrs, err := json.Marshal(orEmpty(s.Attributes))
	if err != nil {
		return err
	}
	status := "INACTIVE"
	if s.Active {
		status = "ACTIVE"
	}
	// The WHERE keeps an id that belongs to another product from being moved here.
	res, err := r.q.ExecContext(ctx, `
		INSERT INTO skus (id, product_id, code, attributes, price_delta_krw, status, sort_order)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (id) DO UPDATE SET code = EXCLUDED.code, attributes = EXCLUDED.attributes,
		       price_delta_krw = EXCLUDED.price_delta_krw, status = EXCLUDED.status, sort_order = EXCLUDED.sort_order
		 WHERE skus.product_id = EXCLUDED.product_id`,
		s.ID, productID, s.Code, attrs, s.PriceDelta, status, order)
	switch {
	case IsUniqueViolation(err, "skus_code_key"):
		return catalog.ErrSKUCodeTaken.WithField("skus", "SKU_CODE_TAKEN", "code "+s.Code+" is used by another SKU")
	case IsUniqueViolation(err, "skus_product_attributes_key"):
		return errs.ErrValidation.WithField("skus", "DUPLICATE", "two options of a product cannot have the same attributes")
	case err != nil:
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n != 1 {
		return errs.ErrValidation.WithField("skus", "SKU_OF_ANOTHER_PRODUCT", "SKU "+s.ID+" belongs to another product")
	}
	if _, err := r.q.ExecContext(ctx, `DELETE FROM sku_market_prices WHERE sku_id = $1`, s.ID); err != nil {
		return err
	}
	for _, m := range kernel.Markets {
		price, ok := s.MarketPrices[m]
		if !ok {
			continue
		}
		if _, err := r.q.ExecContext(ctx, `INSERT INTO sku_market_prices (sku_id, market, amount, currency) VALUES ($1, $2, $3, $4)`,
			s.ID, string(m), price.Amount, price.Currency.Code); err != nil {
			return err
		}
	}
	return nil
}

// SaveListings implements catalog.Catalog: rows that already hold these values are not updated
// (a reprice that changes nothing leaves no dead tuples).
func (r *CatalogRepository) SaveListings(ctx context.Context, productID string, ls []catalog.Listing) (bool, error) {
	markets := make([]string, len(ls))
	for i, l := range ls {
		markets[i] = string(l.Market)
	}
	res, err := r.q.ExecContext(ctx, `DELETE FROM product_listings WHERE product_id = $1 AND market <> ALL($2::text[])`, productID, markets)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, err
	}
	changed := n > 0
	for _, l := range ls {
		res, err := r.q.ExecContext(ctx, `
			INSERT INTO product_listings (market, product_id, category_id, status, created_at, price_amount, currency, popularity_score)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
			ON CONFLICT (market, product_id) DO UPDATE SET category_id = EXCLUDED.category_id, status = EXCLUDED.status,
			       created_at = EXCLUDED.created_at, price_amount = EXCLUDED.price_amount, currency = EXCLUDED.currency, updated_at = now()
			 WHERE (product_listings.category_id, product_listings.status, product_listings.created_at, product_listings.price_amount,
			        product_listings.currency)
			       IS DISTINCT FROM (EXCLUDED.category_id, EXCLUDED.status, EXCLUDED.created_at, EXCLUDED.price_amount, EXCLUDED.currency)`,
			string(l.Market), productID, l.CategoryID, string(l.Status), l.CreatedAt, l.Price, l.Market.Currency().Code, l.Popularity)
		if err != nil {
			return false, err
		}
		if n, err = res.RowsAffected(); err != nil {
			return false, err
		}
		changed = changed || n > 0
	}
	return changed, nil
}

// SaveRate implements catalog.Catalog.
func (r *CatalogRepository) SaveRate(ctx context.Context, e catalog.RateEntry) error {
	_, err := r.q.ExecContext(ctx, `
		INSERT INTO fx_rates (id, base_currency, quote_currency, rate, effective_from) VALUES ($1, 'KRW', $2, $3::numeric, $4)`,
		e.ID, e.Quote.Code, e.Rate, e.EffectiveFrom)
	if IsUniqueViolation(err, "fx_rates_pair_effective_key") {
		return catalog.ErrRateExists
	}
	return err
}

// SavePromotion implements catalog.Catalog.
func (r *CatalogRepository) SavePromotion(ctx context.Context, p catalog.Promotion) error {
	markets := make([]string, len(p.Markets))
	for i, m := range p.Markets {
		markets[i] = string(m)
	}
	if _, err := r.q.ExecContext(ctx, `
		INSERT INTO promotions (id, type, value, starts_at, ends_at, markets) VALUES ($1, $2, $3, $4, $5, $6::text[])
		ON CONFLICT (id) DO UPDATE SET type = EXCLUDED.type, value = EXCLUDED.value, starts_at = EXCLUDED.starts_at,
		       ends_at = EXCLUDED.ends_at, markets = EXCLUDED.markets`,
		p.ID, string(p.Type), p.Value, p.StartsAt, p.EndsAt, markets); err != nil {
		return err
	}
	if _, err := r.q.ExecContext(ctx, `DELETE FROM promotion_targets WHERE promotion_id = $1`, p.ID); err != nil {
		return err
	}
	if _, err := r.q.ExecContext(ctx, `
		INSERT INTO promotion_targets (id, promotion_id, product_id) SELECT gen_random_uuid(), $1, x FROM unnest($2::uuid[]) x`,
		p.ID, orEmptySlice(p.ProductIDs)); err != nil {
		return err
	}
	if _, err := r.q.ExecContext(ctx, `
		INSERT INTO promotion_targets (id, promotion_id, category_id) SELECT gen_random_uuid(), $1, x FROM unnest($2::uuid[]) x`,
		p.ID, orEmptySlice(p.CategoryIDs)); err != nil {
		return err
	}
	return saveTexts(ctx, r.q, "promotion_translations", "promotion_id", p.ID, p.Names)
}

// rankingLockKey names the advisory lock that serialises ranking rebuilds.
const rankingLockKey = "catalog.rankings"

// Lock implements catalog.RankingStore with a transaction-scoped advisory lock.
func (r *CatalogRepository) Lock(ctx context.Context) error {
	_, err := r.q.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext($1))`, rankingLockKey)
	return err
}

// ReplaceBuckets implements catalog.RankingStore.
func (r *CatalogRepository) ReplaceBuckets(ctx context.Context, from time.Time, buckets []catalog.SalesBucket) error {
	if _, err := r.q.ExecContext(ctx, `DELETE FROM sales_hourly WHERE hour >= $1`, from); err != nil {
		return err
	}
	n := len(buckets)
	markets, hours, products, qty, revenue := make([]string, n), make([]time.Time, n), make([]string, n), make([]int64, n), make([]int64, n)
	for i, b := range buckets {
		markets[i], hours[i], products[i], qty[i], revenue[i] = string(b.Market), b.Hour, b.ProductID, b.Quantity, b.Revenue
	}
	_, err := r.q.ExecContext(ctx, `
		INSERT INTO sales_hourly (market, hour, product_id, quantity, revenue)
		SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::uuid[], $4::bigint[], $5::bigint[])`,
		markets, hours, products, qty, revenue)
	return err
}

// SalesByProduct implements catalog.RankingStore.
func (r *CatalogRepository) SalesByProduct(ctx context.Context, m kernel.Market, from, to time.Time) ([]catalog.ProductSales, error) {
	var out []catalog.ProductSales
	return out, r.q.SelectContext(ctx, &out, `
		SELECT product_id::text AS productid, sum(quantity)::bigint AS quantity, sum(revenue)::bigint AS revenue
		  FROM sales_hourly WHERE market = $1 AND hour >= $2 AND hour < $3
		 GROUP BY product_id ORDER BY product_id`, string(m), from, to)
}

// SaveRanking implements catalog.RankingStore.
func (r *CatalogRepository) SaveRanking(ctx context.Context, rk catalog.Ranking) error {
	if _, err := r.q.ExecContext(ctx, `DELETE FROM product_rankings WHERE market = $1 AND ranked_by = $2`, string(rk.Market), string(rk.By)); err != nil {
		return err
	}
	n := len(rk.Entries)
	ranks, products, qty, revenue := make([]int64, n), make([]string, n), make([]int64, n), make([]int64, n)
	for i, e := range rk.Entries {
		ranks[i], products[i], qty[i], revenue[i] = int64(e.Rank), e.ProductID, e.Quantity, e.Revenue
	}
	if _, err := r.q.ExecContext(ctx, `
		INSERT INTO product_rankings (market, ranked_by, rank, product_id, sold_quantity, revenue, currency, window_start, window_end, computed_at)
		SELECT $1, $2, x.rank, x.product_id, x.qty, x.revenue, $3, $4, $5, $6
		  FROM unnest($7::smallint[], $8::uuid[], $9::bigint[], $10::bigint[]) AS x(rank, product_id, qty, revenue)`,
		string(rk.Market), string(rk.By), rk.Market.Currency().Code, rk.WindowStart, rk.WindowEnd, rk.ComputedAt,
		ranks, products, qty, revenue); err != nil {
		return err
	}
	_, err := r.q.ExecContext(ctx, `
		INSERT INTO product_ranking_runs (market, ranked_by, window_start, window_end, computed_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (market, ranked_by) DO UPDATE SET window_start = EXCLUDED.window_start, window_end = EXCLUDED.window_end,
		       computed_at = EXCLUDED.computed_at`,
		string(rk.Market), string(rk.By), rk.WindowStart, rk.WindowEnd, rk.ComputedAt)
	return err
}

// SetPopularity implements catalog.RankingStore; only rows whose score changes are written.
func (r *CatalogRepository) SetPopularity(ctx context.Context, m kernel.Market, scores map[string]int64) (bool, error) {
	ids := make([]string, 0, len(scores))
	values := make([]int64, 0, len(scores))
	for id, v := range scores {
		ids, values = append(ids, id), append(values, v)
	}
	res, err := r.q.ExecContext(ctx, `
		UPDATE product_listings l SET popularity_score = coalesce(x.score, 0), updated_at = now()
		  FROM product_listings cur
		  LEFT JOIN unnest($2::uuid[], $3::bigint[]) AS x(product_id, score) ON x.product_id = cur.product_id
		 WHERE cur.market = $1 AND l.market = cur.market AND l.product_id = cur.product_id
		   AND l.popularity_score <> coalesce(x.score, 0)`,
		string(m), ids, values)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nullPositive(n int) any {
	if n <= 0 {
		return nil
	}
	return n
}

func orEmpty(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

func orEmptySlice(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// normalizeRate trims a numeric's trailing zeros: "0.0007500000" → "0.00075", "1.0000000000" → "1".
func normalizeRate(s string) string {
	if !strings.Contains(s, ".") {
		return s
	}
	return strings.TrimSuffix(strings.TrimRight(s, "0"), ".")
}

// sortMarkets puts markets in kernel.Markets order.
func sortMarkets(ms []kernel.Market) {
	slices.SortFunc(ms, func(a, b kernel.Market) int {
		return slices.Index(kernel.Markets, a) - slices.Index(kernel.Markets, b)
	})
}
