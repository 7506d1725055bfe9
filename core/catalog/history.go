package catalog

import (
	"time"

	"github.com/jupang/jupang/core/kernel"
)

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
