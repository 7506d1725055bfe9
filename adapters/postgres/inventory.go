package postgres

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"time"

	"github.com/jupang/jupang/core/inventory"
)

// InventoryStores builds inventory.Stores on q (the primary, inside a unit of work); the order
// area's stores embed it.
func InventoryStores(q Querier) inventory.Stores {
	return inventory.Stores{Stock: &Stock{q: q}, Outbox: NewOutbox(q), Catalog: &changeLog{q: q}}
}

// Stock is inventory.Stock on tables inventory and inventory_audits.
type Stock struct{ q Querier }

type levelRow struct {
	SKUID     string        `db:"sku_id"`
	ProductID string        `db:"product_id"`
	OnHand    int           `db:"on_hand"`
	Reserved  int           `db:"reserved"`
	Version   int           `db:"version"`
	Threshold sql.NullInt64 `db:"low_stock_threshold"`
	UpdatedAt time.Time     `db:"updated_at"`
}

func (r levelRow) level() inventory.Level {
	l := inventory.Level{SKUID: r.SKUID, ProductID: r.ProductID, OnHand: r.OnHand, Reserved: r.Reserved, Version: r.Version,
		UpdatedAt: r.UpdatedAt.UTC()}
	if r.Threshold.Valid {
		t := int(r.Threshold.Int64)
		l.LowStockThreshold = &t
	}
	return l
}

const levelColumns = `i.sku_id, s.product_id, i.on_hand, i.reserved, i.version, i.low_stock_threshold, i.updated_at`

func levelsOf(rows []levelRow) map[string]inventory.Level {
	out := make(map[string]inventory.Level, len(rows))
	for _, row := range rows {
		out[row.SKUID] = row.level()
	}
	return out
}

// Lock implements inventory.Stock: the rows come back sorted by SKU id and are locked in that
// order (the locking step runs above the sort), so lockers of overlapping SKUs queue.
func (s *Stock) Lock(ctx context.Context, skuIDs []string) (map[string]inventory.Level, error) {
	var rows []levelRow
	err := s.q.SelectContext(ctx, &rows, `
		SELECT `+levelColumns+` FROM inventory i JOIN skus s ON s.id = i.sku_id
		 WHERE i.sku_id = ANY($1::uuid[]) ORDER BY i.sku_id FOR UPDATE OF i`, orEmptySlice(skuIDs))
	if err != nil {
		return nil, err
	}
	return levelsOf(rows), nil
}

// The parts applyChanges and takeChanges share: the changes from parameters $1 to $8 (c), the
// guarded UPDATE of inventory by them (its FROM is each statement's own, then stockGuard), and
// the audit rows of what it changed ($9 to $13).
const (
	stockChanges = `
    SELECT * FROM unnest($1::uuid[], $2::int[], $3::int[], $4::int[], $5::text[], $6::text[], $7::text[], $8::uuid[])
        AS c (sku_id, d_on_hand, d_reserved, expected_version, reason, adjustment_reason, note, audit_id)
`
	stockUpdate = `
    UPDATE inventory i
       SET on_hand = i.on_hand + c.d_on_hand, reserved = i.reserved + c.d_reserved, version = i.version + 1, updated_at = $13`
	stockGuard = `
     WHERE i.sku_id = c.sku_id
       AND i.on_hand + c.d_on_hand >= 0 AND i.reserved + c.d_reserved >= 0
       AND i.reserved + c.d_reserved <= i.on_hand + c.d_on_hand
       AND (c.expected_version = 0 OR i.version = c.expected_version)
    RETURNING c.*, i.on_hand, i.reserved, i.version
`
	stockAudits = `
INSERT INTO inventory_audits (id, sku_id, reason, adjustment_reason, on_hand_before, on_hand_after, reserved_before,
                              reserved_after, delta_on_hand, delta_reserved, version_after, actor_id, order_id, batch_id,
                              trace_id, note, created_at)
SELECT audit_id, sku_id, reason, NULLIF(adjustment_reason, ''), on_hand - d_on_hand, on_hand, reserved - d_reserved,
       reserved, d_on_hand, d_reserved, version, $9::uuid, $10::uuid, $11::uuid, $12, note, $13
  FROM changed
RETURNING sku_id, on_hand_before, on_hand_after, reserved_before, reserved_after, version_after
`
)

// applyChanges is the one statement of Stock.Apply: a guarded UPDATE of every row (each applies
// only when its result keeps on_hand ≥ reserved ≥ 0 and its version matches, evaluated on the
// row's latest version), and the audit rows of what it changed, with the true before and after.
const applyChanges = `
WITH c AS (` + stockChanges + `), changed AS (` + stockUpdate + `
      FROM c` + stockGuard + `)` + stockAudits

// Apply implements inventory.Stock in one statement (applyChanges).
func (s *Stock) Apply(ctx context.Context, cause inventory.Cause, changes []inventory.Change) ([]inventory.Audit, error) {
	args, at := changeArgs(cause, changes)
	var rows []writtenAudit
	if err := s.q.SelectContext(ctx, &rows, applyChanges, args...); err != nil {
		return nil, err
	}
	written := make(map[string]writtenAudit, len(rows))
	for _, row := range rows {
		written[row.SKUID] = row
	}
	return auditsOf(cause, changes, at, written)
}

// writtenAudit is what applyChanges and takeChanges return of a written audit row.
type writtenAudit struct {
	SKUID          string `db:"sku_id"`
	OnHandBefore   int    `db:"on_hand_before"`
	OnHandAfter    int    `db:"on_hand_after"`
	ReservedBefore int    `db:"reserved_before"`
	ReservedAfter  int    `db:"reserved_after"`
	VersionAfter   int    `db:"version_after"`
}

// changeArgs are the parameters $1…$13 of applyChanges and takeChanges, and the changes' instant.
func changeArgs(cause inventory.Cause, changes []inventory.Change) ([]any, time.Time) {
	n := len(changes)
	skus, notes, reasons, adjReasons, ids := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	dOnHand, dReserved, expected := make([]int32, n), make([]int32, n), make([]int32, n)
	for i, c := range changes {
		skus[i], notes[i], reasons[i], adjReasons[i], ids[i] = c.SKUID, c.Note, string(c.Reason), string(c.AdjustmentReason), c.AuditID
		dOnHand[i], dReserved[i], expected[i] = int32(c.DeltaOnHand), int32(c.DeltaReserved), int32(c.ExpectedVersion) //nolint:gosec // bounded by the core (maxUnits)
	}
	at := cause.At.UTC().Truncate(time.Microsecond)
	return []any{skus, dOnHand, dReserved, expected, reasons, adjReasons, notes, ids,
		nullString(cause.ActorID), nullString(cause.OrderID), nullString(cause.BatchID), cause.TraceID, at}, at
}

// auditsOf are the audit rows of changes, in their order, from the rows written (by SKU); a change
// without one did not fit: ErrStockChanged naming its SKU.
func auditsOf(cause inventory.Cause, changes []inventory.Change, at time.Time, written map[string]writtenAudit) ([]inventory.Audit, error) {
	out := make([]inventory.Audit, len(changes))
	for i, c := range changes {
		row, ok := written[c.SKUID]
		if !ok {
			return nil, inventory.ErrStockChanged.WithExtra("skuId", c.SKUID)
		}
		out[i] = inventory.Audit{ID: c.AuditID, SKUID: c.SKUID, Reason: c.Reason, AdjustmentReason: c.AdjustmentReason,
			Before: inventory.Counts{OnHand: row.OnHandBefore, Reserved: row.ReservedBefore},
			After:  inventory.Counts{OnHand: row.OnHandAfter, Reserved: row.ReservedAfter}, VersionAfter: row.VersionAfter,
			ActorID: cause.ActorID, OrderID: cause.OrderID, BatchID: cause.BatchID, TraceID: cause.TraceID, Note: c.Note, CreatedAt: at}
	}
	return out, nil
}

// takeChanges is Stock.Take's one statement. locked takes the rows' locks in ascending SKU order
// (the locking step runs above the sort, as in Lock) and returns them as locked; the UPDATE joins
// it, so it writes only rows this statement already locked, and evaluates its guard on each row's
// latest version as applyChanges does. The result is every locked row with, where its change
// applied, the audit's after counts.
const takeChanges = `
WITH c AS (` + stockChanges + `), locked AS (
    SELECT ` + levelColumns + ` FROM inventory i JOIN skus s ON s.id = i.sku_id
     WHERE i.sku_id IN (SELECT sku_id FROM c) ORDER BY i.sku_id FOR UPDATE OF i
), changed AS (` + stockUpdate + `
      FROM c JOIN locked l ON l.sku_id = c.sku_id` + stockGuard + `), audited AS (` + stockAudits + `)
SELECT l.sku_id, l.product_id, l.on_hand, l.reserved, l.version, l.low_stock_threshold, l.updated_at,
       a.sku_id IS NOT NULL AS applied, coalesce(a.on_hand_before, 0) AS on_hand_before, coalesce(a.on_hand_after, 0) AS on_hand_after,
       coalesce(a.reserved_before, 0) AS reserved_before, coalesce(a.reserved_after, 0) AS reserved_after,
       coalesce(a.version_after, 0) AS version_after
  FROM locked l LEFT JOIN audited a ON a.sku_id = l.sku_id`

// Take implements inventory.Stock in one statement (takeChanges): the stock step of a checkout is
// one round trip instead of Lock's and Apply's.
func (s *Stock) Take(ctx context.Context, cause inventory.Cause, changes []inventory.Change) (map[string]inventory.Level, []inventory.Audit, error) {
	args, at := changeArgs(cause, changes)
	var rows []struct {
		levelRow
		writtenAudit
		Applied bool `db:"applied"`
	}
	if err := s.q.SelectContext(ctx, &rows, takeChanges, args...); err != nil {
		return nil, nil, err
	}
	levels := make(map[string]inventory.Level, len(rows))
	written := make(map[string]writtenAudit, len(rows))
	for _, row := range rows {
		levels[row.levelRow.SKUID] = row.level()
		if row.Applied {
			written[row.levelRow.SKUID] = row.writtenAudit
		}
	}
	audits, err := auditsOf(cause, changes, at, written)
	return levels, audits, err
}

// Open implements inventory.Stock: the row and its OPENING audit row in one statement.
func (s *Stock) Open(ctx context.Context, a inventory.Audit, threshold *int) (inventory.Level, error) {
	at := a.CreatedAt.UTC().Truncate(time.Microsecond)
	var th any
	if threshold != nil {
		th = *threshold
	}
	var rows []levelRow
	err := s.q.SelectContext(ctx, &rows, `
		WITH ins AS (
		    INSERT INTO inventory (sku_id, on_hand, reserved, low_stock_threshold, version, updated_at)
		    VALUES ($1, $2, 0, $3, 1, $4) ON CONFLICT (sku_id) DO NOTHING
		    RETURNING sku_id, on_hand, reserved, version, low_stock_threshold, updated_at
		), audit AS (
		    INSERT INTO inventory_audits (id, sku_id, reason, on_hand_before, on_hand_after, reserved_before, reserved_after,
		                                  delta_on_hand, delta_reserved, version_after, actor_id, trace_id, note, created_at)
		    SELECT $5, sku_id, 'OPENING', 0, on_hand, 0, 0, on_hand, 0, 1, $6::uuid, $7, $8, $4 FROM ins
		)
		SELECT i.sku_id, s.product_id, i.on_hand, i.reserved, i.version, i.low_stock_threshold, i.updated_at
		  FROM ins i JOIN skus s ON s.id = i.sku_id`,
		a.SKUID, a.After.OnHand, th, at, a.ID, nullString(a.ActorID), a.TraceID, a.Note)
	if IsForeignKeyViolation(err) {
		return inventory.Level{}, inventory.ErrSKUNotFound.WithExtra("skuId", a.SKUID)
	}
	if err != nil {
		return inventory.Level{}, err
	}
	if len(rows) == 0 {
		return inventory.Level{}, inventory.ErrStockOpened.WithExtra("skuId", a.SKUID)
	}
	return rows[0].level(), nil
}

// InventoryReader is inventory.Reader on the primary (the admin reads decide stock edits).
type InventoryReader struct{ db *DB }

// NewInventoryReader returns a reader over db.
func NewInventoryReader(db *DB) *InventoryReader { return &InventoryReader{db: db} }

// Levels implements inventory.Reader.
func (r *InventoryReader) Levels(ctx context.Context, skuIDs []string) (map[string]inventory.Level, error) {
	var rows []levelRow
	err := r.db.Q(ctx).SelectContext(ctx, &rows, `
		SELECT `+levelColumns+` FROM inventory i JOIN skus s ON s.id = i.sku_id WHERE i.sku_id = ANY($1::uuid[])`,
		orEmptySlice(skuIDs))
	if err != nil {
		return nil, err
	}
	return levelsOf(rows), nil
}

// ListLevels implements inventory.Reader on the inventory primary key (or a product's SKUs,
// skus_product_sort_idx); the low-stock filter is inventory.Level.IsLow in SQL.
func (r *InventoryReader) ListLevels(ctx context.Context, q inventory.LevelQuery) ([]inventory.Level, error) {
	where, args := []string{"true"}, []any{}
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	if q.AfterSKU != "" {
		where = append(where, "i.sku_id > "+arg(q.AfterSKU)+"::uuid")
	}
	if q.ProductID != "" {
		where = append(where, "s.product_id = "+arg(q.ProductID)+"::uuid")
	}
	if q.LowStock {
		where = append(where, "i.on_hand - i.reserved <= COALESCE(i.low_stock_threshold, "+arg(inventory.DefaultLowStockThreshold)+")")
	}
	var rows []levelRow
	err := r.db.Q(ctx).SelectContext(ctx, &rows, `
		SELECT `+levelColumns+` FROM inventory i JOIN skus s ON s.id = i.sku_id
		 WHERE `+strings.Join(where, " AND ")+` ORDER BY i.sku_id LIMIT `+arg(q.Limit), args...)
	if err != nil {
		return nil, err
	}
	out := make([]inventory.Level, len(rows))
	for i, row := range rows {
		out[i] = row.level()
	}
	return out, nil
}

type auditRow struct {
	ID               string         `db:"id"`
	SKUID            string         `db:"sku_id"`
	Reason           string         `db:"reason"`
	AdjustmentReason sql.NullString `db:"adjustment_reason"`
	OnHandBefore     int            `db:"on_hand_before"`
	OnHandAfter      int            `db:"on_hand_after"`
	ReservedBefore   int            `db:"reserved_before"`
	ReservedAfter    int            `db:"reserved_after"`
	VersionAfter     int            `db:"version_after"`
	ActorID          sql.NullString `db:"actor_id"`
	OrderID          sql.NullString `db:"order_id"`
	BatchID          sql.NullString `db:"batch_id"`
	TraceID          string         `db:"trace_id"`
	Note             string         `db:"note"`
	CreatedAt        time.Time      `db:"created_at"`
}

// Audits implements inventory.Reader: only the filters q sets are in the statement, so the
// planner picks the index that serves them (inventory_audits_*_idx, all created_at DESC, id DESC).
func (r *InventoryReader) Audits(ctx context.Context, q inventory.AuditQuery) ([]inventory.Audit, error) {
	where, args := []string{"true"}, []any{}
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	if q.SKUID != "" {
		where = append(where, "sku_id = "+arg(q.SKUID)+"::uuid")
	}
	if q.ActorID != "" {
		where = append(where, "actor_id = "+arg(q.ActorID)+"::uuid")
	}
	if q.Reason != "" {
		where = append(where, "reason = "+arg(string(q.Reason)))
	}
	if q.OrderID != "" {
		where = append(where, "order_id = "+arg(q.OrderID)+"::uuid")
	}
	if !q.From.IsZero() {
		where = append(where, "created_at >= "+arg(q.From))
	}
	if !q.To.IsZero() {
		where = append(where, "created_at < "+arg(q.To))
	}
	if q.After != nil {
		where = append(where, "(created_at, id) < ("+arg(q.After.CreatedAt)+", "+arg(q.After.ID)+"::uuid)")
	}
	var rows []auditRow
	err := r.db.Q(ctx).SelectContext(ctx, &rows, `
		SELECT id, sku_id, reason, adjustment_reason, on_hand_before, on_hand_after, reserved_before, reserved_after,
		       version_after, actor_id, order_id, batch_id, trace_id, note, created_at
		  FROM inventory_audits WHERE `+strings.Join(where, " AND ")+`
		 ORDER BY created_at DESC, id DESC LIMIT `+arg(q.Limit), args...)
	if err != nil {
		return nil, err
	}
	out := make([]inventory.Audit, len(rows))
	for i, row := range rows {
		out[i] = inventory.Audit{ID: row.ID, SKUID: row.SKUID, Reason: inventory.Reason(row.Reason),
			AdjustmentReason: inventory.AdjustmentReason(row.AdjustmentReason.String),
			Before:           inventory.Counts{OnHand: row.OnHandBefore, Reserved: row.ReservedBefore},
			After:            inventory.Counts{OnHand: row.OnHandAfter, Reserved: row.ReservedAfter},
			VersionAfter:     row.VersionAfter, ActorID: row.ActorID.String, OrderID: row.OrderID.String,
			BatchID: row.BatchID.String, TraceID: row.TraceID, Note: row.Note, CreatedAt: row.CreatedAt.UTC()}
	}
	return out, nil
}
