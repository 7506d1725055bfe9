package memory

import (
	"context"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/jupang/jupang/core/catalog"
)

// The stand-in for the orders area (see core/catalog/standins.go): the table and store that give
// the catalog paid orders until that area has an in-memory adapter of its own. Then this file goes
// away, and CatalogStores and the wiring take the orders area's stores instead. Stock is
// inventory's (inventory.go).

// standIns are the stand-in tables, kept with the catalog's.
type standIns struct {
	PaidOrders *Table[string, catalog.PaidOrder] // table orders
}

// paidOrdersByTime finds the orders paid in a window (orders_paid_at_idx).
var paidOrdersByTime = &Index[catalog.PaidOrder]{Order: func(a, b catalog.PaidOrder) int { return a.PaidAt.Compare(b.PaidAt) }}

func newStandIns() standIns {
	return standIns{
		PaidOrders: newTable(strings.Compare, paidOrdersByTime),
	}
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
