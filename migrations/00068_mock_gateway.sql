-- The mock payment gateway's own state (adapters/payment): what "the card processor" knows, kept apart
-- from Jupang's tables, so that a worker's reconciliation sees the charges a storefront's job started.
-- Nothing in Jupang reads this table except the mock gateway adapter.

-- +goose Up
CREATE TABLE mock_gateway_charges (
    order_id     uuid        PRIMARY KEY,                 -- the gateway's idempotency key: one charge per order
    reference    text        NOT NULL UNIQUE,             -- the gateway's payment id
    token        text        NOT NULL,
    amount       bigint      NOT NULL CHECK (amount > 0),
    currency     char(3)     NOT NULL,
    status       text        NOT NULL CHECK (status IN ('APPROVED', 'DECLINED', 'PROCESSING', 'REFUNDED')),
    brand        text        NOT NULL DEFAULT '',
    last4        text        NOT NULL DEFAULT '',
    failure_code text        NOT NULL DEFAULT '',
    approve_at   timestamptz,                             -- PROCESSING becomes APPROVED then (tok_late)
    answers      integer     NOT NULL DEFAULT 0,          -- how many Charge calls were answered (tok_timeout loses the first)
    refunded_at  timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE mock_gateway_charges;
