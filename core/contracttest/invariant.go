package contracttest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jupang/jupang/core/coupon"
	"github.com/jupang/jupang/core/invariant"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/order"
)

// ErrRefusedByConstraint is what a tamper returns (wrapped) when the storage's own constraint (a
// CHECK, a unique index) refuses the broken write: that invariant cannot break there.
var ErrRefusedByConstraint = errors.New("the storage's own constraint refuses the write")

// InvariantTamper breaks the storage behind the services' backs, one fact at a time, so the
// suite can see the checker report it. A write the storage itself refuses returns an error
// wrapping ErrRefusedByConstraint; any other error fails the test.
type InvariantTamper interface {
	SetBalance(ctx context.Context, userID string, balance int64) error               // the wallet row only
	AppendEntry(ctx context.Context, userID string, amount, balanceAfter int64) error // a ledger row only
	SetStock(ctx context.Context, skuID string, onHand, reserved int) error           // the stock row only
	AddClaim(ctx context.Context, couponID, userID string, claimNo int) error         // a claim without its counter
	DropOrderEvents(ctx context.Context, orderID, eventType string) error             // the order's outbox rows of a type
	AddOrderEvent(ctx context.Context, orderID, eventType string) error               // an outbox row on the orders topic
	CopyOrder(ctx context.Context, orderID string) error                              // a second order with the same key
}

// InvariantHarness is fresh storage per call with the orders and coupons on it, the snapshot
// reader under test and a tamper on the same storage.
type InvariantHarness struct {
	Order    OrderHarness
	Coupons  CouponHarness
	Snapshot invariant.Snapshot
	Tamper   InvariantTamper
}

// CheckInvariantsClean fails t unless the checker reports no violation about the given entities
// (every entity when none is given). Race tests call it last.
func CheckInvariantsClean(t testing.TB, snap invariant.Snapshot, entities ...invariant.Entity) invariant.Report {
	t.Helper()
	r, err := invariant.NewChecker(snap).Check(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if vs := r.Of(entities...); len(vs) > 0 {
		var b strings.Builder
		for _, v := range vs {
			b.WriteString("\n  " + v.String())
		}
		t.Fatalf("the invariant checker reports %d violations:%s", len(vs), b.String())
	}
	return r
}

// RunInvariants runs the checker's contract: real use leaves it clean, and each kind of broken
// fact is reported with its entity.
func RunInvariants(t *testing.T, newHarness func(t *testing.T) InvariantHarness) {
	type world struct {
		h                      InvariantHarness
		buyer, paid, cancelled string
		sku, couponID          string
		perUser                int
	}
	setup := func(t *testing.T) world {
		t.Helper()
		h := newHarness(t)
		w := NewOrderWorld(t, h.Order, 0, 50, 50)
		buyer := w.Customer(t, 100000)
		paid, err := w.Svc.Place(As(buyer, "paid"), w.WalletOrder(w.SKUs[0], 2))
		if err != nil {
			t.Fatal(err)
		}
		pending, err := w.Svc.Place(As(buyer, "card"), w.CardOrder(w.SKUs[1], 1, 2000, order.TokenLate))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Svc.Cancel(As(buyer, ""), pending.ID, ""); err != nil {
			t.Fatal(err)
		}
		coupons := coupon.NewService(h.Coupons.Tx, nil, kernel.NewFakeClock(CouponEpoch), coupon.Options{LatchTTL: time.Hour})
		admin := h.Coupons.NewUsers(t, 1)[0]
		c, err := coupons.Create(context.Background(), admin, draft(ptr(3), 1))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := coupons.Claim(context.Background(), buyer, c.Code); err != nil {
			t.Fatal(err)
		}
		return world{h: h, buyer: buyer, paid: paid.ID, cancelled: pending.ID, sku: w.SKUs[0], couponID: c.ID, perUser: 1}
	}
	reported := func(t *testing.T, w world, e invariant.Entity, id, check string) {
		t.Helper()
		r, err := invariant.NewChecker(w.h.Snapshot).Check(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range r.Violations {
			if v.Entity == e && v.ID == id && v.Check == check {
				return
			}
		}
		t.Fatalf("%s %s %q not reported: %+v", e, id, check, r.Violations)
	}
	// reportedOrRefused: the storage may refuse the broken fact outright (a constraint); if it
	// takes it, the checker must report it. Any other failure of the write is a failed test.
	reportedOrRefused := func(t *testing.T, w world, err error, e invariant.Entity, id, check string) {
		t.Helper()
		if errors.Is(err, ErrRefusedByConstraint) {
			t.Logf("the storage refuses it: %v", err)
			return
		}
		if err != nil {
			t.Fatalf("the tampering write failed for another reason than a constraint: %v", err)
		}
		reported(t, w, e, id, check)
	}
	ctx := context.Background()
	must := func(t *testing.T, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}

	t.Run("orders, cancellations, claims leave it clean", func(t *testing.T) {
		w := setup(t)
		// A withdrawn claim stays a claim: the counter and the user coupons still agree.
		coupons := coupon.NewService(w.h.Coupons.Tx, nil, kernel.NewFakeClock(CouponEpoch), coupon.Options{})
		people := w.h.Coupons.NewUsers(t, 2)
		withdrawn, staff := people[0], people[1]
		code, err := coupons.Get(ctx, w.couponID)
		must(t, err)
		uc, err := coupons.Claim(ctx, withdrawn, code.Code)
		must(t, err)
		_, err = coupons.Cancel(ctx, staff, w.couponID, uc.ID, "test")
		must(t, err)
		r := CheckInvariantsClean(t, w.h.Snapshot)
		if r.Wallets == 0 || r.SKUs < 2 || r.Coupons != 1 || r.Orders != 2 {
			t.Fatalf("checked too little: %+v", r)
		}
	})
	t.Run("a balance that is not its ledger's sum", func(t *testing.T) {
		w := setup(t)
		must(t, w.h.Tamper.SetBalance(ctx, w.buyer, 1))
		reported(t, w, invariant.Wallet, w.buyer, "balance = ledger sum")
	})
	t.Run("a ledger row that does not follow the one before", func(t *testing.T) {
		w := setup(t)
		wl := CheckWalletInvariant(t, w.h.Order.Wallet.Reader, w.buyer).Balance
		must(t, w.h.Tamper.AppendEntry(ctx, w.buyer, 500, wl+700)) // starts at wl+200: no row left that
		must(t, w.h.Tamper.SetBalance(ctx, w.buyer, wl+500))       // and the sum still matches
		reported(t, w, invariant.Wallet, w.buyer, "each balanceAfter follows the one before")
	})
	t.Run("a negative balance", func(t *testing.T) {
		w := setup(t)
		reportedOrRefused(t, w, w.h.Tamper.SetBalance(ctx, w.buyer, -1), invariant.Wallet, w.buyer, "balance >= 0")
	})
	t.Run("stock that is not its audits' sum", func(t *testing.T) {
		w := setup(t)
		must(t, w.h.Tamper.SetStock(ctx, w.sku, 49, 0))
		reported(t, w, invariant.SKU, w.sku, "on_hand = audit deltas")
	})
	t.Run("more reserved than on hand", func(t *testing.T) {
		w := setup(t)
		reportedOrRefused(t, w, w.h.Tamper.SetStock(ctx, w.sku, 1, 2), invariant.SKU, w.sku, "0 <= reserved <= on_hand")
	})
	t.Run("a claim the counter missed, beyond the per-user limit", func(t *testing.T) {
		w := setup(t)
		must(t, w.h.Tamper.AddClaim(ctx, w.couponID, w.buyer, w.perUser+1))
		reported(t, w, invariant.Coupon, w.couponID, "issued counter = claims")
		reported(t, w, invariant.Coupon, w.couponID, "claims per user <= perUserLimit")
	})
	t.Run("more claims than the total", func(t *testing.T) {
		w := setup(t)
		for _, u := range w.h.Coupons.NewUsers(t, 3) {
			must(t, w.h.Tamper.AddClaim(ctx, w.couponID, u, 1))
		}
		reported(t, w, invariant.Coupon, w.couponID, "claimed <= total")
	})
	t.Run("an order without its order.created or order.paid event", func(t *testing.T) {
		w := setup(t)
		must(t, w.h.Tamper.DropOrderEvents(ctx, w.paid, order.EventCreated))
		must(t, w.h.Tamper.DropOrderEvents(ctx, w.cancelled, order.EventCancelled))
		reported(t, w, invariant.Order, w.paid, "one order.created event")
		reported(t, w, invariant.Order, w.cancelled, "one order.cancelled event when cancelled, else none")
	})
	t.Run("an order.paid event of an unpaid order", func(t *testing.T) {
		w := setup(t)
		must(t, w.h.Tamper.AddOrderEvent(ctx, w.cancelled, order.EventPaid))
		reported(t, w, invariant.Order, w.cancelled, "one order.paid event when paid, else none")
	})
	t.Run("an order event without its order", func(t *testing.T) {
		w := setup(t)
		ghost := kernel.NewID()
		must(t, w.h.Tamper.AddOrderEvent(ctx, ghost, order.EventCreated))
		reported(t, w, invariant.Order, ghost, "every order event has its order")
	})
	t.Run("two orders with one idempotency key", func(t *testing.T) {
		w := setup(t)
		reportedOrRefused(t, w, w.h.Tamper.CopyOrder(ctx, w.paid), invariant.Order, w.paid, "one order per (customer, idempotency key)")
	})
}
