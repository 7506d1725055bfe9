-- Idempotency: each claim names the request that owns it, so a request that outlived its lease can
-- neither store its answer under nor release the claim of the request that took the key over; and
-- a replay repeats the allow-listed response headers (Location, ETag, ...) with the stored body.

-- +goose Up
ALTER TABLE idempotency_keys
    ADD COLUMN owner   text,  -- token of the claiming request; hold, complete and release require it (NULL: claimed before 00031)
    ADD COLUMN headers jsonb CHECK (headers IS NULL OR jsonb_typeof(headers) = 'object'); -- replayed headers, name → value

-- +goose Down
ALTER TABLE idempotency_keys DROP COLUMN headers, DROP COLUMN owner;
