package postgres

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jupang/jupang/core/catalog"
	"github.com/jupang/jupang/core/kernel"
)

// The stand-in for the orders area (see core/catalog/standins.go): the catalog reads paid order
// lines, and the dev seed writes past orders, on that area's tables through it until the area has
// adapters of its own. Then this file goes away, and CatalogStores and the wiring take the orders
// area's stores instead. Stock is inventory's (inventory.go).

// paidOrdersStandIn is the catalog.SalesSource and catalog.SalesHistory on the orders area's tables.
type paidOrdersStandIn struct{ q Querier }

// PaidLines implements catalog.SalesSource.
func (r *paidOrdersStandIn) PaidLines(ctx context.Context, from, to time.Time) ([]catalog.SaleLine, error) {
	var rows []struct {
		Market    string    `db:"market"`
		ProductID string    `db:"product_id"`
		PaidAt    time.Time `db:"paid_at"`
		Quantity  int64     `db:"quantity"`
		Refunded  int64     `db:"refunded_quantity"`
		LineTotal int64     `db:"line_total"`
	}
	err := r.q.SelectContext(ctx, &rows, `
		SELECT o.market, i.product_id, o.paid_at, i.quantity, i.refunded_quantity, i.line_total
		  FROM orders o JOIN order_items i ON i.order_id = o.id
		 WHERE o.paid_at >= $1 AND o.paid_at < $2 AND o.status = ANY($3::text[])`,
		from, to, catalog.PaidStatuses)
	if err != nil {
		return nil, err
	}
	out := make([]catalog.SaleLine, len(rows))
	for i, row := range rows {
		out[i] = catalog.SaleLine{Market: kernel.Market(row.Market), ProductID: row.ProductID, PaidAt: row.PaidAt.UTC(),
			Quantity: row.Quantity, RefundedQuantity: row.Refunded, LineTotal: row.LineTotal}
	}
	return out, nil
}

// RecordPaidOrder implements catalog.SalesHistory: a PAID order paid by card, its lines and its
// timeline row.
func (r *paidOrdersStandIn) RecordPaidOrder(ctx context.Context, o catalog.PaidOrder) error {
	a := o.Amounts()
	address, err := json.Marshal(map[string]string{"recipient": "Jupang Demo", "line1": "Seed history", "country": string(o.Market)})
	if err != nil {
		return err
	}
	if _, err := r.q.ExecContext(ctx, `
		INSERT INTO orders (id, number, user_id, market, currency, status, subtotal, item_discount, tax, tax_included, total,
		                    card_paid, shipping_address, paid_at, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, 'PAID', $6, $7, $8, $9, $10, $10, $11, $12, $12, $12)`,
		o.ID, o.Number, o.UserID, string(o.Market), o.Market.Currency().Code, a.Subtotal, a.ItemDiscount, a.Tax, a.TaxIncluded,
		a.Total, address, o.PaidAt); err != nil {
		return err
	}
	for _, l := range o.Lines {
		attrs, err := json.Marshal(orEmpty(l.Attributes))
		if err != nil {
			return err
		}
		if _, err := r.q.ExecContext(ctx, `
			INSERT INTO order_items (id, order_id, sku_id, product_id, name, sku_code, attributes, unit_price, quantity, discount, line_total, promotion_id)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
			kernel.NewID(), o.ID, l.SKUID, l.ProductID, l.Name, l.SKUCode, attrs, l.UnitPrice, l.Quantity, l.Discount, l.Total(),
			nullString(l.PromotionID)); err != nil {
			return err
		}
	}
	_, err = r.q.ExecContext(ctx, `
		INSERT INTO order_status_history (id, order_id, from_status, to_status, reason, actor_type, created_at)
		VALUES ($1, $2, NULL, 'PAID', 'seed history', 'SYSTEM', $3)`, kernel.NewID(), o.ID, o.PaidAt)
	return err
}
