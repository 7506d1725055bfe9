package catalog

import (
	"cmp"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/kernel"
)

// PaidStatuses are the order statuses whose lines count as sold: paid and not (fully) undone.
// Cancelled and fully refunded orders do not count; partially refunded lines count what was kept.
var PaidStatuses = []string{"PAID", "PREPARING", "SHIPPED", "DELIVERED", "PARTIALLY_REFUNDED"}

// SaleLine is one line of a paid order, as the ranking reads it.
type SaleLine struct {
	Market           kernel.Market
	ProductID        string
	PaidAt           time.Time
	Quantity         int64
	RefundedQuantity int64
	LineTotal        int64 // minor units of the market currency, after the line's discount
}

// Net is what the line still counts for after refunds: the kept units and their share of the line
// total (rounded half-up).
func (l SaleLine) Net() (quantity, revenue int64) {
	kept := l.Quantity - l.RefundedQuantity
	if kept <= 0 || l.Quantity <= 0 {
		return 0, 0
	}
	if kept == l.Quantity {
		return kept, l.LineTotal
	}
	// kept/quantity of the line total, half-up: floor((2·total·kept + quantity) / (2·quantity)).
	num := new(big.Int).Mul(big.NewInt(l.LineTotal), big.NewInt(2*kept))
	num.Add(num, big.NewInt(l.Quantity))
	return kept, num.Quo(num, big.NewInt(2*l.Quantity)).Int64()
}

// SalesBucket is one market's sales of one product in one UTC hour.
type SalesBucket struct {
	Market    kernel.Market
	Hour      time.Time // UTC, on the hour
	ProductID string
	Quantity  int64
	Revenue   int64 // minor units of the market currency
}

// HourOf returns the UTC hour t falls in.
func HourOf(t time.Time) time.Time { return t.UTC().Truncate(time.Hour) }

// Bucketize rolls sale lines into hourly buckets per market and product, sorted by market, hour and
// product. Lines that count for nothing after refunds produce no bucket.
func Bucketize(lines []SaleLine) []SalesBucket {
	type key struct {
		m    kernel.Market
		hour time.Time
		p    string
	}
	sums := map[key]*SalesBucket{}
	for _, l := range lines {
		q, rev := l.Net()
		if q == 0 {
			continue
		}
		k := key{l.Market, HourOf(l.PaidAt), l.ProductID}
		b, ok := sums[k]
		if !ok {
			b = &SalesBucket{Market: k.m, Hour: k.hour, ProductID: k.p}
			sums[k] = b
		}
		b.Quantity += q
		b.Revenue += rev
	}
	out := make([]SalesBucket, 0, len(sums))
	for _, b := range sums {
		out = append(out, *b)
	}
	slices.SortFunc(out, func(a, b SalesBucket) int {
		return cmp.Or(strings.Compare(string(a.Market), string(b.Market)), a.Hour.Compare(b.Hour), strings.Compare(a.ProductID, b.ProductID))
	})
	return out
}

// ProductSales is what a product sold in a market over a window.
type ProductSales struct {
	ProductID string
	Quantity  int64
	Revenue   int64
}

// SumBuckets totals the market's buckets with from <= hour < to per product, sorted by product id.
func SumBuckets(buckets []SalesBucket, m kernel.Market, from, to time.Time) []ProductSales {
	sums := map[string]*ProductSales{}
	for _, b := range buckets {
		if b.Market != m || b.Hour.Before(from) || !b.Hour.Before(to) {
			continue
		}
		s, ok := sums[b.ProductID]
		if !ok {
			s = &ProductSales{ProductID: b.ProductID}
			sums[b.ProductID] = s
		}
		s.Quantity += b.Quantity
		s.Revenue += b.Revenue
	}
	out := make([]ProductSales, 0, len(sums))
	for _, s := range sums {
		out = append(out, *s)
	}
	slices.SortFunc(out, func(a, b ProductSales) int { return strings.Compare(a.ProductID, b.ProductID) })
	return out
}

// RankBy is the measure a top list is ordered by.
type RankBy string

// Ranking measures.
const (
	ByQuantity RankBy = "quantity"
	ByRevenue  RankBy = "revenue"
)

// RankBys lists both measures, default first.
var RankBys = []RankBy{ByQuantity, ByRevenue}

// ParseRankBy reads ?by=; empty means quantity.
func ParseRankBy(s string) (RankBy, error) {
	switch RankBy(s) {
	case "", ByQuantity:
		return ByQuantity, nil
	case ByRevenue:
		return ByRevenue, nil
	}
	return "", errs.ErrValidation.WithField("by", "INVALID_VALUE", "must be quantity or revenue")
}

// Ranking window and sizes.
const (
	// RankingWindow: a ranking counts the 72 full hours before the current hour plus the current one.
	RankingWindow = 72 * time.Hour
	// RankingDepth is how many entries the job stores per list, so hiding a product still leaves a
	// full top list to serve.
	RankingDepth = 20
	// TopSize is how many products GET /v1/products/top returns.
	TopSize = 5
)

// RankingWindowAt returns the window a ranking computed at now covers: [start, now].
func RankingWindowAt(now time.Time) (start, end time.Time) {
	return HourOf(now).Add(-RankingWindow), now.UTC()
}

// RankEntry is one place of a top list.
type RankEntry struct {
	Rank      int // 1-based
	ProductID string
	Quantity  int64
	Revenue   int64
}

// Ranking is one market's top list by one measure.
type Ranking struct {
	Market      kernel.Market
	By          RankBy
	Entries     []RankEntry
	WindowStart time.Time
	WindowEnd   time.Time
	ComputedAt  time.Time
}

// Rank orders sales by the measure, ties broken by the other measure then product id, and keeps
// the first n. Products that sold nothing are not ranked.
func Rank(sales []ProductSales, by RankBy, n int) []RankEntry {
	sorted := slices.Clone(sales)
	sorted = slices.DeleteFunc(sorted, func(s ProductSales) bool { return s.Quantity <= 0 })
	slices.SortFunc(sorted, func(a, b ProductSales) int {
		primary, secondary := cmp.Compare(b.Quantity, a.Quantity), cmp.Compare(b.Revenue, a.Revenue)
		if by == ByRevenue {
			primary, secondary = secondary, primary
		}
		return cmp.Or(primary, secondary, strings.Compare(a.ProductID, b.ProductID))
	})
	out := make([]RankEntry, 0, min(n, len(sorted)))
	for i := 0; i < len(sorted) && i < n; i++ {
		s := sorted[i]
		out = append(out, RankEntry{Rank: i + 1, ProductID: s.ProductID, Quantity: s.Quantity, Revenue: s.Revenue})
	}
	return out
}
