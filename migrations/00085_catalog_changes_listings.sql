-- Catalog change log: a LISTINGS entry says that listing sort keys changed (the ranking job's
-- popularity, the reprice job's prices) without anything a card shows changing. Each instance's
-- read model then drops only its cached rendered list pages (docs/catalog-read-path.md).

-- +goose Up
ALTER TABLE catalog_changes DROP CONSTRAINT catalog_changes_kind_check;
ALTER TABLE catalog_changes DROP CONSTRAINT catalog_changes_check;
ALTER TABLE catalog_changes ADD CONSTRAINT catalog_changes_kind_check
    CHECK (kind IN ('PRODUCT', 'STOCK', 'CATALOG', 'LISTINGS'));
ALTER TABLE catalog_changes ADD CONSTRAINT catalog_changes_check
    CHECK ((kind IN ('CATALOG', 'LISTINGS')) = (ref IS NULL));

-- +goose Down
DELETE FROM catalog_changes WHERE kind = 'LISTINGS';
ALTER TABLE catalog_changes DROP CONSTRAINT catalog_changes_kind_check;
ALTER TABLE catalog_changes DROP CONSTRAINT catalog_changes_check;
ALTER TABLE catalog_changes ADD CONSTRAINT catalog_changes_kind_check
    CHECK (kind IN ('PRODUCT', 'STOCK', 'CATALOG'));
ALTER TABLE catalog_changes ADD CONSTRAINT catalog_changes_check
    CHECK ((kind = 'CATALOG') = (ref IS NULL));
