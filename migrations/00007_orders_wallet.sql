-- Orders, their lines, status timeline and payments; wallets with their append-only ledger; refunds.
-- Every amount is in minor units of the row's currency (the order's market currency; the wallet's currency).

-- +goose Up
CREATE TABLE orders (
    id               uuid        PRIMARY KEY,
    number           text        NOT NULL CHECK (number ~ '^[A-Z0-9-]{6,32}$'),   -- human-facing order number
    user_id          uuid        NOT NULL REFERENCES users (id),
    market           char(2)     NOT NULL,
    currency         char(3)     NOT NULL,
    status           text        NOT NULL CHECK (status IN ('PENDING', 'PAID', 'PREPARING', 'SHIPPED', 'DELIVERED',
                                                            'CANCELLED', 'PARTIALLY_REFUNDED', 'REFUNDED')),
    subtotal         bigint      NOT NULL CHECK (subtotal >= 0),
    item_discount    bigint      NOT NULL DEFAULT 0 CHECK (item_discount >= 0),
    coupon_discount  bigint      NOT NULL DEFAULT 0 CHECK (coupon_discount >= 0),
    shipping_fee     bigint      NOT NULL DEFAULT 0 CHECK (shipping_fee >= 0),
    tax              bigint      NOT NULL DEFAULT 0 CHECK (tax >= 0),
    tax_included     boolean     NOT NULL,                         -- KR/JP: tax is inside the prices; US: added to total
    total            bigint      NOT NULL CHECK (total >= 0),
    wallet_paid      bigint      NOT NULL DEFAULT 0 CHECK (wallet_paid >= 0),
    card_paid        bigint      NOT NULL DEFAULT 0 CHECK (card_paid >= 0),
    refunded_amount  bigint      NOT NULL DEFAULT 0 CHECK (refunded_amount >= 0),
    user_coupon_id   uuid        REFERENCES user_coupons (id),
    shipping_address jsonb       NOT NULL CHECK (jsonb_typeof(shipping_address) = 'object'),
    payment_deadline timestamptz,                                  -- set while a CARD part awaits the gateway
    cancel_reason    text,
    paid_at          timestamptz,
    shipped_at       timestamptz,
    delivered_at     timestamptz,
    cancelled_at     timestamptz,
    version          integer     NOT NULL DEFAULT 1 CHECK (version >= 1),  -- optimistic lock for transitions
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT orders_number_key UNIQUE (number),                  -- serves: order lookup by number (support, partners)
    CONSTRAINT orders_market_currency_fkey FOREIGN KEY (market, currency) REFERENCES markets (code, currency),
    CHECK (wallet_paid + card_paid = total),                       -- every won of the total is paid by wallet or card
    CONSTRAINT orders_refund_within_total CHECK (refunded_amount <= total),  -- refunds never exceed what was paid
    CHECK (item_discount + coupon_discount <= subtotal),
    CHECK (coupon_discount = 0 OR user_coupon_id IS NOT NULL),
    CHECK (status <> 'PENDING' OR (payment_deadline IS NOT NULL AND card_paid > 0)),
    CHECK (status IN ('PENDING', 'CANCELLED') OR paid_at IS NOT NULL),
    CHECK (status <> 'CANCELLED' OR cancelled_at IS NOT NULL),
    CHECK (status NOT IN ('SHIPPED', 'DELIVERED', 'PARTIALLY_REFUNDED', 'REFUNDED') OR shipped_at IS NOT NULL),
    CHECK (status NOT IN ('DELIVERED', 'PARTIALLY_REFUNDED', 'REFUNDED') OR delivered_at IS NOT NULL),
    CHECK (status <> 'REFUNDED' OR refunded_amount > 0)
);
-- serves: GET /v1/orders?from=&to=&cursor= (own orders, keyset newest first) and GET /v1/support/customers/{id}/orders
CREATE INDEX orders_user_created_idx ON orders (user_id, created_at DESC, id DESC);
-- serves: GET /v1/orders?status=&from=&to=&cursor=
CREATE INDEX orders_user_status_created_idx ON orders (user_id, status, created_at DESC, id DESC);
-- serves: the payment-timeout scheduler: PENDING orders whose payment_deadline passed, oldest first, FOR UPDATE SKIP LOCKED
CREATE INDEX orders_pending_deadline_idx ON orders (payment_deadline, id) WHERE status = 'PENDING';
-- serves: rebuilding hourly sales buckets from paid orders (seed backfill, reconciliation): WHERE paid_at >= $from
CREATE INDEX orders_paid_at_idx ON orders (paid_at) WHERE paid_at IS NOT NULL;
-- serves: orders that used a coupon (coupon stats: discount given)
CREATE INDEX orders_user_coupon_idx ON orders (user_coupon_id) WHERE user_coupon_id IS NOT NULL;

CREATE TABLE order_items (
    id                uuid    PRIMARY KEY,
    order_id          uuid    NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    sku_id            uuid    NOT NULL REFERENCES skus (id),
    product_id        uuid    NOT NULL REFERENCES products (id),
    name              text    NOT NULL CHECK (name <> ''),          -- snapshot in the buyer's language at purchase
    sku_code          text    NOT NULL,                             -- snapshot
    attributes        jsonb   NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(attributes) = 'object'),  -- snapshot
    unit_price        bigint  NOT NULL CHECK (unit_price >= 0),    -- server-side list price in the order currency
    quantity          integer NOT NULL CHECK (quantity BETWEEN 1 AND 999),
    discount          bigint  NOT NULL DEFAULT 0 CHECK (discount >= 0),       -- promotion discount on the line
    line_total        bigint  NOT NULL CHECK (line_total >= 0),
    promotion_id      uuid    REFERENCES promotions (id),
    refunded_quantity integer NOT NULL DEFAULT 0 CHECK (refunded_quantity >= 0),
    CHECK (discount <= unit_price * quantity),
    CONSTRAINT order_items_refund_within_quantity CHECK (refunded_quantity <= quantity),
    -- serves: the lines of an order; one line per SKU (quantities of a repeated SKU are summed)
    CONSTRAINT order_items_order_sku_key UNIQUE (order_id, sku_id)
);
-- serves: per-product sales lookups (top products backfill, "customers who bought")
CREATE INDEX order_items_product_idx ON order_items (product_id, order_id);

-- Concurrency-safe per-customer purchase limit: the order transaction does
-- INSERT ... ON CONFLICT (user_id, product_id) DO UPDATE SET quantity = quantity + $q WHERE quantity + $q <= $limit
-- (zero rows -> PURCHASE_LIMIT_EXCEEDED); a cancellation or refund subtracts again.
CREATE TABLE customer_product_purchases (
    user_id    uuid        NOT NULL REFERENCES users (id),
    product_id uuid        NOT NULL REFERENCES products (id),
    quantity   integer     NOT NULL CHECK (quantity >= 0),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, product_id)          -- serves: how many of a product a customer already bought (per-customer limit)
);

CREATE TABLE order_status_history (
    id          uuid        PRIMARY KEY,
    order_id    uuid        NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    from_status text        CHECK (from_status IS NULL OR from_status IN ('PENDING', 'PAID', 'PREPARING', 'SHIPPED', 'DELIVERED',
                                                                        'CANCELLED', 'PARTIALLY_REFUNDED', 'REFUNDED')),  -- NULL: creation
    to_status   text        NOT NULL CHECK (to_status IN ('PENDING', 'PAID', 'PREPARING', 'SHIPPED', 'DELIVERED',
                                                          'CANCELLED', 'PARTIALLY_REFUNDED', 'REFUNDED')),
    reason      text        NOT NULL DEFAULT '',
    actor_type  text        NOT NULL CHECK (actor_type IN ('CUSTOMER', 'STAFF', 'SYSTEM')),
    actor_id    uuid        REFERENCES users (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (from_status IS DISTINCT FROM to_status),
    CHECK (actor_type = 'SYSTEM' OR actor_id IS NOT NULL)
);
-- serves: the order timeline in GET /v1/orders/{id}
CREATE INDEX order_status_history_order_created_idx ON order_status_history (order_id, created_at, id);

CREATE TABLE payments (
    id              uuid        PRIMARY KEY,
    order_id        uuid        NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    method          text        NOT NULL CHECK (method IN ('WALLET', 'CARD')),
    status          text        NOT NULL CHECK (status IN ('PENDING', 'APPROVED', 'DECLINED', 'EXPIRED', 'CANCELLED',
                                                          'PARTIALLY_REFUNDED', 'REFUNDED')),
    amount          bigint      NOT NULL CHECK (amount > 0),
    currency        char(3)     NOT NULL REFERENCES currencies (code),
    refunded_amount bigint      NOT NULL DEFAULT 0 CHECK (refunded_amount >= 0),
    card_brand      text,                                          -- VISA, MASTERCARD, ... (never the card number)
    card_last4      char(4)     CHECK (card_last4 IS NULL OR card_last4 ~ '^[0-9]{4}$'),
    gateway_ref     text,                                          -- the gateway's payment id
    failure_code    text,
    approved_at     timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (refunded_amount <= amount),
    CHECK (method = 'CARD' OR (card_brand IS NULL AND card_last4 IS NULL AND gateway_ref IS NULL)),
    CHECK (status <> 'DECLINED' OR failure_code IS NOT NULL),
    -- serves: payments of an order (order detail, cancellation); one payment per method per order
    CONSTRAINT payments_order_method_key UNIQUE (order_id, method)
);
-- serves: the gateway callback / reconciliation lookup by gateway reference
CREATE UNIQUE INDEX payments_gateway_ref_key ON payments (gateway_ref) WHERE gateway_ref IS NOT NULL;

CREATE TABLE wallets (
    user_id    uuid        PRIMARY KEY REFERENCES users (id),
    balance    bigint      NOT NULL DEFAULT 0,
    currency   char(3)     NOT NULL DEFAULT 'KRW' REFERENCES currencies (code),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    -- backs "UPDATE wallets SET balance = balance - $a WHERE user_id = $u AND balance >= $a"
    CONSTRAINT wallets_balance_non_negative CHECK (balance >= 0)
);

CREATE TABLE refunds (
    id               uuid        PRIMARY KEY,
    order_id         uuid        NOT NULL REFERENCES orders (id),
    user_id          uuid        NOT NULL REFERENCES users (id),     -- the order's customer (ownership checks)
    status           text        NOT NULL DEFAULT 'REQUESTED' CHECK (status IN ('REQUESTED', 'PENDING_REVIEW', 'APPROVED',
                                                                               'REJECTED', 'COMPLETED')),
    amount           bigint      NOT NULL CHECK (amount > 0),
    currency         char(3)     NOT NULL REFERENCES currencies (code),
    reason           text        NOT NULL CHECK (length(reason) BETWEEN 1 AND 1000),
    source           text        NOT NULL CHECK (source IN ('CUSTOMER', 'SUPPORT')),
    requested_by     uuid        NOT NULL REFERENCES users (id),
    approved_by      uuid        REFERENCES users (id),
    auto_approved    boolean     NOT NULL DEFAULT false,
    rejected_by      uuid        REFERENCES users (id),
    decision_note    text,
    decided_at       timestamptz,
    completed_at     timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CHECK (NOT (auto_approved AND approved_by IS NOT NULL)),
    CHECK (status NOT IN ('APPROVED', 'COMPLETED') OR auto_approved OR approved_by IS NOT NULL),
    CHECK (status <> 'REJECTED' OR rejected_by IS NOT NULL),
    CHECK ((status = 'COMPLETED') = (completed_at IS NOT NULL))
);
-- serves: refunds of an order (refundable remainder, order detail, support view)
CREATE INDEX refunds_order_created_idx ON refunds (order_id, created_at, id);
-- serves: a customer's refunds (support customer view, own-data checks)
CREATE INDEX refunds_user_created_idx ON refunds (user_id, created_at DESC, id DESC);
-- serves: the Support/Admin review queue (PENDING_REVIEW oldest first) and the completion job (APPROVED)
CREATE INDEX refunds_open_status_idx ON refunds (status, created_at, id) WHERE status IN ('REQUESTED', 'PENDING_REVIEW', 'APPROVED');

CREATE TABLE refund_items (
    id            uuid    PRIMARY KEY,
    refund_id     uuid    NOT NULL REFERENCES refunds (id) ON DELETE CASCADE,
    order_item_id uuid    NOT NULL REFERENCES order_items (id),
    quantity      integer NOT NULL CHECK (quantity > 0),
    amount        bigint  NOT NULL CHECK (amount >= 0),
    -- serves: the lines of a refund; an order line appears once per refund
    CONSTRAINT refund_items_refund_item_key UNIQUE (refund_id, order_item_id)
);
-- serves: quantity already refunded for an order line
CREATE INDEX refund_items_order_item_idx ON refund_items (order_item_id);

-- Append-only: the balance always equals the sum of a wallet's entries.
CREATE TABLE wallet_ledger (
    id            uuid        PRIMARY KEY,                        -- UUIDv7: id order is time order
    user_id       uuid        NOT NULL REFERENCES wallets (user_id),
    type          text        NOT NULL CHECK (type IN ('DEPOSIT', 'PAYMENT', 'PAYMENT_REVERSAL', 'REFUND', 'ADJUSTMENT')),
    amount        bigint      NOT NULL CHECK (amount <> 0),       -- signed: credit > 0, debit < 0
    balance_after bigint      NOT NULL CHECK (balance_after >= 0),
    currency      char(3)     NOT NULL REFERENCES currencies (code),
    order_id      uuid,                                           -- FK to orders (deferred) below
    refund_id     uuid        REFERENCES refunds (id),
    actor_id      uuid        REFERENCES users (id),              -- staff for ADJUSTMENT
    note          text        NOT NULL DEFAULT '',
    trace_id      text        NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL DEFAULT now(),
    CHECK (type NOT IN ('DEPOSIT', 'PAYMENT_REVERSAL', 'REFUND') OR amount > 0),
    CHECK (type <> 'PAYMENT' OR amount < 0),
    CHECK (type NOT IN ('PAYMENT', 'PAYMENT_REVERSAL') OR order_id IS NOT NULL),
    CHECK (type <> 'REFUND' OR (refund_id IS NOT NULL AND order_id IS NOT NULL)),
    CHECK (type <> 'ADJUSTMENT' OR actor_id IS NOT NULL)
);
-- serves: GET /v1/wallet/transactions?cursor= (keyset on id, newest first)
CREATE INDEX wallet_ledger_user_id_idx ON wallet_ledger (user_id, id DESC);
-- serves: GET /v1/wallet/transactions?type=&cursor=
CREATE INDEX wallet_ledger_user_type_id_idx ON wallet_ledger (user_id, type, id DESC);
-- serves: at most one wallet debit per order (double-spend guard under retries)
CREATE UNIQUE INDEX wallet_ledger_one_payment_per_order ON wallet_ledger (order_id) WHERE type = 'PAYMENT';
-- serves: at most one reversal of the wallet part per order (cancel / timeout / decline run once)
CREATE UNIQUE INDEX wallet_ledger_one_reversal_per_order ON wallet_ledger (order_id) WHERE type = 'PAYMENT_REVERSAL';
-- serves: at most one credit per refund (APPROVED -> COMPLETED runs once)
CREATE UNIQUE INDEX wallet_ledger_one_credit_per_refund ON wallet_ledger (refund_id) WHERE type = 'REFUND';

CREATE TRIGGER wallet_ledger_append_only
    BEFORE UPDATE OR DELETE ON wallet_ledger
    FOR EACH ROW EXECUTE FUNCTION forbid_update_delete();

-- References to orders from rows written earlier in the same transaction as the order (stock reserved and
-- coupon used before the order row is inserted) are checked at commit.
ALTER TABLE wallet_ledger ADD CONSTRAINT wallet_ledger_order_id_fkey
    FOREIGN KEY (order_id) REFERENCES orders (id) DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE inventory_audits ADD CONSTRAINT inventory_audits_order_id_fkey
    FOREIGN KEY (order_id) REFERENCES orders (id) DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE user_coupons ADD CONSTRAINT user_coupons_used_order_id_fkey
    FOREIGN KEY (used_order_id) REFERENCES orders (id) DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE user_coupon_history ADD CONSTRAINT user_coupon_history_order_id_fkey
    FOREIGN KEY (order_id) REFERENCES orders (id) DEFERRABLE INITIALLY DEFERRED;

-- +goose Down
ALTER TABLE user_coupon_history DROP CONSTRAINT user_coupon_history_order_id_fkey;
ALTER TABLE user_coupons DROP CONSTRAINT user_coupons_used_order_id_fkey;
ALTER TABLE inventory_audits DROP CONSTRAINT inventory_audits_order_id_fkey;
DROP TRIGGER wallet_ledger_append_only ON wallet_ledger;
DROP TABLE wallet_ledger;
DROP TABLE refund_items;
DROP TABLE refunds;
DROP TABLE wallets;
DROP TABLE payments;
DROP TABLE order_status_history;
DROP TABLE customer_product_purchases;
DROP TABLE order_items;
DROP TABLE orders;
