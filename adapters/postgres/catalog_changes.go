package postgres

import (
	"context"
	"database/sql"
	"strconv"
	"sync"
	"time"

	"github.com/jupang/jupang/core/catalog"
	"github.com/jupang/jupang/core/kernel"
)

// changeLog is the catalog.ChangeLog of one unit of work: rows of catalog_changes written in its
// transaction, so they commit or roll back with the change they describe.
type changeLog struct{ q Querier }

// NewCatalogStockChanges returns the catalog.StockChanges port on q (a unit of work's
// transaction): the inventory and orders areas put it in their Stores and call it where they
// change stock.
func NewCatalogStockChanges(q Querier) catalog.StockChanges { return &changeLog{q: q} }

func (l *changeLog) record(ctx context.Context, kind catalog.ChangeKind, refs []string) error {
	if len(refs) == 0 {
		return nil
	}
	_, err := l.q.ExecContext(ctx, `INSERT INTO catalog_changes (kind, ref) SELECT $1, unnest($2::uuid[])`, string(kind), refs)
	return err
}

// AvailabilityChanged implements catalog.StockChanges.
func (l *changeLog) AvailabilityChanged(ctx context.Context, skuIDs []string) error {
	return l.record(ctx, catalog.ChangeStock, skuIDs)
}

// ProductsChanged implements catalog.ChangeLog.
func (l *changeLog) ProductsChanged(ctx context.Context, productIDs []string) error {
	return l.record(ctx, catalog.ChangeProduct, productIDs)
}

// CatalogChanged implements catalog.ChangeLog.
func (l *changeLog) CatalogChanged(ctx context.Context) error {
	_, err := l.q.ExecContext(ctx, `INSERT INTO catalog_changes (kind) VALUES ('CATALOG')`)
	return err
}

// ListingsChanged implements catalog.ChangeLog.
func (l *changeLog) ListingsChanged(ctx context.Context) error {
	_, err := l.q.ExecContext(ctx, `INSERT INTO catalog_changes (kind) VALUES ('LISTINGS')`)
	return err
}

// PruneChanges implements catalog.ChangeLog.
func (l *changeLog) PruneChanges(ctx context.Context, before time.Time) error {
	_, err := l.q.ExecContext(ctx, `DELETE FROM catalog_changes WHERE recorded_at < $1`, before)
	return err
}

// CatalogChangeFeed is a catalog.ChangeFeed over catalog_changes through Reads (the replica when
// there is one, as the catalog reads), one poll statement per Next.
type CatalogChangeFeed struct {
	reads Reads
	now   func() time.Time

	mu       sync.Mutex
	horizon  string           // xmin of the last poll's snapshot; "" before the first poll
	seen     map[int64]uint64 // seq → txid of the entries at or above the horizon already returned
	polledAt time.Time
}

// ChangeFeed returns a change feed read the way r reads the catalog, for one read model.
func (r *CatalogReader) ChangeFeed() *CatalogChangeFeed {
	return NewCatalogChangeFeed(readsFunc(r.run))
}

type readsFunc func(ctx context.Context, fn func(ctx context.Context, q Querier) error) error

func (f readsFunc) Read(ctx context.Context, fn func(ctx context.Context, q Querier) error) error {
	return f(ctx, fn)
}

// NewCatalogChangeFeed returns a feed whose first Next resets.
func NewCatalogChangeFeed(reads Reads) *CatalogChangeFeed {
	return &CatalogChangeFeed{reads: reads, now: time.Now, seen: map[int64]uint64{}}
}

// Next implements catalog.ChangeFeed.
func (f *CatalogChangeFeed) Next(ctx context.Context) ([]catalog.Change, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	reset := f.horizon == "" || f.now().Sub(f.polledAt) > catalog.ChangeLogRetention/2
	var rows []struct {
		Horizon string         `db:"horizon"`
		Seq     sql.NullInt64  `db:"seq"`
		TxID    sql.NullString `db:"txid"`
		Kind    sql.NullString `db:"kind"`
		Ref     sql.NullString `db:"ref"`
	}
	var since any // NULL on a reset: only the horizon is read
	if !reset {
		since = f.horizon
	}
	started := f.now()
	err := f.reads.Read(ctx, func(ctx context.Context, q Querier) error {
		return q.SelectContext(ctx, &rows, `
			WITH h AS (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin)
			SELECT h.xmin::text AS horizon, c.seq, c.txid::text AS txid, c.kind, c.ref::text AS ref
			  FROM h LEFT JOIN catalog_changes c ON c.txid >= $1::xid8
			 ORDER BY c.seq`, since)
	})
	if err != nil {
		return nil, false, err
	}
	if len(rows) == 0 { // the CTE always yields one row; a replica mid-recovery might not
		return nil, false, nil
	}
	var out []catalog.Change
	for _, row := range rows {
		if !row.Seq.Valid {
			continue
		}
		if _, dup := f.seen[row.Seq.Int64]; dup {
			continue
		}
		txid, err := strconv.ParseUint(row.TxID.String, 10, 64)
		if err != nil {
			return nil, false, err
		}
		f.seen[row.Seq.Int64] = txid
		out = append(out, catalog.Change{Kind: catalog.ChangeKind(row.Kind.String), Ref: row.Ref.String})
	}
	horizon, err := strconv.ParseUint(rows[0].Horizon, 10, 64)
	if err != nil {
		return nil, false, err
	}
	for seq, txid := range f.seen {
		if txid < horizon { // below the next poll's horizon: it will not be read again
			delete(f.seen, seq)
		}
	}
	f.horizon, f.polledAt = rows[0].Horizon, started
	if reset {
		return nil, true, nil
	}
	return out, false, nil
}

// NextPriceChange implements catalog.Reader.
func (c catalogQueries) NextPriceChange(ctx context.Context, m kernel.Market, at time.Time) (time.Time, error) {
	return query(ctx, c, func(ctx context.Context, q Querier) (time.Time, error) {
		var next sql.NullTime
		err := q.GetContext(ctx, &next, `
			SELECT least(
			       (SELECT min(ends_at) FROM promotions WHERE ends_at > $2 AND $1 = ANY(markets)),
			       (SELECT min(starts_at) FROM promotions WHERE ends_at > $2 AND starts_at > $2 AND $1 = ANY(markets)),
			       (SELECT min(effective_from) FROM fx_rates
			         WHERE base_currency = 'KRW' AND quote_currency = $3 AND quote_currency <> 'KRW' AND effective_from > $2))`,
			string(m), at, m.Currency().Code)
		if err != nil || !next.Valid {
			return time.Time{}, err
		}
		return next.Time.UTC(), nil
	})
}
