-- Carts: a MERGED guest cart remembers the customer cart it went into, so merging it again is
-- recognised as a no-op for that customer (and a 404 for anyone else); and a session's carts are
-- found newest first for the merge.

-- +goose Up
ALTER TABLE carts ADD COLUMN merged_into uuid REFERENCES carts (id) ON DELETE SET NULL;
ALTER TABLE carts ADD CONSTRAINT carts_merged_into_only_when_merged CHECK (merged_into IS NULL OR status = 'MERGED');
-- serves: POST /v1/carts/merge (the session's latest cart, in any status)
CREATE INDEX carts_session_created_idx ON carts (session_id, created_at DESC, id DESC) WHERE session_id IS NOT NULL;
-- serves: FK checks when a customer cart is deleted
CREATE INDEX carts_merged_into_idx ON carts (merged_into) WHERE merged_into IS NOT NULL;

-- +goose Down
DROP INDEX carts_merged_into_idx;
DROP INDEX carts_session_created_idx;
ALTER TABLE carts DROP CONSTRAINT carts_merged_into_only_when_merged;
ALTER TABLE carts DROP COLUMN merged_into;
