-- Coupon statistics: an internal Kafka consumer (couponstats, consumer "coupons.stats") counts each
-- coupon's claims, uses and releases from jupang.coupons.v1. Each event is counted once: the count
-- and the consumer's inbox row (inbox, 00010) are written in one transaction.

-- +goose Up
-- No foreign key to coupons: the consumer reads Kafka, not the coupon tables, and may count an
-- event before or after anything else happens to the coupon's row.
CREATE TABLE coupon_stats (
    coupon_id  uuid        PRIMARY KEY,               -- serves: the consumer's upsert per event; reads by coupon
    claimed    bigint      NOT NULL DEFAULT 0 CHECK (claimed >= 0),
    used       bigint      NOT NULL DEFAULT 0 CHECK (used >= 0),
    released   bigint      NOT NULL DEFAULT 0 CHECK (released >= 0),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE coupon_stats;
