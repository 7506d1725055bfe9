-- Inventory: one stock row per SKU and the append-only audit trail every change writes in the same
-- transaction. available = on_hand - reserved, never negative.

-- +goose Up
CREATE TABLE inventory (
    sku_id              uuid        PRIMARY KEY REFERENCES skus (id) ON DELETE CASCADE,
    on_hand             integer     NOT NULL DEFAULT 0 CHECK (on_hand >= 0),
    reserved            integer     NOT NULL DEFAULT 0 CHECK (reserved >= 0),
    low_stock_threshold integer     CHECK (low_stock_threshold IS NULL OR low_stock_threshold >= 0),  -- NULL: the setting's default
    version             integer     NOT NULL DEFAULT 1 CHECK (version >= 1),   -- expectedVersion / VERSION_CONFLICT
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT inventory_reserved_within_on_hand CHECK (reserved <= on_hand)  -- backs "UPDATE ... WHERE on_hand - reserved >= $q"
);

CREATE TABLE inventory_audits (
    id                uuid        PRIMARY KEY,
    sku_id            uuid        NOT NULL REFERENCES skus (id),
    reason            text        NOT NULL CHECK (reason IN ('RESERVE', 'RELEASE', 'SALE', 'CANCEL', 'RETURN', 'ADJUSTMENT')),
    adjustment_reason text        CHECK (adjustment_reason IS NULL OR adjustment_reason ~ '^[A-Z][A-Z0-9_]{0,63}$'),  -- the request's reason code
    on_hand_before    integer     NOT NULL CHECK (on_hand_before >= 0),
    on_hand_after     integer     NOT NULL CHECK (on_hand_after >= 0),
    reserved_before   integer     NOT NULL CHECK (reserved_before >= 0 AND reserved_before <= on_hand_before),
    reserved_after    integer     NOT NULL CHECK (reserved_after >= 0 AND reserved_after <= on_hand_after),
    delta_on_hand     integer     NOT NULL,
    delta_reserved    integer     NOT NULL,
    version_after     integer     NOT NULL CHECK (version_after >= 1),
    actor_id          uuid        REFERENCES users (id),       -- NULL: a system job (payment timeout, expiry)
    order_id          uuid,                                    -- FK to orders (deferred) added in 00007
    batch_id          uuid,                                    -- groups the rows of one all-or-nothing adjustment request
    trace_id          text        NOT NULL DEFAULT '',
    note              text        NOT NULL DEFAULT '' CHECK (length(note) <= 1000),
    created_at        timestamptz NOT NULL DEFAULT now(),
    CHECK (delta_on_hand = on_hand_after - on_hand_before),
    CHECK (delta_reserved = reserved_after - reserved_before),
    CHECK (adjustment_reason IS NULL OR reason = 'ADJUSTMENT'),
    CHECK (reason <> 'ADJUSTMENT' OR actor_id IS NOT NULL),
    CHECK (reason NOT IN ('RESERVE', 'RELEASE', 'SALE') OR order_id IS NOT NULL)
);
-- serves: GET /v1/admin/inventory/audits?skuId=&from=&to= (keyset, newest first)
CREATE INDEX inventory_audits_sku_created_idx ON inventory_audits (sku_id, created_at DESC, id DESC);
-- serves: GET /v1/admin/inventory/audits?actor=&from=&to=
CREATE INDEX inventory_audits_actor_created_idx ON inventory_audits (actor_id, created_at DESC, id DESC) WHERE actor_id IS NOT NULL;
-- serves: GET /v1/admin/inventory/audits?reason=&from=&to=
CREATE INDEX inventory_audits_reason_created_idx ON inventory_audits (reason, created_at DESC, id DESC);
-- serves: GET /v1/admin/inventory/audits?from=&to= without other filters
CREATE INDEX inventory_audits_created_idx ON inventory_audits (created_at DESC, id DESC);
-- serves: stock history of one order (support, runbook reconciliation)
CREATE INDEX inventory_audits_order_idx ON inventory_audits (order_id) WHERE order_id IS NOT NULL;

-- Audit rows are facts: no UPDATE or DELETE (TRUNCATE, e.g. in test resets, still works).
-- +goose StatementBegin
CREATE FUNCTION forbid_update_delete() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER inventory_audits_append_only
    BEFORE UPDATE OR DELETE ON inventory_audits
    FOR EACH ROW EXECUTE FUNCTION forbid_update_delete();

-- +goose Down
DROP TRIGGER inventory_audits_append_only ON inventory_audits;
DROP FUNCTION forbid_update_delete();
DROP TABLE inventory_audits;
DROP TABLE inventory;
