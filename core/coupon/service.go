package coupon

import (
	"context"
	"errors"
	"math/big"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jupang/jupang/core/cart"
	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/integration"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/uow"
)

// Topic is the outbox topic of coupon events.
const Topic = "jupang.coupons.v1"

// Event types of the coupon area.
const (
	EventCreated   = "coupon.created"
	EventUpdated   = "coupon.updated"
	EventClaimed   = "coupon.claimed"
	EventUsed      = "coupon.used"
	EventReleased  = "coupon.released"
	EventExpired   = "coupon.expired"
	EventCancelled = "coupon.cancelled"
)

// ExpiryJobName is the lease name of the expiry job.
const ExpiryJobName = "coupon.expiry"

// Service is the coupon area's use cases.
type Service struct {
	tx      uow.UnitOfWork[Stores]
	catalog Catalog
	clock   kernel.Clock
	soldOut *SoldOutLatch
	metrics Metrics
}

// Options tune a Service; the zero value is the defaults.
type Options struct {
	LatchTTL time.Duration // how long a sold-out answer is served from memory (DefaultLatchTTL)
	Metrics  Metrics       // nil counts nothing
}

// NewService builds the coupon service. cat may be nil when nothing validates against items.
func NewService(tx uow.UnitOfWork[Stores], cat Catalog, clock kernel.Clock, opts Options) *Service {
	m := opts.Metrics
	if m == nil {
		m = noMetrics{}
	}
	return &Service{tx: tx, catalog: cat, clock: clock, soldOut: NewSoldOutLatch(opts.LatchTTL), metrics: m}
}

type noMetrics struct{}

func (noMetrics) Claim(string)          {}
func (noMetrics) Transition(UserStatus) {}

// SoldOut is this instance's sold-out latch (a listener clears it on signals from other instances).
func (s *Service) SoldOut() *SoldOutLatch { return s.soldOut }

func (s *Service) now() time.Time { return s.clock.Now().UTC().Truncate(time.Microsecond) }

func event(ctx context.Context, clock kernel.Clock, typ, id string, data any) (integration.Event, error) {
	return integration.NewEvent(ctx, clock, Topic, typ, id, "coupons/"+id, data)
}

// claimedEvent is the data of coupon.claimed.
type claimedEvent struct {
	UserCouponID string    `json:"userCouponId"`
	CouponID     string    `json:"couponId"`
	Code         string    `json:"code"`
	UserID       string    `json:"userId"`
	ClaimNo      int       `json:"claimNo"`
	ExpiresAt    time.Time `json:"expiresAt"`
}

// Claim gives user one coupon of code (POST /v1/coupons/{code}/claim): first come, first served.
// Errors: ErrNotFound, ErrSoldOut, ErrAlreadyClaimed, ErrExpired, ErrNotActive.
func (s *Service) Claim(ctx context.Context, userID, code string) (UserCoupon, error) {
	now := s.now()
	if !ValidCode(code) {
		s.metrics.Claim("not_found")
		return UserCoupon{}, ErrNotFound
	}
	if s.soldOut.Latched(code, s.clock.Now()) {
		s.metrics.Claim("sold_out_latched")
		return UserCoupon{}, ErrSoldOut
	}
	epoch := s.soldOut.Epoch()
	var out UserCoupon
	err := s.tx.Do(ctx, func(ctx context.Context, st Stores) error {
		c, held, err := st.Coupons.ForClaim(ctx, code, userID)
		if err != nil {
			return err
		}
		if err := c.ClaimableAt(now); err != nil {
			return err
		}
		if held >= c.PerUserLimit {
			return ErrAlreadyClaimed // committed claims only grow: this is final
		}
		uc := UserCoupon{ID: kernel.NewID(), CouponID: c.ID, UserID: userID, Code: c.Code, ClaimNo: held + 1,
			Status: UserAvailable, ClaimedAt: now, ExpiresAt: c.ExpiryOf(now), UpdatedAt: now}
		entry := HistoryEntry{ID: kernel.NewID(), UserCouponID: uc.ID, To: UserAvailable, Reason: ReasonClaimed, ActorID: userID, At: now}
		claimed := func(uc UserCoupon) (integration.Event, error) {
			return event(ctx, s.clock, EventClaimed, c.ID, claimedEvent{UserCouponID: uc.ID, CouponID: c.ID, Code: c.Code,
				UserID: userID, ClaimNo: uc.ClaimNo, ExpiresAt: uc.ExpiresAt})
		}
		ev, err := claimed(uc)
		if err != nil {
			return err
		}
		// The short way: the next claim number and a free counter in one step, the common case.
		switch issued, err := st.Issuer.Issue(ctx, uc, entry, ev); {
		case err != nil:
			return err
		case issued:
			out = uc
			return nil
		}
		// The long way, when the number was taken meanwhile or no free counter had room: the number
		// read again, the counters waited for; nothing of the short way was written.
		if uc, err = st.UserCoupons.Claim(ctx, uc, c.PerUserLimit); err != nil {
			return err
		}
		if err := st.UserCoupons.AppendHistory(ctx, entry); err != nil {
			return err
		}
		if ev, err = claimed(uc); err != nil {
			return err
		}
		if err := st.Outbox.Append(ctx, ev); err != nil {
			return err
		}
		// Last: the counter's lock is the contended one, held from here to the commit.
		switch res, err := st.Coupons.Take(ctx, c.ID); {
		case err != nil:
			return err
		case res == SoldOut:
			return ErrSoldOut
		case res == Closed:
			return ErrNotActive
		}
		out = uc
		return nil
	})
	s.metrics.Claim(claimResult(err))
	if errors.Is(err, ErrSoldOut) {
		s.soldOut.Set(code, epoch, s.clock.Now())
	}
	if err != nil {
		return UserCoupon{}, err
	}
	s.metrics.Transition(UserAvailable)
	return out, nil
}

func claimResult(err error) string {
	for _, r := range []struct {
		err  error
		name string
	}{{ErrSoldOut, "sold_out"}, {ErrAlreadyClaimed, "already_claimed"}, {ErrNotActive, "not_active"},
		{ErrExpired, "expired"}, {ErrNotFound, "not_found"}} {
		if errors.Is(err, r.err) {
			return r.name
		}
	}
	if err != nil {
		return "error"
	}
	return "issued"
}

// Create adds a coupon (POST /v1/admin/coupons). Status defaults to ACTIVE; a new coupon may be a
// DRAFT or ACTIVE only.
func (s *Service) Create(ctx context.Context, actorID string, c Coupon) (Coupon, error) {
	now := s.now()
	c = c.Clone()
	c.ID, c.Issued, c.Version, c.CreatedBy, c.CreatedAt, c.UpdatedAt = kernel.NewID(), 0, 1, actorID, now, now
	c.Code = strings.TrimSpace(c.Code)
	c.ValidFrom, c.ValidUntil = c.ValidFrom.UTC().Truncate(time.Microsecond), c.ValidUntil.UTC().Truncate(time.Microsecond)
	if c.Status == "" {
		c.Status = StatusActive
	}
	if err := c.Validate(); err != nil {
		return Coupon{}, err
	}
	if c.Status != StatusActive && c.Status != StatusDraft {
		return Coupon{}, errs.ErrValidation.WithField("status", FieldInvalidStatus.Code, "a new coupon is DRAFT or ACTIVE")
	}
	err := s.tx.Do(ctx, func(ctx context.Context, st Stores) error {
		if err := st.Coupons.Create(ctx, c); err != nil {
			return err
		}
		ev, err := event(ctx, s.clock, EventCreated, c.ID, changedEvent(c))
		if err != nil {
			return err
		}
		return st.Outbox.Append(ctx, ev)
	})
	return c, err
}

type couponEvent struct {
	CouponID      string `json:"couponId"`
	Code          string `json:"code"`
	Status        Status `json:"status"`
	Version       int    `json:"version"`
	TotalQuantity *int   `json:"totalQuantity"`
	PerUserLimit  int    `json:"perUserLimit"`
}

func changedEvent(c Coupon) couponEvent {
	return couponEvent{CouponID: c.ID, Code: c.Code, Status: c.Status, Version: c.Version, TotalQuantity: c.TotalQuantity, PerUserLimit: c.PerUserLimit}
}

// Update changes a coupon (PATCH /v1/admin/coupons/{id}) when its version is still expectedVersion
// (else VERSION_CONFLICT). The coupon and its counters are locked meanwhile, so the total is never
// set below what is issued, and a pause holds from the commit on, on every instance.
func (s *Service) Update(ctx context.Context, actorID, id string, expectedVersion int, p Patch) (Coupon, error) {
	if !kernel.IsID(id) {
		return Coupon{}, ErrNotFound
	}
	var before, after Coupon
	err := s.tx.Do(ctx, func(ctx context.Context, st Stores) error {
		c, err := st.Coupons.Lock(ctx, id)
		if err != nil {
			return err
		}
		if c.Version != expectedVersion {
			return errs.ErrVersionConflict.WithExtra("version", c.Version)
		}
		next, err := p.Apply(c)
		if err != nil {
			return err
		}
		if err := next.Validate(); err != nil {
			return err
		}
		next.Version, next.UpdatedAt = c.Version+1, s.now()
		if err := st.Coupons.Update(ctx, next); err != nil {
			return err
		}
		ev, err := event(ctx, s.clock, EventUpdated, c.ID, changedEvent(next))
		if err != nil {
			return err
		}
		if err := st.Outbox.Append(ctx, ev); err != nil {
			return err
		}
		if Reopens(c, next) {
			if err := st.Signals.Reopened(ctx, c.Code); err != nil {
				return err
			}
		}
		before, after = c, next
		return nil
	})
	if err != nil {
		return Coupon{}, err
	}
	_ = actorID // recorded by the request log; the coupon keeps its creator
	if Reopens(before, after) {
		s.soldOut.Clear(after.Code)
	}
	return after, nil
}

// Get reads a coupon for the admin API.
func (s *Service) Get(ctx context.Context, id string) (Coupon, error) {
	if !kernel.IsID(id) {
		return Coupon{}, ErrNotFound
	}
	var c Coupon
	err := s.tx.Do(ctx, func(ctx context.Context, st Stores) (err error) {
		c, err = st.Coupons.ByID(ctx, id)
		return err
	})
	return c, err
}

// List is one page of coupons in status ("" any), newest first (GET /v1/admin/coupons).
func (s *Service) List(ctx context.Context, status Status, cursor string, limit int) (kernel.Page[Coupon], error) {
	var page kernel.Page[Coupon]
	var after *Position
	if cursor != "" {
		after = &Position{}
		if err := kernel.DecodeCursor(cursor, after); err != nil {
			return page, err
		}
	}
	err := s.tx.Do(ctx, func(ctx context.Context, st Stores) error {
		items, err := st.Coupons.List(ctx, status, after, limit+1)
		if err != nil {
			return err
		}
		if len(items) > limit {
			items = items[:limit]
			last := items[limit-1]
			page.NextCursor = kernel.EncodeCursor(Position{CreatedAt: last.CreatedAt, ID: last.ID})
		}
		page.Items = items
		return nil
	})
	return page, err
}

// Stats are the figures of GET /v1/admin/coupons/{id}/stats.
type Stats struct {
	Coupon         Coupon
	Issued         int
	Remaining      *int
	Available      int
	Used           int
	Expired        int
	Cancelled      int
	RedemptionRate float64 // used / issued (0 when none issued)
	DiscountGiven  []kernel.Money
	ClaimsPerHour  []HourCount // the last 48 hours, oldest first, every hour listed
}

// StatsWindow is how far back claims per hour go.
const StatsWindow = 48 * time.Hour

// Stats reads a coupon's figures.
func (s *Service) Stats(ctx context.Context, id string) (Stats, error) {
	if !kernel.IsID(id) {
		return Stats{}, ErrNotFound
	}
	now := s.now()
	first := now.Truncate(time.Hour).Add(-StatsWindow + time.Hour)
	var out Stats
	err := s.tx.Do(ctx, func(ctx context.Context, st Stores) error {
		c, err := st.Coupons.ByID(ctx, id)
		if err != nil {
			return err
		}
		u, err := st.UserCoupons.Stats(ctx, id, first)
		if err != nil {
			return err
		}
		out = Stats{Coupon: c, Issued: c.Issued, Remaining: c.Remaining(), Available: u.ByStatus[UserAvailable],
			Used: u.ByStatus[UserUsed], Expired: u.ByStatus[UserExpired], Cancelled: u.ByStatus[UserCancelled],
			DiscountGiven: u.Discounts}
		if c.Issued > 0 {
			out.RedemptionRate = float64(out.Used) / float64(c.Issued)
		}
		counts := map[time.Time]int{}
		for _, h := range u.Hourly {
			counts[h.Hour.UTC()] += h.Count
		}
		for h := first; !h.After(now); h = h.Add(time.Hour) {
			out.ClaimsPerHour = append(out.ClaimsPerHour, HourCount{Hour: h, Count: counts[h]})
		}
		return nil
	})
	return out, err
}

// MyCoupons is one page of user's coupons in status ("" any), newest claim first.
func (s *Service) MyCoupons(ctx context.Context, userID string, status UserStatus, cursor string, limit int) (kernel.Page[UserCoupon], error) {
	var page kernel.Page[UserCoupon]
	var after *UserPosition
	if cursor != "" {
		after = &UserPosition{}
		if err := kernel.DecodeCursor(cursor, after); err != nil {
			return page, err
		}
	}
	err := s.tx.Do(ctx, func(ctx context.Context, st Stores) error {
		items, err := st.UserCoupons.ListByUser(ctx, userID, status, after, limit+1)
		if err != nil {
			return err
		}
		if len(items) > limit {
			items = items[:limit]
			last := items[limit-1]
			page.NextCursor = kernel.EncodeCursor(UserPosition{ClaimedAt: last.ClaimedAt, ID: last.ID})
		}
		page.Items = items
		return nil
	})
	return page, err
}

// History is the transitions of one of user's coupons; another user's is ErrUserCouponNotFound.
func (s *Service) History(ctx context.Context, userID, userCouponID string) ([]HistoryEntry, error) {
	if !kernel.IsID(userCouponID) {
		return nil, ErrUserCouponNotFound
	}
	var out []HistoryEntry
	err := s.tx.Do(ctx, func(ctx context.Context, st Stores) error {
		uc, err := st.UserCoupons.ByID(ctx, userCouponID)
		if err != nil {
			return err
		}
		if uc.UserID != userID {
			return ErrUserCouponNotFound
		}
		out, err = st.UserCoupons.History(ctx, userCouponID)
		return err
	})
	return out, err
}

// ExpiryBatch is how many user coupons one expiry unit of work moves.
const ExpiryBatch = 500

// ExpireDue moves every AVAILABLE user coupon past its expiry to EXPIRED, recording each (the
// coupon.expiry job). Batches lock their rows skipping those another worker holds.
func (s *Service) ExpireDue(ctx context.Context) error {
	for {
		n, err := s.expireBatch(ctx)
		if err != nil || n < ExpiryBatch {
			return err
		}
	}
}

func (s *Service) expireBatch(ctx context.Context) (int, error) {
	now := s.now()
	n := 0
	err := s.tx.Do(ctx, func(ctx context.Context, st Stores) error {
		due, err := st.UserCoupons.Due(ctx, now, ExpiryBatch)
		if err != nil {
			return err
		}
		n = len(due)
		for _, uc := range due {
			if _, err := record(ctx, st, uc, Transition{From: UserAvailable, To: UserExpired, Reason: ReasonExpiredJob, At: now}, EventExpired); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		for range n {
			s.metrics.Transition(UserExpired)
		}
	}
	return n, err
}

// MaxCancelReason is the longest reason a cancellation records, in characters.
const MaxCancelReason = 500

// Cancel withdraws user coupon userCouponID of coupon couponID that has not been used (POST
// /v1/admin/coupons/{id}/user-coupons/{userCouponId}/cancel): AVAILABLE → CANCELLED, with the
// actor and the reason in its history and coupon.cancelled in the outbox, in one unit of work. The
// user coupon is locked as an order's use locks it, so of a concurrent cancel and use exactly one
// wins. A used, expired (also one past its expiry the job has not reached) or cancelled coupon is
// ErrInvalidTransition carrying its "status"; to take back a used one, cancel its order. The
// coupon stays counted as issued (stats count it under cancelled): like a redeemed-then-voided
// Shopify code or a removed Stripe discount, a withdrawal does not put it back for someone else to
// claim; an admin who wants more out raises the total.
func (s *Service) Cancel(ctx context.Context, actorID, couponID, userCouponID, reason string) (UserCoupon, error) {
	reason = strings.TrimSpace(reason)
	var v errs.Validation
	if v.Check(reason != "", "reason", errs.FieldRequired, "say why the coupon is withdrawn") {
		v.Check(utf8.RuneCountInString(reason) <= MaxCancelReason, "reason", errs.FieldTooLong, "at most 500 characters")
	}
	if err := v.Err(); err != nil {
		return UserCoupon{}, err
	}
	if !kernel.IsID(couponID) || !kernel.IsID(userCouponID) {
		return UserCoupon{}, ErrUserCouponNotFound
	}
	now := s.now()
	var out UserCoupon
	err := s.tx.Do(ctx, func(ctx context.Context, st Stores) error {
		uc, err := st.UserCoupons.Lock(ctx, userCouponID)
		if err != nil {
			return err
		}
		if uc.CouponID != couponID {
			return ErrUserCouponNotFound
		}
		status := uc.Status
		if status == UserAvailable && !now.Before(uc.ExpiresAt) {
			status = UserExpired
		}
		if status != UserAvailable {
			return errs.ErrInvalidTransition.WithMessage("user coupon %s is %s", uc.ID, status).WithExtra("status", status)
		}
		out, err = record(ctx, st, uc, Transition{From: UserAvailable, To: UserCancelled, Reason: reason, ActorID: actorID, At: now}, EventCancelled)
		return err
	})
	if err != nil {
		return UserCoupon{}, err
	}
	s.metrics.Transition(UserCancelled)
	return out, nil
}

// Use marks user's coupon USED by an order that saved discount, in a unit of work of its own (an
// order uses its coupon through Redemptions, inside the order's). A coupon that is not the user's
// is ErrUserCouponNotFound; one that cannot be used now (used, expired, cancelled, archived) is
// ErrNotUsable.
func (s *Service) Use(ctx context.Context, userID, userCouponID, orderID string, discount kernel.Money) error {
	now := s.now()
	err := s.tx.Do(ctx, func(ctx context.Context, st Stores) error {
		return Redemptions{St: st}.Use(ctx, userID, userCouponID, orderID, discount, now)
	})
	if err == nil {
		s.metrics.Transition(UserUsed)
	}
	return err
}

// Release gives back the coupons order orderID used (its cancellation): AVAILABLE again before
// their expiry, EXPIRED after it.
func (s *Service) Release(ctx context.Context, orderID string) error {
	now := s.now()
	var reached []UserStatus
	err := s.tx.Do(ctx, func(ctx context.Context, st Stores) error {
		reached = reached[:0]
		used, err := st.UserCoupons.ByOrder(ctx, orderID)
		if err != nil {
			return err
		}
		for _, u := range used {
			to, err := Redemptions{St: st}.Restore(ctx, u.ID, orderID, now)
			if err != nil {
				return err
			}
			if to != "" {
				reached = append(reached, to)
			}
		}
		return nil
	})
	if err == nil {
		for _, to := range reached {
			s.metrics.Transition(to)
		}
	}
	return err
}

// Reason is why a coupon does not apply, with its texts.
type Reason = errs.FieldCode

// Verdict is the answer of POST /v1/coupons/validate.
type Verdict struct {
	Valid        bool
	Discount     kernel.Money
	Reasons      []Reason
	Coupon       Coupon
	UserCouponID string // the user coupon validated ("" when the user holds none of the code)
}

// ValidateInput names the coupon (exactly one of Code and UserCouponID) and the order lines.
type ValidateInput struct {
	Code         string
	UserCouponID string
	Items        []Item      // priced through the Catalog port
	Lines        []cart.Line // already priced lines (the current cart); used when Items is nil
}

// Validate says whether user's coupon applies to lines in market m, and what it takes off.
func (s *Service) Validate(ctx context.Context, userID string, m kernel.Market, in ValidateInput) (Verdict, error) {
	var v errs.Validation
	v.Check((in.Code == "") != (in.UserCouponID == ""), "code", FieldOneOf, "give exactly one of code and userCouponId")
	if in.UserCouponID != "" {
		v.Check(kernel.IsID(in.UserCouponID), "userCouponId", errs.FieldInvalidID, "must be a UUID")
	}
	for i, it := range in.Items {
		f := "items[" + strconv.Itoa(i) + "]"
		v.Check(kernel.IsID(it.ProductID), f+".productId", errs.FieldInvalidID, "must be a UUID")
		v.Check(kernel.IsID(it.SKUID), f+".skuId", errs.FieldInvalidID, "must be a UUID")
		v.Check(it.Quantity >= 1 && it.Quantity <= 999, f+".quantity", errs.FieldOutOfRange, "1 to 999")
	}
	v.Check(len(in.Items) <= 100, "items", errs.FieldOutOfRange, "at most 100 items")
	if err := v.Err(); err != nil {
		return Verdict{}, err
	}
	now := s.now()
	lines := in.Lines
	if in.Items != nil {
		if s.catalog == nil {
			return Verdict{}, errs.ErrUnavailable
		}
		var err error
		if lines, err = s.catalog.Lines(ctx, m, in.Items, now); err != nil {
			return Verdict{}, err
		}
	}
	var c Coupon
	var uc *UserCoupon
	err := s.tx.Do(ctx, func(ctx context.Context, st Stores) error {
		if in.UserCouponID != "" {
			got, err := st.UserCoupons.ByID(ctx, in.UserCouponID)
			if err != nil {
				return err
			}
			if got.UserID != userID {
				return ErrUserCouponNotFound
			}
			uc = &got
			c, err = st.Coupons.ByID(ctx, got.CouponID)
			return err
		}
		var err error
		if !ValidCode(in.Code) {
			return ErrNotFound
		}
		if c, err = st.Coupons.ByCode(ctx, in.Code); err != nil {
			return err
		}
		uc, err = s.bestHeld(ctx, st, userID, c.ID, now)
		return err
	})
	if err != nil {
		return Verdict{}, err
	}
	rate, err := s.rate(ctx, m, now)
	if err != nil {
		return Verdict{}, err
	}
	out := Verdict{Coupon: c}
	if uc != nil {
		out.UserCouponID = uc.ID
	}
	reasons := UsableAt(c, uc, now)
	discount, why, err := Discount(CartTerms(c, out.UserCouponID), m, rate, lines)
	if err != nil {
		return Verdict{}, err
	}
	out.Reasons = append(reasons, why...)
	out.Valid, out.Discount = len(out.Reasons) == 0, discount
	if !out.Valid {
		out.Discount = kernel.Zero(m.Currency())
	}
	return out, nil
}

// bestHeld is the user's coupon of couponID that validation by code looks at: an AVAILABLE one
// unexpired if any, else the newest (nil when the user holds none).
func (s *Service) bestHeld(ctx context.Context, st Stores, userID, couponID string, now time.Time) (*UserCoupon, error) {
	var newest *UserCoupon
	var after *UserPosition
	for {
		items, err := st.UserCoupons.ListByUser(ctx, userID, "", after, 100)
		if err != nil {
			return nil, err
		}
		for i := range items {
			uc := items[i]
			if uc.CouponID != couponID {
				continue
			}
			if uc.Status == UserAvailable && now.Before(uc.ExpiresAt) {
				return &uc, nil
			}
			if newest == nil {
				newest = &uc
			}
		}
		if len(items) < 100 {
			return newest, nil
		}
		last := items[len(items)-1]
		after = &UserPosition{ClaimedAt: last.ClaimedAt, ID: last.ID}
	}
}

func (s *Service) rate(ctx context.Context, m kernel.Market, at time.Time) (kernel.FXRate, error) {
	if m.Currency() == kernel.KRW || s.catalog == nil {
		return kernel.FXRate{From: kernel.KRW, To: m.Currency(), Rate: big.NewRat(1, 1)}, nil
	}
	return s.catalog.Rate(ctx, m, at)
}

// held reads user's coupon userCouponID and its coupon; another user's is ErrUserCouponNotFound.
func (s *Service) held(ctx context.Context, userID, userCouponID string) (Coupon, UserCoupon, error) {
	if !kernel.IsID(userCouponID) {
		return Coupon{}, UserCoupon{}, ErrUserCouponNotFound
	}
	var c Coupon
	var uc UserCoupon
	err := s.tx.Do(ctx, func(ctx context.Context, st Stores) error {
		var err error
		if uc, err = st.UserCoupons.ByID(ctx, userCouponID); err != nil {
			return err
		}
		if uc.UserID != userID {
			return ErrUserCouponNotFound
		}
		c, err = st.Coupons.ByID(ctx, uc.CouponID)
		return err
	})
	return c, uc, err
}

// CheckInvariant reports a coupon whose issued count exceeds its total or disagrees with its user
// coupons (the invariant checker; run in tests and by operators).
func (s *Service) CheckInvariant(ctx context.Context, id string) error {
	return s.tx.Do(ctx, func(ctx context.Context, st Stores) error {
		c, err := st.Coupons.Lock(ctx, id)
		if err != nil {
			return err
		}
		u, err := st.UserCoupons.Stats(ctx, id, time.Time{})
		if err != nil {
			return err
		}
		held := 0
		for _, n := range u.ByStatus {
			held += n
		}
		switch {
		case c.TotalQuantity != nil && c.Issued > *c.TotalQuantity:
			return errs.ErrInternal.WithMessage("coupon %s: %d issued of %d", id, c.Issued, *c.TotalQuantity)
		case held != c.Issued:
			return errs.ErrInternal.WithMessage("coupon %s: counters say %d issued, %d user coupons exist", id, c.Issued, held)
		}
		return nil
	})
}
