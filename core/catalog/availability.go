package catalog

// Availability is how much of something can be bought now: catalog derives it from the stock levels
// it reads through StockLevels, owned by the inventory area.
type Availability string

// Availability values: LOW_STOCK means at most the low-stock threshold (default 5) units are left.
const (
	InStock    Availability = "IN_STOCK"
	LowStock   Availability = "LOW_STOCK"
	OutOfStock Availability = "OUT_OF_STOCK"
)

// DefaultLowStockThreshold is how few units left make a SKU or product LOW_STOCK.
const DefaultLowStockThreshold = 5

// StockLevel is what catalog reads of a SKU's inventory row.
type StockLevel struct {
	// ProductID is the product the SKU belongs to.
	ProductID string
	OnHand    int
	Reserved  int
	// LowThreshold overrides DefaultLowStockThreshold for this SKU when set.
	LowThreshold *int
}

// Available is how many units can still be bought.
func (s StockLevel) Available() int { return max(0, s.OnHand-s.Reserved) }

// Availability classifies the SKU's stock.
func (s StockLevel) Availability() Availability {
	threshold := DefaultLowStockThreshold
	if s.LowThreshold != nil {
		threshold = *s.LowThreshold
	}
	return classify(s.Available(), threshold)
}

func classify(available, threshold int) Availability {
	switch {
	case available <= 0:
		return OutOfStock
	case available <= threshold:
		return LowStock
	}
	return InStock
}

// ProductAvailability classifies a product by the units left over all its active SKUs, against
// DefaultLowStockThreshold. A SKU without an inventory row has nothing to sell.
func ProductAvailability(prod Product, stock map[string]StockLevel) Availability {
	total := 0
	for _, s := range prod.ActiveSKUs() {
		total += stock[s.ID].Available()
	}
	return classify(total, DefaultLowStockThreshold)
}
