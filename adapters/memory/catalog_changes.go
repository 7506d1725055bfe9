package memory

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"time"

	"github.com/jupang/jupang/core/catalog"
	"github.com/jupang/jupang/core/kernel"
)

// changeRow is an entry of the catalog change log (table catalog_changes).
type changeRow struct {
	Seq        int64
	Change     catalog.Change
	RecordedAt time.Time
}

// changesBySeq walks the change log in commit order: units of work that write run one at a time,
// so sequence order is commit order here (PostgreSQL needs transaction ids for that).
var changesBySeq = &Index[changeRow]{Order: func(a, b changeRow) int { return cmp.Compare(a.Seq, b.Seq) }}

func newChangeTable() *Table[int64, changeRow] { return newTable(cmp.Compare[int64], changesBySeq) }

// changeLog is the catalog.ChangeLog of one unit of work.
type changeLog struct{ tx *Tx }

func (l *changeLog) record(changes ...catalog.Change) {
	t := &l.tx.State.Catalog
	rows := Mutable(l.tx, &t.Changes)
	now := time.Now()
	for _, c := range changes {
		t.ChangeSeq++
		rows.Put(t.ChangeSeq, changeRow{Seq: t.ChangeSeq, Change: c, RecordedAt: now})
	}
}

// AvailabilityChanged implements catalog.StockChanges.
func (l *changeLog) AvailabilityChanged(_ context.Context, skuIDs []string) error {
	for _, id := range skuIDs {
		l.record(catalog.Change{Kind: catalog.ChangeStock, Ref: id})
	}
	return nil
}

// ProductsChanged implements catalog.ChangeLog.
func (l *changeLog) ProductsChanged(_ context.Context, productIDs []string) error {
	for _, id := range productIDs {
		l.record(catalog.Change{Kind: catalog.ChangeProduct, Ref: id})
	}
	return nil
}

// CatalogChanged implements catalog.ChangeLog.
func (l *changeLog) CatalogChanged(context.Context) error {
	l.record(catalog.Change{Kind: catalog.ChangeCatalog})
	return nil
}

// ListingsChanged implements catalog.ChangeLog.
func (l *changeLog) ListingsChanged(context.Context) error {
	l.record(catalog.Change{Kind: catalog.ChangeListings})
	return nil
}

// PruneChanges implements catalog.ChangeLog.
func (l *changeLog) PruneChanges(_ context.Context, before time.Time) error {
	t := &l.tx.State.Catalog
	var old []int64
	for seq, row := range t.Changes.Ascend(changesBySeq, Seek[changeRow]{}) {
		if !row.RecordedAt.Before(before) {
			break
		}
		old = append(old, seq)
	}
	if len(old) > 0 {
		rows := Mutable(l.tx, &t.Changes)
		for _, seq := range old {
			rows.Delete(seq)
		}
	}
	return nil
}

// CatalogChangeFeed is a catalog.ChangeFeed over the committed change log: a read model of the
// same process follows it at the cost of an atomic load per read.
type CatalogChangeFeed struct {
	store *Store
	mu    sync.Mutex
	last  int64 // sequence number of the last change returned; -1 before the first call
}

// NewCatalogChangeFeed returns a feed positioned before the first call.
func NewCatalogChangeFeed(store *Store) *CatalogChangeFeed {
	return &CatalogChangeFeed{store: store, last: -1}
}

// Next implements catalog.ChangeFeed.
func (f *CatalogChangeFeed) Next(ctx context.Context) ([]catalog.Change, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t := &f.store.Snapshot(ctx).Catalog
	if f.last < 0 {
		f.last = t.ChangeSeq
		return nil, true, nil
	}
	if t.ChangeSeq == f.last {
		return nil, false, nil
	}
	var out []catalog.Change
	from := changeRow{Seq: f.last}
	for _, row := range t.Changes.Ascend(changesBySeq, Seek[changeRow]{Pivot: &from, Past: true}) {
		if row.Seq != f.last+1 { // pruned past what this feed had seen
			f.last = t.ChangeSeq
			return nil, true, nil
		}
		out = append(out, row.Change)
		f.last = row.Seq
	}
	if f.last != t.ChangeSeq {
		f.last = t.ChangeSeq
		return nil, true, nil
	}
	return out, false, nil
}

// NextPriceChange implements catalog.Reader.
func (q catalogQueries) NextPriceChange(ctx context.Context, m kernel.Market, at time.Time) (time.Time, error) {
	t := q.tables(ctx)
	var next []time.Time
	notEnded := Seek[catalog.Promotion]{Pivot: &catalog.Promotion{EndsAt: at}, Past: true}
	for _, p := range t.Promotions.Ascend(promotionsByEnd, notEnded) {
		if !slices.Contains(p.Markets, m) {
			continue
		}
		next = append(next, p.EndsAt)
		if p.StartsAt.After(at) {
			next = append(next, p.StartsAt)
		}
	}
	if c := m.Currency(); c != kernel.KRW {
		after := catalog.RateEntry{EffectiveFrom: at}
		if r, ok := first(t.Rates.Ascend(ratesByQuote, Seek[catalog.RateEntry]{Group: c.Code, Pivot: &after, Past: true})); ok {
			next = append(next, r.EffectiveFrom)
		}
	}
	if len(next) == 0 {
		return time.Time{}, nil
	}
	return slices.MinFunc(next, time.Time.Compare), nil
}
