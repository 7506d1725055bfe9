package catalog

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/kernel"
)

// Listing is a product's row in one market's product list: what GET /v1/products filters, sorts and
// pages by. The application writes it whenever the product, its SKUs, explicit prices or FX rates
// change, and the ranking job refreshes its popularity.
type Listing struct {
	Market     kernel.Market
	ProductID  string
	CategoryID string
	Status     Status
	CreatedAt  time.Time
	Price      int64 // lowest SKU list price, minor units of the market currency
	Popularity int64 // units sold in this market over the ranking window
}

// Listings computes the product's listing row for each market it is sold in, keeping popularity.
func Listings(prod Product, pricers map[kernel.Market]Pricer, popularity map[kernel.Market]int64) ([]Listing, error) {
	out := make([]Listing, 0, len(prod.Markets))
	for _, m := range prod.Markets {
		pr, ok := pricers[m]
		if !ok {
			return nil, ErrPriceUnavailable.WithMessage("no pricer for market %s", m)
		}
		out = append(out, Listing{
			Market: m, ProductID: prod.ID, CategoryID: prod.CategoryID, Status: prod.Status,
			CreatedAt: prod.CreatedAt, Price: pr.FromPrice(prod).List.Amount, Popularity: popularity[m],
		})
	}
	return out, nil
}

// Sort is the order of the product list.
type Sort string

// Product list orders. Ties always break on the product id, so the order is total and keyset
// pagination neither skips nor repeats a product.
const (
	SortNewest    Sort = "newest"     // created_at DESC, id DESC
	SortPriceAsc  Sort = "price_asc"  // list price ASC, id ASC
	SortPriceDesc Sort = "price_desc" // list price DESC, id DESC
	SortPopular   Sort = "popular"    // units sold in the market over the ranking window DESC, id ASC
)

// Sorts lists every sort, default first.
var Sorts = []Sort{SortNewest, SortPriceAsc, SortPriceDesc, SortPopular}

// Compare orders two listings under s: negative when a comes first.
func (s Sort) Compare(a, b Listing) int {
	switch s {
	case SortPriceAsc:
		return cmp.Or(cmp.Compare(a.Price, b.Price), strings.Compare(a.ProductID, b.ProductID))
	case SortPriceDesc:
		return cmp.Or(cmp.Compare(b.Price, a.Price), strings.Compare(b.ProductID, a.ProductID))
	case SortPopular:
		return cmp.Or(cmp.Compare(b.Popularity, a.Popularity), strings.Compare(a.ProductID, b.ProductID))
	default:
		return cmp.Or(b.CreatedAt.Compare(a.CreatedAt), strings.Compare(b.ProductID, a.ProductID))
	}
}

// Position is where a page ended: the sort key of its last listing.
type Position struct {
	CreatedAt  time.Time
	Price      int64
	Popularity int64
	ProductID  string
}

// PositionOf returns the keyset position of l.
func PositionOf(l Listing) Position {
	return Position{CreatedAt: l.CreatedAt, Price: l.Price, Popularity: l.Popularity, ProductID: l.ProductID}
}

// After reports whether l comes strictly after position p under s.
func (s Sort) After(l Listing, p Position) bool {
	at := Listing{CreatedAt: p.CreatedAt, Price: p.Price, Popularity: p.Popularity, ProductID: p.ProductID}
	return s.Compare(l, at) > 0
}

// ListingQuery is what the listing store is asked for: ACTIVE listings of a market, optionally in
// some categories and with a name containing Q (case-insensitive, in Locale), after a position, in
// Sort order, at most Limit of them.
type ListingQuery struct {
	Market      kernel.Market
	Locale      kernel.Locale
	CategoryIDs []string // nil: every category
	Q           string
	Sort        Sort
	After       *Position
	Limit       int
}

// Matches reports whether l belongs in the query's result, given the product's name in q.Locale.
// The memory adapter filters with it; the Postgres one says the same in SQL.
func (q ListingQuery) Matches(l Listing, name string) bool {
	if l.Market != q.Market || l.Status != StatusActive {
		return false
	}
	if q.CategoryIDs != nil && !slices.Contains(q.CategoryIDs, l.CategoryID) {
		return false
	}
	if q.Q != "" && !strings.Contains(strings.ToLower(name), strings.ToLower(q.Q)) {
		return false
	}
	return q.After == nil || q.Sort.After(l, *q.After)
}

// List parameter limits.
const (
	DefaultLimit = 20
	MaxLimit     = 100
	MaxQueryLen  = 100
)

// ListParams are the raw query parameters of GET /v1/products.
type ListParams struct {
	Category string // id or slug
	Q        string
	Sort     string
	Limit    string
	Cursor   string
}

// ListRequest is a validated product-list request.
type ListRequest struct {
	Category string
	Q        string
	Sort     Sort
	Limit    int
	Cursor   string
}

// ParseListParams validates the query parameters; every bad one becomes a field error of one
// VALIDATION_FAILED error. The cursor is checked later, against the request it continues.
func ParseListParams(p ListParams) (ListRequest, error) {
	var v errs.Validation
	r := ListRequest{Category: strings.TrimSpace(p.Category), Q: strings.TrimSpace(p.Q), Sort: SortNewest, Limit: DefaultLimit, Cursor: p.Cursor}
	if p.Sort != "" {
		r.Sort = Sort(p.Sort)
		v.Check(slices.Contains(Sorts, r.Sort), "sort", errs.FieldInvalidValue, "must be one of newest, price_asc, price_desc, popular")
	}
	if p.Limit != "" {
		n, err := strconv.Atoi(p.Limit)
		if v.Check(err == nil, "limit", errs.FieldInvalidType, "must be an integer") &&
			v.Check(n >= 1 && n <= MaxLimit, "limit", errs.FieldOutOfRange, "must be between 1 and 100") {
			r.Limit = n
		}
	}
	v.Check(utf8.ValidString(r.Q) && utf8.RuneCountInString(r.Q) <= MaxQueryLen, "q", errs.FieldInvalidLength,
		"must be valid text of at most 100 characters")
	v.Check(p.Category == "" || r.Category != "", "category", errs.FieldInvalidValue, "must be a category id or slug")
	return r, v.Err()
}

// cursor is the keyset position plus what it was issued for; a cursor replayed with another sort,
// market, filter or search text is refused.
type cursor struct {
	V     int    `json:"v"`
	Sort  Sort   `json:"s"`
	Scope string `json:"f"`
	At    int64  `json:"t,omitempty"` // created_at, Unix microseconds
	Price int64  `json:"p,omitempty"`
	Pop   int64  `json:"n,omitempty"`
	ID    string `json:"i"`
}

const cursorVersion = 1

// cursorScope fingerprints what a cursor continues: market, category, search text and its language.
func cursorScope(m kernel.Market, l kernel.Locale, categoryID, q string) string {
	if q == "" {
		l = ""
	}
	sum := sha256.Sum256([]byte(string(m) + "\x00" + categoryID + "\x00" + string(l) + "\x00" + q))
	return hex.EncodeToString(sum[:8])
}

func encodeCursor(s Sort, scope string, p Position) string {
	return kernel.EncodeCursor(cursor{V: cursorVersion, Sort: s, Scope: scope, At: p.CreatedAt.UnixMicro(),
		Price: p.Price, Pop: p.Popularity, ID: p.ProductID})
}

func decodeCursor(token string, s Sort, scope string) (*Position, error) {
	if token == "" {
		return nil, nil
	}
	var c cursor
	if err := kernel.DecodeCursor(token, &c); err != nil {
		return nil, err
	}
	if c.V != cursorVersion || c.Sort != s || c.Scope != scope || !kernel.IsID(c.ID) {
		return nil, kernel.ErrInvalidCursor.WithField("cursor", "INVALID_CURSOR", "the cursor belongs to another sort, market or filter")
	}
	return &Position{CreatedAt: time.UnixMicro(c.At).UTC(), Price: c.Price, Popularity: c.Pop, ProductID: c.ID}, nil
}
