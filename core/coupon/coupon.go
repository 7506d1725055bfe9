// Package coupon is the coupon area (SPEC §4): coupon definitions edited by Marketing, the flash-sale
// claim that never issues more than exist nor more than a user may hold, user coupons with an
// append-only history of their states, the discount a coupon gives an order, and the admin reads.
//
// # Claims
//
// A claim is one unit of work that (1) inserts the user coupon with claim number count+1, which a
// unique key (coupon, user, claim number) turns into the per-user limit even for concurrent claims by
// one user, (2) appends the claim to the history and coupon.claimed to the outbox, and last (3) takes
// one from the coupon's counter with a single conditional statement (Counters.Take): "one more if the
// coupon is open and some are left". Nothing is read and then written. The counter is taken last so
// its lock, the only contended one, is held for the shortest time. On PostgreSQL the counter is
// spread over bucket rows (see adapters/postgres/coupon.go), so concurrent claims rarely wait on one
// another; the buckets carry the coupon's open flag too, so a pause takes effect on the very
// statement that would issue.
//
// Once a claim finds a coupon sold out, this instance answers further claims of that code at once
// from a latch (SoldOut), without touching the database, until an admin change clears it (on every
// instance, through Changes) or it lapses.
package coupon

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jupang/jupang/core/catalog"
	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/kernel"
)

// Type is how a coupon discounts.
type Type string

// Coupon types: a percentage of the eligible amount (capped by MaxDiscount), or a fixed KRW amount.
const (
	TypePercent Type = "PERCENT"
	TypeFixed   Type = "FIXED"
)

// Status is whether a coupon can be claimed (00006_coupons.sql).
type Status string

// Coupon statuses. Only ACTIVE coupons are claimed; PAUSED stops claims until resumed; ARCHIVED is final.
const (
	StatusDraft    Status = "DRAFT"
	StatusActive   Status = "ACTIVE"
	StatusPaused   Status = "PAUSED"
	StatusArchived Status = "ARCHIVED"
)

// Statuses lists the coupon statuses.
var Statuses = []Status{StatusDraft, StatusActive, StatusPaused, StatusArchived}

// ParseStatus reads a coupon status ("" is no filter).
func ParseStatus(field, s string) (Status, error) {
	if s == "" || slices.Contains(Statuses, Status(s)) {
		return Status(s), nil
	}
	return "", errs.ErrValidation.WithField(field, FieldInvalidStatus.Code, "must be DRAFT, ACTIVE, PAUSED or ARCHIVED")
}

// canBecome is the coupon status machine: a draft goes live, a live coupon pauses and resumes, and
// any coupon may be archived, for good.
func (s Status) canBecome(to Status) bool {
	if s == to {
		return true
	}
	switch s {
	case StatusDraft:
		return to == StatusActive || to == StatusArchived
	case StatusActive:
		return to == StatusPaused || to == StatusArchived
	case StatusPaused:
		return to == StatusActive || to == StatusArchived
	}
	return false
}

// Targets restrict where a coupon applies; an empty list of a kind is no restriction of that kind.
type Targets struct {
	Markets     []kernel.Market
	CategoryIDs []string // a product in one of these categories or below them
	ProductIDs  []string
}

func (t Targets) clone() Targets {
	return Targets{Markets: slices.Clone(t.Markets), CategoryIDs: slices.Clone(t.CategoryIDs), ProductIDs: slices.Clone(t.ProductIDs)}
}

// Coupon is a coupon definition. Money amounts (Value of a FIXED coupon, MaxDiscount,
// MinOrderAmount) are KRW; other markets convert them at the current rate (see CartTerms).
type Coupon struct {
	ID             string
	Code           string
	Name           catalog.Localized
	Type           Type
	Value          int64  // percent (1..100) or KRW amount
	MaxDiscount    *int64 // KRW; nil: no cap
	MinOrderAmount int64  // KRW
	ValidFrom      time.Time
	ValidUntil     time.Time
	ValidDays      *int // a claimed coupon lives this long, capped by ValidUntil; nil: until ValidUntil
	TotalQuantity  *int // nil: unlimited
	Issued         int  // claimed so far (read from the counters)
	PerUserLimit   int
	Targets        Targets
	Status         Status
	Version        int
	CreatedBy      string
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Clone returns a deep copy.
func (c Coupon) Clone() Coupon {
	c.Name = maps(c.Name)
	c.Targets = c.Targets.clone()
	if c.MaxDiscount != nil {
		v := *c.MaxDiscount
		c.MaxDiscount = &v
	}
	if c.ValidDays != nil {
		v := *c.ValidDays
		c.ValidDays = &v
	}
	if c.TotalQuantity != nil {
		v := *c.TotalQuantity
		c.TotalQuantity = &v
	}
	return c
}

func maps(l catalog.Localized) catalog.Localized {
	if l == nil {
		return nil
	}
	out := make(catalog.Localized, len(l))
	for k, v := range l {
		out[k] = v
	}
	return out
}

// Remaining is how many can still be claimed; nil: unlimited.
func (c Coupon) Remaining() *int {
	if c.TotalQuantity == nil {
		return nil
	}
	r := max(0, *c.TotalQuantity-c.Issued)
	return &r
}

var codePattern = regexp.MustCompile(`^[A-Za-z0-9_-]{3,40}$`)

// NormalizeCode is the form codes are compared in: unique and looked up in any letter case.
func NormalizeCode(code string) string { return strings.ToLower(strings.TrimSpace(code)) }

// ValidCode reports whether code could be a coupon code.
func ValidCode(code string) bool { return codePattern.MatchString(code) }

// MaxPerUserLimit bounds perUserLimit: enough for any promotion, small enough for claim numbers.
const MaxPerUserLimit = 10000

// MaxValidDays bounds validDays (ten years).
const MaxValidDays = 3650

// Validate checks the definition's own rules (window order, value ranges, percent ≤ 100, …).
func (c Coupon) Validate() error {
	var v errs.Validation
	v.Check(codePattern.MatchString(c.Code), "code", FieldInvalidCode, "3 to 40 of A-Z, a-z, 0-9, _ and -")
	for l := range c.Name {
		v.Check(slices.Contains(kernel.Locales, l), "name."+string(l), FieldUnsupportedLocale, "only ko, en and ja are supported")
	}
	for _, l := range kernel.Locales {
		n := len([]rune(strings.TrimSpace(c.Name[l])))
		v.Check(n > 0 && n <= 200, "name."+string(l), errs.FieldInvalidLength, "must be 1 to 200 characters")
	}
	switch c.Type {
	case TypePercent:
		v.Check(c.Value >= 1 && c.Value <= 100, "value", FieldPercentOver100, "a percentage is 1 to 100")
	case TypeFixed:
		v.Check(c.Value >= 1 && c.Value <= 1_000_000_000, "value", errs.FieldOutOfRange, "a KRW amount of 1 to 1,000,000,000")
	default:
		v.Check(false, "type", FieldInvalidType, "must be PERCENT or FIXED")
	}
	if c.MaxDiscount != nil {
		v.Check(*c.MaxDiscount >= 1 && *c.MaxDiscount <= 1_000_000_000, "maxDiscount", errs.FieldOutOfRange, "a KRW amount of 1 to 1,000,000,000")
	}
	v.Check(c.MinOrderAmount >= 0 && c.MinOrderAmount <= 1_000_000_000, "minOrderAmount", errs.FieldOutOfRange, "a KRW amount of 0 to 1,000,000,000")
	v.Check(!c.ValidFrom.IsZero(), "validFrom", errs.FieldRequired, "required")
	if v.Check(!c.ValidUntil.IsZero(), "validUntil", errs.FieldRequired, "required") && !c.ValidFrom.IsZero() {
		v.Check(c.ValidUntil.After(c.ValidFrom), "validUntil", FieldInvalidWindow, "must be after validFrom")
	}
	if c.ValidDays != nil {
		v.Check(*c.ValidDays >= 1 && *c.ValidDays <= MaxValidDays, "validDays", errs.FieldOutOfRange, "1 to "+strconv.Itoa(MaxValidDays))
	}
	if c.TotalQuantity != nil {
		if v.Check(*c.TotalQuantity >= 0 && *c.TotalQuantity <= 1_000_000_000, "totalQuantity", errs.FieldOutOfRange, "0 to 1,000,000,000, or null for unlimited") {
			v.Check(*c.TotalQuantity >= c.Issued, "totalQuantity", FieldBelowIssued, strconv.Itoa(c.Issued)+" are already issued")
		}
	}
	v.Check(c.PerUserLimit >= 1 && c.PerUserLimit <= MaxPerUserLimit, "perUserLimit", errs.FieldOutOfRange, "1 to "+strconv.Itoa(MaxPerUserLimit))
	v.Check(slices.Contains(Statuses, c.Status), "status", FieldInvalidStatus, "must be DRAFT, ACTIVE, PAUSED or ARCHIVED")
	for i, m := range c.Targets.Markets {
		_, err := kernel.ParseMarket(string(m))
		v.Check(err == nil && m != "", "targets.markets["+strconv.Itoa(i)+"]", kernel.FieldInvalidMarket, "must be KR, US or JP")
	}
	checkIDs(&v, "targets.categoryIds", c.Targets.CategoryIDs)
	checkIDs(&v, "targets.productIds", c.Targets.ProductIDs)
	checkDistinct(&v, "targets.markets", c.Targets.Markets)
	checkDistinct(&v, "targets.categoryIds", c.Targets.CategoryIDs)
	checkDistinct(&v, "targets.productIds", c.Targets.ProductIDs)
	return v.Err()
}

func checkIDs(v *errs.Validation, field string, ids []string) {
	for i, id := range ids {
		v.Check(kernel.IsID(id), field+"["+strconv.Itoa(i)+"]", errs.FieldInvalidID, "must be a UUID")
	}
}

func checkDistinct[T comparable](v *errs.Validation, field string, xs []T) {
	seen := map[T]bool{}
	for _, x := range xs {
		if !v.Check(!seen[x], field, errs.FieldDuplicate, "each target once") {
			return
		}
		seen[x] = true
	}
}

// ClaimableAt returns nil when the coupon can be claimed at now, else why not: a coupon that is not
// ACTIVE, or whose window has not started, is COUPON_NOT_ACTIVE; one whose window has ended is
// COUPON_EXPIRED. Whether any are left is the counters' answer, not this one.
func (c Coupon) ClaimableAt(now time.Time) error {
	switch {
	case !now.Before(c.ValidUntil):
		return ErrExpired
	case c.Status != StatusActive || now.Before(c.ValidFrom):
		return ErrNotActive
	}
	return nil
}

// ExpiryOf is when a coupon claimed at claimedAt expires: min(validUntil, claimedAt + validDays).
func (c Coupon) ExpiryOf(claimedAt time.Time) time.Time {
	if c.ValidDays == nil {
		return c.ValidUntil
	}
	if end := claimedAt.AddDate(0, 0, *c.ValidDays); end.Before(c.ValidUntil) {
		return end
	}
	return c.ValidUntil
}

// Optional is a PATCH field that may also be set to null: Set says it was present, Value nil is null.
type Optional[T any] struct {
	Set   bool
	Value *T
}

// Patch is a partial update of a coupon (PATCH /v1/admin/coupons/{id}); nil fields stay as they are.
// The code cannot change: claims, latches and printed flyers name it.
type Patch struct {
	Name           catalog.Localized // nil: unchanged; else every language
	Type           *Type
	Value          *int64
	MaxDiscount    Optional[int64]
	MinOrderAmount *int64
	ValidFrom      *time.Time
	ValidUntil     *time.Time
	ValidDays      Optional[int]
	TotalQuantity  Optional[int]
	PerUserLimit   *int
	Targets        *Targets
	Status         *Status
}

// Apply returns c changed by p (not yet validated), or ErrInvalidTransition for a status change the
// status machine does not allow.
func (p Patch) Apply(c Coupon) (Coupon, error) {
	c = c.Clone()
	if p.Name != nil {
		c.Name = maps(p.Name)
	}
	if p.Type != nil {
		c.Type = *p.Type
	}
	if p.Value != nil {
		c.Value = *p.Value
	}
	if p.MaxDiscount.Set {
		c.MaxDiscount = p.MaxDiscount.Value
	}
	if p.MinOrderAmount != nil {
		c.MinOrderAmount = *p.MinOrderAmount
	}
	if p.ValidFrom != nil {
		c.ValidFrom = p.ValidFrom.UTC().Truncate(time.Microsecond)
	}
	if p.ValidUntil != nil {
		c.ValidUntil = p.ValidUntil.UTC().Truncate(time.Microsecond)
	}
	if p.ValidDays.Set {
		c.ValidDays = p.ValidDays.Value
	}
	if p.TotalQuantity.Set {
		c.TotalQuantity = p.TotalQuantity.Value
	}
	if p.PerUserLimit != nil {
		c.PerUserLimit = *p.PerUserLimit
	}
	if p.Targets != nil {
		c.Targets = p.Targets.clone()
	}
	if p.Status != nil {
		if !slices.Contains(Statuses, *p.Status) {
			return c, errs.ErrValidation.WithField("status", FieldInvalidStatus.Code, "must be DRAFT, ACTIVE, PAUSED or ARCHIVED")
		}
		if !c.Status.canBecome(*p.Status) {
			return c, errs.ErrInvalidTransition.WithMessage("a %s coupon cannot become %s", c.Status, *p.Status)
		}
		c.Status = *p.Status
	}
	return c, nil
}

// Reopens reports whether going from before to after may make claims succeed that the sold-out latch
// would refuse: more in total, unlimited, or resumed.
func Reopens(before, after Coupon) bool {
	switch {
	case after.Status == StatusActive && before.Status != StatusActive:
		return true
	case after.TotalQuantity == nil:
		return before.TotalQuantity != nil
	case before.TotalQuantity != nil:
		return *after.TotalQuantity > *before.TotalQuantity
	}
	return false
}
