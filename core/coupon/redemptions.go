package coupon

import (
	"context"
	"errors"
	"time"

	"github.com/jupang/jupang/core/kernel"
)

// Redemptions turns user coupons USED by orders and gives them back, on the coupon stores of a unit
// of work someone else runs: it is the orders area's CouponRedemptions port, built on the same
// transaction as the order (adapters' OrderStores), so the coupon, its history row and its event
// commit or roll back with the order. Service.Use and Service.Release run the same methods in a
// unit of work of their own. Each transition reads the user coupon through UserCoupons.Lock (FOR
// UPDATE on PostgreSQL), so of concurrent orders with one coupon exactly one finds it AVAILABLE.
// It counts no metrics: whoever commits the unit of work does (Metrics.Transition).
type Redemptions struct{ St Stores }

// Use marks userID's user coupon userCouponID USED by order orderID, which it saved discount, if
// it can be used at at. Anything else is ErrNotUsable carrying "reasons" (the codes of the reasons,
// USER_COUPON_NOT_FOUND for someone else's or an unknown one, which it also wraps) and changes
// nothing.
func (r Redemptions) Use(ctx context.Context, userID, userCouponID, orderID string, discount kernel.Money, at time.Time) error {
	if !kernel.IsID(userCouponID) {
		return notHeld(ErrUserCouponNotFound)
	}
	uc, err := r.St.UserCoupons.Lock(ctx, userCouponID)
	if errors.Is(err, ErrUserCouponNotFound) {
		return notHeld(err)
	}
	if err != nil {
		return err
	}
	if uc.UserID != userID {
		return notHeld(ErrUserCouponNotFound)
	}
	c, err := r.St.Coupons.ByID(ctx, uc.CouponID)
	if err != nil {
		return err
	}
	if reasons := UsableAt(c, &uc, at); len(reasons) > 0 {
		codes := make([]string, len(reasons))
		for i, why := range reasons {
			codes[i] = why.Code
		}
		return ErrNotUsable.WithExtra("reasons", codes)
	}
	_, err = record(ctx, r.St, uc, Transition{From: UserAvailable, To: UserUsed, Reason: ReasonOrderPlaced, OrderID: orderID,
		ActorID: userID, Discount: discount, At: at}, EventUsed)
	return err
}

func notHeld(err error) error {
	return ErrNotUsable.Wrap(err).WithExtra("reasons", []string{ErrUserCouponNotFound.Code})
}

// Restore gives back user coupon userCouponID if order orderID used it: AVAILABLE again before its
// expiry, EXPIRED from then on (SPEC §4). It reports the state reached, "" when the coupon was not
// (or no longer) used by that order, so a second restore of one order changes nothing.
func (r Redemptions) Restore(ctx context.Context, userCouponID, orderID string, at time.Time) (UserStatus, error) {
	uc, err := r.St.UserCoupons.Lock(ctx, userCouponID)
	if err != nil {
		return "", err
	}
	if uc.Status != UserUsed || uc.UsedOrderID != orderID {
		return "", nil
	}
	to := UserAvailable
	if !at.Before(uc.ExpiresAt) {
		to = UserExpired
	}
	_, err = record(ctx, r.St, uc, Transition{From: UserUsed, To: to, Reason: ReasonOrderRelease, OrderID: orderID, At: at}, EventReleased)
	return to, err
}

type transitionEvent struct {
	UserCouponID string     `json:"userCouponId"`
	CouponID     string     `json:"couponId"`
	UserID       string     `json:"userId"`
	From         UserStatus `json:"from"`
	To           UserStatus `json:"to"`
	OrderID      string     `json:"orderId,omitempty"`
	Reason       string     `json:"reason"`
}

// instant is a clock stopped at a transition's time, for its event.
type instant time.Time

func (i instant) Now() time.Time { return time.Time(i) }

// record stores transition t of uc in st: the new state, its history entry and its event of type
// typ. It returns the user coupon after t.
func record(ctx context.Context, st Stores, uc UserCoupon, t Transition, typ string) (UserCoupon, error) {
	next, err := t.Apply(uc)
	if err != nil {
		return uc, err
	}
	if err := st.UserCoupons.Save(ctx, next); err != nil {
		return uc, err
	}
	if err := st.UserCoupons.AppendHistory(ctx, t.Entry(uc)); err != nil {
		return uc, err
	}
	ev, err := event(ctx, instant(t.At), typ, uc.CouponID, transitionEvent{UserCouponID: uc.ID, CouponID: uc.CouponID, UserID: uc.UserID,
		From: t.From, To: t.To, OrderID: t.OrderID, Reason: t.Reason})
	if err != nil {
		return uc, err
	}
	return next, st.Outbox.Append(ctx, ev)
}
