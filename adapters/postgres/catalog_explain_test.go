package postgres_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jupang/jupang/adapters/postgres"
	"github.com/jupang/jupang/adapters/postgres/pgtest"
	"github.com/jupang/jupang/core/catalog"
	"github.com/jupang/jupang/core/kernel"
)

// explainQuerier answers every SELECT with its plan instead of its rows: the query is EXPLAINed
// with the same arguments (so PostgreSQL plans it for those values) and dest is left empty.
type explainQuerier struct {
	postgres.Querier
	plans []string
}

func (e *explainQuerier) SelectContext(ctx context.Context, _ any, query string, args ...any) error {
	var lines []string
	if err := e.Querier.SelectContext(ctx, &lines, "EXPLAIN "+query, args...); err != nil {
		return err
	}
	e.plans = append(e.plans, strings.Join(lines, "\n"))
	return nil
}

func (e *explainQuerier) GetContext(context.Context, any, string, ...any) error {
	panic("catalog reads use SelectContext")
}

// Read implements postgres.Reads by running fn on the explaining querier.
func (e *explainQuerier) Read(ctx context.Context, fn func(ctx context.Context, q postgres.Querier) error) error {
	return fn(ctx, e)
}

func (e *explainQuerier) last(t *testing.T) string {
	t.Helper()
	if len(e.plans) == 0 {
		t.Fatal("no query was planned")
	}
	return e.plans[len(e.plans)-1]
}

// TestCatalogQueryPlansUseTheirIndexes fills a database with a realistic catalog (30 000 products
// in 3 markets, eight days of hourly sales, two years of orders), analyzes it, and checks the plan of
// every product-list shape and of the top-products path.
func TestCatalogQueryPlansUseTheirIndexes(t *testing.T) {
	t.Parallel() // a database of its own
	ctx := context.Background()
	db, _ := pgtest.Another(t)
	buyer := insertBuyer(t, db)
	for _, stmt := range []string{
		`INSERT INTO categories (id, slug, path, depth) VALUES ('00000000-0000-7000-8000-000000000001', 'root', '{00000000-0000-7000-8000-000000000001}', 0)`,
		`WITH c AS (SELECT gen_random_uuid() AS id, g FROM generate_series(1, 20) g)
		 INSERT INTO categories (id, parent_id, slug, path, depth, sort_order)
		 SELECT id, '00000000-0000-7000-8000-000000000001', 'c' || g, ARRAY['00000000-0000-7000-8000-000000000001'::uuid, id], 1, g FROM c`,
		`WITH cats AS (SELECT id, (row_number() OVER (ORDER BY id)) - 1 AS n FROM categories WHERE depth = 1)
		 INSERT INTO products (id, category_id, status, base_price_krw, created_at)
		 SELECT gen_random_uuid(), cats.id, CASE WHEN g % 50 = 0 THEN 'HIDDEN' ELSE 'ACTIVE' END, (g * 37 % 100000) * 10,
		        now() - g * interval '1 minute'
		   FROM generate_series(1, 30000) g JOIN cats ON cats.n = g % 20`,
		`INSERT INTO product_translations (product_id, locale, name) SELECT id, l, 'Product ' || id FROM products, unnest(ARRAY['ko', 'en', 'ja']) l`,
		`INSERT INTO product_listings (market, product_id, category_id, status, created_at, price_amount, currency, popularity_score)
		 SELECT m.code, p.id, p.category_id, p.status, p.created_at, p.base_price_krw, m.currency, hashtext(p.id::text) & 1023
		   FROM products p CROSS JOIN markets m`,
		`INSERT INTO skus (id, product_id, code) SELECT gen_random_uuid(), id, 'S-' || id FROM (SELECT id FROM products ORDER BY id LIMIT 200) p`,
		`INSERT INTO sales_hourly (market, hour, product_id, quantity, revenue)
		 SELECT m.code, date_trunc('hour', now()) - h * interval '1 hour', s.product_id, 1, 100
		   FROM markets m, generate_series(0, 24 * 8) h, (SELECT product_id FROM skus) s`,
		`INSERT INTO orders (id, number, user_id, market, currency, status, subtotal, tax_included, total, card_paid, shipping_address, paid_at)
		 SELECT gen_random_uuid(), 'X' || lpad(g::text, 8, '0'), '` + buyer + `', 'KR', 'KRW', 'PAID', 1000, true, 1000, 1000, '{}',
		        now() - g * interval '15 minutes'
		   FROM generate_series(1, 70080) g`,
		`INSERT INTO order_items (id, order_id, sku_id, product_id, name, sku_code, unit_price, quantity, line_total)
		 SELECT gen_random_uuid(), o.id, s.id, s.product_id, 'n', s.code, 1000, 1, 1000
		   FROM (SELECT id, row_number() OVER (ORDER BY id) % 200 AS n FROM orders) o
		   JOIN (SELECT id, product_id, code, (row_number() OVER (ORDER BY id)) - 1 AS n FROM skus) s ON s.n = o.n`,
		`INSERT INTO product_ranking_runs (market, ranked_by, window_start, window_end, computed_at)
		 SELECT m.code, b, now() - interval '72 hours', now(), now() FROM markets m, unnest(ARRAY['quantity', 'revenue']) b`,
		`INSERT INTO product_rankings (market, ranked_by, rank, product_id, sold_quantity, revenue, currency, window_start, window_end, computed_at)
		 SELECT m.code, b, r, s.product_id, 100 - r, 1000, m.currency, now() - interval '72 hours', now(), now()
		   FROM markets m, unnest(ARRAY['quantity', 'revenue']) b,
		        (SELECT product_id, row_number() OVER (ORDER BY id) AS r FROM skus) s WHERE s.r <= 20`,
		`ANALYZE`,
	} {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	var leaf, last string
	var subtree []string
	if err := db.GetContext(ctx, &leaf, `SELECT id FROM categories WHERE depth = 1 ORDER BY id LIMIT 1`); err != nil {
		t.Fatal(err)
	}
	if err := db.SelectContext(ctx, &subtree, `SELECT id FROM categories WHERE depth = 1 ORDER BY id LIMIT 4`); err != nil {
		t.Fatal(err)
	}
	if err := db.GetContext(ctx, &last, `SELECT product_id FROM product_listings WHERE market = 'KR' ORDER BY product_id LIMIT 1 OFFSET 500`); err != nil {
		t.Fatal(err)
	}
	ex := &explainQuerier{Querier: db.DB}
	reader := postgres.NewCatalogReader(ex)
	after := &catalog.Position{CreatedAt: time.Now().Add(-time.Hour), Price: 500_000, Popularity: 600, ProductID: last}

	expect := func(t *testing.T, plan string, index string) {
		t.Helper()
		if !regexp.MustCompile(`Index (Only )?Scan( Backward)? using ` + index + ` on`).MatchString(plan) {
			t.Errorf("plan does not scan %s:\n%s", index, plan)
		}
		if strings.Contains(plan, "Seq Scan on product_listings") {
			t.Errorf("plan scans product_listings sequentially:\n%s", plan)
		}
	}
	for _, c := range []struct {
		sort          catalog.Sort
		plain, inLeaf string
	}{
		{catalog.SortNewest, "product_listings_newest_idx", "product_listings_category_newest_idx"},
		{catalog.SortPriceAsc, "product_listings_price_idx", "product_listings_category_price_idx"},
		{catalog.SortPriceDesc, "product_listings_price_idx", "product_listings_category_price_idx"},
		{catalog.SortPopular, "product_listings_popular_idx", "product_listings_category_popular_idx"},
	} {
		t.Run(string(c.sort), func(t *testing.T) {
			for _, pos := range []*catalog.Position{nil, after} {
				lq := catalog.ListingQuery{Market: kernel.MarketKR, Sort: c.sort, Limit: 21, After: pos}
				if _, err := reader.Listings(ctx, lq); err != nil {
					t.Fatal(err)
				}
				expect(t, ex.last(t), c.plain)
				lq.CategoryIDs = []string{leaf}
				if _, err := reader.Listings(ctx, lq); err != nil {
					t.Fatal(err)
				}
				expect(t, ex.last(t), c.inLeaf)
				lq.CategoryIDs = subtree // a parent category: one ordered scan per child, merged
				if _, err := reader.Listings(ctx, lq); err != nil {
					t.Fatal(err)
				}
				plan := ex.last(t)
				expect(t, plan, c.inLeaf)
				if !strings.Contains(plan, "Merge Append") || strings.Contains(plan, "Sort  (") {
					t.Errorf("subtree plan does not merge ordered scans:\n%s", plan)
				}
				if pos != nil {
					t.Logf("subtree page after a cursor:\n%s", plan)
				}
			}
		})
	}
	t.Run("search by name", func(t *testing.T) {
		// Whether the trigram index or the sort index with the EXISTS filter is cheaper depends on
		// how selective the text is; either way the listing table is never read in full.
		lq := catalog.ListingQuery{Market: kernel.MarketKR, Locale: kernel.LocaleEN, Q: last[:6], Sort: catalog.SortNewest, Limit: 21}
		if _, err := reader.Listings(ctx, lq); err != nil {
			t.Fatal(err)
		}
		plan := ex.last(t)
		if strings.Contains(plan, "Seq Scan on product_listings") {
			t.Errorf("search plan scans product_listings sequentially:\n%s", plan)
		}
		t.Logf("search plan:\n%s", plan)
	})
	t.Run("ranking job: window sums and paid lines", func(t *testing.T) {
		stores := postgres.CatalogStores(ex)
		now := time.Now().UTC()
		from := catalog.HourOf(now).Add(-catalog.RankingWindow)
		if _, err := stores.Rankings.SalesByProduct(ctx, kernel.MarketKR, from, now); err != nil {
			t.Fatal(err)
		}
		// Either index of sales_hourly bounds the scan to the window; which one is the planner's call.
		if plan := ex.last(t); !regexp.MustCompile(`Index (Only )?Scan using sales_hourly_(pkey|hour_idx)`).MatchString(plan) ||
			strings.Contains(plan, "Seq Scan") {
			t.Errorf("window sum does not use an index of sales_hourly:\n%s", plan)
		} else {
			t.Logf("window sum plan:\n%s", plan)
		}
		if _, err := stores.Sales.PaidLines(ctx, from, now); err != nil {
			t.Fatal(err)
		}
		if plan := ex.last(t); !strings.Contains(plan, "orders_paid_at_idx") || strings.Contains(plan, "Seq Scan") {
			t.Errorf("paid lines do not use orders_paid_at_idx and an index of order_items:\n%s", plan)
		} else {
			t.Logf("paid lines plan:\n%s", plan)
		}
	})
	t.Run("top products cache fill", func(t *testing.T) {
		// The stored lists are tiny by design (at most 100 ranks × 2 measures × 3 markets), so the
		// planner may rightly read them sequentially; the primary keys must still serve the query
		// once the table is big enough to matter, which disabling sequential scans shows.
		tx, err := db.BeginTxx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback() //nolint:errcheck // read-only
		if _, err := tx.ExecContext(ctx, `SET LOCAL enable_seqscan = off`); err != nil {
			t.Fatal(err)
		}
		one := &explainQuerier{Querier: tx}
		if _, err := postgres.NewCatalogReader(one).Rankings(ctx, kernel.MarketKR); err != nil {
			t.Fatal(err)
		}
		plan := one.last(t)
		if !strings.Contains(plan, "product_ranking_runs_pkey") || !regexp.MustCompile(`product_rankings_(pkey|product_key)`).MatchString(plan) {
			t.Errorf("cache fill does not use the ranking primary keys:\n%s", plan)
		}
	})
}
