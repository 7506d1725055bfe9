// Package cart is the shopping cart: one active cart per customer, guest carts keyed by the
// browser's X-Session-Id that expire cart.session_ttl after their last change, the upsert of a
// line with its stock and purchase-limit checks, the merge of a guest cart into the customer's at
// sign-in, and the totals calculator (Calculate) the orders area reuses unchanged.
//
// Carts store SKUs and quantities only. Prices are the server's, always: every read prices the
// lines with the catalog's current prices and promotions of the request's market (see View).
package cart

import (
	"context"
	"time"

	"github.com/jupang/jupang/core/kernel"
)

// MaxQuantity is the most units of one SKU a cart line (and an order line) holds.
const MaxQuantity = 999

// DefaultSessionTTL is how long a guest cart lives after its last change (cart.session_ttl).
const DefaultSessionTTL = 7 * 24 * time.Hour

// Status is where a cart is in its life.
type Status string

// Cart statuses: an owner has at most one ACTIVE cart; a guest cart merged into a customer's at
// sign-in becomes MERGED (kept, so merging again is recognised, until the sweeper deletes it); an
// ACTIVE guest cart found past its expiry becomes EXPIRED; the orders area checks a cart out.
const (
	StatusActive     Status = "ACTIVE"
	StatusMerged     Status = "MERGED"
	StatusExpired    Status = "EXPIRED"
	StatusCheckedOut Status = "CHECKED_OUT"
)

// Owner is whose cart it is: a customer (UserID) or a guest's browser session (SessionID), never both.
type Owner struct {
	UserID    string
	SessionID kernel.SessionID
}

// IsGuest reports whether the owner is a guest session.
func (o Owner) IsGuest() bool { return o.UserID == "" }

// OwnerOf is the owner of the current cart of a request: the signed-in customer, else the guest's
// session; a guest without X-Session-Id is kernel.ErrSessionRequired.
func OwnerOf(r kernel.Request) (Owner, error) {
	if !r.Principal.IsGuest() {
		return Owner{UserID: r.Principal.ID}, nil
	}
	if r.SessionID == "" {
		return Owner{}, kernel.ErrSessionRequired
	}
	return Owner{SessionID: r.SessionID}, nil
}

// Item is one line of a cart: a SKU and how many of it. Its price is never stored.
type Item struct {
	ID    string
	SKUID string
	// ProductID is the SKU's product, filled in by the Carts store when it loads a cart.
	ProductID string
	Quantity  int
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Cart is a customer's or a guest's cart with its lines (oldest first).
type Cart struct {
	ID    string
	Owner Owner
	// Market is the market the cart was last changed in (reads price it in the request's market).
	Market kernel.Market
	Status Status
	// UserCouponID is the coupon the customer applied ("" for none); re-validated on every read.
	UserCouponID string
	// MergedInto is the customer cart a MERGED guest cart went into.
	MergedInto string
	Items      []Item
	// ExpiresAt is when a guest cart lapses (zero for customer carts).
	ExpiresAt time.Time
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Expired reports whether the cart is a guest cart past its expiry at now.
func (c Cart) Expired(now time.Time) bool {
	return !c.ExpiresAt.IsZero() && !now.Before(c.ExpiresAt)
}

// Item returns the line of SKU skuID.
func (c Cart) Item(skuID string) (Item, bool) {
	for _, it := range c.Items {
		if it.SKUID == skuID {
			return it, true
		}
	}
	return Item{}, false
}

// Carts keeps carts and their lines. Every method but Active runs inside a unit of work.
type Carts interface {
	// Active returns the owner's ACTIVE cart with its items (ok false when it has none), without
	// locking: the read of GET /v1/carts/current.
	Active(ctx context.Context, o Owner) (c Cart, ok bool, err error)
	// LockActive returns the owner's ACTIVE cart, locked until the unit of work ends; when the
	// owner has none it inserts fresh (an empty ACTIVE cart of that owner) and returns it locked.
	// Concurrent calls for one owner return the same cart, one after the other.
	LockActive(ctx context.Context, o Owner, fresh Cart) (Cart, error)
	// LockLatestOfSession returns the session's most recently created cart in any status, locked
	// until the unit of work ends (ok false when the session has none).
	LockLatestOfSession(ctx context.Context, s kernel.SessionID) (c Cart, ok bool, err error)
	// SaveHeader stores c's market, status, coupon, merge target, expiry and update time (not its items).
	SaveHeader(ctx context.Context, c Cart) error
	// PutItem stores it in cart cartID: an insert, or, when the cart already has a line of
	// it.SKUID, an update of that line's quantity (keeping its id). It returns the stored line.
	PutItem(ctx context.Context, cartID string, it Item) (Item, error)
	// RemoveItem deletes line itemID of cart cartID; ok false when the cart has no such line.
	RemoveItem(ctx context.Context, cartID, itemID string) (ok bool, err error)
	// ProductsOfSKUs returns the product id of each of these SKUs the catalog knows (in any
	// status); unknown SKUs are absent.
	ProductsOfSKUs(ctx context.Context, skuIDs []string) (map[string]string, error)
	// DeleteExpired deletes at most limit carts whose ExpiresAt is at or before now (any status),
	// with their lines, and returns how many it deleted.
	DeleteExpired(ctx context.Context, now time.Time, limit int) (int, error)
}

// Stores is what the carts' use cases get inside a unit of work: carts, and the stock and past
// purchases the checks read (on the primary, in the same transaction).
type Stores struct {
	Carts     Carts
	Stock     Stock
	Purchases Purchases
}
