package contracttest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jupang/jupang/core/cart"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/order"
	"github.com/jupang/jupang/core/uow"
)

// CartHarness is what an adapter provides to the carts suite: fresh, empty storage per call, with
// the catalog on the same storage (carts price their lines through it).
type CartHarness struct {
	Catalog CatalogHarness
	// Tx is the unit of work of the carts' use cases; Reads their reads outside one.
	Tx    uow.UnitOfWork[cart.Stores]
	Reads cart.Stores
	// Orders is the orders area on the same storage: it keeps the purchase counts carts read.
	Orders uow.UnitOfWork[order.Stores]
}

// CartWorld is a catalog with a carts service on one harness, sharing its fake clock.
type CartWorld struct {
	*CatalogWorld
	Carts *CartHarness
	Svc   *cart.Service
}

// NewCartWorld builds the catalog world and a carts service (without coupons) on h.
func NewCartWorld(t testing.TB, h CartHarness, cfg cart.Config) *CartWorld {
	t.Helper()
	w := &CartWorld{CatalogWorld: NewCatalogWorld(t, h.Catalog), Carts: &h}
	w.Svc = cart.NewService(h.Tx, h.Reads, h.Catalog.Reader, nil, w.Clock, cfg, nil)
	return w
}

// RecordPurchase counts past purchases of a product by a customer, as the orders area counts an
// order's lines (order.PurchaseHistory, no limit).
func (w *CartWorld) RecordPurchase(t testing.TB, userID, productID string, units int) {
	t.Helper()
	err := w.Carts.Orders.Do(context.Background(), func(ctx context.Context, st order.Stores) error {
		_, err := st.Purchases.Add(ctx, userID, []order.Purchase{{ProductID: productID, Quantity: units}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// CustomerRequest is a request of signed-in customer userID in market m.
func CustomerRequest(userID string, m kernel.Market) kernel.Request {
	return kernel.Request{Principal: kernel.Principal{ID: userID, Roles: []kernel.Role{kernel.RoleCustomer}, Audience: kernel.AudienceStorefront},
		Market: m, Locale: m.Locale()}
}

// GuestRequest is a request of a guest with session s in market m.
func GuestRequest(s kernel.SessionID, m kernel.Market) kernel.Request {
	return kernel.Request{Principal: kernel.Guest, Market: m, Locale: m.Locale(), SessionID: s}
}

// NewSessionID returns a fresh valid X-Session-Id.
func NewSessionID() kernel.SessionID { return kernel.SessionID("sess_" + kernel.NewID()) }

// RunCart checks the carts ports (on the adapter's stores directly) and the use cases that rest on
// their concurrency guarantees.
func RunCart(t *testing.T, newHarness func(t *testing.T) CartHarness) {
	ctx := context.Background()
	world := func(t *testing.T) *CartWorld { return NewCartWorld(t, newHarness(t), cart.Config{}) }
	do := func(t *testing.T, w *CartWorld, fn func(ctx context.Context, st cart.Stores) error) {
		t.Helper()
		if err := w.Carts.Tx.Do(ctx, fn); err != nil {
			t.Fatal(err)
		}
	}
	fresh := func(o cart.Owner, now time.Time) cart.Cart {
		c := cart.Cart{ID: kernel.NewID(), Owner: o, Market: kernel.MarketKR, Status: cart.StatusActive, CreatedAt: now, UpdatedAt: now}
		if o.IsGuest() {
			c.ExpiresAt = now.Add(time.Hour)
		}
		return c
	}

	t.Run("LockActive creates one cart per owner and returns it after", func(t *testing.T) {
		w := world(t)
		user := cart.Owner{UserID: w.H.NewBuyer(t)}
		guest := cart.Owner{SessionID: NewSessionID()}
		now := w.Clock.Now()
		for _, o := range []cart.Owner{user, guest} {
			if _, ok, err := w.Carts.Reads.Carts.Active(ctx, o); ok || err != nil {
				t.Fatalf("a cart before any was made: %v %v", ok, err)
			}
			var first, second cart.Cart
			do(t, w, func(ctx context.Context, st cart.Stores) (err error) {
				first, err = st.Carts.LockActive(ctx, o, fresh(o, now))
				return err
			})
			do(t, w, func(ctx context.Context, st cart.Stores) (err error) {
				second, err = st.Carts.LockActive(ctx, o, fresh(o, now))
				return err
			})
			if first.ID != second.ID || first.Owner != o || first.Status != cart.StatusActive || !first.CreatedAt.Equal(now) {
				t.Fatalf("LockActive: %+v then %+v", first, second)
			}
			got, ok, err := w.Carts.Reads.Carts.Active(ctx, o)
			if err != nil || !ok || got.ID != first.ID || len(got.Items) != 0 {
				t.Fatalf("Active = %+v %v %v", got, ok, err)
			}
			if want := fresh(o, now).ExpiresAt; !got.ExpiresAt.Equal(want) {
				t.Fatalf("expiry %v, want %v", got.ExpiresAt, want)
			}
		}
	})

	t.Run("a cart that is no longer ACTIVE makes room for a new one; the session's latest is found", func(t *testing.T) {
		w := world(t)
		o := cart.Owner{SessionID: NewSessionID()}
		now := w.Clock.Now()
		var old, replacement, latest cart.Cart
		do(t, w, func(ctx context.Context, st cart.Stores) (err error) {
			if old, err = st.Carts.LockActive(ctx, o, fresh(o, now)); err != nil {
				return err
			}
			old.Status = cart.StatusExpired
			if err := st.Carts.SaveHeader(ctx, old); err != nil {
				return err
			}
			replacement, err = st.Carts.LockActive(ctx, o, fresh(o, now.Add(time.Second)))
			return err
		})
		if replacement.ID == old.ID {
			t.Fatal("an EXPIRED cart was handed out as the active one")
		}
		do(t, w, func(ctx context.Context, st cart.Stores) (err error) {
			var ok bool
			latest, ok, err = st.Carts.LockLatestOfSession(ctx, o.SessionID)
			if !ok && err == nil {
				err = fmt.Errorf("no latest cart")
			}
			return err
		})
		if latest.ID != replacement.ID {
			t.Fatalf("latest of session = %s, want %s", latest.ID, replacement.ID)
		}
		do(t, w, func(ctx context.Context, st cart.Stores) error {
			if _, ok, err := st.Carts.LockLatestOfSession(ctx, NewSessionID()); ok || err != nil {
				return fmt.Errorf("a cart for an unknown session: %v %v", ok, err)
			}
			return nil
		})
	})

	t.Run("PutItem upserts one line per SKU, RemoveItem only removes from its own cart", func(t *testing.T) {
		w := world(t)
		p := w.AddProduct(t, ProductSpec{Name: "Mug", Category: w.Kitchen, Base: 9000, Stock: []int{5, 7}})
		a, b := cart.Owner{UserID: w.H.NewBuyer(t)}, cart.Owner{UserID: w.H.NewBuyer(t)}
		now := w.Clock.Now()
		var ca, cb cart.Cart
		var first, again cart.Item
		do(t, w, func(ctx context.Context, st cart.Stores) (err error) {
			if ca, err = st.Carts.LockActive(ctx, a, fresh(a, now)); err != nil {
				return err
			}
			if cb, err = st.Carts.LockActive(ctx, b, fresh(b, now)); err != nil {
				return err
			}
			if first, err = st.Carts.PutItem(ctx, ca.ID, cart.Item{ID: kernel.NewID(), SKUID: p.SKUs[0].ID, ProductID: p.ID, Quantity: 2, CreatedAt: now, UpdatedAt: now}); err != nil {
				return err
			}
			again, err = st.Carts.PutItem(ctx, ca.ID, cart.Item{ID: kernel.NewID(), SKUID: p.SKUs[0].ID, ProductID: p.ID, Quantity: 9, CreatedAt: now.Add(time.Second), UpdatedAt: now.Add(time.Second)})
			if err != nil {
				return err
			}
			_, err = st.Carts.PutItem(ctx, ca.ID, cart.Item{ID: kernel.NewID(), SKUID: p.SKUs[1].ID, ProductID: p.ID, Quantity: 1, CreatedAt: now.Add(2 * time.Second), UpdatedAt: now.Add(2 * time.Second)})
			return err
		})
		if again.ID != first.ID || again.Quantity != 9 || !again.CreatedAt.Equal(now) || !again.UpdatedAt.Equal(now.Add(time.Second)) {
			t.Fatalf("upsert: %+v then %+v", first, again)
		}
		got, _, err := w.Carts.Reads.Carts.Active(ctx, a)
		if err != nil || len(got.Items) != 2 || got.Items[0].ID != first.ID || got.Items[0].Quantity != 9 || got.Items[0].ProductID != p.ID ||
			got.Items[1].SKUID != p.SKUs[1].ID {
			t.Fatalf("lines = %+v, %v", got.Items, err)
		}
		do(t, w, func(ctx context.Context, st cart.Stores) error {
			if ok, err := st.Carts.RemoveItem(ctx, cb.ID, first.ID); ok || err != nil {
				return fmt.Errorf("removed another cart's line: %v %v", ok, err)
			}
			if ok, err := st.Carts.RemoveItem(ctx, ca.ID, first.ID); !ok || err != nil {
				return fmt.Errorf("RemoveItem of its own line: %v %v", ok, err)
			}
			if ok, err := st.Carts.RemoveItem(ctx, ca.ID, first.ID); ok || err != nil {
				return fmt.Errorf("removed twice: %v %v", ok, err)
			}
			return nil
		})
		got, _, _ = w.Carts.Reads.Carts.Active(ctx, a)
		if len(got.Items) != 1 || got.Items[0].SKUID != p.SKUs[1].ID {
			t.Fatalf("after remove: %+v", got.Items)
		}
		do(t, w, func(ctx context.Context, st cart.Stores) error {
			ids, err := st.Carts.ProductsOfSKUs(ctx, []string{p.SKUs[0].ID, p.SKUs[1].ID, kernel.NewID()})
			if err != nil || len(ids) != 2 || ids[p.SKUs[0].ID] != p.ID || ids[p.SKUs[1].ID] != p.ID {
				return fmt.Errorf("ProductsOfSKUs = %v, %v", ids, err)
			}
			return nil
		})
	})

	t.Run("a unit of work that fails leaves no cart and no line", func(t *testing.T) {
		w := world(t)
		p := w.AddProduct(t, ProductSpec{Name: "Pan", Category: w.Kitchen, Base: 9000})
		o := cart.Owner{SessionID: NewSessionID()}
		boom := fmt.Errorf("boom")
		err := w.Carts.Tx.Do(ctx, func(ctx context.Context, st cart.Stores) error {
			c, err := st.Carts.LockActive(ctx, o, fresh(o, w.Clock.Now()))
			if err != nil {
				return err
			}
			if _, err := st.Carts.PutItem(ctx, c.ID, cart.Item{ID: kernel.NewID(), SKUID: p.SKUs[0].ID, Quantity: 1, CreatedAt: c.CreatedAt, UpdatedAt: c.CreatedAt}); err != nil {
				return err
			}
			return boom
		})
		if err != boom {
			t.Fatalf("Do = %v", err)
		}
		if _, ok, err := w.Carts.Reads.Carts.Active(ctx, o); ok || err != nil {
			t.Fatalf("a rolled-back cart is visible: %v %v", ok, err)
		}
	})

	t.Run("Stock reads what is left, Purchases what a customer bought", func(t *testing.T) {
		w := world(t)
		p := w.AddProduct(t, ProductSpec{Name: "Kettle", Category: w.Kitchen, Base: 30000, Stock: []int{4, 0}})
		q := w.AddProduct(t, ProductSpec{Name: "Toaster", Category: w.Kitchen, Base: 30000})
		user := w.H.NewBuyer(t)
		w.RecordPurchase(t, user, p.ID, 2)
		w.RecordPurchase(t, user, p.ID, 3)
		stock, err := w.Carts.Reads.Stock.Available(ctx, []string{p.SKUs[0].ID, p.SKUs[1].ID, kernel.NewID()})
		if err != nil || stock[p.SKUs[0].ID] != 4 || stock[p.SKUs[1].ID] != 0 || len(stock) != 2 {
			t.Fatalf("Available = %v, %v", stock, err)
		}
		bought, err := w.Carts.Reads.Purchases.Purchased(ctx, user, []string{p.ID, q.ID})
		if err != nil || bought[p.ID] != 5 || bought[q.ID] != 0 {
			t.Fatalf("Purchased = %v, %v", bought, err)
		}
	})

	t.Run("DeleteExpired deletes carts at or past their expiry, in batches, with their lines", func(t *testing.T) {
		w := world(t)
		p := w.AddProduct(t, ProductSpec{Name: "Cup", Category: w.Kitchen, Base: 3000})
		now := w.Clock.Now()
		var sessions []cart.Owner
		for i := range 5 {
			o := cart.Owner{SessionID: NewSessionID()}
			sessions = append(sessions, o)
			do(t, w, func(ctx context.Context, st cart.Stores) error {
				c := fresh(o, now)
				c.ExpiresAt = now.Add(time.Duration(i) * time.Minute) // 0, 1, 2, 3, 4 minutes
				c, err := st.Carts.LockActive(ctx, o, c)
				if err != nil {
					return err
				}
				_, err = st.Carts.PutItem(ctx, c.ID, cart.Item{ID: kernel.NewID(), SKUID: p.SKUs[0].ID, Quantity: 1, CreatedAt: now, UpdatedAt: now})
				return err
			})
		}
		user := cart.Owner{UserID: w.H.NewBuyer(t)}
		do(t, w, func(ctx context.Context, st cart.Stores) error {
			_, err := st.Carts.LockActive(ctx, user, fresh(user, now))
			return err
		})
		var n1, n2 int
		do(t, w, func(ctx context.Context, st cart.Stores) (err error) {
			n1, err = st.Carts.DeleteExpired(ctx, now.Add(2*time.Minute), 2)
			return err
		})
		do(t, w, func(ctx context.Context, st cart.Stores) (err error) {
			n2, err = st.Carts.DeleteExpired(ctx, now.Add(2*time.Minute), 2)
			return err
		})
		if n1 != 2 || n2 != 1 {
			t.Fatalf("deleted %d then %d, want 2 then 1 (expiries 0, 1 and 2 minutes)", n1, n2)
		}
		for i, o := range sessions {
			_, ok, err := w.Carts.Reads.Carts.Active(ctx, o)
			if err != nil || ok != (i > 2) {
				t.Fatalf("session %d: present = %v (%v)", i, ok, err)
			}
		}
		if _, ok, _ := w.Carts.Reads.Carts.Active(ctx, user); !ok {
			t.Fatal("a customer cart (no expiry) was swept")
		}
		// the owner of a swept cart gets a new one
		do(t, w, func(ctx context.Context, st cart.Stores) error {
			c, err := st.Carts.LockActive(ctx, sessions[0], fresh(sessions[0], now))
			if err == nil && len(c.Items) != 0 {
				err = fmt.Errorf("a new cart with lines: %+v", c.Items)
			}
			return err
		})
	})

	t.Run("an expired guest cart reads as none and is replaced by its next change", func(t *testing.T) {
		w := world(t)
		p := w.AddProduct(t, ProductSpec{Name: "Tea", Category: w.Kitchen, Base: 5000})
		guest := GuestRequest(NewSessionID(), kernel.MarketKR)
		first, err := w.Svc.SetItem(ctx, guest, p.SKUs[0].ID, 2)
		if err != nil {
			t.Fatal(err)
		}
		if !first.ExpiresAt.Equal(w.Clock.Now().Add(cart.DefaultSessionTTL)) {
			t.Fatalf("expires at %v", first.ExpiresAt)
		}
		w.Clock.Advance(cart.DefaultSessionTTL)
		if v, err := w.Svc.Current(ctx, guest); err != nil || v.ID != "" || len(v.Items) != 0 {
			t.Fatalf("an expired cart is read: %+v %v", v, err)
		}
		next, err := w.Svc.SetItem(ctx, guest, p.SKUs[0].ID, 1)
		if err != nil || next.ID == first.ID || len(next.Items) != 1 || next.Items[0].Quantity != 1 {
			t.Fatalf("after expiry: %+v %v", next, err)
		}
		var latest cart.Cart
		do(t, w, func(ctx context.Context, st cart.Stores) (err error) {
			latest, _, err = st.Carts.LockLatestOfSession(ctx, guest.SessionID)
			return err
		})
		if latest.ID != next.ID {
			t.Fatalf("latest of the session %s, want %s", latest.ID, next.ID)
		}
	})

	t.Run("200 concurrent PUTs of one SKU leave one cart with one line", func(t *testing.T) {
		w := world(t)
		p := w.AddProduct(t, ProductSpec{Name: "Hot SKU", Category: w.Kitchen, Base: 1000, Stock: []int{500}})
		for _, req := range []kernel.Request{CustomerRequest(w.H.NewBuyer(t), kernel.MarketKR), GuestRequest(NewSessionID(), kernel.MarketKR)} {
			const n = 200
			var wg sync.WaitGroup
			errs := make(chan error, n)
			for i := range n {
				wg.Go(func() {
					if _, err := w.Svc.SetItem(ctx, req, p.SKUs[0].ID, 1+i%50); err != nil {
						errs <- err
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatalf("concurrent SetItem: %v", err)
			}
			owner, _ := cart.OwnerOf(req)
			c, ok, err := w.Carts.Reads.Carts.Active(ctx, owner)
			if err != nil || !ok || len(c.Items) != 1 || c.Items[0].Quantity < 1 || c.Items[0].Quantity > 50 {
				t.Fatalf("after %d concurrent PUTs: %+v %v %v", n, c.Items, ok, err)
			}
			v, err := w.Svc.Current(ctx, req)
			if err != nil || v.ID != c.ID || len(v.Items) != 1 {
				t.Fatalf("Current = %+v, %v", v, err)
			}
		}
	})

	t.Run("concurrent merges of one guest cart merge it once", func(t *testing.T) {
		w := world(t)
		a := w.AddProduct(t, ProductSpec{Name: "A", Category: w.Kitchen, Base: 1000, Stock: []int{100}})
		b := w.AddProduct(t, ProductSpec{Name: "B", Category: w.Kitchen, Base: 2000, Stock: []int{4}})
		user := w.H.NewBuyer(t)
		session := NewSessionID()
		guest := GuestRequest(session, kernel.MarketKR)
		member := CustomerRequest(user, kernel.MarketKR)
		member.SessionID = session
		for _, step := range []struct {
			r   kernel.Request
			sku string
			q   int
		}{{guest, a.SKUs[0].ID, 2}, {guest, b.SKUs[0].ID, 4}, {member, a.SKUs[0].ID, 1}, {member, b.SKUs[0].ID, 1}} {
			if _, err := w.Svc.SetItem(ctx, step.r, step.sku, step.q); err != nil {
				t.Fatal(err)
			}
		}
		const n = 100
		results := make([]cart.MergeResult, n)
		failures := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { results[i], failures[i] = w.Svc.Merge(ctx, member, string(session)) })
		}
		wg.Wait()
		adjusted := 0
		for i := range n {
			if failures[i] != nil {
				t.Fatalf("merge %d: %v", i, failures[i])
			}
			if len(results[i].Adjustments) > 0 {
				adjusted++
				want := []cart.Adjustment{{SKUID: b.SKUs[0].ID, Requested: 5, Applied: 4, Reason: cart.AdjustedOutOfStock}}
				if !slices.Equal(results[i].Adjustments, want) {
					t.Fatalf("adjustments = %+v, want %+v", results[i].Adjustments, want)
				}
			}
		}
		if adjusted != 1 {
			t.Fatalf("%d merges reported the adjustment, want exactly 1", adjusted)
		}
		c, _, err := w.Carts.Reads.Carts.Active(ctx, cart.Owner{UserID: user})
		if err != nil {
			t.Fatal(err)
		}
		qty := map[string]int{}
		for _, it := range c.Items {
			qty[it.SKUID] += it.Quantity
		}
		if len(c.Items) != 2 || qty[a.SKUs[0].ID] != 3 || qty[b.SKUs[0].ID] != 4 {
			t.Fatalf("customer cart after merges: %+v", c.Items)
		}
		if _, ok, _ := w.Carts.Reads.Carts.Active(ctx, cart.Owner{SessionID: session}); ok {
			t.Fatal("the guest cart is still active after the merge")
		}
		// another customer sending the same session gets nothing
		other := CustomerRequest(w.H.NewBuyer(t), kernel.MarketKR)
		other.SessionID = session
		if _, err := w.Svc.Merge(ctx, other, string(session)); !errors.Is(err, cart.ErrCartNotFound) {
			t.Fatalf("merge by another customer = %v", err)
		}
	})

	t.Run("concurrent sweepers delete each expired cart once", func(t *testing.T) {
		w := world(t)
		p := w.AddProduct(t, ProductSpec{Name: "Sweep", Category: w.Kitchen, Base: 1000, Stock: []int{1000}})
		const carts = 60
		for range carts {
			if _, err := w.Svc.SetItem(ctx, GuestRequest(NewSessionID(), kernel.MarketKR), p.SKUs[0].ID, 1); err != nil {
				t.Fatal(err)
			}
		}
		w.Clock.Advance(cart.DefaultSessionTTL)
		var wg sync.WaitGroup
		counts := make([]int, 8)
		failures := make([]error, 8)
		for i := range counts {
			wg.Go(func() { counts[i], failures[i] = w.Svc.SweepExpired(ctx, 7) })
		}
		wg.Wait()
		total := 0
		for i := range counts {
			if failures[i] != nil {
				t.Fatal(failures[i])
			}
			total += counts[i]
		}
		if total != carts {
			t.Fatalf("sweepers deleted %d carts in all, want %d", total, carts)
		}
	})
}
