package catalog

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/kernel"
)

// The stand-in for the orders area, for the dev seed and tests until that area lands. Catalog's
// use cases only read other areas' data, through StockLevels (served by inventory) and
// SalesSource; what is here writes past orders so the seed and tests have sales to show. The
// orders area will own real orders: then the seed writes through its use cases and this file goes
// away, with Stores.History.

// SalesHistory writes past paid orders: the dev seed's stand-in for the orders area.
type SalesHistory interface {
	RecordPaidOrder(ctx context.Context, o PaidOrder) error
}

// PastOrderItem is one line of a past order to record: a SKU of a product and a quantity.
type PastOrderItem struct {
	ProductID string
	SKUID     string
	Quantity  int64
}

// RecordPaidOrder writes a past paid order, priced as the market would have
// priced it at paidAt with the catalog as it is now: list price, less the best promotion active then.
func (s *Service) RecordPaidOrder(ctx context.Context, userID string, m kernel.Market, paidAt time.Time, items []PastOrderItem) (PaidOrder, error) {
	o := PaidOrder{ID: kernel.NewID(), UserID: userID, Market: m, PaidAt: paidAt.UTC().Truncate(time.Microsecond)}
	o.Number = "S" + o.PaidAt.Format("20060102") + "-" + strings.ToUpper(o.ID[len(o.ID)-12:])
	if len(items) == 0 {
		return PaidOrder{}, errs.ErrValidation.WithField("items", "REQUIRED", "an order has at least one line")
	}
	err := s.tx.Do(ctx, func(ctx context.Context, st Stores) error {
		cats, err := st.Catalog.Categories(ctx)
		if err != nil {
			return err
		}
		entries, err := st.Catalog.CurrentRates(ctx, o.PaidAt)
		if err != nil {
			return err
		}
		rates, err := CurrentRates(entries, o.PaidAt)
		if err != nil {
			return err
		}
		promos, err := st.Catalog.Promotions(ctx, m, o.PaidAt)
		if err != nil {
			return err
		}
		pricer, err := NewPricer(m, rates, promos, NewCategoryTree(cats), o.PaidAt)
		if err != nil {
			return err
		}
		seen := map[string]bool{}
		for i, it := range items {
			products, err := st.Catalog.Products(ctx, []string{it.ProductID})
			if err != nil {
				return err
			}
			if len(products) != 1 {
				return ErrProductNotFound
			}
			p := products[0]
			sku, ok := p.SKU(it.SKUID)
			if !ok || seen[sku.ID] || it.Quantity < 1 || it.Quantity > 999 {
				return errs.ErrValidation.WithField("items", "INVALID_LINE", "line "+strconv.Itoa(i)+" is not a distinct SKU of its product with 1..999 units")
			}
			seen[sku.ID] = true
			price := pricer.SKUPrice(p, sku)
			line := OrderLine{SKUID: sku.ID, ProductID: p.ID, Name: p.Names.In(m.Locale()), SKUCode: sku.Code,
				Attributes: sku.Attributes, UnitPrice: price.List.Amount, Quantity: it.Quantity,
				Discount: price.List.Sub(price.Sale).Amount * it.Quantity}
			if price.Promotion != nil {
				line.PromotionID = price.Promotion.ID
			}
			o.Lines = append(o.Lines, line)
		}
		return st.History.RecordPaidOrder(ctx, o)
	})
	return o, err
}

// PaidOrder is a past, paid order as the dev seed writes it, so rankings have history before the
// orders area takes real ones. Real orders are written by the orders area; the ranking only reads
// their lines through SalesSource.
type PaidOrder struct {
	ID     string
	Number string // ^[A-Z0-9-]{6,32}$
	UserID string
	Market kernel.Market
	PaidAt time.Time
	Lines  []OrderLine
}

// OrderLine is one line of a PaidOrder, with the snapshots an order keeps.
type OrderLine struct {
	SKUID       string
	ProductID   string
	Name        string // in the market's language at purchase
	SKUCode     string
	Attributes  map[string]string
	UnitPrice   int64 // list price, minor units of the market currency
	Quantity    int64
	Discount    int64  // promotion discount on the whole line
	PromotionID string // "" when no promotion applied
}

// Total is the line's amount after its discount.
func (l OrderLine) Total() int64 { return l.UnitPrice*l.Quantity - l.Discount }

// OrderAmounts are an order's totals in minor units of its currency.
type OrderAmounts struct {
	Subtotal     int64
	ItemDiscount int64
	Tax          int64
	TaxIncluded  bool
	Total        int64
}

// Amounts totals the order with its market's tax rule: KR and JP prices include tax (the tax part is
// reported), US tax is added on top.
func (o PaidOrder) Amounts() OrderAmounts {
	var a OrderAmounts
	for _, l := range o.Lines {
		a.Subtotal += l.UnitPrice * l.Quantity
		a.ItemDiscount += l.Discount
	}
	net := kernel.NewMoney(a.Subtotal-a.ItemDiscount, o.Market.Currency())
	rule := o.Market.TaxRule()
	a.TaxIncluded = rule.Included
	if rule.Included {
		a.Tax = net.IncludedTax(rule.RatePercent).Amount
		a.Total = net.Amount
	} else {
		a.Tax = net.Percent(rule.RatePercent).Amount
		a.Total = net.Amount + a.Tax
	}
	return a
}

// SaleLines are the order's lines as the ranking reads them.
func (o PaidOrder) SaleLines() []SaleLine {
	out := make([]SaleLine, 0, len(o.Lines))
	for _, l := range o.Lines {
		out = append(out, SaleLine{Market: o.Market, ProductID: l.ProductID, PaidAt: o.PaidAt, Quantity: l.Quantity, LineTotal: l.Total()})
	}
	return out
}
