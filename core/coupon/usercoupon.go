package coupon

import (
	"slices"
	"time"

	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/kernel"
)

// UserStatus is the state of a claimed coupon.
type UserStatus string

// User coupon states (SPEC §4): AVAILABLE → USED → AVAILABLE (its order cancelled before expiry),
// and AVAILABLE → EXPIRED | CANCELLED.
const (
	UserAvailable UserStatus = "AVAILABLE"
	UserUsed      UserStatus = "USED"
	UserExpired   UserStatus = "EXPIRED"
	UserCancelled UserStatus = "CANCELLED"
)

// UserStatuses lists the user coupon states.
var UserStatuses = []UserStatus{UserAvailable, UserUsed, UserExpired, UserCancelled}

// ParseUserStatus reads a user coupon state ("" is no filter).
func ParseUserStatus(field, s string) (UserStatus, error) {
	if s == "" || slices.Contains(UserStatuses, UserStatus(s)) {
		return UserStatus(s), nil
	}
	return "", errs.ErrValidation.WithField(field, FieldInvalidUserStatus.Code, "must be AVAILABLE, USED, EXPIRED or CANCELLED")
}

// CanBecome is the user coupon state machine. A used coupon whose order is cancelled comes back, or
// expires when its time has passed; expired and cancelled are final.
func (s UserStatus) CanBecome(to UserStatus) bool {
	switch s {
	case UserAvailable:
		return to == UserUsed || to == UserExpired || to == UserCancelled
	case UserUsed:
		return to == UserAvailable || to == UserExpired
	}
	return false
}

// UserCoupon is one coupon a user claimed.
type UserCoupon struct {
	ID          string
	CouponID    string
	UserID      string
	Code        string // the coupon's code, for display
	ClaimNo     int    // 1..perUserLimit: the user's n-th claim of this coupon
	Status      UserStatus
	ClaimedAt   time.Time
	ExpiresAt   time.Time
	UsedAt      *time.Time
	UsedOrderID string
	// UsedDiscount is what the order it was used on saved (zero Money when not used).
	UsedDiscount kernel.Money
	UpdatedAt    time.Time
}

// HistoryEntry is one transition of a user coupon; the history is append-only.
type HistoryEntry struct {
	ID           string
	UserCouponID string
	From         UserStatus // "" for the claim itself
	To           UserStatus
	Reason       string
	OrderID      string // the order that used or released it
	ActorID      string // "" for a system job
	At           time.Time
}

// Reasons recorded in the history by the coupon area itself.
const (
	ReasonClaimed      = "claimed"
	ReasonExpiredJob   = "expired"
	ReasonOrderPlaced  = "used by order"
	ReasonOrderRelease = "order cancelled"
)

// Transition describes a state change of a user coupon to record (Redemptions and the expiry job).
type Transition struct {
	From, To UserStatus
	Reason   string
	OrderID  string
	ActorID  string
	Discount kernel.Money // for USED: what the order saved
	At       time.Time
}

// Apply returns uc after t, or ErrInvalidTransition.
func (t Transition) Apply(uc UserCoupon) (UserCoupon, error) {
	if uc.Status != t.From || !t.From.CanBecome(t.To) {
		return uc, errs.ErrInvalidTransition.WithMessage("user coupon %s is %s, not %s", uc.ID, uc.Status, t.From)
	}
	uc.Status, uc.UpdatedAt = t.To, t.At
	switch t.To {
	case UserUsed:
		at := t.At
		uc.UsedAt, uc.UsedOrderID, uc.UsedDiscount = &at, t.OrderID, t.Discount
	default:
		uc.UsedAt, uc.UsedOrderID, uc.UsedDiscount = nil, "", kernel.Money{}
	}
	return uc, nil
}

// Entry is the history row t leaves on uc.
func (t Transition) Entry(uc UserCoupon) HistoryEntry {
	return HistoryEntry{ID: kernel.NewID(), UserCouponID: uc.ID, From: t.From, To: t.To, Reason: t.Reason,
		OrderID: t.OrderID, ActorID: t.ActorID, At: t.At}
}
