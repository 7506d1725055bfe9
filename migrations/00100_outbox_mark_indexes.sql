-- Outbox relay, cheaper marks: publishing a row (PENDING → PUBLISHED) writes a new row version, and
-- every index whose entry it must get costs a B-tree insert per event. The full (status, type, id)
-- index took one for every published row although only the operators' listing read it; it is
-- replaced by a partial index on the rare DEAD rows (a published row gets no entry). PENDING rows
-- are listed through outbox_events_pending_seq_idx, PUBLISHED ones through the primary key.
--
-- CONCURRENTLY, outside a transaction: every order, claim and refund appends to outbox_events, and
-- a plain CREATE INDEX would hold back all of them for the whole scan of a table that only grows
-- (a plain DROP INDEX would queue its exclusive lock behind the relay's open batches and block
-- everything arriving after it). An interrupted run leaves an INVALID index; IF [NOT] EXISTS lets
-- the operator drop it and run the migration again.

-- +goose NO TRANSACTION
-- +goose Up
-- serves: OutboxReader.List(DEAD) and the dead count of the relay's metrics
CREATE INDEX CONCURRENTLY IF NOT EXISTS outbox_events_dead_idx ON outbox_events (id) WHERE status = 'DEAD';
DROP INDEX CONCURRENTLY IF EXISTS outbox_events_status_type_id_idx;

-- +goose Down
CREATE INDEX CONCURRENTLY IF NOT EXISTS outbox_events_status_type_id_idx ON outbox_events (status, type, id);
DROP INDEX CONCURRENTLY IF EXISTS outbox_events_dead_idx;
