-- The daily sequence of order numbers (J20261126-00000123). Taken in its own short statement outside
-- the checkout transaction, like a sequence: a number whose order rolled back is a gap, never reused.

-- +goose Up
CREATE TABLE order_number_days (
    day      date   PRIMARY KEY,                       -- the calendar day (Asia/Seoul) of the numbers
    last_seq bigint NOT NULL CHECK (last_seq >= 1)     -- the last sequence value handed out that day
);

-- +goose Down
DROP TABLE order_number_days;
