-- Catalog: currencies, markets, FX rates, categories, brands, products with their texts, images and
-- SKUs, explicit per-market prices, promotions, and the per-market listing rows the product list
-- endpoint pages through.

-- +goose Up
CREATE EXTENSION IF NOT EXISTS pg_trgm;  -- trigram search for GET /v1/products?q=

CREATE TABLE currencies (
    code        char(3)  PRIMARY KEY CHECK (code ~ '^[A-Z]{3}$'),  -- ISO 4217
    minor_units smallint NOT NULL CHECK (minor_units BETWEEN 0 AND 4),
    symbol      text     NOT NULL CHECK (symbol <> '')
);

CREATE TABLE markets (
    code           char(2)     PRIMARY KEY CHECK (code ~ '^[A-Z]{2}$'),
    currency       char(3)     NOT NULL REFERENCES currencies (code),
    default_locale text        NOT NULL CHECK (default_locale IN ('ko', 'en', 'ja')),
    name           text        NOT NULL CHECK (name <> ''),
    enabled        boolean     NOT NULL DEFAULT true,
    created_at     timestamptz NOT NULL DEFAULT now(),
    -- target of the composite foreign keys that keep a market-priced row in the market's own currency
    CONSTRAINT markets_code_currency_key UNIQUE (code, currency)
);

-- The only seed data in migrations: the three markets and their currencies.
INSERT INTO currencies (code, minor_units, symbol) VALUES
    ('KRW', 0, '₩'),
    ('USD', 2, '$'),
    ('JPY', 0, '¥');
INSERT INTO markets (code, currency, default_locale, name) VALUES
    ('KR', 'KRW', 'ko', 'Korea'),
    ('US', 'USD', 'en', 'United States'),
    ('JP', 'JPY', 'ja', 'Japan');

CREATE TABLE fx_rates (
    id             uuid          PRIMARY KEY,
    base_currency  char(3)       NOT NULL REFERENCES currencies (code),   -- KRW for base prices
    quote_currency char(3)       NOT NULL REFERENCES currencies (code),
    rate           numeric(20,10) NOT NULL CHECK (rate > 0),              -- 1 base (major unit) = rate quote (major units)
    effective_from timestamptz   NOT NULL,
    source         text          NOT NULL DEFAULT 'manual',
    created_by     uuid          REFERENCES users (id),
    created_at     timestamptz   NOT NULL DEFAULT now(),
    CHECK (base_currency <> quote_currency),
    -- serves: the current rate at time t: WHERE base = $1 AND quote = $2 AND effective_from <= $t
    --         ORDER BY effective_from DESC LIMIT 1 (one backward index probe); one rate per instant
    CONSTRAINT fx_rates_pair_effective_key UNIQUE (base_currency, quote_currency, effective_from)
);

CREATE TABLE categories (
    id         uuid        PRIMARY KEY,
    parent_id  uuid        REFERENCES categories (id),
    slug       text        NOT NULL CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    path       uuid[]      NOT NULL,          -- ancestor ids root first, ending with id (maintained by the app)
    depth      smallint    NOT NULL CHECK (depth >= 0),
    sort_order integer     NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK (parent_id IS NULL OR parent_id <> id),
    CHECK (cardinality(path) = depth + 1 AND path[depth + 1] = id),
    CHECK ((parent_id IS NULL) = (depth = 0)),
    CHECK (parent_id IS NULL OR path[depth] = parent_id),
    CONSTRAINT categories_slug_key UNIQUE (slug)               -- serves: category lookup by slug
);
-- serves: children of a category in display order (category tree, breadcrumb siblings)
CREATE INDEX categories_parent_sort_idx ON categories (parent_id, sort_order, id);
-- serves: the subtree of a category for ?category= (WHERE path @> ARRAY[$1])
CREATE INDEX categories_path_gin_idx ON categories USING gin (path);

CREATE TABLE category_translations (
    category_id uuid NOT NULL REFERENCES categories (id) ON DELETE CASCADE,
    locale      text NOT NULL CHECK (locale IN ('ko', 'en', 'ja')),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    PRIMARY KEY (category_id, locale)         -- serves: category name in the request language
);

CREATE TABLE brands (
    id         uuid        PRIMARY KEY,
    slug       text        NOT NULL CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    name       text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT brands_slug_key UNIQUE (slug)  -- serves: brand lookup by slug
);

CREATE TABLE products (
    id                 uuid        PRIMARY KEY,
    category_id        uuid        NOT NULL REFERENCES categories (id),
    brand_id           uuid        REFERENCES brands (id),
    status             text        NOT NULL DEFAULT 'DRAFT' CHECK (status IN ('ACTIVE', 'HIDDEN', 'DRAFT')),
    base_price_krw     bigint      NOT NULL CHECK (base_price_krw >= 0),
    per_order_limit    integer     CHECK (per_order_limit IS NULL OR per_order_limit > 0),       -- NULL = no limit
    per_customer_limit integer     CHECK (per_customer_limit IS NULL OR per_customer_limit > 0), -- NULL = no limit
    popularity_score   bigint      NOT NULL DEFAULT 0 CHECK (popularity_score >= 0),  -- all markets; per market: product_listings
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    -- target of product_listings' cascading foreign key (keeps the listing copy of these columns in step)
    CONSTRAINT products_listing_columns_key UNIQUE (id, category_id, status, created_at)
);
-- serves: products of a category (admin/catalog maintenance, FK checks on category delete)
CREATE INDEX products_category_id_idx ON products (category_id, created_at DESC, id DESC);
-- serves: products of a brand (FK checks on brand delete)
CREATE INDEX products_brand_id_idx ON products (brand_id) WHERE brand_id IS NOT NULL;

CREATE TABLE product_translations (
    product_id  uuid        NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    locale      text        NOT NULL CHECK (locale IN ('ko', 'en', 'ja')),
    name        text        NOT NULL CHECK (length(name) BETWEEN 1 AND 300),
    description text        NOT NULL DEFAULT '',
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (product_id, locale)          -- serves: product texts in the request language
);
-- serves: GET /v1/products?q= (name ILIKE '%q%' / similarity, any language)
CREATE INDEX product_translations_name_trgm_idx ON product_translations USING gin (name gin_trgm_ops);

CREATE TABLE product_images (
    id         uuid        PRIMARY KEY,
    product_id uuid        NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    url        text        NOT NULL CHECK (url <> ''),
    alt        text        NOT NULL DEFAULT '',
    sort_order integer     NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    -- serves: images of a product in order; the first is the list thumbnail
    CONSTRAINT product_images_product_sort_key UNIQUE (product_id, sort_order)
);

CREATE TABLE skus (
    id              uuid        PRIMARY KEY,
    product_id      uuid        NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    code            text        NOT NULL CHECK (code ~ '^[A-Za-z0-9._-]{1,64}$'),
    attributes      jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(attributes) = 'object'),  -- {"color":"red","size":"M"}
    price_delta_krw bigint      NOT NULL DEFAULT 0,                  -- added to products.base_price_krw; the sum must stay >= 0
    status          text        NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'INACTIVE')),
    sort_order      integer     NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT skus_code_key UNIQUE (code),                          -- serves: SKU lookup by code (seed, admin)
    -- serves: options of a product (detail page); no two options of a product with the same attributes
    CONSTRAINT skus_product_attributes_key UNIQUE (product_id, attributes)
);
-- serves: options of a product in display order
CREATE INDEX skus_product_sort_idx ON skus (product_id, sort_order, id);

CREATE TABLE sku_market_prices (
    sku_id     uuid        NOT NULL REFERENCES skus (id) ON DELETE CASCADE,
    market     char(2)     NOT NULL,
    amount     bigint      NOT NULL CHECK (amount >= 0),              -- minor units of the market currency
    currency   char(3)     NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (sku_id, market),                                     -- serves: explicit price of a SKU in a market
    CONSTRAINT sku_market_prices_market_currency_fkey FOREIGN KEY (market, currency) REFERENCES markets (code, currency)
);

CREATE TABLE promotions (
    id         uuid        PRIMARY KEY,
    type       text        NOT NULL CHECK (type IN ('PERCENT', 'AMOUNT')),
    value      bigint      NOT NULL CHECK (value > 0),               -- percent (1..100) or KRW amount off per unit
    starts_at  timestamptz NOT NULL,
    ends_at    timestamptz NOT NULL,
    markets    text[]      NOT NULL CHECK (cardinality(markets) > 0 AND markets <@ ARRAY['KR', 'US', 'JP']::text[]),
    created_by uuid        REFERENCES users (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK (type <> 'PERCENT' OR value <= 100),
    CHECK (ends_at > starts_at)
);
-- serves: "promotions active at t" (ends_at > t AND starts_at <= t) for the price loader and listing refresh
CREATE INDEX promotions_window_idx ON promotions (ends_at, starts_at);

CREATE TABLE promotion_targets (
    id           uuid PRIMARY KEY,
    promotion_id uuid NOT NULL REFERENCES promotions (id) ON DELETE CASCADE,
    product_id   uuid REFERENCES products (id) ON DELETE CASCADE,
    category_id  uuid REFERENCES categories (id) ON DELETE CASCADE,   -- applies to the whole subtree
    CHECK (num_nonnulls(product_id, category_id) = 1),
    -- serves: targets of a promotion; one row per target
    CONSTRAINT promotion_targets_product_key UNIQUE (promotion_id, product_id),
    CONSTRAINT promotion_targets_category_key UNIQUE (promotion_id, category_id)
);
-- serves: promotions of a product (product detail, price calculation)
CREATE INDEX promotion_targets_product_idx ON promotion_targets (product_id) WHERE product_id IS NOT NULL;
-- serves: promotions of a category path (product detail, price calculation)
CREATE INDEX promotion_targets_category_idx ON promotion_targets (category_id) WHERE category_id IS NOT NULL;

CREATE TABLE promotion_translations (
    promotion_id uuid NOT NULL REFERENCES promotions (id) ON DELETE CASCADE,
    locale       text NOT NULL CHECK (locale IN ('ko', 'en', 'ja')),
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    PRIMARY KEY (promotion_id, locale)        -- serves: promotion name in the request language
);

-- One row per (market, product) the product is sold in: what GET /v1/products filters, sorts and pages
-- by. category_id, status and created_at are copies of the product's, kept equal by the cascading foreign
-- key below (an UPDATE of products updates them too); price_amount and popularity_score are refreshed by
-- the app whenever SKU prices, explicit market prices or FX rates change, and by the rankings job.
CREATE TABLE product_listings (
    market           char(2)     NOT NULL REFERENCES markets (code),
    product_id       uuid        NOT NULL,
    category_id      uuid        NOT NULL,
    status           text        NOT NULL,
    created_at       timestamptz NOT NULL,
    price_amount     bigint      NOT NULL CHECK (price_amount >= 0),  -- lowest SKU list price in the market currency (minor units)
    currency         char(3)     NOT NULL,
    popularity_score bigint      NOT NULL DEFAULT 0 CHECK (popularity_score >= 0),  -- sales in this market
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (market, product_id),
    CONSTRAINT product_listings_product_fkey FOREIGN KEY (product_id, category_id, status, created_at)
        REFERENCES products (id, category_id, status, created_at) ON UPDATE CASCADE ON DELETE CASCADE,
    CONSTRAINT product_listings_market_currency_fkey FOREIGN KEY (market, currency) REFERENCES markets (code, currency)
);
-- serves: GET /v1/products?sort=newest (keyset on created_at, product_id), hidden/draft products excluded
CREATE INDEX product_listings_newest_idx ON product_listings (market, created_at DESC, product_id DESC) WHERE status = 'ACTIVE';
-- serves: GET /v1/products?category=&sort=newest
CREATE INDEX product_listings_category_newest_idx ON product_listings (market, category_id, created_at DESC, product_id DESC) WHERE status = 'ACTIVE';
-- serves: GET /v1/products?sort=price_asc|price_desc (forward / backward scan, keyset on price_amount, product_id)
CREATE INDEX product_listings_price_idx ON product_listings (market, price_amount, product_id) WHERE status = 'ACTIVE';
-- serves: GET /v1/products?category=&sort=price_asc|price_desc
CREATE INDEX product_listings_category_price_idx ON product_listings (market, category_id, price_amount, product_id) WHERE status = 'ACTIVE';
-- serves: GET /v1/products?sort=popular (keyset on popularity_score DESC, product_id)
CREATE INDEX product_listings_popular_idx ON product_listings (market, popularity_score DESC, product_id) WHERE status = 'ACTIVE';
-- serves: GET /v1/products?category=&sort=popular
CREATE INDEX product_listings_category_popular_idx ON product_listings (market, category_id, popularity_score DESC, product_id) WHERE status = 'ACTIVE';
-- serves: listing rows of a product across markets (refresh after a price change; cascading FK lookups)
CREATE INDEX product_listings_product_idx ON product_listings (product_id);

-- +goose Down
DROP TABLE product_listings;
DROP TABLE promotion_translations;
DROP TABLE promotion_targets;
DROP TABLE promotions;
DROP TABLE sku_market_prices;
DROP TABLE skus;
DROP TABLE product_images;
DROP TABLE product_translations;
DROP TABLE products;
DROP TABLE brands;
DROP TABLE category_translations;
DROP TABLE categories;
DROP TABLE fx_rates;
DROP TABLE markets;
DROP TABLE currencies;
DROP EXTENSION IF EXISTS pg_trgm;
