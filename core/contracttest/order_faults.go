package contracttest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jupang/jupang/core/coupon"
	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/order"
	"github.com/jupang/jupang/core/uow"
	"github.com/jupang/jupang/core/wallet"
)

// checkoutFault is what a faulty checkout does to the stores of its unit of work; nil changes
// nothing.
type checkoutFault func(st order.Stores) order.Stores

// faultyTx runs the orders' units of work with *fault applied to their stores.
type faultyTx struct {
	uow.UnitOfWork[order.Stores]
	fault *checkoutFault
}

func (x faultyTx) Do(ctx context.Context, fn func(ctx context.Context, st order.Stores) error) error {
	return x.UnitOfWork.Do(ctx, func(ctx context.Context, st order.Stores) error {
		if *x.fault != nil {
			st = (*x.fault)(st)
		}
		return fn(ctx, st)
	})
}

// afterDebit runs its hook once the wallet was debited, the checkout's last write: the order, its
// events, the stock, the purchase counts and the coupon have changed by then.
type afterDebit struct {
	wallet.Ledger
	hook func(ctx context.Context) error
}

func (l afterDebit) Debit(ctx context.Context, e wallet.Entry) (wallet.Entry, error) {
	out, err := l.Ledger.Debit(ctx, e)
	if err != nil {
		return out, err
	}
	return out, l.hook(ctx)
}

// refusingCoupons refuses every coupon as if it had been used by another order in the meantime.
type refusingCoupons struct{ order.CouponRedemptions }

func (refusingCoupons) Use(context.Context, string, string, string, kernel.Money, time.Time) error {
	return order.ErrCouponNotApplicable.WithExtra("reasons", []string{string(coupon.UserUsed)})
}

// runCheckoutFaults: a checkout that fails inside its unit of work (the coupon refused, its first
// write; the wallet short, its last; and once the wallet was debited, after every write, a panic
// and, where the storage has one, its connection killed) leaves stock, coupon, wallet, purchase
// counts and outbox as they were, stores no order, and keeps the invariant checker clean; a lost
// connection is Unavailable (503), never Internal (500).
func runCheckoutFaults(t *testing.T, newHarness func(t *testing.T) OrderHarness) {
	t.Run("a checkout failing inside its unit of work leaves nothing changed", func(t *testing.T) {
		const balance = 15000
		h := newHarness(t)
		var fault checkoutFault
		h.Tx = faultyTx{UnitOfWork: h.Tx, fault: &fault}
		// A limit of 2 per customer: a purchase count left behind by a failed checkout would refuse
		// the last order.
		w := NewOrderWorld(t, h, 2, 5)
		buyer := w.Customer(t, balance)
		uc := w.OrderCoupon(t, buyer, 7*24*time.Hour)
		eventsBefore := len(w.events(t))
		unchanged := func(t *testing.T, key string) {
			t.Helper()
			if l := w.Stock(t, w.SKUs[0]); l.OnHand != 5 || l.Reserved != 0 {
				t.Fatalf("stock changed: %+v", l)
			}
			if b := w.Balance(t, buyer); b != balance {
				t.Fatalf("balance changed: %d", b)
			}
			if c, hist := w.userCoupon(t, buyer, uc.ID); c.Status != coupon.UserAvailable || len(hist) != 1 {
				t.Fatalf("coupon changed: %+v %+v", c, hist)
			}
			if n := len(w.events(t)); n != eventsBefore {
				t.Fatalf("%d events appended by a failed checkout", n-eventsBefore)
			}
			err := h.Tx.Do(context.Background(), func(ctx context.Context, st order.Stores) error {
				_, err := st.Orders.ByIdempotencyKey(ctx, buyer, key)
				return err
			})
			if !errors.Is(err, order.ErrOrderNotFound) {
				t.Fatalf("an order was stored: %v", err)
			}
			CheckInvariantsClean(t, h.Invariants)
		}
		withCoupon := func() order.PlaceInput {
			in := w.WalletOrder(w.SKUs[0], 1)
			in.UserCouponID = uc.ID
			return in
		}
		failAt := func(hook func(ctx context.Context) error) checkoutFault {
			return func(st order.Stores) order.Stores {
				st.Wallet.Ledger = afterDebit{Ledger: st.Wallet.Ledger, hook: hook}
				return st
			}
		}

		fault = func(st order.Stores) order.Stores { st.Coupons = refusingCoupons{st.Coupons}; return st }
		_ = wantCode(t, func() error { _, err := w.Svc.Place(As(buyer, "coupon"), withCoupon()); return err }(), "COUPON_NOT_APPLICABLE")
		unchanged(t, "coupon")

		short := withCoupon()
		short.Items[0].Quantity = 2 // ₩18,000 with the coupon and free shipping, above the balance
		fault = nil
		_ = wantCode(t, func() error { _, err := w.Svc.Place(As(buyer, "short"), short); return err }(), "INSUFFICIENT_BALANCE")
		unchanged(t, "short")

		fault = failAt(func(context.Context) error { panic("injected after the debit") })
		func() {
			defer func() {
				if recover() == nil {
					t.Fatal("the panic did not reach the caller")
				}
			}()
			_, _ = w.Svc.Place(As(buyer, "panic"), withCoupon())
		}()
		unchanged(t, "panic")

		if h.KillConnection != nil {
			fault = failAt(func(ctx context.Context) error { return h.KillConnection(ctx) })
			_, err := w.Svc.Place(As(buyer, "killed"), withCoupon())
			if err == nil || errs.KindOf(err) != errs.Unavailable {
				t.Fatalf("a checkout whose connection was killed: want Unavailable, got %v (kind %v)", err, errs.KindOf(err))
			}
			unchanged(t, "killed")
		}

		fault = nil
		o, err := w.Svc.Place(As(buyer, "fine"), withCoupon())
		if err != nil || o.Status != order.Paid {
			t.Fatalf("the checkout after the faults: %+v %v", o, err)
		}
	})
}
