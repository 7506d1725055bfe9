-- Inventory owns stock: a SKU's first stock (the seed's opening stock, a new SKU) is an audit row of
-- its own, reason OPENING, starting from nothing, so that on_hand always equals the sum of the
-- SKU's audit deltas.

-- +goose Up
ALTER TABLE inventory_audits DROP CONSTRAINT inventory_audits_reason_check;
ALTER TABLE inventory_audits ADD CONSTRAINT inventory_audits_reason_check
    CHECK (reason IN ('OPENING', 'RESERVE', 'RELEASE', 'SALE', 'CANCEL', 'RETURN', 'ADJUSTMENT'));
ALTER TABLE inventory_audits ADD CONSTRAINT inventory_audits_opening_from_nothing
    CHECK (reason <> 'OPENING' OR (on_hand_before = 0 AND reserved_before = 0 AND reserved_after = 0 AND version_after = 1));

-- +goose Down
ALTER TABLE inventory_audits DROP CONSTRAINT inventory_audits_opening_from_nothing;
-- Audit rows are append-only: while OPENING rows exist the old CHECK cannot return and Down fails.
ALTER TABLE inventory_audits DROP CONSTRAINT inventory_audits_reason_check;
ALTER TABLE inventory_audits ADD CONSTRAINT inventory_audits_reason_check
    CHECK (reason IN ('RESERVE', 'RELEASE', 'SALE', 'CANCEL', 'RETURN', 'ADJUSTMENT'));
