package memory

import (
	"context"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/jupang/jupang/core/catalog"
	"github.com/jupang/jupang/core/errs"
)

// Stand-ins for the inventory and orders areas (see core/catalog/standins.go): the tables and
// stores that give the catalog stock levels and paid orders until those areas have in-memory
// adapters of their own. Then this file goes away, and CatalogStores, NewCatalogReader's callers
// and the wiring take those areas' stores instead.

// standIns are the stand-in tables, kept with the catalog's.
type standIns struct {
	Stock      *Table[string, catalog.StockLevel] // SKU id → stock (table inventory)
	PaidOrders *Table[string, catalog.PaidOrder]  // table orders
}

// paidOrdersByTime finds the orders paid in a window (orders_paid_at_idx).
var paidOrdersByTime = &Index[catalog.PaidOrder]{Order: func(a, b catalog.PaidOrder) int { return a.PaidAt.Compare(b.PaidAt) }}

func newStandIns() standIns {
	return standIns{
		Stock:      newTable[string, catalog.StockLevel](strings.Compare),
		PaidOrders: newTable(strings.Compare, paidOrdersByTime),
	}
}

// StockLevels implements catalog.StockLevels on the stand-in stock table.
func (q catalogQueries) StockLevels(ctx context.Context, skuIDs []string) (map[string]catalog.StockLevel, error) {
	t := q.tables(ctx)
	out := make(map[string]catalog.StockLevel, len(skuIDs))
	for _, id := range skuIDs {
		if s, ok := t.Stock.Get(id); ok {
			out[id] = s
		}
	}
	return out, nil
}

// stockStandIn is the catalog.StockSetter of one unit of work.
type stockStandIn struct{ tx *Tx }

// SetStock implements catalog.StockSetter.
func (s *stockStandIn) SetStock(_ context.Context, skuID string, onHand int) error {
	t := &s.tx.State.Catalog
	level, _ := t.Stock.Get(skuID)
	if onHand < level.Reserved {
		return errs.ErrValidation.WithField("onHand", "BELOW_RESERVED", "must not be below the reserved units")
	}
	level.OnHand = onHand
	Mutable(s.tx, &t.Stock).Put(skuID, level)
	return nil
}

// paidOrdersStandIn is the catalog.SalesSource and catalog.SalesHistory of one unit of work.
type paidOrdersStandIn struct{ tx *Tx }

// PaidLines implements catalog.SalesSource.
func (s *paidOrdersStandIn) PaidLines(_ context.Context, from, to time.Time) ([]catalog.SaleLine, error) {
	var out []catalog.SaleLine
	for _, o := range s.tx.State.Catalog.PaidOrders.Ascend(paidOrdersByTime, Seek[catalog.PaidOrder]{Pivot: &catalog.PaidOrder{PaidAt: from}}) {
		if !o.PaidAt.Before(to) {
			break
		}
		out = append(out, o.SaleLines()...)
	}
	return out, nil
}

// RecordPaidOrder implements catalog.SalesHistory.
func (s *paidOrdersStandIn) RecordPaidOrder(_ context.Context, o catalog.PaidOrder) error {
	lines := slices.Clone(o.Lines)
	for i := range lines {
		lines[i].Attributes = maps.Clone(lines[i].Attributes)
	}
	o.Lines = lines
	Mutable(s.tx, &s.tx.State.Catalog.PaidOrders).Put(o.ID, o)
	return nil
}
