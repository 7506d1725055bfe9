package contracttest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jupang/jupang/core/catalog"
	"github.com/jupang/jupang/core/coupon"
	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/integration"
	"github.com/jupang/jupang/core/invariant"
	"github.com/jupang/jupang/core/inventory"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/order"
	"github.com/jupang/jupang/core/uow"
	"github.com/jupang/jupang/core/wallet"
)

// OrderHarness is what an adapter provides to the orders suite: fresh storage per call, with the
// catalog, inventory and wallets on the same storage.
type OrderHarness struct {
	Inventory InventoryHarness
	Wallet    WalletHarness
	Tx        uow.UnitOfWork[order.Stores]
	Numbers   order.Numbers
	Customers order.Customers
	// Coupons is the coupons area on the same storage (the order's coupon is used in its unit of work).
	Coupons uow.UnitOfWork[coupon.Stores]
	// Gateway builds the mock payment gateway on this storage, following clock.
	Gateway func(clock kernel.Clock, lateDelay time.Duration) order.PaymentGateway
	// Invariants reads the invariant checker's snapshot of this storage.
	Invariants invariant.Snapshot
	// KillConnection ends, from another connection, the database session of the unit of work ctx
	// is in (pg_terminate_backend); nil when the storage has no connection to lose.
	KillConnection func(ctx context.Context) error
}

// OrderWorld is an orders service over a catalog with one product, its stock and customers.
type OrderWorld struct {
	H       OrderHarness
	Inv     *InventoryWorld
	Wallets *wallet.Service
	Svc     *order.Service
	Clock   *kernel.FakeClock
	Coupons *coupon.Service
	// CouponMoves counts the user coupon transitions the orders service reported after commit.
	CouponMoves *CountingCouponMetrics
	ProductID   string
	SKUs        []string
	Address     order.Address
}

// OrderUnitPrice is the list price of the world's SKUs (₩10,000; under ₩19,800 shipping is ₩3,000).
const OrderUnitPrice = 10000

// NewOrderWorld builds the world: a product whose SKUs have the given opening stock, and the
// per-customer purchase limit (0: none).
func NewOrderWorld(t testing.TB, h OrderHarness, perCustomer int, opening ...int) *OrderWorld {
	t.Helper()
	inv := NewInventoryWorld(t, h.Inventory)
	w := &OrderWorld{H: h, Inv: inv, Clock: inv.Clock, Wallets: wallet.NewService(h.Wallet.Tx, h.Wallet.Reader, inv.Clock),
		Address: order.Address{Recipient: "김지수", Line1: "테헤란로 1", City: "서울", PostalCode: "06236", Country: "KR"}}
	w.ProductID, w.SKUs = inv.NewSKUs(t, opening...)
	if perCustomer > 0 {
		p := productOf(t, inv, w.ProductID)
		p.Limits.PerCustomer = perCustomer
		if _, err := inv.Catalog.Svc.SaveProduct(context.Background(), p); err != nil {
			t.Fatal(err)
		}
	}
	w.Coupons = coupon.NewService(h.Coupons, nil, inv.Clock, coupon.Options{})
	w.CouponMoves = &CountingCouponMetrics{}
	w.Svc = order.NewService(order.Deps{Tx: h.Tx, Prices: inv.Catalog.Svc,
		Terms: coupon.CartPort{Svc: w.Coupons}, CouponMetrics: w.CouponMoves,
		Customers: h.Customers, Numbers: h.Numbers, Inventory: inv.Svc, Wallet: w.Wallets,
		Gateway: h.Gateway(inv.Clock, 20*time.Minute), Clock: inv.Clock,
		Config: order.Config{PaymentTimeout: 15 * time.Minute, RetryEvery: 30 * time.Second}})
	return w
}

func productOf(t testing.TB, inv *InventoryWorld, id string) catalog.Product {
	t.Helper()
	ps, err := inv.H.Catalog.Reader.Products(context.Background(), []string{id})
	if err != nil || len(ps) != 1 {
		t.Fatalf("product %s: %v", id, err)
	}
	return ps[0]
}

// Customer returns a new customer whose wallet holds balance KRW.
func (w *OrderWorld) Customer(t testing.TB, balance int64) string {
	t.Helper()
	ctx := context.Background()
	id := w.H.Wallet.NewUser(t)
	if _, err := w.Wallets.Open(ctx, id); err != nil {
		t.Fatal(err)
	}
	if balance > 0 {
		if _, err := w.Wallets.Deposit(ctx, id, balance, "test"); err != nil {
			t.Fatal(err)
		}
	}
	return id
}

// As is a request context of customer userID with an Idempotency-Key.
func As(userID, key string) context.Context {
	return kernel.WithRequest(context.Background(), kernel.Request{Principal: kernel.Principal{ID: userID, Roles: []kernel.Role{kernel.RoleCustomer}},
		Market: kernel.MarketKR, Locale: kernel.LocaleKO, IdempotencyKey: kernel.IdempotencyKey(key)})
}

// WalletOrder is a fully wallet-paid order of quantity units of sku.
func (w *OrderWorld) WalletOrder(sku string, quantity int) order.PlaceInput {
	a := w.Address
	return order.PlaceInput{Items: []order.ItemInput{{SKUID: sku, Quantity: quantity}}, ShippingAddress: &a,
		Payment: order.PaymentInput{Method: order.MethodWallet}}
}

// CardOrder is an order of quantity units of sku paid walletAmount from the wallet, the rest by card token.
func (w *OrderWorld) CardOrder(sku string, quantity int, walletAmount int64, token string) order.PlaceInput {
	in := w.WalletOrder(sku, quantity)
	in.Payment = order.PaymentInput{Method: order.MethodCard, WalletAmount: &walletAmount, CardToken: token}
	return in
}

// Balance is the customer's wallet balance, after checking the wallet invariant.
func (w *OrderWorld) Balance(t testing.TB, userID string) int64 {
	t.Helper()
	return CheckWalletInvariant(t, w.H.Wallet.Reader, userID).Balance
}

// Stock is the SKU's stock, after checking the stock invariant.
func (w *OrderWorld) Stock(t testing.TB, sku string) inventory.Level {
	t.Helper()
	return CheckStockInvariant(t, w.H.Inventory, sku)
}

func (w *OrderWorld) events(t testing.TB) []integration.OutboxEntry {
	t.Helper()
	es, err := w.H.Inventory.Outbox.List(context.Background(), integration.OutboxPending, 100000)
	if err != nil {
		t.Fatal(err)
	}
	return es
}

func countOrderEvents(es []integration.OutboxEntry, typ, aggregate string) int {
	n := 0
	for _, e := range es {
		if e.Type == typ && (aggregate == "" || e.AggregateID == aggregate) {
			n++
		}
	}
	return n
}

func wantCode(t testing.TB, err error, code string) *errs.Error {
	t.Helper()
	if err == nil {
		t.Fatalf("want %s, got success", code)
	}
	e := errs.As(err)
	if e.Code != code {
		t.Fatalf("want %s, got %v", code, err)
	}
	return e
}

// RunOrders is the orders suite: the use cases on one storage, races included.
func RunOrders(t *testing.T, newHarness func(t *testing.T) OrderHarness) {
	const oneUnit = OrderUnitPrice + 3000 // one unit plus shipping
	runOrderCoupons(t, newHarness)
	runCheckoutFaults(t, newHarness)

	t.Run("a wallet order is paid, sold, debited and evented in one go", func(t *testing.T) {
		w := NewOrderWorld(t, newHarness(t), 0, 5)
		buyer := w.Customer(t, 100000)
		eventsBefore, changedBefore := len(w.events(t)), countOrderEvents(w.events(t), inventory.EventChanged, w.SKUs[0])
		o, err := w.Svc.Place(As(buyer, "k1"), w.WalletOrder(w.SKUs[0], 2))
		if err != nil {
			t.Fatal(err)
		}
		if o.Status != order.Paid || o.PaidAt == nil || o.Amounts.Total != 2*OrderUnitPrice || o.Amounts.ShippingFee != 0 || o.Amounts.WalletPaid != o.Amounts.Total ||
			o.Amounts.WalletDebitKRW != o.Amounts.Total || o.Amounts.Tax != o.Amounts.Total*10/110 || len(o.Lines) != 1 || o.Lines[0].LineTotal != 2*OrderUnitPrice {
			t.Fatalf("order: %+v", o)
		}
		if _, seq, ok := order.ParseNumber(o.Number); !ok || seq < 1 {
			t.Fatalf("number %q", o.Number)
		}
		if l := w.Stock(t, w.SKUs[0]); l.OnHand != 3 || l.Reserved != 0 {
			t.Fatalf("stock after a paid order: %+v", l)
		}
		if b := w.Balance(t, buyer); b != 100000-o.Amounts.Total {
			t.Fatalf("balance %d", b)
		}
		es := w.events(t)
		if countOrderEvents(es, order.EventCreated, o.ID) != 1 || countOrderEvents(es, order.EventPaid, o.ID) != 1 ||
			countOrderEvents(es, inventory.EventChanged, w.SKUs[0])-changedBefore != 1 || len(es)-eventsBefore != 3 {
			t.Fatalf("events: %d new, %+v", len(es)-eventsBefore, es)
		}
		// Paid at once, the units are sold in one step: one SALE audit row, no reservation.
		audits, err := w.H.Inventory.Reader.Audits(context.Background(), inventory.AuditQuery{OrderID: o.ID, Limit: 10})
		if err != nil || len(audits) != 1 || audits[0].Reason != inventory.ReasonSale || audits[0].DeltaOnHand() != -2 || audits[0].DeltaReserved() != 0 {
			t.Fatalf("audits: %+v %v", audits, err)
		}
		got, err := w.Svc.Get(As(buyer, ""), o.ID)
		if err != nil || got.Number != o.Number || len(got.Timeline) != 1 || got.Timeline[0].To != order.Paid || got.ShippingAddress != w.Address {
			t.Fatalf("get: %+v %v", got, err)
		}
		if _, err := w.Svc.Get(As(w.Customer(t, 0), ""), o.ID); !errors.Is(err, order.ErrOrderNotFound) {
			t.Fatalf("someone else's order: %v", err)
		}
	})

	t.Run("refusals leave stock, wallet and outbox unchanged", func(t *testing.T) {
		w := NewOrderWorld(t, newHarness(t), 0, 2)
		buyer := w.Customer(t, oneUnit+500)
		before := len(w.events(t))
		e := wantCode(t, func() error { _, err := w.Svc.Place(As(buyer, "a"), w.WalletOrder(w.SKUs[0], 3)); return err }(), "OUT_OF_STOCK")
		if e.Extra["available"] != 2 {
			t.Fatalf("available: %+v", e.Extra)
		}
		_ = wantCode(t, func() error { _, err := w.Svc.Place(As(buyer, "b"), w.WalletOrder(w.SKUs[0], 2)); return err }(), "INSUFFICIENT_BALANCE")
		over := int64(oneUnit + 1)
		in := w.CardOrder(w.SKUs[0], 1, over, order.TokenApprove)
		e = wantCode(t, func() error { _, err := w.Svc.Place(As(buyer, "c"), in); return err }(), "VALIDATION_FAILED")
		if e.Fields[0].Code != order.FieldWalletAboveTotal.Code {
			t.Fatalf("fields: %+v", e.Fields)
		}
		bad := w.WalletOrder(w.SKUs[0], 1)
		bad.ShippingAddress.PostalCode = "1"
		_ = wantCode(t, func() error { _, err := w.Svc.Place(As(buyer, "d"), bad); return err }(), "VALIDATION_FAILED")
		noAddress := w.WalletOrder(w.SKUs[0], 1)
		noAddress.ShippingAddress = nil
		_ = wantCode(t, func() error { _, err := w.Svc.Place(As(buyer, "e"), noAddress); return err }(), "VALIDATION_FAILED")
		if l := w.Stock(t, w.SKUs[0]); l.OnHand != 2 || l.Reserved != 0 {
			t.Fatalf("stock changed: %+v", l)
		}
		if b := w.Balance(t, buyer); b != oneUnit+500 {
			t.Fatalf("balance changed: %d", b)
		}
		if n := len(w.events(t)); n != before {
			t.Fatalf("%d events appended by refused orders", n-before)
		}
	})

	t.Run("a card order is PENDING until the job has the gateway's approval", func(t *testing.T) {
		w := NewOrderWorld(t, newHarness(t), 0, 5)
		buyer := w.Customer(t, 100000)
		o, err := w.Svc.Place(As(buyer, "card"), w.CardOrder(w.SKUs[0], 1, 4000, order.TokenApprove))
		if err != nil {
			t.Fatal(err)
		}
		if o.Status != order.Pending || o.PaymentDeadline == nil || o.Amounts.CardPaid != oneUnit-4000 || o.Amounts.WalletPaid != 4000 {
			t.Fatalf("placed: %+v", o)
		}
		if l := w.Stock(t, w.SKUs[0]); l.Reserved != 1 || l.OnHand != 5 {
			t.Fatalf("stock while pending: %+v", l)
		}
		if n, err := w.Svc.RunCardPayments(context.Background(), 10); err != nil || n != 1 {
			t.Fatalf("job: %d %v", n, err)
		}
		got, _ := w.Svc.Get(As(buyer, ""), o.ID)
		if got.Status != order.Paid || got.Payment.Card.Status != order.CardApproved || got.Payment.Card.Masked() != "VISA •••• 4242" ||
			got.Payment.Card.Token != "" || got.PaymentDeadline != nil {
			t.Fatalf("after approval: %+v %+v", got, got.Payment.Card)
		}
		if l := w.Stock(t, w.SKUs[0]); l.Reserved != 0 || l.OnHand != 4 {
			t.Fatalf("stock after approval: %+v", l)
		}
		if n, _ := w.Svc.RunCardPayments(context.Background(), 10); n != 0 {
			t.Fatalf("a settled payment ran again: %d", n)
		}
	})

	t.Run("a declined card cancels the order and gives everything back", func(t *testing.T) {
		w := NewOrderWorld(t, newHarness(t), 0, 5)
		buyer := w.Customer(t, 100000)
		o, err := w.Svc.Place(As(buyer, "decline"), w.CardOrder(w.SKUs[0], 2, 5000, order.TokenDecline))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Svc.RunCardPayments(context.Background(), 10); err != nil {
			t.Fatal(err)
		}
		got, _ := w.Svc.Get(As(buyer, ""), o.ID)
		if got.Status != order.Cancelled || got.CancelReason != order.ReasonPaymentDeclined || got.Payment.Card.Status != order.CardDeclined {
			t.Fatalf("after decline: %+v", got)
		}
		if l := w.Stock(t, w.SKUs[0]); l.Reserved != 0 || l.OnHand != 5 {
			t.Fatalf("stock: %+v", l)
		}
		if b := w.Balance(t, buyer); b != 100000 {
			t.Fatalf("wallet part not returned: %d", b)
		}
	})

	t.Run("a lost answer is repaired by asking again after the lease", func(t *testing.T) {
		w := NewOrderWorld(t, newHarness(t), 0, 5)
		buyer := w.Customer(t, 0)
		o, err := w.Svc.Place(As(buyer, "timeout"), w.CardOrder(w.SKUs[0], 1, 0, order.TokenTimeout))
		if err != nil {
			t.Fatal(err)
		}
		short, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		if _, err := w.Svc.RunCardPayments(short, 10); err == nil {
			t.Fatal("the lost answer went unnoticed")
		}
		cancel()
		if got, _ := w.Svc.Get(As(buyer, ""), o.ID); got.Status != order.Pending {
			t.Fatalf("after the lost answer: %s", got.Status)
		}
		if n, _ := w.Svc.RunCardPayments(context.Background(), 10); n != 0 {
			t.Fatal("asked again inside the lease")
		}
		w.Clock.Advance(31 * time.Second)
		if n, err := w.Svc.RunCardPayments(context.Background(), 10); err != nil || n != 1 {
			t.Fatalf("reconciliation: %d %v", n, err)
		}
		if got, _ := w.Svc.Get(As(buyer, ""), o.ID); got.Status != order.Paid {
			t.Fatalf("after reconciliation: %s", got.Status)
		}
	})

	t.Run("expiry cancels a late payment, and the late approval is refunded", func(t *testing.T) {
		w := NewOrderWorld(t, newHarness(t), 0, 5)
		buyer := w.Customer(t, 100000)
		o, err := w.Svc.Place(As(buyer, "late"), w.CardOrder(w.SKUs[0], 1, 3000, order.TokenLate))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Svc.RunCardPayments(context.Background(), 10); err != nil {
			t.Fatal(err)
		}
		if n, _ := w.Svc.ExpirePending(context.Background(), 10); n != 0 {
			t.Fatal("expired before the deadline")
		}
		w.Clock.Advance(16 * time.Minute)
		if n, err := w.Svc.ExpirePending(context.Background(), 10); err != nil || n != 1 {
			t.Fatalf("expiry: %d %v", n, err)
		}
		if n, _ := w.Svc.ExpirePending(context.Background(), 10); n != 0 {
			t.Fatal("expired twice")
		}
		got, _ := w.Svc.Get(As(buyer, ""), o.ID)
		if got.Status != order.Cancelled || got.CancelReason != order.ReasonPaymentTimeout || got.Payment.Card.Status != order.CardExpired {
			t.Fatalf("after expiry: %+v %+v", got, got.Payment.Card)
		}
		if b := w.Balance(t, buyer); b != 100000 {
			t.Fatalf("wallet part: %d", b)
		}
		if l := w.Stock(t, w.SKUs[0]); l.Reserved != 0 || l.OnHand != 5 {
			t.Fatalf("stock: %+v", l)
		}
		w.Clock.Advance(5 * time.Minute) // the gateway approves 20 min after the charge
		for range 2 {
			if _, err := w.Svc.RunCardPayments(context.Background(), 10); err != nil {
				t.Fatal(err)
			}
		}
		got, _ = w.Svc.Get(As(buyer, ""), o.ID)
		if got.Status != order.Cancelled || got.Payment.Card.Status != order.CardRefunded || got.Payment.Card.NextAttemptAt != nil {
			t.Fatalf("after the late approval: %+v", got.Payment.Card)
		}
		if c, err := w.H.Gateway(w.Clock, 20*time.Minute).Lookup(context.Background(), o.ID); err != nil || c.Status != order.ChargeRefunded {
			t.Fatalf("gateway: %+v %v", c, err)
		}
	})

	t.Run("cancel restores once; fulfilment follows the table", func(t *testing.T) {
		w := NewOrderWorld(t, newHarness(t), 0, 5)
		buyer := w.Customer(t, 100000)
		o, err := w.Svc.Place(As(buyer, "x"), w.WalletOrder(w.SKUs[0], 1))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Svc.Cancel(As(w.Customer(t, 0), ""), o.ID, "mine?"); !errors.Is(err, order.ErrOrderNotFound) {
			t.Fatalf("someone else's cancel: %v", err)
		}
		var ok, refused atomic.Int32
		var wg sync.WaitGroup
		for range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := w.Svc.Cancel(As(buyer, ""), o.ID, "changed my mind")
				switch {
				case err == nil:
					ok.Add(1)
				case errors.Is(err, errs.ErrInvalidTransition):
					refused.Add(1)
				default:
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if ok.Load() != 1 || refused.Load() != 19 {
			t.Fatalf("concurrent cancels: %d ok, %d refused", ok.Load(), refused.Load())
		}
		if b := w.Balance(t, buyer); b != 100000 {
			t.Fatalf("balance after cancel: %d", b)
		}
		if l := w.Stock(t, w.SKUs[0]); l.OnHand != 5 || l.Reserved != 0 {
			t.Fatalf("stock after cancel: %+v", l)
		}
		p, err := w.Svc.Place(As(buyer, "y"), w.WalletOrder(w.SKUs[0], 1))
		if err != nil {
			t.Fatal(err)
		}
		staff := w.Inv.Staff
		_ = wantCode(t, func() error { _, err := w.Svc.Fulfil(context.Background(), p.ID, order.Shipped, staff); return err }(), "INVALID_STATE_TRANSITION")
		_ = wantCode(t, func() error { _, err := w.Svc.Fulfil(context.Background(), p.ID, order.Cancelled, staff); return err }(), "VALIDATION_FAILED")
		for _, to := range order.FulfilmentTargets {
			if _, err := w.Svc.Fulfil(context.Background(), p.ID, to, staff); err != nil {
				t.Fatal(to, err)
			}
		}
		_ = wantCode(t, func() error { _, err := w.Svc.Cancel(As(buyer, ""), p.ID, ""); return err }(), "INVALID_STATE_TRANSITION")
		got, _ := w.Svc.Get(As(buyer, ""), p.ID)
		if got.Status != order.Delivered || len(got.Timeline) != 4 || got.DeliveredAt == nil {
			t.Fatalf("delivered: %+v", got)
		}
	})

	t.Run("cancel racing the expiry job restores once", func(t *testing.T) {
		w := NewOrderWorld(t, newHarness(t), 0, 5)
		buyer := w.Customer(t, 100000)
		o, err := w.Svc.Place(As(buyer, "race"), w.CardOrder(w.SKUs[0], 1, 2000, order.TokenLate))
		if err != nil {
			t.Fatal(err)
		}
		w.Clock.Advance(16 * time.Minute)
		var wg sync.WaitGroup
		for i := range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if i%2 == 0 {
					_, _ = w.Svc.ExpirePending(context.Background(), 10)
				} else {
					_, _ = w.Svc.Cancel(As(buyer, ""), o.ID, "")
				}
			}()
		}
		wg.Wait()
		got, _ := w.Svc.Get(As(buyer, ""), o.ID)
		if got.Status != order.Cancelled || len(got.Timeline) != 2 {
			t.Fatalf("after the race: %+v", got.Timeline)
		}
		if b := w.Balance(t, buyer); b != 100000 {
			t.Fatalf("balance: %d (restored twice or never)", b)
		}
		if l := w.Stock(t, w.SKUs[0]); l.OnHand != 5 || l.Reserved != 0 {
			t.Fatalf("stock: %+v", l)
		}
		CheckInvariantsClean(t, w.H.Invariants)
	})

	t.Run("stock 1 with 50 buyers makes exactly one order", func(t *testing.T) {
		w := NewOrderWorld(t, newHarness(t), 0, 1)
		buyers := make([]string, 50)
		for i := range buyers {
			buyers[i] = w.Customer(t, 100000)
		}
		var ok, out atomic.Int32
		var wg sync.WaitGroup
		for i, b := range buyers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := w.Svc.Place(As(b, fmt.Sprintf("buyer-%d", i)), w.WalletOrder(w.SKUs[0], 1))
				switch {
				case err == nil:
					ok.Add(1)
				case errs.As(err).Code == "OUT_OF_STOCK":
					out.Add(1)
				default:
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if ok.Load() != 1 || out.Load() != 49 {
			t.Fatalf("%d orders, %d out of stock", ok.Load(), out.Load())
		}
		if l := w.Stock(t, w.SKUs[0]); l.OnHand != 0 || l.Reserved != 0 {
			t.Fatalf("stock: %+v", l)
		}
		paid := int64(0)
		for _, b := range buyers {
			paid += 100000 - w.Balance(t, b)
		}
		if paid != oneUnit {
			t.Fatalf("customers paid %d in total", paid)
		}
		CheckInvariantsClean(t, w.H.Invariants)
	})

	t.Run("a balance for one order and 10 parallel orders: exactly one succeeds", func(t *testing.T) {
		w := NewOrderWorld(t, newHarness(t), 0, 100)
		buyer := w.Customer(t, oneUnit+oneUnit/2)
		var ok, short atomic.Int32
		var wg sync.WaitGroup
		for i := range 10 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := w.Svc.Place(As(buyer, "p"+string(rune('a'+i))), w.WalletOrder(w.SKUs[0], 1))
				switch {
				case err == nil:
					ok.Add(1)
				case errs.As(err).Code == "INSUFFICIENT_BALANCE":
					short.Add(1)
				default:
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if ok.Load() != 1 || short.Load() != 9 {
			t.Fatalf("%d orders, %d refused", ok.Load(), short.Load())
		}
		if b := w.Balance(t, buyer); b != oneUnit/2 {
			t.Fatalf("balance %d", b)
		}
		if l := w.Stock(t, w.SKUs[0]); l.OnHand != 99 || l.Reserved != 0 {
			t.Fatalf("stock: %+v", l)
		}
		CheckInvariantsClean(t, w.H.Invariants)
	})

	t.Run("20 concurrent retries with one key make one order and one debit", func(t *testing.T) {
		w := NewOrderWorld(t, newHarness(t), 0, 100)
		buyer := w.Customer(t, 100000)
		ids := make([]string, 20)
		var wg sync.WaitGroup
		for i := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				o, err := w.Svc.Place(As(buyer, "same-key"), w.WalletOrder(w.SKUs[0], 1))
				if err != nil {
					t.Error(err)
					return
				}
				ids[i] = o.ID
			}()
		}
		wg.Wait()
		for _, id := range ids {
			if id != ids[0] {
				t.Fatalf("two orders for one key: %s and %s", ids[0], id)
			}
		}
		if b := w.Balance(t, buyer); b != 100000-oneUnit {
			t.Fatalf("balance %d: charged more than once", b)
		}
		if l := w.Stock(t, w.SKUs[0]); l.OnHand != 99 {
			t.Fatalf("stock: %+v", l)
		}
		CheckInvariantsClean(t, w.H.Invariants)
	})

	t.Run("a per-customer limit holds under concurrent orders of one customer", func(t *testing.T) {
		w := NewOrderWorld(t, newHarness(t), 3, 100)
		buyer := w.Customer(t, 1000000)
		var ok, limited atomic.Int32
		var wg sync.WaitGroup
		for i := range 100 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := w.Svc.Place(As(buyer, fmt.Sprintf("limit-%d", i)), w.WalletOrder(w.SKUs[0], 1))
				switch {
				case err == nil:
					ok.Add(1)
				case errs.As(err).Code == "PURCHASE_LIMIT_EXCEEDED":
					if errs.As(err).Extra["limit"] != 3 {
						t.Errorf("limit: %+v", errs.As(err).Extra)
					}
					limited.Add(1)
				default:
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if ok.Load() != 3 || limited.Load() != 97 {
			t.Fatalf("%d orders, %d limited", ok.Load(), limited.Load())
		}
		if l := w.Stock(t, w.SKUs[0]); l.OnHand != 97 || l.Reserved != 0 {
			t.Fatalf("stock: %+v", l)
		}
		if b := w.Balance(t, buyer); b != 1000000-3*oneUnit {
			t.Fatalf("balance %d", b)
		}
		CheckInvariantsClean(t, w.H.Invariants)
	})

	t.Run("orders list newest first in pages", func(t *testing.T) {
		w := NewOrderWorld(t, newHarness(t), 0, 100)
		buyer := w.Customer(t, 1000000)
		var placed []string
		for i := range 5 {
			o, err := w.Svc.Place(As(buyer, "list"+string(rune('a'+i))), w.WalletOrder(w.SKUs[0], 1))
			if err != nil {
				t.Fatal(err)
			}
			placed = append(placed, o.ID)
			w.Clock.Advance(time.Second)
		}
		if _, err := w.Svc.Cancel(As(buyer, ""), placed[1], ""); err != nil {
			t.Fatal(err)
		}
		var seen []string
		cursor := ""
		for {
			page, err := w.Svc.List(As(buyer, ""), order.ListFilter{Limit: 2, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range page.Items {
				seen = append(seen, o.ID)
			}
			if cursor = page.NextCursor; cursor == "" {
				break
			}
		}
		if len(seen) != 5 || seen[0] != placed[4] || seen[4] != placed[0] {
			t.Fatalf("pages: %v, placed %v", seen, placed)
		}
		cancelled, err := w.Svc.List(As(buyer, ""), order.ListFilter{Status: "CANCELLED"})
		if err != nil || len(cancelled.Items) != 1 || cancelled.Items[0].ID != placed[1] {
			t.Fatalf("status filter: %+v %v", cancelled, err)
		}
		if other, _ := w.Svc.List(As(w.Customer(t, 0), ""), order.ListFilter{}); len(other.Items) != 0 {
			t.Fatal("another customer sees the orders")
		}
		_ = wantCode(t, func() error { _, err := w.Svc.List(As(buyer, ""), order.ListFilter{Status: "LOST"}); return err }(), "VALIDATION_FAILED")
	})

}
