package contracttest

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jupang/jupang/core/coupon"
	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/order"
)

// CountingCouponMetrics counts user coupon transitions by state (coupon.Metrics).
type CountingCouponMetrics struct {
	mu sync.Mutex
	to map[coupon.UserStatus]int
}

// Claim implements coupon.Metrics.
func (m *CountingCouponMetrics) Claim(string) {}

// Transition implements coupon.Metrics.
func (m *CountingCouponMetrics) Transition(to coupon.UserStatus) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.to == nil {
		m.to = map[coupon.UserStatus]int{}
	}
	m.to[to]++
}

// Count is how many transitions reached to.
func (m *CountingCouponMetrics) Count(to coupon.UserStatus) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.to[to]
}

var orderCouponSeq atomic.Int64

// OrderCoupon creates a FIXED coupon of ₩2,000 valid from an hour ago for validFor, and claims
// it for buyer; it returns the claimed user coupon.
func (w *OrderWorld) OrderCoupon(t testing.TB, buyer string, validFor time.Duration) coupon.UserCoupon {
	t.Helper()
	ctx := context.Background()
	now := w.Clock.Now()
	c, err := w.Coupons.Create(ctx, w.Inv.Staff, coupon.Coupon{
		Code: "ORDER" + strconv.FormatInt(orderCouponSeq.Add(1), 10) + "-" + strconv.FormatInt(time.Now().UnixNano()%1e6, 10),
		Name: names("주문 쿠폰", "Order coupon", "注文クーポン"), Type: coupon.TypeFixed, Value: 2000,
		ValidFrom: now.Add(-time.Hour), ValidUntil: now.Add(validFor), PerUserLimit: 1})
	if err != nil {
		t.Fatal(err)
	}
	uc, err := w.Coupons.Claim(ctx, buyer, c.Code)
	if err != nil {
		t.Fatal(err)
	}
	return uc
}

// userCoupon reads buyer's user coupon id with its history.
func (w *OrderWorld) userCoupon(t testing.TB, buyer, id string) (coupon.UserCoupon, []coupon.HistoryEntry) {
	t.Helper()
	ctx := context.Background()
	page, err := w.Coupons.MyCoupons(ctx, buyer, "", "", 100)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(page.Items, func(uc coupon.UserCoupon) bool { return uc.ID == id })
	if i < 0 {
		t.Fatalf("user coupon %s is not %s's", id, buyer)
	}
	h, err := w.Coupons.History(ctx, buyer, id)
	if err != nil {
		t.Fatal(err)
	}
	return page.Items[i], h
}

func reasonsOf(err error) []string {
	r, _ := errs.As(err).Extra["reasons"].([]string)
	return r
}

// runOrderCoupons is the orders suite's part about coupons: used in the order's unit of work,
// refused with reasons and nothing changed, given back by cancel and by the expiry job, and
// never used by two orders.
func runOrderCoupons(t *testing.T, newHarness func(t *testing.T) OrderHarness) {
	const twoUnits = 2 * OrderUnitPrice

	t.Run("an order with a coupon uses it; a used coupon is refused with reasons; cancel gives it back", func(t *testing.T) {
		w := NewOrderWorld(t, newHarness(t), 0, 10)
		buyer := w.Customer(t, 100000)
		uc := w.OrderCoupon(t, buyer, 7*24*time.Hour)
		in := w.WalletOrder(w.SKUs[0], 2)
		in.UserCouponID = uc.ID
		o, err := w.Svc.Place(As(buyer, "c1"), in)
		if err != nil {
			t.Fatal(err)
		}
		// ₩20,000 less ₩2,000 is below ₩19,800: shipping ₩3,000.
		if o.UserCouponID != uc.ID || o.Amounts.CouponDiscount != 2000 || o.Amounts.Total != twoUnits-2000+3000 || o.Lines[0].CouponShare != 2000 {
			t.Fatalf("order with a coupon: %+v", o.Amounts)
		}
		if b := w.Balance(t, buyer); b != 100000-o.Amounts.Total {
			t.Fatalf("balance %d", b)
		}
		used, h := w.userCoupon(t, buyer, uc.ID)
		if used.Status != coupon.UserUsed || used.UsedOrderID != o.ID || len(h) != 2 || h[1].To != coupon.UserUsed || h[1].OrderID != o.ID {
			t.Fatalf("coupon after the order: %+v, history %+v", used, h)
		}
		if n := countOrderEvents(w.events(t), coupon.EventUsed, uc.CouponID); n != 1 || w.CouponMoves.Count(coupon.UserUsed) != 1 {
			t.Fatalf("coupon.used events %d, counted %d", n, w.CouponMoves.Count(coupon.UserUsed))
		}
		stats, err := w.Coupons.Stats(context.Background(), uc.CouponID)
		if err != nil || stats.Used != 1 || len(stats.DiscountGiven) != 1 || stats.DiscountGiven[0] != o.Money(2000) {
			t.Fatalf("stats %+v %v", stats, err)
		}

		stock, balance, events := w.Stock(t, w.SKUs[0]), w.Balance(t, buyer), len(w.events(t))
		again := w.WalletOrder(w.SKUs[0], 1)
		again.UserCouponID = uc.ID
		_, err = w.Svc.Place(As(buyer, "c2"), again)
		e := wantCode(t, err, "COUPON_NOT_APPLICABLE")
		if !slices.Contains(reasonsOf(e), coupon.ReasonAlreadyUsed.Code) {
			t.Fatalf("reasons %v", e.Extra["reasons"])
		}
		_, err = w.Svc.Place(As(w.Customer(t, 100000), "c3"), again)
		if e := wantCode(t, err, "COUPON_NOT_APPLICABLE"); !slices.Contains(reasonsOf(e), coupon.ErrUserCouponNotFound.Code) {
			t.Fatalf("someone else's coupon: reasons %v", e.Extra["reasons"])
		}
		if w.Stock(t, w.SKUs[0]) != stock || w.Balance(t, buyer) != balance || len(w.events(t)) != events {
			t.Fatal("a refused coupon changed stock, wallet or outbox")
		}

		if _, err := w.Svc.Cancel(As(buyer, ""), o.ID, "changed my mind"); err != nil {
			t.Fatal(err)
		}
		back, h := w.userCoupon(t, buyer, uc.ID)
		if back.Status != coupon.UserAvailable || back.UsedOrderID != "" || len(h) != 3 || h[2].From != coupon.UserUsed ||
			h[2].To != coupon.UserAvailable || h[2].OrderID != o.ID {
			t.Fatalf("coupon after cancel: %+v, history %+v", back, h)
		}
		if n := countOrderEvents(w.events(t), coupon.EventReleased, uc.CouponID); n != 1 || w.CouponMoves.Count(coupon.UserAvailable) != 1 {
			t.Fatalf("coupon.released events %d, counted %d", n, w.CouponMoves.Count(coupon.UserAvailable))
		}
		_ = wantCode(t, func() error { _, err := w.Svc.Cancel(As(buyer, ""), o.ID, ""); return err }(), "INVALID_STATE_TRANSITION")
		if _, h := w.userCoupon(t, buyer, uc.ID); len(h) != 3 {
			t.Fatalf("a second cancel touched the coupon: %+v", h)
		}
		if _, err := w.Svc.Place(As(buyer, "c4"), in); err != nil {
			t.Fatalf("the restored coupon on a new order: %v", err)
		}
	})

	t.Run("the expiry job gives a PENDING order's coupon back; an expired one ends EXPIRED", func(t *testing.T) {
		w := NewOrderWorld(t, newHarness(t), 0, 10)
		buyer := w.Customer(t, 100000)
		pending := w.OrderCoupon(t, buyer, 7*24*time.Hour)
		in := w.CardOrder(w.SKUs[0], 2, 0, order.TokenLate)
		in.UserCouponID = pending.ID
		o, err := w.Svc.Place(As(buyer, "p1"), in)
		if err != nil || o.Status != order.Pending {
			t.Fatalf("card order: %+v %v", o.Status, err)
		}
		short := w.OrderCoupon(t, buyer, 30*time.Minute)
		paid := w.WalletOrder(w.SKUs[0], 2)
		paid.UserCouponID = short.ID
		p, err := w.Svc.Place(As(buyer, "p2"), paid)
		if err != nil {
			t.Fatal(err)
		}
		w.Clock.Advance(16 * time.Minute)
		if n, err := w.Svc.ExpirePending(context.Background(), 10); err != nil || n != 1 {
			t.Fatalf("expired %d: %v", n, err)
		}
		if back, h := w.userCoupon(t, buyer, pending.ID); back.Status != coupon.UserAvailable || len(h) != 3 || h[2].OrderID != o.ID {
			t.Fatalf("coupon of the expired order: %+v %+v", back, h)
		}
		w.Clock.Advance(time.Hour) // past the short coupon's end
		if _, err := w.Svc.Cancel(As(buyer, ""), p.ID, ""); err != nil {
			t.Fatal(err)
		}
		if gone, h := w.userCoupon(t, buyer, short.ID); gone.Status != coupon.UserExpired || len(h) != 3 || h[2].From != coupon.UserUsed {
			t.Fatalf("an expired coupon after cancel: %+v %+v", gone, h)
		}
		if w.CouponMoves.Count(coupon.UserAvailable) != 1 || w.CouponMoves.Count(coupon.UserExpired) != 1 || w.CouponMoves.Count(coupon.UserUsed) != 2 {
			t.Fatal("transitions not counted once each")
		}
	})

	t.Run("50 concurrent orders with one user coupon: exactly one uses it", func(t *testing.T) {
		const n = 50
		w := NewOrderWorld(t, newHarness(t), 0, 2*n)
		buyer := w.Customer(t, n*twoUnits)
		uc := w.OrderCoupon(t, buyer, 7*24*time.Hour)
		var mu sync.Mutex
		var placed []order.Order
		refused := 0
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				in := w.WalletOrder(w.SKUs[0], 1)
				in.UserCouponID = uc.ID
				<-start
				o, err := w.Svc.Place(As(buyer, "race-"+strconv.Itoa(i)), in)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					placed = append(placed, o)
				case errors.Is(err, order.ErrCouponNotApplicable):
					refused++
				default:
					t.Error(err)
				}
			}()
		}
		close(start)
		wg.Wait()
		if len(placed) != 1 || refused != n-1 {
			t.Fatalf("%d orders placed, %d refused", len(placed), refused)
		}
		o := placed[0]
		used, h := w.userCoupon(t, buyer, uc.ID)
		if used.Status != coupon.UserUsed || used.UsedOrderID != o.ID || len(h) != 2 {
			t.Fatalf("coupon %+v, history %+v", used, h)
		}
		if c := countOrderEvents(w.events(t), coupon.EventUsed, uc.CouponID); c != 1 {
			t.Fatalf("%d coupon.used events", c)
		}
		if l := w.Stock(t, w.SKUs[0]); l.OnHand != 2*n-1 || l.Reserved != 0 {
			t.Fatalf("stock after the race: %+v", l)
		}
		if b := w.Balance(t, buyer); b != n*twoUnits-o.Amounts.Total {
			t.Fatalf("balance %d", b)
		}
	})
}
