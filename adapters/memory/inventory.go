package memory

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"github.com/jupang/jupang/core/integration"
	"github.com/jupang/jupang/core/inventory"
)

// inventoryTables are the inventory area's in-memory tables, with the indexes of 00004_inventory.sql.
// A level's product id is not stored: like PostgreSQL (a join with skus), reads take it from the
// catalog's SKU table.
type inventoryTables struct {
	Levels *Table[string, inventory.Level] // SKU id → row (table inventory)
	Audits *Table[string, inventory.Audit] // table inventory_audits (append-only: never Put twice, never Deleted)
}

// newestFirst orders audit rows by created_at DESC, id DESC, as every audit index does.
func newestFirst(a, b inventory.Audit) int {
	return cmp.Or(b.CreatedAt.Compare(a.CreatedAt), strings.Compare(b.ID, a.ID))
}

// The audit indexes (inventory_audits_*_idx).
var (
	auditsBySKU     = &Index[inventory.Audit]{Group: func(a inventory.Audit) string { return a.SKUID }, Order: newestFirst}
	auditsByActor   = &Index[inventory.Audit]{Group: func(a inventory.Audit) string { return a.ActorID }, Order: newestFirst, Where: func(a inventory.Audit) bool { return a.ActorID != "" }}
	auditsByReason  = &Index[inventory.Audit]{Group: func(a inventory.Audit) string { return string(a.Reason) }, Order: newestFirst}
	auditsByCreated = &Index[inventory.Audit]{Order: newestFirst}
	// levelsInSKUOrder walks the rows in SKU id order (the inventory primary key).
	levelsInSKUOrder = &Index[inventory.Level]{Order: func(a, b inventory.Level) int { return strings.Compare(a.SKUID, b.SKUID) }}
	auditsByOrder    = &Index[inventory.Audit]{Group: func(a inventory.Audit) string { return a.OrderID }, Order: newestFirst, Where: func(a inventory.Audit) bool { return a.OrderID != "" }}
)

func newInventoryTables() inventoryTables {
	return inventoryTables{
		Levels: newTable(strings.Compare, levelsInSKUOrder),
		Audits: newTable(strings.Compare, auditsBySKU, auditsByActor, auditsByReason, auditsByCreated, auditsByOrder),
	}
}

// InventoryStores builds inventory.Stores for a unit of work; the order area's stores embed it.
func InventoryStores(tx *Tx) inventory.Stores {
	return inventory.Stores{Stock: &Stock{tx: tx}, Outbox: NewOutbox(tx), Catalog: &changeLog{tx: tx}}
}

// Stock is the in-memory inventory.Stock of one unit of work. Units of work that write run one at
// a time, so Lock only reads.
type Stock struct{ tx *Tx }

// Lock implements inventory.Stock.
func (s *Stock) Lock(_ context.Context, skuIDs []string) (map[string]inventory.Level, error) {
	return levelsIn(s.tx.State, skuIDs), nil
}

func levelsIn(st *State, skuIDs []string) map[string]inventory.Level {
	out := make(map[string]inventory.Level, len(skuIDs))
	for _, id := range skuIDs {
		if l, ok := st.Inventory.Levels.Get(id); ok {
			l.ProductID, _ = st.Catalog.SKUProducts.Get(id)
			out[id] = cloneLevel(l)
		}
	}
	return out
}

func cloneLevel(l inventory.Level) inventory.Level {
	if l.LowStockThreshold != nil {
		t := *l.LowStockThreshold
		l.LowStockThreshold = &t
	}
	return l
}

// Apply implements inventory.Stock: every change is checked against its row first, and nothing is
// written unless all fit (PostgreSQL writes the ones that fit and the failed unit of work undoes them).
func (s *Stock) Apply(_ context.Context, cause inventory.Cause, changes []inventory.Change) ([]inventory.Audit, error) {
	t := &s.tx.State.Inventory
	seen := make(map[string]bool, len(changes))
	for _, c := range changes {
		l, ok := t.Levels.Get(c.SKUID)
		if !ok || seen[c.SKUID] || !c.Fits(l) {
			return nil, inventory.ErrStockChanged.WithExtra("skuId", c.SKUID)
		}
		seen[c.SKUID] = true
	}
	levels, audits := Mutable(s.tx, &t.Levels), Mutable(s.tx, &t.Audits)
	out := make([]inventory.Audit, len(changes))
	for i, c := range changes {
		l, _ := levels.Get(c.SKUID)
		a := inventory.Audit{ID: c.AuditID, SKUID: c.SKUID, Reason: c.Reason, AdjustmentReason: c.AdjustmentReason,
			Before: inventory.Counts{OnHand: l.OnHand, Reserved: l.Reserved}, VersionAfter: l.Version + 1,
			ActorID: cause.ActorID, OrderID: cause.OrderID, BatchID: cause.BatchID, TraceID: cause.TraceID, Note: c.Note,
			CreatedAt: cause.At}
		l.OnHand += c.DeltaOnHand
		l.Reserved += c.DeltaReserved
		l.Version++
		l.UpdatedAt = cause.At
		a.After = inventory.Counts{OnHand: l.OnHand, Reserved: l.Reserved}
		levels.Put(c.SKUID, l)
		audits.Put(a.ID, a)
		out[i] = a
	}
	return out, nil
}

// Take implements inventory.Stock: Lock, then Apply (units of work that write run one at a time).
func (s *Stock) Take(ctx context.Context, cause inventory.Cause, changes []inventory.Change) (map[string]inventory.Level, []inventory.Audit, error) {
	ids := make([]string, len(changes))
	for i, c := range changes {
		ids[i] = c.SKUID
	}
	levels, _ := s.Lock(ctx, ids)
	audits, err := s.Apply(ctx, cause, changes)
	return levels, audits, err
}

// Open implements inventory.Stock.
func (s *Stock) Open(_ context.Context, a inventory.Audit, threshold *int) (inventory.Level, error) {
	st := s.tx.State
	productID, known := st.Catalog.SKUProducts.Get(a.SKUID)
	if !known {
		return inventory.Level{}, inventory.ErrSKUNotFound.WithExtra("skuId", a.SKUID)
	}
	if _, exists := st.Inventory.Levels.Get(a.SKUID); exists {
		return inventory.Level{}, inventory.ErrStockOpened.WithExtra("skuId", a.SKUID)
	}
	l := cloneLevel(inventory.Level{SKUID: a.SKUID, OnHand: a.After.OnHand, Version: 1, LowStockThreshold: threshold, UpdatedAt: a.CreatedAt})
	Mutable(s.tx, &st.Inventory.Levels).Put(a.SKUID, l)
	Mutable(s.tx, &st.Inventory.Audits).Put(a.ID, a)
	l.ProductID = productID
	return l, nil
}

// InventoryReader is the in-memory inventory.Reader over committed state (or the caller's open unit of work).
type InventoryReader struct{ store *Store }

// NewInventoryReader returns a reader over store.
func NewInventoryReader(store *Store) *InventoryReader { return &InventoryReader{store: store} }

// Levels implements inventory.Reader.
func (r *InventoryReader) Levels(ctx context.Context, skuIDs []string) (map[string]inventory.Level, error) {
	return levelsIn(r.store.Snapshot(ctx), skuIDs), nil
}

// ListLevels implements inventory.Reader: a product's SKUs from the catalog, or a walk of the rows
// in SKU order (PostgreSQL: the inventory primary key; low stock is a filter on it).
func (r *InventoryReader) ListLevels(ctx context.Context, q inventory.LevelQuery) ([]inventory.Level, error) {
	st := r.store.Snapshot(ctx)
	out := []inventory.Level{}
	if q.ProductID != "" {
		p, ok := st.Catalog.Products.Get(q.ProductID)
		if !ok {
			return out, nil
		}
		ids := make([]string, 0, len(p.SKUs))
		for _, s := range p.SKUs {
			if s.ID > q.AfterSKU {
				ids = append(ids, s.ID)
			}
		}
		slices.Sort(ids)
		levels := levelsIn(st, ids)
		for _, id := range ids {
			if l, ok := levels[id]; ok && q.Matches(l) {
				if out = append(out, l); len(out) == q.Limit {
					break
				}
			}
		}
		return out, nil
	}
	var seek Seek[inventory.Level]
	if q.AfterSKU != "" {
		seek = Seek[inventory.Level]{Pivot: &inventory.Level{SKUID: q.AfterSKU}, Past: true}
	}
	for id, l := range st.Inventory.Levels.Ascend(levelsInSKUOrder, seek) {
		if !q.Matches(l) {
			continue
		}
		l.ProductID, _ = st.Catalog.SKUProducts.Get(id)
		if out = append(out, cloneLevel(l)); len(out) == q.Limit {
			break
		}
	}
	return out, nil
}

// Audits implements inventory.Reader on the index PostgreSQL would pick for q's filters.
func (r *InventoryReader) Audits(ctx context.Context, q inventory.AuditQuery) ([]inventory.Audit, error) {
	t := r.store.Snapshot(ctx).Inventory.Audits
	ix, group := auditsByCreated, ""
	switch {
	case q.SKUID != "":
		ix, group = auditsBySKU, q.SKUID
	case q.OrderID != "":
		ix, group = auditsByOrder, q.OrderID
	case q.ActorID != "":
		ix, group = auditsByActor, q.ActorID
	case q.Reason != "":
		ix, group = auditsByReason, string(q.Reason)
	}
	seek := Seek[inventory.Audit]{Group: group}
	if q.After != nil {
		seek.Pivot, seek.Past = &inventory.Audit{CreatedAt: q.After.CreatedAt, ID: q.After.ID}, true
	}
	if !q.To.IsZero() && (q.After == nil || !q.After.CreatedAt.Before(q.To)) {
		seek.Pivot, seek.Past = &inventory.Audit{CreatedAt: q.To}, false // ID "" sorts after every id of that instant
	}
	out := []inventory.Audit{}
	for _, a := range t.Ascend(ix, seek) {
		if !q.From.IsZero() && a.CreatedAt.Before(q.From) {
			break
		}
		if !q.Matches(a) || (q.After != nil && !q.After.Before(a)) {
			continue
		}
		if out = append(out, a); len(out) == q.Limit {
			break
		}
	}
	return out, nil
}

var _ integration.Outbox = (*Outbox)(nil)
