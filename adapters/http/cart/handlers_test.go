package carthttp_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jupang/jupang/adapters/http/handlertest"
	"github.com/jupang/jupang/adapters/http/rbactest"
	"github.com/jupang/jupang/core/cart"
	"github.com/jupang/jupang/core/catalog"
	"github.com/jupang/jupang/core/contracttest"
	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/kernel"
)

// mugs are the totals of two mugs (₩10,000 = $7.50 = ¥1,100 each) per market, without promotion.
var mugs = map[kernel.Market]map[string]int64{
	// ₩20,000 ≥ ₩19,800 ships free; VAT included: 20,000 × 10/110 = 1,818.18 → 1,818
	kernel.MarketKR: {"unit": 10_000, "subtotal": 20_000, "itemDiscount": 0, "couponDiscount": 0, "shippingFee": 0, "estimatedTax": 1_818, "total": 20_000},
	// $15.00 < $49 pays $5.99; 8 % sales tax added on merchandise only: $1.20
	kernel.MarketUS: {"unit": 750, "subtotal": 1_500, "itemDiscount": 0, "couponDiscount": 0, "shippingFee": 599, "estimatedTax": 120, "total": 2_219},
	// ¥2,200 < ¥3,500 pays ¥500; consumption tax included: 2,200 × 10/110 = 200
	kernel.MarketJP: {"unit": 1_100, "subtotal": 2_200, "itemDiscount": 0, "couponDiscount": 0, "shippingFee": 500, "estimatedTax": 200, "total": 2_700},
}

func checkTotals(t *testing.T, r handlertest.Response, want map[string]int64) {
	t.Helper()
	got := totals(t, r)
	for k, v := range got {
		if want[k] != v {
			t.Fatalf("totals %v, want %v", got, want)
		}
	}
}

func TestReadingWithoutACartAnswersAnEmptyCartAndWritesNothing(t *testing.T) {
	e := newEnv(t)
	for _, m := range markets {
		token, user := e.customer(t)
		session := contracttest.NewSessionID()
		for _, opts := range [][]handlertest.RequestOption{as(token, "", m), as("", session, m)} {
			r := e.get(t, opts).Want(t, http.StatusOK)
			if r.Body["id"] != nil || len(items(t, r)) != 0 || r.Body["market"] != string(m) || r.Body["currency"] != m.Currency().Code ||
				r.Body["couponCode"] != nil || r.Header.Get("Vary") != "Accept-Language, X-Market" {
				t.Fatalf("%s: %s", m, r.Raw)
			}
			checkTotals(t, r, map[string]int64{})
			if tx := r.Body["totals"].(map[string]any)["taxIncluded"]; tx != (m != kernel.MarketUS) {
				t.Fatalf("%s: taxIncluded %v", m, tx)
			}
		}
		e.noCart(t, cart.Owner{UserID: user})
		e.noCart(t, cart.Owner{SessionID: session})
	}
}

func TestAGuestNeedsAValidSessionID(t *testing.T) {
	e := newEnv(t)
	for _, m := range markets {
		wantProblem(t, e.get(t, as("", "", m)), http.StatusBadRequest, "SESSION_ID_REQUIRED")
		wantProblem(t, e.put(t, as("", "", m), e.sku("Mug", 0), 1), http.StatusBadRequest, "SESSION_ID_REQUIRED")
		wantProblem(t, e.del(t, as("", "", m), kernel.NewID()), http.StatusBadRequest, "SESSION_ID_REQUIRED")
		wantProblem(t, e.get(t, as("", "short", m)), http.StatusBadRequest, "INVALID_SESSION_ID")
	}
}

func TestPutPricesTheLineServerSideInEachMarket(t *testing.T) {
	e := newEnv(t)
	for _, m := range markets {
		for _, who := range []string{"customer", "guest"} {
			opts := as("", contracttest.NewSessionID(), m)
			if who == "customer" {
				token, _ := e.customer(t)
				opts = as(token, "", m)
			}
			r := e.put(t, opts, e.sku("Mug", 0), 2).Want(t, http.StatusOK)
			want := mugs[m]
			checkTotals(t, r, want)
			its := items(t, r)
			if len(its) != 1 {
				t.Fatalf("%s %s: %s", m, who, r.Raw)
			}
			it := its[0]
			unit, cur := amount(it["unitPrice"])
			line, _ := amount(it["lineTotal"])
			if unit != want["unit"] || cur != m.Currency().Code || line != 2*want["unit"] || it["quantity"] != 2.0 ||
				it["availability"] != "IN_STOCK" || it["skuId"] != e.sku("Mug", 0) || it["productId"] != e.p["Mug"].ID {
				t.Fatalf("%s %s: line %v", m, who, it)
			}
			if name := it["name"].(string); name != e.p["Mug"].Names.In(m.Locale()) {
				t.Fatalf("%s: name %q in the market's language", m, name)
			}
			if (who == "guest") != (r.Body["expiresAt"] != nil) {
				t.Fatalf("%s %s: expiresAt %v", m, who, r.Body["expiresAt"])
			}
			// PUT sets the quantity (it does not add) and keeps the line
			again := e.put(t, opts, e.sku("Mug", 0), 5).Want(t, http.StatusOK)
			if its2 := items(t, again); len(its2) != 1 || its2[0]["id"] != it["id"] || its2[0]["quantity"] != 5.0 || again.Body["id"] != r.Body["id"] {
				t.Fatalf("%s %s: second PUT %s", m, who, again.Raw)
			}
			// GET shows the same cart
			got := e.get(t, opts).Want(t, http.StatusOK)
			if got.Body["id"] != r.Body["id"] || len(items(t, got)) != 1 {
				t.Fatalf("%s %s: GET %s", m, who, got.Raw)
			}
		}
	}
}

func TestPutRefusesBadInputAndChangesNothing(t *testing.T) {
	e := newEnv(t)
	for _, m := range markets {
		token, user := e.customer(t)
		opts := as(token, "", m)
		for _, tc := range []struct {
			body   string
			status int
			code   string
			field  string
		}{
			{`{"skuId":"` + e.sku("Mug", 0) + `","quantity":0}`, 400, "VALIDATION_FAILED", "quantity"},
			{`{"skuId":"` + e.sku("Mug", 0) + `","quantity":1000}`, 400, "VALIDATION_FAILED", "quantity"},
			{`{"skuId":"` + e.sku("Mug", 0) + `"}`, 400, "VALIDATION_FAILED", "quantity"},
			{`{"skuId":"` + e.sku("Mug", 0) + `","quantity":"2"}`, 400, "VALIDATION_FAILED", "quantity"},
			{`{"skuId":"not-a-uuid","quantity":1}`, 400, "VALIDATION_FAILED", "skuId"},
			{`{"skuId":"` + e.sku("Mug", 0) + `","quantity":1,"price":1}`, 400, "VALIDATION_FAILED", "price"},
			{`{"skuId":`, 400, "VALIDATION_FAILED", ""},
			{`{"skuId":"` + kernel.NewID() + `","quantity":1}`, 404, "SKU_NOT_FOUND", ""},
			{`{"skuId":"` + e.sku("Hidden", 0) + `","quantity":1}`, 404, "SKU_NOT_FOUND", ""},
		} {
			r := e.sf.Do(t, http.MethodPut, "/v1/carts/current/items", append(opts, handlertest.JSON(tc.body))...)
			p := wantProblem(t, r, tc.status, tc.code)
			if tc.field != "" {
				if _, ok := p.Fields()[tc.field]; !ok {
					t.Fatalf("%s %s: no field error on %s: %s", m, tc.body, tc.field, r.Raw)
				}
			}
		}
		if m != kernel.MarketKR { // Kimchi is sold in KR only
			wantProblem(t, e.put(t, opts, e.sku("Kimchi", 0), 1), http.StatusNotFound, "SKU_NOT_FOUND")
		}
		e.noCart(t, cart.Owner{UserID: user})
	}
}

func TestPutChecksStockAndPurchaseLimits(t *testing.T) {
	e := newEnv(t)
	for _, m := range markets {
		token, user := e.customer(t)
		opts := as(token, "", m)
		// above the stock: 409 with the available amount (Laptop option 0 has 3, Knife option 1 none)
		p := wantProblem(t, e.put(t, opts, e.sku("Laptop", 0), 4), http.StatusConflict, "OUT_OF_STOCK")
		if p.Extras["available"] != 3.0 {
			t.Fatalf("%s: available %v", m, p.Extras["available"])
		}
		if p := wantProblem(t, e.put(t, opts, e.sku("Knife", 1), 1), http.StatusConflict, "OUT_OF_STOCK"); p.Extras["available"] != 0.0 {
			t.Fatalf("%s: available %v", m, p.Extras["available"])
		}
		e.noCart(t, cart.Owner{UserID: user})
		// above the per-order limit of 2 (within stock)
		if p := wantProblem(t, e.put(t, opts, e.sku("Laptop", 0), 3), http.StatusUnprocessableEntity, "PURCHASE_LIMIT_EXCEEDED"); p.Extras["limit"] != 2.0 {
			t.Fatalf("%s: limit %v", m, p.Extras["limit"])
		}
		// the per-order limit counts the product's other options in the cart
		e.put(t, opts, e.sku("Laptop", 0), 1).Want(t, http.StatusOK)
		e.put(t, opts, e.sku("Laptop", 1), 1).Want(t, http.StatusOK)
		wantProblem(t, e.put(t, opts, e.sku("Laptop", 1), 2), http.StatusUnprocessableEntity, "PURCHASE_LIMIT_EXCEEDED")
		r := e.get(t, opts).Want(t, http.StatusOK)
		if its := items(t, r); len(its) != 2 || its[0]["quantity"] != 1.0 || its[1]["quantity"] != 1.0 {
			t.Fatalf("%s: a refused PUT changed the cart: %s", m, r.Raw)
		}
		// the per-customer limit of 3 counts past purchases: 2 bought, 1 in the cart → a second unit is refused
		buyer, buyerID := e.customer(t)
		e.w.RecordPurchase(t, buyerID, e.p["Laptop"].ID, 2)
		e.put(t, as(buyer, "", m), e.sku("Laptop", 0), 1).Want(t, http.StatusOK)
		if p := wantProblem(t, e.put(t, as(buyer, "", m), e.sku("Laptop", 0), 2), http.StatusUnprocessableEntity, "PURCHASE_LIMIT_EXCEEDED"); p.Extras["limit"] != 3.0 {
			t.Fatalf("%s: limit %v", m, p.Extras["limit"])
		}
		// a guest has no past purchases: the per-order limit applies
		e.put(t, as("", contracttest.NewSessionID(), m), e.sku("Laptop", 0), 2).Want(t, http.StatusOK)
	}
}

func TestDeleteRemovesOnlyTheCallersLine(t *testing.T) {
	e := newEnv(t)
	for _, m := range markets {
		token, _ := e.customer(t)
		mine := as(token, "", m)
		e.put(t, mine, e.sku("Mug", 0), 2).Want(t, http.StatusOK)
		r := e.put(t, mine, e.sku("Knife", 0), 1).Want(t, http.StatusOK)
		knife := items(t, r)[1]["id"].(string)
		guest := as("", contracttest.NewSessionID(), m)
		g := e.put(t, guest, e.sku("Mug", 0), 1).Want(t, http.StatusOK)
		guestLine := items(t, g)[0]["id"].(string)

		wantProblem(t, e.del(t, mine, guestLine), http.StatusNotFound, "CART_ITEM_NOT_FOUND")
		wantProblem(t, e.del(t, guest, knife), http.StatusNotFound, "CART_ITEM_NOT_FOUND")
		wantProblem(t, e.del(t, mine, "nope"), http.StatusNotFound, "CART_ITEM_NOT_FOUND")
		wantProblem(t, e.del(t, mine, kernel.NewID()), http.StatusNotFound, "CART_ITEM_NOT_FOUND")
		other, _ := e.customer(t)
		wantProblem(t, e.del(t, as(other, "", m), knife), http.StatusNotFound, "CART_ITEM_NOT_FOUND")

		after := e.del(t, mine, knife).Want(t, http.StatusOK)
		if its := items(t, after); len(its) != 1 || its[0]["skuId"] != e.sku("Mug", 0) {
			t.Fatalf("%s: %s", m, after.Raw)
		}
		checkTotals(t, after, mugs[m])
		if its := items(t, e.get(t, guest)); len(its) != 1 {
			t.Fatalf("%s: the guest's line went too", m)
		}
		wantProblem(t, e.del(t, mine, knife), http.StatusNotFound, "CART_ITEM_NOT_FOUND")
	}
}

func TestMergeAddsUpCapsAndMergesOnce(t *testing.T) {
	e := newEnv(t)
	for _, m := range markets {
		session := contracttest.NewSessionID()
		guest := as("", session, m)
		e.put(t, guest, e.sku("Mug", 0), 2).Want(t, http.StatusOK)
		e.put(t, guest, e.sku("Laptop", 0), 2).Want(t, http.StatusOK)
		e.put(t, guest, e.sku("Knife", 0), 1).Want(t, http.StatusOK)
		token, user := e.customer(t)
		member := as(token, session, m)
		e.put(t, as(token, "", m), e.sku("Mug", 0), 1).Want(t, http.StatusOK)
		e.put(t, as(token, "", m), e.sku("Laptop", 0), 1).Want(t, http.StatusOK)
		e.put(t, as(token, "", m), e.sku("Knife", 0), 1).Want(t, http.StatusOK)

		// someone else's session, a guest, no session header: refused, nothing changes
		wantProblem(t, e.merge(t, as(token, contracttest.NewSessionID(), m), session), http.StatusForbidden, "CART_SESSION_MISMATCH")
		wantProblem(t, e.merge(t, as(token, "", m), session), http.StatusBadRequest, "SESSION_ID_REQUIRED")
		wantProblem(t, e.merge(t, guest, session), http.StatusUnauthorized, "UNAUTHENTICATED")
		wantProblem(t, e.merge(t, member, "bad"), http.StatusBadRequest, "VALIDATION_FAILED")

		r := e.merge(t, member, session).Want(t, http.StatusOK)
		qty := map[string]float64{}
		for _, it := range items(t, r) {
			qty[it["skuId"].(string)] = it["quantity"].(float64)
		}
		// mugs add up; laptops 1 + 2 capped by the per-order limit of 2; knives 1 + 1 by the 1 in stock
		if qty[e.sku("Mug", 0)] != 3 || qty[e.sku("Laptop", 0)] != 2 || qty[e.sku("Knife", 0)] != 1 || len(qty) != 3 {
			t.Fatalf("%s: merged %v", m, qty)
		}
		adj := r.Body["adjustments"].([]any)
		got := map[string]string{}
		for _, a := range adj {
			a := a.(map[string]any)
			got[a["skuId"].(string)] = fmt.Sprintf("%v→%v %v", a["requested"], a["applied"], a["reason"])
		}
		if len(got) != 2 || got[e.sku("Laptop", 0)] != "3→2 PURCHASE_LIMIT_EXCEEDED" || got[e.sku("Knife", 0)] != "2→1 OUT_OF_STOCK" {
			t.Fatalf("%s: adjustments %v", m, got)
		}
		e.noCart(t, cart.Owner{SessionID: session})
		if r.Body["id"] == nil || r.Body["status"] != "ACTIVE" {
			t.Fatalf("%s: %s", m, r.Raw)
		}
		// again: the member cart, no adjustments, nothing added
		again := e.merge(t, member, session).Want(t, http.StatusOK)
		if a := again.Body["adjustments"].([]any); len(a) != 0 || again.Body["id"] != r.Body["id"] || len(items(t, again)) != 3 {
			t.Fatalf("%s: second merge %s", m, again.Raw)
		}
		if its := items(t, again); its[0]["quantity"] != 3.0 {
			t.Fatalf("%s: merged twice: %s", m, again.Raw)
		}
		// the guest session starts afresh: its next read is an empty cart
		if its := items(t, e.get(t, guest)); len(its) != 0 {
			t.Fatalf("%s: the merged guest cart is still the session's", m)
		}
		// another customer who somehow sends the same session gets 404
		other, _ := e.customer(t)
		wantProblem(t, e.merge(t, as(other, session, m), session), http.StatusNotFound, "CART_NOT_FOUND")
		// a session that never had a cart
		fresh := contracttest.NewSessionID()
		wantProblem(t, e.merge(t, as(token, fresh, m), fresh), http.StatusNotFound, "CART_NOT_FOUND")
		_ = user
	}
}

func TestMergeOfAnExpiredGuestCartIs404(t *testing.T) {
	e := newEnv(t)
	for _, m := range markets {
		session := contracttest.NewSessionID()
		e.put(t, as("", session, m), e.sku("Mug", 0), 1).Want(t, http.StatusOK)
		e.w.Clock.Advance(cart.DefaultSessionTTL)
		token, _ := e.customer(t)
		wantProblem(t, e.merge(t, as(token, session, m), session), http.StatusNotFound, "CART_NOT_FOUND")
	}
}

func TestConcurrentMergesOverHTTPMergeOnce(t *testing.T) {
	e := newEnv(t)
	session := contracttest.NewSessionID()
	e.put(t, as("", session, kernel.MarketKR), e.sku("Mug", 0), 2).Want(t, http.StatusOK)
	token, _ := e.customer(t)
	const n = 50
	var wg sync.WaitGroup
	statuses := make([]int, n)
	for i := range n {
		wg.Go(func() { statuses[i] = e.merge(t, as(token, session, kernel.MarketKR), session).Status })
	}
	wg.Wait()
	for i, s := range statuses {
		if s != http.StatusOK {
			t.Fatalf("merge %d: %d", i, s)
		}
	}
	if its := items(t, e.get(t, as(token, "", kernel.MarketKR))); len(its) != 1 || its[0]["quantity"] != 2.0 {
		t.Fatalf("after %d concurrent merges: %v", n, its)
	}
}

func TestGuestCartsExpireAfterTheirLastChange(t *testing.T) {
	e := newEnv(t)
	for _, m := range markets {
		session := contracttest.NewSessionID()
		guest := as("", session, m)
		first := e.put(t, guest, e.sku("Mug", 0), 1).Want(t, http.StatusOK)
		e.w.Clock.Advance(6 * 24 * time.Hour)
		e.put(t, guest, e.sku("Mug", 0), 2).Want(t, http.StatusOK) // a change restarts the 7 days
		e.w.Clock.Advance(6 * 24 * time.Hour)
		if r := e.get(t, guest).Want(t, http.StatusOK); r.Body["id"] != first.Body["id"] || len(items(t, r)) != 1 {
			t.Fatalf("%s: the cart lapsed early: %s", m, r.Raw)
		}
		e.w.Clock.Advance(24 * time.Hour)
		if r := e.get(t, guest).Want(t, http.StatusOK); r.Body["id"] != nil || len(items(t, r)) != 0 {
			t.Fatalf("%s: an expired cart is still shown: %s", m, r.Raw)
		}
		next := e.put(t, guest, e.sku("Mug", 0), 1).Want(t, http.StatusOK)
		if next.Body["id"] == first.Body["id"] || len(items(t, next)) != 1 {
			t.Fatalf("%s: the expired cart was reused: %s", m, next.Raw)
		}
	}
}

func TestUnavailableAndOutOfStockLinesAreFlaggedAndLeftOutOfTheTotals(t *testing.T) {
	for _, m := range markets {
		e := newEnv(t)
		token, _ := e.customer(t)
		opts := as(token, "", m)
		e.put(t, opts, e.sku("Mug", 0), 2).Want(t, http.StatusOK)
		e.put(t, opts, e.sku("Knife", 0), 1).Want(t, http.StatusOK)
		e.put(t, opts, e.sku("Laptop", 0), 2).Want(t, http.StatusOK)
		// the knife's product is hidden, the laptop option drops to 1 unit
		knife := e.p["Knife"]
		knife.Status = catalog.StatusHidden
		if _, err := e.w.CatalogWorld.Svc.SaveProduct(context.Background(), knife); err != nil {
			t.Fatal(err)
		}
		e.setStock(t, "Laptop", 0, 1)
		r := e.get(t, opts).Want(t, http.StatusOK)
		its := items(t, r)
		if len(its) != 3 {
			t.Fatalf("%s: a line was dropped: %s", m, r.Raw)
		}
		by := map[string]map[string]any{}
		for _, it := range its {
			by[it["skuId"].(string)] = it
		}
		if k := by[e.sku("Knife", 0)]; k["availability"] != "UNAVAILABLE" || k["unitPrice"] != nil || k["lineTotal"] != nil {
			t.Fatalf("%s: hidden line %v", m, k)
		}
		if l := by[e.sku("Laptop", 0)]; l["availability"] != "OUT_OF_STOCK" || l["availableQuantity"] != 1.0 || l["unitPrice"] == nil {
			t.Fatalf("%s: short line %v", m, l)
		}
		if mug := by[e.sku("Mug", 0)]; mug["availability"] != "IN_STOCK" {
			t.Fatalf("%s: %v", m, mug)
		}
		checkTotals(t, r, mugs[m])
		// a SKU deactivated since is flagged too
		mug := e.p["Mug"]
		mug.SKUs[0].Active = false
		if _, err := e.w.CatalogWorld.Svc.SaveProduct(context.Background(), mug); err != nil {
			t.Fatal(err)
		}
		r = e.get(t, opts).Want(t, http.StatusOK)
		checkTotals(t, r, map[string]int64{})
	}
}

func TestLowStockLinesCount(t *testing.T) {
	e := newEnv(t)
	for _, m := range markets {
		token, _ := e.customer(t)
		r := e.put(t, as(token, "", m), e.sku("Laptop", 0), 2).Want(t, http.StatusOK)
		if its := items(t, r); its[0]["availability"] != "LOW_STOCK" || totals(t, r)["subtotal"] == 0 {
			t.Fatalf("%s: %s", m, r.Raw)
		}
	}
}

func TestACartReadInAnotherMarketIsPricedThere(t *testing.T) {
	e := newEnv(t)
	token, _ := e.customer(t)
	e.put(t, as(token, "", kernel.MarketKR), e.sku("Kimchi", 0), 2).Want(t, http.StatusOK)
	e.put(t, as(token, "", kernel.MarketKR), e.sku("Mug", 0), 2).Want(t, http.StatusOK)
	for _, m := range markets {
		r := e.get(t, as(token, "", m)).Want(t, http.StatusOK)
		if r.Body["market"] != string(m) || r.Body["currency"] != m.Currency().Code {
			t.Fatalf("%s: %s", m, r.Raw)
		}
		kimchi := items(t, r)[0]
		want := mugs[m]
		if m == kernel.MarketKR {
			if kimchi["availability"] != "IN_STOCK" {
				t.Fatalf("KR: %v", kimchi)
			}
			// 2 × 19,900 + 20,000 = 59,800, free shipping, VAT 5,436
			checkTotals(t, r, map[string]int64{"subtotal": 59_800, "estimatedTax": 5_436, "total": 59_800})
			continue
		}
		if kimchi["availability"] != "UNAVAILABLE" || kimchi["unitPrice"] != nil {
			t.Fatalf("%s: a line not sold here %v", m, kimchi)
		}
		checkTotals(t, r, want)
	}
	// read back in KR it counts again
	checkTotals(t, e.get(t, as(token, "", kernel.MarketKR)), map[string]int64{"subtotal": 59_800, "estimatedTax": 5_436, "total": 59_800})
}

func TestPromotionsApplyOnlyInsideTheirWindow(t *testing.T) {
	e := newEnv(t)
	now := e.w.Clock.Now()
	if _, err := e.w.CatalogWorld.Svc.SavePromotion(context.Background(), catalog.Promotion{Type: catalog.PromotionPercent, Value: 10,
		StartsAt: now.Add(time.Hour), EndsAt: now.Add(2 * time.Hour), Markets: kernel.Markets, CategoryIDs: []string{e.w.Kitchen.ID},
		Names: catalog.Localized{kernel.LocaleKO: "주방 할인", kernel.LocaleEN: "Kitchen sale", kernel.LocaleJA: "キッチンセール"}}); err != nil {
		t.Fatal(err)
	}
	during := map[kernel.Market]map[string]int64{
		// ₩18,000 < ₩19,800 now pays shipping; VAT 1,636
		kernel.MarketKR: {"subtotal": 20_000, "itemDiscount": 2_000, "shippingFee": 3_000, "estimatedTax": 1_636, "total": 21_000},
		// $13.50 + $5.99 + 8 % of $13.50 ($1.08)
		kernel.MarketUS: {"subtotal": 1_500, "itemDiscount": 150, "shippingFee": 599, "estimatedTax": 108, "total": 2_057},
		kernel.MarketJP: {"subtotal": 2_200, "itemDiscount": 220, "shippingFee": 500, "estimatedTax": 180, "total": 2_480},
	}
	tokens := map[kernel.Market]string{}
	for _, m := range markets {
		tokens[m], _ = e.customer(t)
		checkTotals(t, e.put(t, as(tokens[m], "", m), e.sku("Mug", 0), 2).Want(t, http.StatusOK), mugs[m])
	}
	e.w.Clock.Advance(time.Hour)
	for _, m := range markets {
		r := e.get(t, as(tokens[m], "", m)).Want(t, http.StatusOK)
		checkTotals(t, r, during[m])
		unit, _ := amount(items(t, r)[0]["unitPrice"])
		list, _ := amount(items(t, r)[0]["listPrice"])
		if list != mugs[m]["unit"] || unit != list-list/10 {
			t.Fatalf("%s: unit %d list %d", m, unit, list)
		}
	}
	e.w.Clock.Advance(time.Hour)
	for _, m := range markets {
		checkTotals(t, e.get(t, as(tokens[m], "", m)).Want(t, http.StatusOK), mugs[m])
	}
}

func TestAnAppliedCouponIsRevalidatedOnEveryRead(t *testing.T) {
	e := newEnv(t)
	for _, m := range markets {
		token, user := e.customer(t)
		opts := as(token, "", m)
		e.put(t, opts, e.sku("Mug", 0), 2).Want(t, http.StatusOK)
		e.put(t, opts, e.sku("Knife", 0), 1).Want(t, http.StatusOK)
		uc := kernel.NewID()
		e.coupons.terms[uc] = cart.CouponTerms{UserCouponID: uc, Code: "WELCOME10", Type: cart.CouponPercent, Value: 10}
		req := contracttest.CustomerRequest(user, m)
		if _, err := e.w.Svc.ApplyCoupon(context.Background(), req, uc); err != nil {
			t.Fatal(err)
		}
		r := e.get(t, opts).Want(t, http.StatusOK)
		if r.Body["couponCode"] != "WELCOME10" {
			t.Fatalf("%s: %s", m, r.Raw)
		}
		tt := totals(t, r)
		// 10 % of (2 mugs + 1 knife), shared over both lines
		knife := map[kernel.Market]int64{kernel.MarketKR: 30_000, kernel.MarketUS: 2_250, kernel.MarketJP: 3_300}[m]
		merch := 2*mugs[m]["unit"] + knife
		if tt["couponDiscount"] != (merch+5)/10 {
			t.Fatalf("%s: coupon discount %d of %d", m, tt["couponDiscount"], merch)
		}
		var shares int64
		for _, it := range items(t, r) {
			s, _ := amount(it["couponShare"])
			shares += s
		}
		if shares != tt["couponDiscount"] {
			t.Fatalf("%s: shares %d ≠ discount %d", m, shares, tt["couponDiscount"])
		}
		// the coupons area now refuses it (used elsewhere, expired): the cart shows no coupon
		e.coupons.err[uc] = errs.New(errs.FailedPrecondition, "COUPON_EXPIRED", errs.Text{KO: "만료", EN: "expired", JA: "期限切れ"})
		r = e.get(t, opts).Want(t, http.StatusOK)
		if r.Body["couponCode"] != nil || totals(t, r)["couponDiscount"] != 0 {
			t.Fatalf("%s: an unusable coupon still applies: %s", m, r.Raw)
		}
		// an outage of the coupons store is the read's error, never a silently different total
		e.coupons.err[uc] = errs.ErrUnavailable
		wantProblem(t, e.get(t, opts), http.StatusServiceUnavailable, "SERVICE_UNAVAILABLE")
		delete(e.coupons.err, uc)
	}
	// guests have no coupons
	if _, err := e.w.Svc.ApplyCoupon(context.Background(), contracttest.GuestRequest(contracttest.NewSessionID(), kernel.MarketKR), kernel.NewID()); err == nil {
		t.Fatal("a guest applied a coupon")
	}
}

func TestIdempotentPutReplaysItsAnswer(t *testing.T) {
	e := newEnv(t)
	for _, m := range markets {
		token, _ := e.customer(t)
		key := handlertest.IdempotencyKey("put-" + string(m))
		first := e.put(t, append(as(token, "", m), key), e.sku("Mug", 0), 2).Want(t, http.StatusOK)
		e.put(t, as(token, "", m), e.sku("Mug", 0), 7).Want(t, http.StatusOK)
		replay := e.put(t, append(as(token, "", m), key), e.sku("Mug", 0), 2).Want(t, http.StatusOK)
		if replay.Header.Get("Idempotent-Replayed") != "true" || string(replay.Raw) != string(first.Raw) {
			t.Fatalf("%s: replay %v %s", m, replay.Header, replay.Raw)
		}
		wantProblem(t, e.put(t, append(as(token, "", m), key), e.sku("Mug", 0), 3), http.StatusUnprocessableEntity, "IDEMPOTENCY_KEY_REUSED")
		// a refusal is a business answer: replayed too
		out := handlertest.IdempotencyKey("oos-" + string(m))
		wantProblem(t, e.put(t, append(as(token, "", m), out), e.sku("Knife", 1), 1), http.StatusConflict, "OUT_OF_STOCK")
		e.setStock(t, "Knife", 1, 5)
		r := e.put(t, append(as(token, "", m), out), e.sku("Knife", 1), 1)
		wantProblem(t, r, http.StatusConflict, "OUT_OF_STOCK")
		if r.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("%s: not replayed", m)
		}
		e.setStock(t, "Knife", 1, 0)
	}
}

func TestProblemsAreTranslated(t *testing.T) {
	e := newEnv(t)
	token, _ := e.customer(t)
	for lang, want := range map[string]string{"ko": "재고", "en": "stock", "ja": "在庫"} {
		r := e.put(t, append(as(token, "", kernel.MarketKR), handlertest.Language(lang)), e.sku("Knife", 1), 1)
		if p := wantProblem(t, r, http.StatusConflict, "OUT_OF_STOCK"); !strings.Contains(p.Detail, want) {
			t.Fatalf("%s: detail %q", lang, p.Detail)
		}
	}
}

func TestCartRoutesFollowTheRBACTable(t *testing.T) {
	e := newEnv(t)
	rbactest.Sweep(t, e.sf.Server(), e.sf.Token, rbactest.Options{})
}

func TestCouponRoutesApplyAndRemoveTheCartsCoupon(t *testing.T) {
	e := newEnv(t)
	token, _ := e.customer(t)
	opts := as(token, "", kernel.MarketKR)
	e.put(t, opts, e.sku("Mug", 0), 2).Want(t, http.StatusOK)
	uc := kernel.NewID()
	e.coupons.terms[uc] = cart.CouponTerms{UserCouponID: uc, Code: "WELCOME10", Type: cart.CouponPercent, Value: 10}
	apply := func(body any) handlertest.Response {
		return e.sf.Do(t, http.MethodPut, "/v1/carts/current/coupon", append(opts, handlertest.JSON(body))...)
	}
	r := apply(map[string]any{"userCouponId": uc}).Want(t, http.StatusOK)
	if r.Body["couponCode"] != "WELCOME10" || totals(t, r)["couponDiscount"] != 2000 {
		t.Fatalf("applied: %s", r.Raw)
	}
	if r := e.get(t, opts).Want(t, http.StatusOK); r.Body["couponCode"] != "WELCOME10" {
		t.Fatalf("read after apply: %s", r.Raw)
	}
	wantProblem(t, apply(map[string]any{"userCouponId": "nope"}), http.StatusBadRequest, "VALIDATION_FAILED")
	wantProblem(t, apply(map[string]any{"userCouponId": uc, "extra": 1}), http.StatusBadRequest, "VALIDATION_FAILED")
	other := kernel.NewID()
	e.coupons.err[other] = errs.New(errs.NotFound, "USER_COUPON_NOT_FOUND", errs.Text{KO: "없음", EN: "none", JA: "なし"})
	wantProblem(t, apply(map[string]any{"userCouponId": other}), http.StatusNotFound, "USER_COUPON_NOT_FOUND")
	wantProblem(t, apply(map[string]any{"userCouponId": kernel.NewID()}), http.StatusUnprocessableEntity, cart.ErrCouponNotUsable.Code)
	if r := e.get(t, opts).Want(t, http.StatusOK); r.Body["couponCode"] != "WELCOME10" {
		t.Fatalf("a refused coupon replaced the applied one: %s", r.Raw)
	}
	r = e.sf.Do(t, http.MethodDelete, "/v1/carts/current/coupon", opts...).Want(t, http.StatusOK)
	if r.Body["couponCode"] != nil || totals(t, r)["couponDiscount"] != 0 {
		t.Fatalf("removed: %s", r.Raw)
	}
	guest := as("", contracttest.NewSessionID(), kernel.MarketKR)
	wantProblem(t, e.sf.Do(t, http.MethodPut, "/v1/carts/current/coupon", append(guest, handlertest.JSON(map[string]any{"userCouponId": uc}))...),
		http.StatusUnauthorized, "UNAUTHENTICATED")
	wantProblem(t, e.sf.Do(t, http.MethodDelete, "/v1/carts/current/coupon", guest...), http.StatusUnauthorized, "UNAUTHENTICATED")
}
