package contracttest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/notification"
	"github.com/jupang/jupang/core/order"
	"github.com/jupang/jupang/core/refund"
	"github.com/jupang/jupang/core/uow"
	"github.com/jupang/jupang/core/wallet"
)

// RefundHarness is what an adapter provides to the refunds suite: the orders harness and the
// refund stores and notification reads on the same storage.
type RefundHarness struct {
	Order         OrderHarness
	Tx            uow.UnitOfWork[refund.Stores]
	Notifications notification.Reader
}

// RefundWorld is a refund service over an orders world.
type RefundWorld struct {
	*OrderWorld
	Refunds *refund.Service
	Staff   string
}

// NewRefundWorld builds the world with policy (auto-approval limit and window) over SKUs with the
// given opening stock.
func NewRefundWorld(t testing.TB, h RefundHarness, policy refund.Policy, opening ...int) *RefundWorld {
	t.Helper()
	ow := NewOrderWorld(t, h.Order, 0, opening...)
	w := &RefundWorld{OrderWorld: ow, Staff: h.Order.Inventory.NewStaff(t)}
	w.Refunds = w.service(h.Tx, policy, nil)
	return w
}

// service is a refund workflow over the world's services on tx, announcing to a when it is set.
func (w *RefundWorld) service(tx uow.UnitOfWork[refund.Stores], policy refund.Policy, a notification.Announcer) *refund.Service {
	return refund.NewService(refund.Deps{Tx: tx, Inventory: w.Inv.Svc, Wallet: w.Wallets,
		Rates: w.H.Inventory.Catalog.Reader, Clock: w.Clock, Policy: policy, Announcer: a})
}

// Delivered places a wallet order of quantity units of sku for buyer and moves it to DELIVERED.
func (w *RefundWorld) Delivered(t testing.TB, buyer, sku string, quantity int) order.Order {
	t.Helper()
	o, err := w.Svc.Place(As(buyer, ""), w.WalletOrder(sku, quantity))
	if err != nil {
		t.Fatal(err)
	}
	for _, to := range order.FulfilmentTargets {
		if o, err = w.Svc.Fulfil(context.Background(), o.ID, to, w.Staff); err != nil {
			t.Fatal(err)
		}
	}
	return o
}

// Entries counts the buyer's ledger entries of type typ and sums them.
func (w *RefundWorld) Entries(t testing.TB, buyer string, typ wallet.Type) (n int, sum int64) {
	t.Helper()
	es, err := w.H.Wallet.Reader.Entries(context.Background(), wallet.EntryQuery{UserID: buyer, Type: typ, Limit: 10000})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		sum += e.Amount
	}
	return len(es), sum
}

func (w *RefundWorld) order(t testing.TB, buyer, id string) order.Order {
	t.Helper()
	o, err := w.Svc.Get(As(buyer, ""), id)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

var generous = refund.Policy{AutoApproveMax: 10_000_000}

// RunRefunds is the refunds suite: the refund store's contract and the workflow on one storage,
// races included.
func RunRefunds(t *testing.T, newHarness func(t *testing.T) RefundHarness) {
	t.Run("the store: key unique, claims skip rejected refunds, updates guarded by status, refunded units guarded", func(t *testing.T) {
		h := newHarness(t)
		w := NewRefundWorld(t, h, refund.Policy{}, 100)
		buyer := w.Customer(t, 1_000_000)
		o := w.Delivered(t, buyer, w.SKUs[0], 3)
		line := o.Lines[0].ID
		ctx := context.Background()
		mk := func(key string, q int) refund.Refund {
			return refund.Refund{ID: kernel.NewID(), OrderID: o.ID, UserID: buyer, Status: refund.Requested, Amount: int64(q) * OrderUnitPrice,
				Currency: o.Currency, AmountKRW: int64(q) * OrderUnitPrice, Reason: "broken", Source: refund.SourceCustomer, RequestedBy: buyer,
				IdempotencyKey: key, Items: []refund.Item{{ID: kernel.NewID(), OrderItemID: line, SKUID: w.SKUs[0], Quantity: q, Amount: int64(q) * OrderUnitPrice}},
				CreatedAt: w.Clock.Now().UTC(), UpdatedAt: w.Clock.Now().UTC()}
		}
		a, b := mk("k1", 1), mk("k2", 2)
		if err := h.Tx.Do(ctx, func(ctx context.Context, st refund.Stores) error {
			if err := st.Refunds.Create(ctx, a); err != nil {
				return err
			}
			return st.Refunds.Create(ctx, b)
		}); err != nil {
			t.Fatal(err)
		}
		_ = wantCode(t, h.Tx.Do(ctx, func(ctx context.Context, st refund.Stores) error { return st.Refunds.Create(ctx, mk("k1", 1)) }),
			"REFUND_ALREADY_REQUESTED")
		if err := h.Tx.Do(ctx, func(ctx context.Context, st refund.Stores) error {
			got, err := st.Refunds.ByIdempotencyKey(ctx, buyer, "k2")
			if err != nil || got.ID != b.ID || len(got.Items) != 1 || got.Items[0].Quantity != 2 || got.Items[0].SKUID != w.SKUs[0] {
				return fmt.Errorf("by key: %+v %v", got, err)
			}
			c, err := st.Refunds.Claimed(ctx, o.ID)
			if err != nil || c.Units[line] != 3 || c.Amount != 3*OrderUnitPrice {
				return fmt.Errorf("claims %+v %v", c, err)
			}
			if err := b.Review(w.Clock.Now().UTC()); err != nil {
				return err
			}
			if err := st.Refunds.Update(ctx, b, refund.Requested); err != nil {
				return err
			}
			_ = wantCode(t, st.Refunds.Update(ctx, b, refund.Requested), "INVALID_STATE_TRANSITION")
			if err := b.Reject(w.Staff, "no", w.Clock.Now().UTC()); err != nil {
				return err
			}
			if err := st.Refunds.Update(ctx, b, refund.PendingReview); err != nil {
				return err
			}
			c, err = st.Refunds.Claimed(ctx, o.ID)
			if err != nil || c.Units[line] != 1 || c.Amount != OrderUnitPrice {
				return fmt.Errorf("claims after reject %+v %v", c, err)
			}
			if _, err := st.Refunds.ByID(ctx, kernel.NewID()); errs.As(err).Code != "REFUND_NOT_FOUND" {
				return fmt.Errorf("unknown refund: %v", err)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		err := h.Tx.Do(ctx, func(ctx context.Context, st refund.Stores) error {
			return st.Refunds.AddRefunded(ctx, o.ID, []order.RefundLine{{LineID: line, Quantity: 4}}, 1)
		})
		_ = wantCode(t, err, "REFUND_EXCEEDS_PAID")
		err = h.Tx.Do(ctx, func(ctx context.Context, st refund.Stores) error {
			return st.Refunds.AddRefunded(ctx, o.ID, []order.RefundLine{{LineID: line, Quantity: 1}}, o.Amounts.Total+1)
		})
		_ = wantCode(t, err, "REFUND_EXCEEDS_PAID")
		if err := h.Tx.Do(ctx, func(ctx context.Context, st refund.Stores) error {
			return st.Refunds.AddRefunded(ctx, o.ID, []order.RefundLine{{LineID: line, Quantity: 3}}, o.Amounts.Total)
		}); err != nil {
			t.Fatal(err)
		}
		if got := w.order(t, buyer, o.ID); got.RefundedAmount != o.Amounts.Total || got.Lines[0].RefundedQuantity != 3 {
			t.Fatalf("refunded %d, %d units", got.RefundedAmount, got.Lines[0].RefundedQuantity)
		}
	})

	t.Run("an auto-approved refund completes: wallet, stock, order, events, one notification", func(t *testing.T) {
		h := newHarness(t)
		w := NewRefundWorld(t, h, refund.Policy{AutoApproveMax: 50_000}, 100)
		buyer := w.Customer(t, 1_000_000)
		o := w.Delivered(t, buyer, w.SKUs[0], 1) // ₩10,000 + ₩3,000 shipping
		before := w.Balance(t, buyer)
		r, err := w.Refunds.Request(As(buyer, "r1"), refund.RequestInput{OrderID: o.ID, Reason: "broken", Restock: true})
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != refund.Completed || !r.AutoApproved || r.Amount != o.Amounts.Total || r.AmountKRW != o.Amounts.Total {
			t.Fatalf("refund %+v", r)
		}
		if b := w.Balance(t, buyer); b != before+o.Amounts.Total {
			t.Fatalf("balance %d, want %d", b, before+o.Amounts.Total)
		}
		if n, _ := w.Entries(t, buyer, wallet.TypeRefund); n != 1 {
			t.Fatalf("%d refund credits", n)
		}
		if l := w.Stock(t, w.SKUs[0]); l.OnHand != 100 || l.Reserved != 0 {
			t.Fatalf("stock %+v", l)
		}
		got := w.order(t, buyer, o.ID)
		if got.Status != order.Refunded || got.RefundedAmount != o.Amounts.Total || got.Lines[0].RefundedQuantity != 1 {
			t.Fatalf("order %s %d", got.Status, got.RefundedAmount)
		}
		es := w.events(t)
		for _, typ := range []string{refund.EventRequested, refund.EventApproved, refund.EventCompleted} {
			if countOrderEvents(es, typ, r.ID) != 1 {
				t.Fatalf("%s events: %d", typ, countOrderEvents(es, typ, r.ID))
			}
		}
		if countOrderEvents(es, "inventory.changed", "") == 0 {
			t.Fatal("no inventory.changed for the returned stock")
		}
		ns, err := h.Notifications.List(context.Background(), buyer, "", 10)
		if err != nil || len(ns) != 1 || ns[0].Type != "refund.completed" || ns[0].DedupKey != "refund:"+r.ID+":completed" ||
			ns[0].Data["refundId"] != r.ID || ns[0].Title == "" {
			t.Fatalf("notifications %+v %v", ns, err)
		}
		again, err := w.Refunds.Request(As(buyer, "r1"), refund.RequestInput{OrderID: o.ID, Reason: "broken", Restock: true})
		if err != nil || again.ID != r.ID {
			t.Fatalf("replay: %+v %v", again, err)
		}
		_, err = w.Refunds.Request(As(buyer, "r2"), refund.RequestInput{OrderID: o.ID, Reason: "again"})
		_ = wantCode(t, err, "INVALID_STATE_TRANSITION")
	})

	t.Run("two partial refunds: PARTIALLY_REFUNDED, then REFUNDED with the shipping; never more than paid", func(t *testing.T) {
		w := NewRefundWorld(t, newHarness(t), generous, 100)
		buyer := w.Customer(t, 1_000_000)
		o := w.Delivered(t, buyer, w.SKUs[0], 3)
		line := o.Lines[0].ID
		one := []refund.ItemInput{{OrderItemID: line, Quantity: 1}}
		r1, err := w.Refunds.Request(As(buyer, "a"), refund.RequestInput{OrderID: o.ID, Items: one, Reason: "x"})
		if err != nil || r1.Amount != OrderUnitPrice {
			t.Fatalf("%+v %v", r1, err)
		}
		if s := w.order(t, buyer, o.ID).Status; s != order.PartiallyRefunded {
			t.Fatalf("status %s", s)
		}
		r2, err := w.Refunds.Request(As(buyer, "b"), refund.RequestInput{OrderID: o.ID, Items: one, Reason: "x"})
		if err != nil || r2.Amount != OrderUnitPrice || w.order(t, buyer, o.ID).Status != order.PartiallyRefunded {
			t.Fatalf("%+v %v", r2, err)
		}
		_, err = w.Refunds.Request(As(buyer, "c"), refund.RequestInput{OrderID: o.ID, Items: []refund.ItemInput{{OrderItemID: line, Quantity: 2}}, Reason: "x"})
		_ = wantCode(t, err, "REFUND_EXCEEDS_PAID")
		r3, err := w.Refunds.Request(As(buyer, "d"), refund.RequestInput{OrderID: o.ID, Reason: "x"})
		if err != nil {
			t.Fatal(err)
		}
		if r1.Amount+r2.Amount+r3.Amount != o.Amounts.Total {
			t.Fatalf("refunded %d of %d", r1.Amount+r2.Amount+r3.Amount, o.Amounts.Total)
		}
		got := w.order(t, buyer, o.ID)
		if got.Status != order.Refunded || got.RefundedAmount != o.Amounts.Total {
			t.Fatalf("order %s %d", got.Status, got.RefundedAmount)
		}
	})

	t.Run("review: a large refund waits, an admin approves one and rejects another; rejection frees the units", func(t *testing.T) {
		w := NewRefundWorld(t, newHarness(t), refund.Policy{AutoApproveMax: 5_000}, 100)
		buyer := w.Customer(t, 1_000_000)
		o := w.Delivered(t, buyer, w.SKUs[0], 2)
		line := o.Lines[0].ID
		one := []refund.ItemInput{{OrderItemID: line, Quantity: 1}}
		r1, err := w.Refunds.Request(As(buyer, "a"), refund.RequestInput{OrderID: o.ID, Items: one, Reason: "x"})
		if err != nil || r1.Status != refund.PendingReview {
			t.Fatalf("%+v %v", r1, err)
		}
		r2, err := w.Refunds.Request(As(buyer, "b"), refund.RequestInput{OrderID: o.ID, Items: one, Reason: "x"})
		if err != nil || r2.Status != refund.PendingReview {
			t.Fatalf("%+v %v", r2, err)
		}
		_, err = w.Refunds.Request(As(buyer, "c"), refund.RequestInput{OrderID: o.ID, Items: one, Reason: "x"})
		_ = wantCode(t, err, "REFUND_EXCEEDS_PAID")
		before := w.Balance(t, buyer)
		ok, err := w.Refunds.Approve(context.Background(), r1.ID, w.Staff, "fine")
		if err != nil || ok.Status != refund.Completed || ok.ApprovedBy != w.Staff {
			t.Fatalf("%+v %v", ok, err)
		}
		_, err = w.Refunds.Approve(context.Background(), r1.ID, w.Staff, "")
		_ = wantCode(t, err, "INVALID_STATE_TRANSITION")
		no, err := w.Refunds.Reject(context.Background(), r2.ID, w.Staff, "used")
		if err != nil || no.Status != refund.Rejected {
			t.Fatalf("%+v %v", no, err)
		}
		if b := w.Balance(t, buyer); b != before+r1.AmountKRW {
			t.Fatalf("balance %d", b)
		}
		r4, err := w.Refunds.Request(As(buyer, "d"), refund.RequestInput{OrderID: o.ID, Items: one, Reason: "x"})
		if err != nil || r4.Status != refund.PendingReview {
			t.Fatalf("after rejection: %+v %v", r4, err)
		}
		if s := w.order(t, buyer, o.ID).Status; s != order.PartiallyRefunded {
			t.Fatalf("status %s", s)
		}
	})

	t.Run("refused: not delivered, someone else's order, unknown line, nothing", func(t *testing.T) {
		w := NewRefundWorld(t, newHarness(t), generous, 100)
		buyer, other := w.Customer(t, 1_000_000), w.Customer(t, 0)
		paid, err := w.Svc.Place(As(buyer, ""), w.WalletOrder(w.SKUs[0], 1))
		if err != nil {
			t.Fatal(err)
		}
		_, err = w.Refunds.Request(As(buyer, "a"), refund.RequestInput{OrderID: paid.ID, Reason: "x"})
		_ = wantCode(t, err, "INVALID_STATE_TRANSITION")
		o := w.Delivered(t, buyer, w.SKUs[0], 1)
		_, err = w.Refunds.Request(As(other, "a"), refund.RequestInput{OrderID: o.ID, Reason: "x"})
		_ = wantCode(t, err, "ORDER_NOT_FOUND")
		_, err = w.Refunds.Request(As(buyer, "b"), refund.RequestInput{OrderID: o.ID, Reason: "x", Items: []refund.ItemInput{{OrderItemID: kernel.NewID(), Quantity: 1}}})
		_ = wantCode(t, err, "VALIDATION_FAILED")
		_, err = w.Refunds.Request(As(buyer, "c"), refund.RequestInput{OrderID: o.ID})
		_ = wantCode(t, err, "VALIDATION_FAILED")
		r, err := w.Refunds.Request(As(buyer, "d"), refund.RequestInput{OrderID: o.ID, Reason: "x"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Refunds.Get(As(other, ""), r.ID); errs.As(err).Code != "REFUND_NOT_FOUND" {
			t.Fatalf("someone else's refund: %v", err)
		}
		if got, err := w.Refunds.Get(As(buyer, ""), r.ID); err != nil || got.ID != r.ID {
			t.Fatalf("own refund: %v", err)
		}
	})

	t.Run("200 concurrent refund requests for one line never exceed its units or the amount", func(t *testing.T) {
		w := NewRefundWorld(t, newHarness(t), generous, 100)
		buyer := w.Customer(t, 1_000_000)
		o := w.Delivered(t, buyer, w.SKUs[0], 5) // ₩50,000, free shipping
		line := o.Lines[0].ID
		var ok, refused atomic.Int32
		var wg sync.WaitGroup
		for i := range 200 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := w.Refunds.Request(As(buyer, fmt.Sprintf("k%d", i)), refund.RequestInput{OrderID: o.ID, Reason: "x", Restock: true,
					Items: []refund.ItemInput{{OrderItemID: line, Quantity: 1}}})
				switch c := errs.As(err); {
				case err == nil:
					ok.Add(1)
				case c.Code == "REFUND_EXCEEDS_PAID" || c.Code == "INVALID_STATE_TRANSITION":
					refused.Add(1)
				default:
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if ok.Load() != 5 || refused.Load() != 195 {
			t.Fatalf("%d refunds, %d refused", ok.Load(), refused.Load())
		}
		n, sum := w.Entries(t, buyer, wallet.TypeRefund)
		got := w.order(t, buyer, o.ID)
		if n != 5 || sum != o.Amounts.Total || got.RefundedAmount != o.Amounts.Total || got.Lines[0].RefundedQuantity != 5 || got.Status != order.Refunded {
			t.Fatalf("%d credits of %d; order %s %d, %d units", n, sum, got.Status, got.RefundedAmount, got.Lines[0].RefundedQuantity)
		}
		if l := w.Stock(t, w.SKUs[0]); l.OnHand != 100 {
			t.Fatalf("stock %+v", l)
		}
	})

	t.Run("cancel racing a refund restores once", func(t *testing.T) {
		for _, delivered := range []bool{true, false} {
			w := NewRefundWorld(t, newHarness(t), generous, 100)
			buyer := w.Customer(t, 1_000_000)
			var o order.Order
			if delivered {
				o = w.Delivered(t, buyer, w.SKUs[0], 2)
			} else {
				var err error
				if o, err = w.Svc.Place(As(buyer, ""), w.WalletOrder(w.SKUs[0], 2)); err != nil {
					t.Fatal(err)
				}
			}
			var wins atomic.Int32
			var wg sync.WaitGroup
			for i := range 200 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					var err error
					if i%2 == 0 {
						_, err = w.Svc.Cancel(As(buyer, ""), o.ID, "changed my mind")
					} else {
						_, err = w.Refunds.Request(As(buyer, fmt.Sprintf("k%d", i)), refund.RequestInput{OrderID: o.ID, Reason: "x", Restock: true})
					}
					switch c := errs.As(err); {
					case err == nil:
						wins.Add(1)
					case c.Code != "INVALID_STATE_TRANSITION" && c.Code != "REFUND_EXCEEDS_PAID":
						t.Error(err)
					}
				}()
			}
			wg.Wait()
			refunds, _ := w.Entries(t, buyer, wallet.TypeRefund)
			reversals, _ := w.Entries(t, buyer, wallet.TypePaymentReversal)
			if wins.Load() != 1 || refunds+reversals != 1 || (delivered && refunds != 1) || (!delivered && reversals != 1) {
				t.Fatalf("delivered %v: %d won, %d refunds, %d reversals", delivered, wins.Load(), refunds, reversals)
			}
			if b := w.Balance(t, buyer); b != 1_000_000 {
				t.Fatalf("balance %d", b)
			}
			if l := w.Stock(t, w.SKUs[0]); l.OnHand != 100 || l.Reserved != 0 {
				t.Fatalf("stock %+v", l)
			}
		}
	})

	t.Run("20 concurrent retries with one key make one refund and one credit", func(t *testing.T) {
		w := NewRefundWorld(t, newHarness(t), generous, 100)
		buyer := w.Customer(t, 1_000_000)
		o := w.Delivered(t, buyer, w.SKUs[0], 3)
		got := make([]refund.Refund, 20)
		var wg sync.WaitGroup
		for i := range got {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r, err := w.Refunds.Request(As(buyer, "same"), refund.RequestInput{OrderID: o.ID, Reason: "x",
					Items: []refund.ItemInput{{OrderItemID: o.Lines[0].ID, Quantity: 1}}})
				if err != nil {
					t.Error(err)
				}
				got[i] = r
			}()
		}
		wg.Wait()
		for _, r := range got {
			if r.ID != got[0].ID || r.Status != refund.Completed {
				t.Fatalf("two refunds for one key: %s %s (%s)", got[0].ID, r.ID, r.Status)
			}
		}
		if n, sum := w.Entries(t, buyer, wallet.TypeRefund); n != 1 || sum != OrderUnitPrice {
			t.Fatalf("%d credits of %d", n, sum)
		}
	})

	t.Run("a completed refund is announced once, after the outermost commit; a rolled-back one never", func(t *testing.T) {
		h := newHarness(t)
		w := NewRefundWorld(t, h, generous, 100)
		buyer := w.Customer(t, 1_000_000)
		o := w.Delivered(t, buyer, w.SKUs[0], 3)
		a := &announcements{}
		item := []refund.ItemInput{{OrderItemID: o.Lines[0].ID, Quantity: 1}}
		failing := w.service(commitFails{h.Tx}, generous, a)
		if _, err := failing.Request(As(buyer, "k1"), refund.RequestInput{OrderID: o.ID, Reason: "x", Items: item}); !errors.Is(err, errCommitFailed) {
			t.Fatalf("a failing commit: %v", err)
		}
		svc := w.service(h.Tx, generous, a)
		// Inside an outer unit of work (as the idempotency layer runs a request), the refund's
		// own commit is only a savepoint: the outer one failing must silence it.
		err := h.Tx.Do(As(buyer, "k2"), func(ctx context.Context, _ refund.Stores) error {
			if _, err := svc.Request(ctx, refund.RequestInput{OrderID: o.ID, Reason: "x", Items: item}); err != nil {
				return err
			}
			return errCommitFailed
		})
		if !errors.Is(err, errCommitFailed) {
			t.Fatalf("the outer unit: %v", err)
		}
		if got := a.all(); len(got) != 0 {
			t.Fatalf("a rolled-back refund announced %+v", got)
		}
		var wg sync.WaitGroup
		for range 10 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := svc.Request(As(buyer, "k3"), refund.RequestInput{OrderID: o.ID, Reason: "x", Items: item}); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		stored, err := h.Notifications.List(context.Background(), buyer, "", 10)
		if err != nil {
			t.Fatal(err)
		}
		got := a.all()
		if len(stored) != 1 || len(got) != 1 || got[0].ID != stored[0].ID || got[0].Type != "refund.completed" || got[0].UserID != buyer {
			t.Fatalf("10 retries of one refund: announced %+v, stored %+v", got, stored)
		}
	})
}

// announcements is a notification.Announcer that keeps what it is told.
type announcements struct {
	mu   sync.Mutex
	told []notification.Notification
}

func (a *announcements) Announce(_ context.Context, n notification.Notification) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.told = append(a.told, n)
}

func (a *announcements) all() []notification.Notification {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.told)
}

var errCommitFailed = errors.New("the commit failed")

// commitFails runs every unit of work to its end and then fails it, as a lost connection at
// commit does: the storage rolls it back.
type commitFails struct{ uow.UnitOfWork[refund.Stores] }

func (c commitFails) Do(ctx context.Context, fn func(ctx context.Context, st refund.Stores) error) error {
	return c.UnitOfWork.Do(ctx, func(ctx context.Context, st refund.Stores) error {
		if err := fn(ctx, st); err != nil {
			return err
		}
		return errCommitFailed
	})
}
