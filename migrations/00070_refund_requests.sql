-- What a refund request needs beyond 00007: the Idempotency-Key it was requested with (at most one
-- refund per customer and key, so a retried request never refunds twice), whether the refunded
-- units go back to stock, and the KRW the wallet is credited (the order's currency converted at the
-- order's rate when the refund is requested; the same amount for a KR order).

-- +goose Up
ALTER TABLE refunds
    ADD COLUMN idempotency_key text    CHECK (idempotency_key IS NULL OR length(idempotency_key) BETWEEN 1 AND 255),
    ADD COLUMN restock         boolean NOT NULL DEFAULT false,
    ADD COLUMN amount_krw      bigint  NOT NULL DEFAULT 0 CHECK (amount_krw >= 0);
-- serves: the retry of POST /v1/wallet/refunds finds the refund its key requested; one refund per (customer, key)
CREATE UNIQUE INDEX refunds_user_idempotency_key ON refunds (user_id, idempotency_key) WHERE idempotency_key IS NOT NULL;

-- +goose Down
DROP INDEX refunds_user_idempotency_key;
ALTER TABLE refunds DROP COLUMN amount_krw, DROP COLUMN restock, DROP COLUMN idempotency_key;
