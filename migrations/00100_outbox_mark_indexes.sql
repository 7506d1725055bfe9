-- Outbox relay, cheaper marks: publishing a row (PENDING → PUBLISHED) writes a new row version, and
-- every index whose entry it must get costs a B-tree insert per event. The full (status, type, id)
-- index took one for every published row although only the operators' listing read it; it is
-- replaced by a partial index on the rare DEAD rows (a published row gets no entry). PENDING rows
-- are listed through outbox_events_pending_seq_idx, PUBLISHED ones through the primary key.

-- +goose Up
-- serves: OutboxReader.List(DEAD) (oldest first by id) and the dead count of the relay's metrics
CREATE INDEX outbox_events_dead_idx ON outbox_events (id) WHERE status = 'DEAD';
DROP INDEX outbox_events_status_type_id_idx;

-- +goose Down
CREATE INDEX outbox_events_status_type_id_idx ON outbox_events (status, type, id);
DROP INDEX outbox_events_dead_idx;
