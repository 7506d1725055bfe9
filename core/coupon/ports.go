package coupon

import (
	"context"
	"time"

	"github.com/jupang/jupang/core/cart"
	"github.com/jupang/jupang/core/integration"
	"github.com/jupang/jupang/core/kernel"
)

// TakeResult is what the counters answered a claim.
type TakeResult int

// Take results.
const (
	Taken   TakeResult = iota + 1 // one more issued
	SoldOut                       // open, but none left
	Closed                        // not open for claims (paused, draft, archived)
)

// Position is a place in the admin list: newest first (created_at DESC, id DESC).
type Position struct {
	CreatedAt time.Time `json:"c"`
	ID        string    `json:"i"`
}

// UserPosition is a place in a user's coupon list: newest claim first (claimed_at DESC, id DESC).
type UserPosition struct {
	ClaimedAt time.Time `json:"c"`
	ID        string    `json:"i"`
}

// Coupons keeps coupon definitions and their issue counters.
type Coupons interface {
	// Create stores a new coupon (Issued 0) with its counters; a code another coupon has, in any
	// letter case, is ErrCodeTaken.
	Create(ctx context.Context, c Coupon) error
	// ByID and ByCode read a coupon (code in any letter case), Issued included; none is ErrNotFound.
	ByID(ctx context.Context, id string) (Coupon, error)
	ByCode(ctx context.Context, code string) (Coupon, error)
	// ForClaim reads what a claim needs of the coupon with this code, cheaply: the definition's
	// own fields, without names, targets or Issued, and how many of it the user holds (the highest
	// claim number). None is ErrNotFound.
	ForClaim(ctx context.Context, code, userID string) (Coupon, int, error)
	// Lock reads a coupon and locks it and its counters until the unit of work ends, so Issued is
	// exact and no claim issues meanwhile (PATCH, stats, the invariant checker).
	Lock(ctx context.Context, id string) (Coupon, error)
	// Update stores a locked coupon's definition, status and version; the counters follow its total
	// and status at once. A total below Issued is refused by the store too.
	Update(ctx context.Context, c Coupon) error
	// List returns at most limit coupons in status (any when ""), newest first, after the position.
	List(ctx context.Context, status Status, after *Position, limit int) ([]Coupon, error)
	// Take issues one coupon in a single conditional statement: one more if the coupon is ACTIVE and
	// some are left (always, when unlimited). It never reads and then writes.
	Take(ctx context.Context, id string) (TakeResult, error)
}

// UsageStats are a coupon's user coupons counted for GET /v1/admin/coupons/{id}/stats.
type UsageStats struct {
	ByStatus  map[UserStatus]int
	Discounts []kernel.Money // discount given by used coupons, one total per currency
	Hourly    []HourCount    // claims per hour since the asked instant, hours without claims left out
}

// HourCount is how many claims one hour saw.
type HourCount struct {
	Hour  time.Time
	Count int
}

// UserCoupons keeps claimed coupons and their history.
type UserCoupons interface {
	// Claim stores uc as the user's next claim of its coupon (ClaimNo = claims so far + 1, set by the
	// store and returned). When the user already holds limit claims it is ErrAlreadyClaimed; a
	// unique key (coupon, user, claim number) keeps that true for concurrent claims by one user.
	Claim(ctx context.Context, uc UserCoupon, limit int) (UserCoupon, error)
	// ByID reads a user coupon; none is ErrUserCouponNotFound.
	ByID(ctx context.Context, id string) (UserCoupon, error)
	// Lock reads a user coupon and locks it until the unit of work ends.
	Lock(ctx context.Context, id string) (UserCoupon, error)
	// Save stores a transition of a locked user coupon.
	Save(ctx context.Context, uc UserCoupon) error
	// AppendHistory adds an entry to a user coupon's history (never changed afterwards).
	AppendHistory(ctx context.Context, e HistoryEntry) error
	// History is a user coupon's entries in time order.
	History(ctx context.Context, userCouponID string) ([]HistoryEntry, error)
	// ListByUser returns at most limit of a user's coupons in status (any when ""), newest first.
	ListByUser(ctx context.Context, userID string, status UserStatus, after *UserPosition, limit int) ([]UserCoupon, error)
	// Due returns at most limit AVAILABLE user coupons whose ExpiresAt is not after at, locked; rows
	// another unit of work holds are skipped, so several workers share the work.
	Due(ctx context.Context, at time.Time, limit int) ([]UserCoupon, error)
	// ByOrder returns the user coupons an order used.
	ByOrder(ctx context.Context, orderID string) ([]UserCoupon, error)
	// Stats counts a coupon's user coupons; Hourly covers claims at or after since.
	Stats(ctx context.Context, couponID string, since time.Time) (UsageStats, error)
}

// Issuer is a claim's short way: all of its writes in one step, which on PostgreSQL is one statement.
type Issuer interface {
	// Issue stores uc as its user's claim number uc.ClaimNo of its coupon with the history entry e and
	// the events, and takes one from the coupon's counters: all of it or nothing. It does nothing and
	// answers false when that claim number is no longer free, or when no counter with room is free
	// right now (none left, closed, or every one held by other claims): the long way (UserCoupons.Claim,
	// Coupons.Take) then waits, retries and tells those cases apart.
	Issue(ctx context.Context, uc UserCoupon, e HistoryEntry, events ...integration.Event) (bool, error)
}

// Signals tells every instance about a change that may reopen a sold-out coupon. On PostgreSQL it
// is a NOTIFY sent when the unit of work commits; in memory (one process) it is nothing.
type Signals interface {
	Reopened(ctx context.Context, code string) error
}

// Stores is what the coupon use cases get inside a unit of work.
type Stores struct {
	Coupons     Coupons
	UserCoupons UserCoupons
	Issuer      Issuer
	Signals     Signals
	Outbox      integration.Outbox
}

// Item is an order line to validate a coupon against: a SKU of a product and a quantity.
type Item struct {
	ProductID string
	SKUID     string
	Quantity  int
}

// Catalog is what coupons need of the catalog: exchange rates and prices of items in a market.
type Catalog interface {
	// Rate converts KRW into market m's currency at instant at.
	Rate(ctx context.Context, m kernel.Market, at time.Time) (kernel.FXRate, error)
	// Lines prices items in market m at instant at, promotions applied, as the totals
	// calculator takes them.
	Lines(ctx context.Context, m kernel.Market, items []Item, at time.Time) ([]cart.Line, error)
}

// Metrics counts what the coupon area did (coupon_claims_total{result}, …); nil counts nothing.
type Metrics interface {
	// Claim counts one claim answer: "issued", "sold_out", "sold_out_latched", "already_claimed",
	// "not_active", "expired", "not_found", "error".
	Claim(result string)
	// Transition counts a user coupon reaching state to.
	Transition(to UserStatus)
}
