-- Carts: a customer's user cart or a guest's session cart (X-Session-Id), and their lines.
-- Prices are never stored here; the cart calculator prices lines on every read.

-- +goose Up
CREATE TABLE carts (
    id             uuid        PRIMARY KEY,
    user_id        uuid        REFERENCES users (id) ON DELETE CASCADE,
    session_id     text        CHECK (session_id IS NULL OR session_id ~ '^[A-Za-z0-9_-]{16,128}$'),
    market         char(2)     NOT NULL REFERENCES markets (code),   -- market the cart was last priced in
    status         text        NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'CHECKED_OUT', 'MERGED', 'EXPIRED')),
    user_coupon_id uuid,                                            -- coupon applied to the cart; FK added in 00006
    expires_at     timestamptz,                                     -- session carts: last change + cart.session_ttl
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CHECK (num_nonnulls(user_id, session_id) = 1),                  -- a cart is either a user cart or a session cart
    CHECK (session_id IS NULL OR expires_at IS NOT NULL),
    CHECK (user_coupon_id IS NULL OR user_id IS NOT NULL)           -- guests hold no user coupons
);
-- serves: GET/PUT/DELETE /v1/carts/current for a customer; at most one ACTIVE cart per user
CREATE UNIQUE INDEX carts_one_active_per_user ON carts (user_id) WHERE status = 'ACTIVE' AND user_id IS NOT NULL;
-- serves: GET/PUT/DELETE /v1/carts/current and POST /v1/carts/merge by X-Session-Id; one ACTIVE cart per session
CREATE UNIQUE INDEX carts_one_active_per_session ON carts (session_id) WHERE status = 'ACTIVE' AND session_id IS NOT NULL;
-- serves: the sweeper's DELETE ... WHERE expires_at < now()
CREATE INDEX carts_expires_at_idx ON carts (expires_at) WHERE expires_at IS NOT NULL;

CREATE TABLE cart_items (
    id         uuid        PRIMARY KEY,
    cart_id    uuid        NOT NULL REFERENCES carts (id) ON DELETE CASCADE,
    sku_id     uuid        NOT NULL REFERENCES skus (id) ON DELETE CASCADE,
    quantity   integer     NOT NULL CHECK (quantity BETWEEN 1 AND 999),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    -- serves: the lines of a cart and PUT /v1/carts/current/items upsert (INSERT ... ON CONFLICT (cart_id, sku_id))
    CONSTRAINT cart_items_cart_sku_key UNIQUE (cart_id, sku_id)
);
-- serves: FK checks when a SKU is deleted
CREATE INDEX cart_items_sku_id_idx ON cart_items (sku_id);

-- +goose Down
DROP TABLE cart_items;
DROP TABLE carts;
