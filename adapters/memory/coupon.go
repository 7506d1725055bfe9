package memory

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"github.com/jupang/jupang/core/coupon"
	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/integration"
	"github.com/jupang/jupang/core/kernel"
)

// couponTables are the coupon area's in-memory tables, with the indexes of 00006_coupons.sql. The
// issue counter is the coupon row's Issued: the memory store runs one writer at a time, so the
// buckets PostgreSQL spreads it over would buy nothing here.
type couponTables struct {
	Coupons       *Table[string, coupon.Coupon]
	CouponsByCode *Table[string, string] // lower(code) → coupon id (coupons_code_lower_key)
	UserCoupons   *Table[string, coupon.UserCoupon]
	History       *Table[string, coupon.HistoryEntry]
}

func newestCoupon(a, b coupon.Coupon) int {
	return cmp.Or(b.CreatedAt.Compare(a.CreatedAt), strings.Compare(b.ID, a.ID))
}

func newestClaim(a, b coupon.UserCoupon) int {
	return cmp.Or(b.ClaimedAt.Compare(a.ClaimedAt), strings.Compare(b.ID, a.ID))
}

var (
	// couponsByCreated and couponsByStatus serve the admin list (coupons_status_created_idx).
	couponsByCreated = &Index[coupon.Coupon]{Order: newestCoupon}
	couponsByStatus  = &Index[coupon.Coupon]{Group: func(c coupon.Coupon) string { return string(c.Status) }, Order: newestCoupon}
	// userCouponsByUser and userCouponsByUserStatus serve GET /v1/users/me/coupons
	// (user_coupons_user_claimed_idx, user_coupons_user_status_idx).
	userCouponsByUser       = &Index[coupon.UserCoupon]{Group: func(u coupon.UserCoupon) string { return u.UserID }, Order: newestClaim}
	userCouponsByUserStatus = &Index[coupon.UserCoupon]{Group: func(u coupon.UserCoupon) string { return u.UserID + "/" + string(u.Status) }, Order: newestClaim}
	// userCouponsByClaim is a user's claims of one coupon (user_coupons_claim_no_key).
	userCouponsByClaim = &Index[coupon.UserCoupon]{Group: func(u coupon.UserCoupon) string { return u.CouponID + "/" + u.UserID },
		Order: func(a, b coupon.UserCoupon) int { return cmp.Compare(a.ClaimNo, b.ClaimNo) }}
	// userCouponsByCoupon serves the stats (user_coupons_coupon_claimed_idx).
	userCouponsByCoupon = &Index[coupon.UserCoupon]{Group: func(u coupon.UserCoupon) string { return u.CouponID },
		Order: func(a, b coupon.UserCoupon) int { return a.ClaimedAt.Compare(b.ClaimedAt) }}
	// userCouponsDue serves the expiry job (user_coupons_expiry_idx, partial on AVAILABLE).
	userCouponsDue = &Index[coupon.UserCoupon]{Where: func(u coupon.UserCoupon) bool { return u.Status == coupon.UserAvailable },
		Order: func(a, b coupon.UserCoupon) int { return a.ExpiresAt.Compare(b.ExpiresAt) }}
	// userCouponsByOrder serves restoring a cancelled order's coupon (user_coupons_used_order_idx).
	userCouponsByOrder = &Index[coupon.UserCoupon]{Group: func(u coupon.UserCoupon) string { return u.UsedOrderID },
		Where: func(u coupon.UserCoupon) bool { return u.UsedOrderID != "" }}
	// historyByUserCoupon serves a user coupon's history in time order (user_coupon_history_coupon_created_idx).
	historyByUserCoupon = &Index[coupon.HistoryEntry]{Group: func(h coupon.HistoryEntry) string { return h.UserCouponID },
		Order: func(a, b coupon.HistoryEntry) int { return cmp.Or(a.At.Compare(b.At), strings.Compare(a.ID, b.ID)) }}
)

func newCouponTables() couponTables {
	return couponTables{
		Coupons:       newTable(strings.Compare, couponsByCreated, couponsByStatus),
		CouponsByCode: newTable[string, string](strings.Compare),
		UserCoupons: newTable(strings.Compare, userCouponsByUser, userCouponsByUserStatus, userCouponsByClaim,
			userCouponsByCoupon, userCouponsDue, userCouponsByOrder),
		History: newTable(strings.Compare, historyByUserCoupon),
	}
}

// CouponStores builds coupon.Stores for a unit of work.
func CouponStores(tx *Tx) coupon.Stores {
	return coupon.Stores{Coupons: &Coupons{tx}, UserCoupons: &UserCoupons{tx}, Issuer: couponIssuer{tx}, Signals: noSignals{},
		Outbox: NewOutbox(tx)}
}

// couponIssuer is coupon.Issuer on the tables above: the unit of work holds the store's writer lock,
// so checking the number and the counter and then writing is one step.
type couponIssuer struct{ tx *Tx }

func (s couponIssuer) Issue(ctx context.Context, uc coupon.UserCoupon, e coupon.HistoryEntry, events ...integration.Event) (bool, error) {
	users := &UserCoupons{s.tx}
	if users.held(uc.CouponID, uc.UserID)+1 != uc.ClaimNo {
		return false, nil
	}
	if res, err := (&Coupons{s.tx}).Take(ctx, uc.CouponID); err != nil || res != coupon.Taken {
		return false, err
	}
	Mutable(s.tx, &users.t().UserCoupons).Put(uc.ID, uc)
	if err := users.AppendHistory(ctx, e); err != nil {
		return false, err
	}
	return true, NewOutbox(s.tx).Append(ctx, events...)
}

// noSignals: one process, whose service clears its own latch.
type noSignals struct{}

func (noSignals) Reopened(context.Context, string) error { return nil }

// Coupons is the in-memory coupon.Coupons of one unit of work.
type Coupons struct{ tx *Tx }

func (s *Coupons) t() *couponTables { return &s.tx.State.Coupons }

// Create implements coupon.Coupons.
func (s *Coupons) Create(_ context.Context, c coupon.Coupon) error {
	if !putUnique(s.tx, &s.t().CouponsByCode, coupon.NormalizeCode(c.Code), "", c.ID) {
		return coupon.ErrCodeTaken
	}
	c.Issued = 0
	Mutable(s.tx, &s.t().Coupons).Put(c.ID, c.Clone())
	return nil
}

// ByID implements coupon.Coupons.
func (s *Coupons) ByID(_ context.Context, id string) (coupon.Coupon, error) {
	c, ok := s.t().Coupons.Get(id)
	if !ok {
		return coupon.Coupon{}, coupon.ErrNotFound
	}
	return c.Clone(), nil
}

// ByCode implements coupon.Coupons.
func (s *Coupons) ByCode(ctx context.Context, code string) (coupon.Coupon, error) {
	id, ok := s.t().CouponsByCode.Get(coupon.NormalizeCode(code))
	if !ok {
		return coupon.Coupon{}, coupon.ErrNotFound
	}
	return s.ByID(ctx, id)
}

// ForClaim implements coupon.Coupons.
func (s *Coupons) ForClaim(ctx context.Context, code, userID string) (coupon.Coupon, int, error) {
	c, err := s.ByCode(ctx, code)
	if err != nil {
		return c, 0, err
	}
	return c, (&UserCoupons{s.tx}).held(c.ID, userID), nil
}

// Lock implements coupon.Coupons: the unit of work already holds the store's writer lock.
func (s *Coupons) Lock(ctx context.Context, id string) (coupon.Coupon, error) { return s.ByID(ctx, id) }

// Update implements coupon.Coupons.
func (s *Coupons) Update(_ context.Context, c coupon.Coupon) error {
	old, ok := s.t().Coupons.Get(c.ID)
	if !ok {
		return coupon.ErrNotFound
	}
	if c.TotalQuantity != nil && *c.TotalQuantity < old.Issued {
		return errs.ErrValidation.WithField("totalQuantity", coupon.FieldBelowIssued.Code, "below the coupons already issued")
	}
	c.Issued, c.Code, c.CreatedAt, c.CreatedBy = old.Issued, old.Code, old.CreatedAt, old.CreatedBy
	Mutable(s.tx, &s.t().Coupons).Put(c.ID, c.Clone())
	return nil
}

// List implements coupon.Coupons.
func (s *Coupons) List(_ context.Context, status coupon.Status, after *coupon.Position, limit int) ([]coupon.Coupon, error) {
	ix, seek := couponsByCreated, Seek[coupon.Coupon]{}
	if status != "" {
		ix, seek.Group = couponsByStatus, string(status)
	}
	if after != nil {
		seek.Pivot, seek.Past = &coupon.Coupon{CreatedAt: after.CreatedAt, ID: after.ID}, true
	}
	out := []coupon.Coupon{}
	if limit <= 0 {
		return out, nil
	}
	for _, c := range s.t().Coupons.Ascend(ix, seek) {
		if out = append(out, c.Clone()); len(out) == limit {
			break
		}
	}
	return out, nil
}

// Take implements coupon.Coupons.
func (s *Coupons) Take(_ context.Context, id string) (coupon.TakeResult, error) {
	c, ok := s.t().Coupons.Get(id)
	switch {
	case !ok:
		return 0, coupon.ErrNotFound
	case c.Status != coupon.StatusActive:
		return coupon.Closed, nil
	case c.TotalQuantity != nil && c.Issued >= *c.TotalQuantity:
		return coupon.SoldOut, nil
	}
	c.Issued++
	Mutable(s.tx, &s.t().Coupons).Put(id, c)
	return coupon.Taken, nil
}

// UserCoupons is the in-memory coupon.UserCoupons of one unit of work.
type UserCoupons struct{ tx *Tx }

func (s *UserCoupons) t() *couponTables { return &s.tx.State.Coupons }

// held is how many claims of the coupon the user holds.
func (s *UserCoupons) held(couponID, userID string) int {
	n := 0
	for range s.t().UserCoupons.Ascend(userCouponsByClaim, Seek[coupon.UserCoupon]{Group: couponID + "/" + userID}) {
		n++
	}
	return n
}

// Claim implements coupon.UserCoupons.
func (s *UserCoupons) Claim(_ context.Context, uc coupon.UserCoupon, limit int) (coupon.UserCoupon, error) {
	n := s.held(uc.CouponID, uc.UserID)
	if n >= limit {
		return coupon.UserCoupon{}, coupon.ErrAlreadyClaimed
	}
	uc.ClaimNo = n + 1
	Mutable(s.tx, &s.t().UserCoupons).Put(uc.ID, uc)
	return uc, nil
}

// ByID implements coupon.UserCoupons.
func (s *UserCoupons) ByID(_ context.Context, id string) (coupon.UserCoupon, error) {
	uc, ok := s.t().UserCoupons.Get(id)
	if !ok {
		return coupon.UserCoupon{}, coupon.ErrUserCouponNotFound
	}
	return uc, nil
}

// Lock implements coupon.UserCoupons: the unit of work already holds the store's writer lock.
func (s *UserCoupons) Lock(ctx context.Context, id string) (coupon.UserCoupon, error) {
	return s.ByID(ctx, id)
}

// Save implements coupon.UserCoupons.
func (s *UserCoupons) Save(_ context.Context, uc coupon.UserCoupon) error {
	if _, ok := s.t().UserCoupons.Get(uc.ID); !ok {
		return coupon.ErrUserCouponNotFound
	}
	Mutable(s.tx, &s.t().UserCoupons).Put(uc.ID, uc)
	return nil
}

// AppendHistory implements coupon.UserCoupons.
func (s *UserCoupons) AppendHistory(_ context.Context, e coupon.HistoryEntry) error {
	if _, ok := s.t().UserCoupons.Get(e.UserCouponID); !ok {
		return coupon.ErrUserCouponNotFound
	}
	Mutable(s.tx, &s.t().History).Put(e.ID, e)
	return nil
}

// History implements coupon.UserCoupons.
func (s *UserCoupons) History(_ context.Context, id string) ([]coupon.HistoryEntry, error) {
	out := []coupon.HistoryEntry{}
	for _, e := range s.t().History.Ascend(historyByUserCoupon, Seek[coupon.HistoryEntry]{Group: id}) {
		out = append(out, e)
	}
	return out, nil
}

// ListByUser implements coupon.UserCoupons.
func (s *UserCoupons) ListByUser(_ context.Context, userID string, status coupon.UserStatus, after *coupon.UserPosition, limit int) ([]coupon.UserCoupon, error) {
	ix, seek := userCouponsByUser, Seek[coupon.UserCoupon]{Group: userID}
	if status != "" {
		ix, seek.Group = userCouponsByUserStatus, userID+"/"+string(status)
	}
	if after != nil {
		seek.Pivot, seek.Past = &coupon.UserCoupon{ClaimedAt: after.ClaimedAt, ID: after.ID}, true
	}
	out := []coupon.UserCoupon{}
	if limit <= 0 {
		return out, nil
	}
	for _, uc := range s.t().UserCoupons.Ascend(ix, seek) {
		if out = append(out, uc); len(out) == limit {
			break
		}
	}
	return out, nil
}

// Due implements coupon.UserCoupons.
func (s *UserCoupons) Due(_ context.Context, at time.Time, limit int) ([]coupon.UserCoupon, error) {
	out := []coupon.UserCoupon{}
	for _, uc := range s.t().UserCoupons.Ascend(userCouponsDue, Seek[coupon.UserCoupon]{}) {
		if uc.ExpiresAt.After(at) || len(out) == limit {
			break
		}
		out = append(out, uc)
	}
	return out, nil
}

// ByOrder implements coupon.UserCoupons.
func (s *UserCoupons) ByOrder(_ context.Context, orderID string) ([]coupon.UserCoupon, error) {
	out := []coupon.UserCoupon{}
	for _, uc := range s.t().UserCoupons.Ascend(userCouponsByOrder, Seek[coupon.UserCoupon]{Group: orderID}) {
		out = append(out, uc)
	}
	return out, nil
}

// Stats implements coupon.UserCoupons.
func (s *UserCoupons) Stats(_ context.Context, couponID string, since time.Time) (coupon.UsageStats, error) {
	out := coupon.UsageStats{ByStatus: map[coupon.UserStatus]int{}}
	discounts := map[kernel.Currency]int64{}
	hours := map[time.Time]int{}
	for _, uc := range s.t().UserCoupons.Ascend(userCouponsByCoupon, Seek[coupon.UserCoupon]{Group: couponID}) {
		out.ByStatus[uc.Status]++
		if uc.Status == coupon.UserUsed && uc.UsedDiscount.Currency.Code != "" {
			discounts[uc.UsedDiscount.Currency] += uc.UsedDiscount.Amount
		}
		if !uc.ClaimedAt.Before(since) {
			hours[uc.ClaimedAt.UTC().Truncate(time.Hour)]++
		}
	}
	for c, amount := range discounts {
		out.Discounts = append(out.Discounts, kernel.NewMoney(amount, c))
	}
	slices.SortFunc(out.Discounts, func(a, b kernel.Money) int { return strings.Compare(a.Currency.Code, b.Currency.Code) })
	for h, n := range hours {
		out.Hourly = append(out.Hourly, coupon.HourCount{Hour: h, Count: n})
	}
	slices.SortFunc(out.Hourly, func(a, b coupon.HourCount) int { return a.Hour.Compare(b.Hour) })
	return out, nil
}
