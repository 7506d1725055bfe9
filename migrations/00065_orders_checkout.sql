-- Checkout facts 00007 lacks: the Idempotency-Key an order was placed with (at most one order per
-- customer and key), the KRW the wallet was debited for a US/JP order, each line's share of the
-- coupon discount (refunds pay it back per line), and a second partial refund in the timeline.

-- +goose Up
ALTER TABLE orders
    ADD COLUMN idempotency_key  text   CHECK (idempotency_key IS NULL OR length(idempotency_key) BETWEEN 1 AND 255),
    ADD COLUMN wallet_debit_krw bigint NOT NULL DEFAULT 0 CHECK (wallet_debit_krw >= 0),
    ADD CONSTRAINT orders_wallet_debit_with_wallet_part CHECK ((wallet_paid = 0) = (wallet_debit_krw = 0));
-- serves: the retry of POST /v1/orders finds the order its key placed; one order per (customer, key)
CREATE UNIQUE INDEX orders_user_idempotency_key ON orders (user_id, idempotency_key) WHERE idempotency_key IS NOT NULL;

ALTER TABLE order_items
    ADD COLUMN coupon_share bigint NOT NULL DEFAULT 0 CHECK (coupon_share >= 0),
    ADD CONSTRAINT order_items_coupon_share_within_line CHECK (coupon_share <= line_total);

-- PARTIALLY_REFUNDED -> PARTIALLY_REFUNDED is a real step (a second partial refund); every other
-- entry still changes the status.
ALTER TABLE order_status_history DROP CONSTRAINT order_status_history_check;
ALTER TABLE order_status_history ADD CONSTRAINT order_status_history_changes_status
    CHECK (from_status IS DISTINCT FROM to_status OR to_status = 'PARTIALLY_REFUNDED');

-- +goose Down
ALTER TABLE order_status_history DROP CONSTRAINT order_status_history_changes_status;
ALTER TABLE order_status_history ADD CONSTRAINT order_status_history_check CHECK (from_status IS DISTINCT FROM to_status);
ALTER TABLE order_items DROP CONSTRAINT order_items_coupon_share_within_line, DROP COLUMN coupon_share;
DROP INDEX orders_user_idempotency_key;
ALTER TABLE orders DROP CONSTRAINT orders_wallet_debit_with_wallet_part, DROP COLUMN wallet_debit_krw, DROP COLUMN idempotency_key;
