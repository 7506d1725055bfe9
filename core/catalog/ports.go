package catalog

import (
	"context"
	"time"

	"github.com/jupang/jupang/core/kernel"
)

// Reader is what shopper-facing reads need. On PostgreSQL it may be served by a read replica, so it
// can lag the primary slightly; nothing that decides a write reads through it.
type Reader interface {
	// Categories returns every category with its names.
	Categories(ctx context.Context) ([]Category, error)
	// Brands returns the brands with these ids; unknown ids are skipped.
	Brands(ctx context.Context, ids []string) ([]Brand, error)
	// Products returns the products with these ids in any status, with texts, images, SKUs and the
	// markets they are listed in; unknown ids are skipped. Order is unspecified.
	Products(ctx context.Context, ids []string) ([]Product, error)
	// Listings returns at most q.Limit listings matching q (see ListingQuery.Matches) in q.Sort order.
	Listings(ctx context.Context, q ListingQuery) ([]Listing, error)
	// Promotions returns the promotions of market m active at instant at.
	Promotions(ctx context.Context, m kernel.Market, at time.Time) ([]Promotion, error)
	// CurrentRates returns, per quote currency, the rate entry in effect at instant at.
	CurrentRates(ctx context.Context, at time.Time) ([]RateEntry, error)
	// Rankings returns the stored top lists of market m (one per measure that has been computed).
	Rankings(ctx context.Context, m kernel.Market) ([]Ranking, error)
	// NextPriceChange returns the earliest instant after at when a promotion of market m starts
	// or ends, or a rate into m's currency takes effect: until then prices of m can only change
	// by a write. Zero when none is scheduled.
	NextPriceChange(ctx context.Context, m kernel.Market, at time.Time) (time.Time, error)
}

// Catalog is the write side of the catalog, used inside a unit of work.
type Catalog interface {
	// SaveCategory inserts or updates a category; a slug used by another category is ErrSlugTaken.
	SaveCategory(ctx context.Context, c Category) error
	// SaveBrand inserts or updates a brand; a slug used by another brand is ErrSlugTaken.
	SaveBrand(ctx context.Context, b Brand) error
	// SaveProduct inserts or updates a product with its texts, images, SKUs and explicit prices. SKUs
	// are upserted by id (never deleted: past orders reference them; deactivate instead). A SKU code
	// used by another SKU is ErrSKUCodeTaken.
	SaveProduct(ctx context.Context, p Product) error
	// SaveListings makes ls the product's listing rows: rows of markets not in ls are removed,
	// existing rows keep their popularity (the ranking job owns it), new rows start at ls' value.
	// Rows that already hold these values are not written; changed reports whether any row was
	// inserted, updated or removed.
	SaveListings(ctx context.Context, productID string, ls []Listing) (changed bool, err error)
	// SaveRate stores an exchange rate entry; a second entry for the same currency and instant is
	// ErrRateExists.
	SaveRate(ctx context.Context, r RateEntry) error
	// SavePromotion inserts or updates a promotion with its targets and names.
	SavePromotion(ctx context.Context, p Promotion) error
	// Categories, Products and CurrentRates read inside the unit of work, as in Reader.
	Categories(ctx context.Context) ([]Category, error)
	Products(ctx context.Context, ids []string) ([]Product, error)
	CurrentRates(ctx context.Context, at time.Time) ([]RateEntry, error)
	// Brands and Promotions read inside the unit of work, as in Reader.
	Brands(ctx context.Context, ids []string) ([]Brand, error)
	Promotions(ctx context.Context, m kernel.Market, at time.Time) ([]Promotion, error)
	// ProductIDs returns the id of every product, sorted.
	ProductIDs(ctx context.Context) ([]string, error)
}

// StockLevels is what catalog needs of the inventory area: how much of each SKU is left, to show
// availability. Like Reader it may lag the primary slightly.
type StockLevels interface {
	// StockLevels returns the stock of these SKUs; a SKU without an inventory row is absent.
	StockLevels(ctx context.Context, skuIDs []string) (map[string]StockLevel, error)
}

// SalesSource is what catalog needs of the orders area: the lines of paid orders the ranking
// counts. It reads inside the ranking job's unit of work.
type SalesSource interface {
	// PaidLines returns the lines of orders in a PaidStatuses status whose paid_at is in [from, to).
	PaidLines(ctx context.Context, from, to time.Time) ([]SaleLine, error)
}

// RankingStore keeps hourly sales buckets, the computed top lists and listing popularity.
type RankingStore interface {
	// Lock serialises ranking rebuilds until the unit of work ends, so two workers that run the job
	// at once (a lease that expired mid-run) queue instead of interleaving.
	Lock(ctx context.Context) error
	// ReplaceBuckets deletes every bucket with hour >= from and stores buckets (all with hour >= from).
	ReplaceBuckets(ctx context.Context, from time.Time, buckets []SalesBucket) error
	// SalesByProduct totals market m's buckets with from <= hour < to per product (see SumBuckets).
	SalesByProduct(ctx context.Context, m kernel.Market, from, to time.Time) ([]ProductSales, error)
	// SaveRanking replaces the (market, measure) top list.
	SaveRanking(ctx context.Context, r Ranking) error
	// SetPopularity sets the popularity of every listing row of market m: scores[productID], or 0.
	// Only rows whose score changes are written; changed reports whether any was.
	SetPopularity(ctx context.Context, m kernel.Market, scores map[string]int64) (changed bool, err error)
}

// Stores is what the catalog's write use cases and jobs get inside a unit of work.
type Stores struct {
	Catalog Catalog
	// Changes records what the unit of work changed, for every instance's read model.
	Changes  ChangeLog
	Sales    SalesSource
	Rankings RankingStore
}
