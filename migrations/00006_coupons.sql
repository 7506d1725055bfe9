-- Coupons: definitions edited by Marketing, their texts and targets, the coupons users claimed and the
-- history of every state change of a claimed coupon.

-- +goose Up
CREATE TABLE coupons (
    id                   uuid        PRIMARY KEY,
    code                 text        NOT NULL CHECK (code ~ '^[A-Za-z0-9_-]{3,40}$'),
    type                 text        NOT NULL CHECK (type IN ('PERCENT', 'FIXED')),
    value                bigint      NOT NULL CHECK (value > 0),       -- percent (1..100) or KRW amount
    max_discount_krw     bigint      CHECK (max_discount_krw IS NULL OR max_discount_krw > 0),
    min_order_amount_krw bigint      NOT NULL DEFAULT 0 CHECK (min_order_amount_krw >= 0),
    valid_from           timestamptz NOT NULL,
    valid_until          timestamptz NOT NULL,
    valid_days           integer     CHECK (valid_days IS NULL OR valid_days > 0),  -- a claimed coupon lives this long (capped by valid_until)
    total_quantity       integer     CHECK (total_quantity IS NULL OR total_quantity >= 0),  -- NULL = unlimited
    issued_count         integer     NOT NULL DEFAULT 0 CHECK (issued_count >= 0),
    per_user_limit       integer     NOT NULL DEFAULT 1 CHECK (per_user_limit >= 1),
    status               text        NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('DRAFT', 'ACTIVE', 'PAUSED', 'ARCHIVED')),
    version              integer     NOT NULL DEFAULT 1 CHECK (version >= 1),   -- If-Match on PATCH /v1/admin/coupons/{id}
    created_by           uuid        REFERENCES users (id),
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    CHECK (type <> 'PERCENT' OR value <= 100),
    CHECK (valid_until > valid_from),
    -- never more issued than exist; also "total quantity never below issued" on PATCH
    CONSTRAINT coupons_issued_within_total CHECK (total_quantity IS NULL OR issued_count <= total_quantity)
);
-- serves: POST /v1/coupons/{code}/claim and validate by code, case-insensitive; codes unique in any letter case
CREATE UNIQUE INDEX coupons_code_lower_key ON coupons (lower(code));
-- serves: admin coupon lists by status, newest first
CREATE INDEX coupons_status_created_idx ON coupons (status, created_at DESC, id DESC);

CREATE TABLE coupon_translations (
    coupon_id uuid NOT NULL REFERENCES coupons (id) ON DELETE CASCADE,
    locale    text NOT NULL CHECK (locale IN ('ko', 'en', 'ja')),
    name      text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    PRIMARY KEY (coupon_id, locale)           -- serves: coupon name in the request language
);

-- No row of a kind = no restriction of that kind (e.g. no market rows: every market).
CREATE TABLE coupon_targets (
    id          uuid    PRIMARY KEY,
    coupon_id   uuid    NOT NULL REFERENCES coupons (id) ON DELETE CASCADE,
    market      char(2) REFERENCES markets (code),
    category_id uuid    REFERENCES categories (id),
    product_id  uuid    REFERENCES products (id),
    CHECK (num_nonnulls(market, category_id, product_id) = 1),
    -- serves: targets of a coupon (validate, order placement); one row per target
    CONSTRAINT coupon_targets_market_key UNIQUE (coupon_id, market),
    CONSTRAINT coupon_targets_category_key UNIQUE (coupon_id, category_id),
    CONSTRAINT coupon_targets_product_key UNIQUE (coupon_id, product_id)
);

CREATE TABLE user_coupons (
    id            uuid        PRIMARY KEY,
    coupon_id     uuid        NOT NULL REFERENCES coupons (id),
    user_id       uuid        NOT NULL REFERENCES users (id),
    claim_no      integer     NOT NULL CHECK (claim_no >= 1),       -- 1..per_user_limit; the app inserts count + 1
    status        text        NOT NULL DEFAULT 'AVAILABLE' CHECK (status IN ('AVAILABLE', 'USED', 'EXPIRED', 'CANCELLED')),
    claimed_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    used_at       timestamptz,
    used_order_id uuid,                                             -- FK to orders (deferred) added in 00007
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CHECK (expires_at > claimed_at),
    CHECK ((status = 'USED') = (used_order_id IS NOT NULL)),
    CHECK ((status = 'USED') = (used_at IS NOT NULL)),
    -- serves: per-user limit under concurrent claims by one user: two claims with the same claim_no collide
    CONSTRAINT user_coupons_claim_no_key UNIQUE (coupon_id, user_id, claim_no)
);
-- serves: GET /v1/users/me/coupons?status= (keyset, newest first) and the support customer view
CREATE INDEX user_coupons_user_status_idx ON user_coupons (user_id, status, claimed_at DESC, id DESC);
-- serves: GET /v1/users/me/coupons without a status filter
CREATE INDEX user_coupons_user_claimed_idx ON user_coupons (user_id, claimed_at DESC, id DESC);
-- serves: the expiry job: AVAILABLE coupons whose expires_at has passed
CREATE INDEX user_coupons_expiry_idx ON user_coupons (expires_at) WHERE status = 'AVAILABLE';
-- serves: GET /v1/admin/coupons/{id}/stats counts by status
CREATE INDEX user_coupons_coupon_status_idx ON user_coupons (coupon_id, status);
-- serves: GET /v1/admin/coupons/{id}/stats claims per hour
CREATE INDEX user_coupons_coupon_claimed_idx ON user_coupons (coupon_id, claimed_at);
-- serves: restoring the coupon of a cancelled order (WHERE used_order_id = $1)
CREATE INDEX user_coupons_used_order_idx ON user_coupons (used_order_id) WHERE used_order_id IS NOT NULL;

CREATE TABLE user_coupon_history (
    id             uuid        PRIMARY KEY,
    user_coupon_id uuid        NOT NULL REFERENCES user_coupons (id) ON DELETE CASCADE,
    from_status    text        CHECK (from_status IS NULL OR from_status IN ('AVAILABLE', 'USED', 'EXPIRED', 'CANCELLED')),  -- NULL: the claim
    to_status      text        NOT NULL CHECK (to_status IN ('AVAILABLE', 'USED', 'EXPIRED', 'CANCELLED')),
    reason         text        NOT NULL DEFAULT '',
    order_id       uuid,                                            -- FK to orders (deferred) added in 00007
    actor_id       uuid        REFERENCES users (id),               -- NULL: a system job
    created_at     timestamptz NOT NULL DEFAULT now(),
    CHECK (from_status IS DISTINCT FROM to_status)
);
-- serves: GET /v1/users/me/coupons/{id}/history in time order
CREATE INDEX user_coupon_history_coupon_created_idx ON user_coupon_history (user_coupon_id, created_at, id);

ALTER TABLE carts ADD CONSTRAINT carts_user_coupon_id_fkey
    FOREIGN KEY (user_coupon_id) REFERENCES user_coupons (id) ON DELETE SET NULL;

-- +goose Down
ALTER TABLE carts DROP CONSTRAINT carts_user_coupon_id_fkey;
DROP TABLE user_coupon_history;
DROP TABLE user_coupons;
DROP TABLE coupon_targets;
DROP TABLE coupon_translations;
DROP TABLE coupons;
