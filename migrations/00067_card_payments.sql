-- The card part of an order is sent to the gateway after the order commits, by the card-payments job:
-- the payment row is its to-do item (next_attempt_at set while the gateway owes an answer or a refund
-- is owed), claimed FOR UPDATE SKIP LOCKED by any number of workers. The card token is the gateway's
-- single-use reference (never a card number) and is cleared once the payment is final.

-- +goose Up
ALTER TABLE payments
    ADD COLUMN card_token      text,
    ADD COLUMN attempts        integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    ADD COLUMN next_attempt_at timestamptz,
    ADD CONSTRAINT payments_token_only_for_card CHECK (method = 'CARD' OR card_token IS NULL);
ALTER TABLE payments DROP CONSTRAINT payments_status_check;
ALTER TABLE payments ADD CONSTRAINT payments_status_check CHECK (status IN ('PENDING', 'APPROVED', 'DECLINED', 'EXPIRED',
    'CANCELLED', 'REFUND_PENDING', 'PARTIALLY_REFUNDED', 'REFUNDED'));
-- serves: the card-payments job: due payments oldest first, FOR UPDATE SKIP LOCKED
CREATE INDEX payments_due_idx ON payments (next_attempt_at, order_id) WHERE next_attempt_at IS NOT NULL;

-- +goose Down
DROP INDEX payments_due_idx;
UPDATE payments SET status = 'CANCELLED' WHERE status = 'REFUND_PENDING';
ALTER TABLE payments DROP CONSTRAINT payments_status_check;
ALTER TABLE payments ADD CONSTRAINT payments_status_check CHECK (status IN ('PENDING', 'APPROVED', 'DECLINED', 'EXPIRED',
    'CANCELLED', 'PARTIALLY_REFUNDED', 'REFUNDED'));
ALTER TABLE payments DROP CONSTRAINT payments_token_only_for_card,
    DROP COLUMN next_attempt_at, DROP COLUMN attempts, DROP COLUMN card_token;
