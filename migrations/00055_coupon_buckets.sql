-- Coupon claims spread over bucket rows, so a flash sale does not queue every claim on one row.
--
-- A coupon's issue counter is the sum of its buckets' issued counts; each bucket holds a share of
-- the total (capacity; NULL when the coupon is unlimited) and a copy of "the coupon is ACTIVE"
-- (open). A claim takes one from any bucket that is open and has room, in one conditional UPDATE,
-- skipping buckets other claims hold; an admin change locks the coupon row and every bucket, sums
-- the issued counts and rewrites capacities and open together, so the total is never below what is
-- issued and a pause holds for every claim that commits after it. coupons.issued_count keeps the
-- sum as of the coupon's last definition change (the live figure is the sum of the buckets).

-- +goose Up
CREATE TABLE coupon_buckets (
    coupon_id uuid     NOT NULL REFERENCES coupons (id) ON DELETE CASCADE,
    bucket    smallint NOT NULL CHECK (bucket >= 0),
    open      boolean  NOT NULL,                                               -- coupons.status = 'ACTIVE'
    capacity  integer  CHECK (capacity IS NULL OR capacity >= 0),              -- this bucket's share; NULL: unlimited
    issued    integer  NOT NULL DEFAULT 0 CHECK (issued >= 0),
    PRIMARY KEY (coupon_id, bucket),                                           -- serves: claims, sums, locks in bucket order
    CONSTRAINT coupon_buckets_issued_within_capacity CHECK (capacity IS NULL OR issued <= capacity)
) WITH (fillfactor = 50);                                                      -- room for HOT updates of hot rows

-- What the order a coupon was used on saved, for the stats' "discount given".
ALTER TABLE user_coupons
    ADD COLUMN used_discount bigint  CHECK (used_discount IS NULL OR used_discount >= 0),
    ADD COLUMN used_currency char(3) CHECK (used_currency IS NULL OR used_currency IN ('KRW', 'USD', 'JPY')),
    ADD CONSTRAINT user_coupons_used_discount_pair CHECK ((used_discount IS NULL) = (used_currency IS NULL));

-- +goose Down
ALTER TABLE user_coupons DROP CONSTRAINT user_coupons_used_discount_pair,
    DROP COLUMN used_currency, DROP COLUMN used_discount;
DROP TABLE coupon_buckets;
