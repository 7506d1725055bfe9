-- Catalog change log: every write that changes what shoppers see records an entry in its own
-- transaction (catalog.ChangeLog, catalog.StockChanges), and each instance's in-process read model
-- follows the log to drop what the change reaches (docs/catalog-read-path.md). Entries are kept for
-- catalog.ChangeLogRetention (the catalog.change-log-prune job).
--
-- seq is not commit order (a transaction can take a lower seq and commit later), so a follower reads
-- by transaction id: it keeps the snapshot's xmin as its horizon (every transaction below it has
-- ended) and reads the entries at or above it again on each poll, skipping seqs it has seen.

-- +goose Up
CREATE TABLE catalog_changes (
    seq         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    txid        xid8        NOT NULL DEFAULT pg_current_xact_id(),
    kind        text        NOT NULL CHECK (kind IN ('PRODUCT', 'STOCK', 'CATALOG')),
    ref         uuid,                                   -- product id (PRODUCT), SKU id (STOCK), NULL (CATALOG)
    recorded_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((kind = 'CATALOG') = (ref IS NULL))
);
-- serves: a follower's poll (WHERE txid >= horizon)
CREATE INDEX catalog_changes_txid_idx ON catalog_changes (txid);
-- serves: pruning (WHERE recorded_at < now() - retention)
CREATE INDEX catalog_changes_recorded_idx ON catalog_changes (recorded_at);

-- +goose Down
DROP TABLE catalog_changes;
