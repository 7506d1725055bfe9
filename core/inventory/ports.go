package inventory

import (
	"context"

	"github.com/jupang/jupang/core/catalog"
	"github.com/jupang/jupang/core/integration"
)

// Stock is the inventory rows and their audit trail inside a unit of work.
type Stock interface {
	// Lock returns the rows of these SKUs (with their product ids), locking them until the unit of
	// work ends. Locks are taken in ascending SKU id order whatever the order of skuIDs, so that
	// units of work touching the same SKUs queue instead of deadlocking. A SKU without an inventory
	// row is absent from the map.
	Lock(ctx context.Context, skuIDs []string) (map[string]Level, error)
	// Apply applies every change to its SKU's row in one step, each only when it fits (Change.Fits,
	// evaluated by the same statement that writes it), bumps each row's version, and writes one
	// audit row per change with the true before and after counts and cause's fields. It returns the
	// audit rows in the order of changes. A change that does not fit, or names a SKU without a row,
	// makes Apply return ErrStockChanged naming that SKU; the caller must then fail its unit of
	// work, which undoes whatever Apply did write. changes name each SKU at most once.
	Apply(ctx context.Context, cause Cause, changes []Change) ([]Audit, error)
	// Take is Lock of the changes' SKUs and Apply of the changes in one step (one statement where
	// the storage can): the rows are locked in ascending SKU id order, then every change applies
	// only when it fits. It returns the rows as locked, before the changes, and the audit rows in
	// the order of changes. A change that does not fit, or names a SKU without a row, is
	// ErrStockChanged naming the first such SKU of changes, returned with the rows as locked; the
	// caller must then fail its unit of work. changes name each SKU at most once.
	Take(ctx context.Context, cause Cause, changes []Change) (map[string]Level, []Audit, error)
	// Open creates a SKU's row with opening on-hand units and writes its OPENING audit row (a.After
	// holds the units; a.Before is zero). A SKU that already has a row is ErrStockOpened; a SKU the
	// catalog does not know is ErrSKUNotFound.
	Open(ctx context.Context, a Audit, lowStockThreshold *int) (Level, error)
}

// Stores is what inventory's operations get inside a unit of work. Another area whose use cases
// change stock (orders) carries an inventory.Stores in its own Stores and hands it to the
// operations that take one (Reserve, Release, …), so the stock changes join its transaction.
type Stores struct {
	Stock  Stock
	Outbox integration.Outbox
	// Catalog hears of every stock change in the same unit of work, so that the catalog's read
	// model shows the new availability on every instance (catalog.StockChanges).
	Catalog catalog.StockChanges
}

// Reader is what the admin reads need, outside a unit of work, on the primary.
type Reader interface {
	// Levels returns the rows of these SKUs (with their product ids); absent SKUs are skipped.
	Levels(ctx context.Context, skuIDs []string) (map[string]Level, error)
	// ListLevels returns at most q.Limit rows matching q in ascending SKU id order after q.AfterSKU.
	ListLevels(ctx context.Context, q LevelQuery) ([]Level, error)
	// Audits returns at most q.Limit audit rows matching q, newest first (created_at, then id,
	// descending), after q.After.
	Audits(ctx context.Context, q AuditQuery) ([]Audit, error)
}
