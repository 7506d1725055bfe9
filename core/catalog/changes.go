package catalog

import (
	"context"
	"time"
)

// ChangeKind says what a committed write changed, so that every instance's read model drops what
// it derived from it (see ReadModel).
type ChangeKind string

// Change kinds.
const (
	// ChangeProduct: a product's aggregate (texts, images, SKUs, explicit prices, status, limits)
	// or the markets it is listed in. Ref is the product id.
	ChangeProduct ChangeKind = "PRODUCT"
	// ChangeStock: the stock of a SKU, and so the availability of it and its product. Ref is the
	// SKU id.
	ChangeStock ChangeKind = "STOCK"
	// ChangeCatalog: categories, brands, exchange rates or promotions, which reach every price,
	// name or path shown. Ref is empty.
	ChangeCatalog ChangeKind = "CATALOG"
	// ChangeListings: listing sort keys (popularity, listing prices) changed and nothing a card
	// shows did; only rendered list pages are dropped. Ref is empty.
	ChangeListings ChangeKind = "LISTINGS"
)

// Change is one entry of the change log.
type Change struct {
	Kind ChangeKind
	Ref  string
}

// StockChanges is the one port through which the areas that change stock (orders reserving,
// releasing and selling, inventory administration) reach the catalog's read model. Call
// AvailabilityChanged inside the unit of work that changes the stock of those SKUs: the entry
// commits (or rolls back) with the change, and every instance shows the new availability within
// ReadModelConfig.MaxStale. The catalog reads the levels themselves through StockLevels.
type StockChanges interface {
	// AvailabilityChanged records that the stock of these SKUs changed.
	AvailabilityChanged(ctx context.Context, skuIDs []string) error
}

// ChangeLog records, inside a unit of work, what the unit of work changed in the catalog. The
// catalog's write use cases call it next to each write.
type ChangeLog interface {
	StockChanges
	// ProductsChanged records that these products' aggregates or listing markets changed.
	ProductsChanged(ctx context.Context, productIDs []string) error
	// CatalogChanged records that categories, brands, rates or promotions changed.
	CatalogChanged(ctx context.Context) error
	// ListingsChanged records that listing sort keys changed (ranking, reprice).
	ListingsChanged(ctx context.Context) error
	// PruneChanges deletes the entries recorded before before (see ChangeLogRetention).
	PruneChanges(ctx context.Context, before time.Time) error
}

// ChangeLogRetention is how long the change log keeps an entry. A feed that has not read the log
// for half of it resets (its read model drops everything) rather than risk a pruned gap.
const ChangeLogRetention = 10 * time.Minute

// PruneChangeLog is the change-log pruning job (PruneChangeLogJobName).
func (s *Service) PruneChangeLog(ctx context.Context) error {
	before := s.clock.Now().Add(-ChangeLogRetention)
	return s.tx.Do(ctx, func(ctx context.Context, st Stores) error { return st.Changes.PruneChanges(ctx, before) })
}

// ChangeFeed follows the committed change log. It keeps its position, so each read model has its
// own feed. Like Reader it may lag the primary, but never behind the data it reports as changed:
// a change it returns is visible to the Reader read through the same route.
type ChangeFeed interface {
	// Next returns the changes committed since the previous call. reset reports that the feed
	// cannot list them (its first call, or a gap longer than the log keeps): drop everything.
	Next(ctx context.Context) (changes []Change, reset bool, err error)
}
