package couponhttp

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/jupang/jupang/adapters/http/handlertest"
	"github.com/jupang/jupang/adapters/memory"
	"github.com/jupang/jupang/core/cart"
	"github.com/jupang/jupang/core/contracttest"
	"github.com/jupang/jupang/core/coupon"
	"github.com/jupang/jupang/core/kernel"
)

type fixture struct {
	env       *handlertest.Env
	svc       *coupon.Service
	carts     *cart.Service
	sf, admin *handlertest.Client
	world     *contracttest.CatalogWorld
	staff     string
}

func newFixture(t *testing.T, admission *Admission) *fixture {
	env := handlertest.New(t)
	world := contracttest.NewCatalogWorld(t, contracttest.CatalogHarness{Tx: memory.NewUnitOfWork(env.Store, memory.CatalogStores),
		Reader: memory.NewCatalogReader(env.Store), StockTx: memory.NewUnitOfWork(env.Store, memory.InventoryStores), StockReader: memory.NewInventoryReader(env.Store)})
	svc := coupon.NewService(memory.NewUnitOfWork(env.Store, memory.CouponStores), coupon.NewCatalogPrices(memory.NewCatalogReader(env.Store)),
		env.Clock, coupon.Options{})
	carts := cart.NewService(memory.NewUnitOfWork(env.Store, memory.CartStores), memory.NewCartReads(env.Store), memory.NewCatalogReader(env.Store),
		coupon.CartPort{Svc: svc}, env.Clock, cart.Config{}, nil)
	f := &fixture{env: env, svc: svc, carts: carts, world: world}
	f.sf = env.Server(t, "storefront", StorefrontRoutes(NewHandlers(svc, admission, &coupon.CartValidation{Coupons: svc, Carts: carts})))
	f.admin = env.Server(t, "admin", AdminRoutes(NewHandlers(svc, nil, nil)))
	f.staff = f.admin.Token(t, kernel.RoleMarketing)
	return f
}

func (f *fixture) createCoupon(t *testing.T, body string) map[string]any {
	t.Helper()
	r := f.admin.Post(t, "/v1/admin/coupons", handlertest.Bearer(f.staff), handlertest.JSON(body)).Want(t, http.StatusCreated)
	if r.Header.Get("ETag") != `"1"` || r.Header.Get("Location") != "/v1/admin/coupons/"+r.Body["id"].(string) {
		t.Fatalf("headers %v", r.Header)
	}
	return r.Body
}

func couponBody(code string, total string, extra string) string {
	from, until := handlertest.Epoch.Add(-time.Hour).Format(time.RFC3339), handlertest.Epoch.Add(72*time.Hour).Format(time.RFC3339)
	return fmt.Sprintf(`{"code":%q,"name":{"ko":"할인","en":"Deal","ja":"割引"},"type":"PERCENT","value":10,"validFrom":%q,"validUntil":%q,"totalQuantity":%s%s}`,
		code, from, until, total, extra)
}

func TestClaimMyCouponsAndHistory(t *testing.T) {
	f := newFixture(t, nil)
	f.createCoupon(t, couponBody("ONLY1", "1", ""))
	alice, bob := kernel.NewID(), kernel.NewID()
	aliceToken, bobToken := f.sf.TokenAs(t, kernel.RoleCustomer, alice), f.sf.TokenAs(t, kernel.RoleCustomer, bob)

	claimed := f.sf.Post(t, "/v1/coupons/only1/claim", handlertest.Bearer(aliceToken), handlertest.IdempotencyKey("k1")).Want(t, http.StatusCreated)
	if claimed.Body["code"] != "ONLY1" || claimed.Body["status"] != "AVAILABLE" || claimed.Body["claimNo"] != 1.0 {
		t.Fatalf("claim %v", claimed.Body)
	}
	replay := f.sf.Post(t, "/v1/coupons/only1/claim", handlertest.Bearer(aliceToken), handlertest.IdempotencyKey("k1")).Want(t, http.StatusCreated)
	if replay.Header.Get("Idempotent-Replayed") != "true" || replay.Body["id"] != claimed.Body["id"] {
		t.Fatalf("replay %v %v", replay.Header, replay.Body)
	}
	if p := f.sf.Post(t, "/v1/coupons/ONLY1/claim", handlertest.Bearer(aliceToken)).Want(t, http.StatusConflict).Problem(t); p.Code != "COUPON_ALREADY_CLAIMED" {
		t.Fatal(p.Code)
	}
	if p := f.sf.Post(t, "/v1/coupons/ONLY1/claim", handlertest.Bearer(bobToken), handlertest.Language("ja")).Want(t, http.StatusConflict).Problem(t); p.Code != "COUPON_SOLD_OUT" || p.Detail != "このクーポンは配布上限に達しました。" {
		t.Fatalf("%s %s", p.Code, p.Detail)
	}
	// Latched now: answered from memory, still the same problem.
	if p := f.sf.Post(t, "/v1/coupons/ONLY1/claim", handlertest.Bearer(bobToken)).Want(t, http.StatusConflict).Problem(t); p.Code != "COUPON_SOLD_OUT" {
		t.Fatal(p.Code)
	}
	if p := f.sf.Post(t, "/v1/coupons/NOPE/claim", handlertest.Bearer(bobToken)).Want(t, http.StatusNotFound).Problem(t); p.Code != "COUPON_NOT_FOUND" {
		t.Fatal(p.Code)
	}
	f.sf.Post(t, "/v1/coupons/ONLY1/claim").Want(t, http.StatusUnauthorized)

	mine := f.sf.Get(t, "/v1/users/me/coupons?status=AVAILABLE", handlertest.Bearer(aliceToken)).Want(t, http.StatusOK)
	if items := mine.Items(t); len(items) != 1 || items[0]["id"] != claimed.Body["id"] {
		t.Fatalf("mine %v", mine.Body)
	}
	if items := f.sf.Get(t, "/v1/users/me/coupons?status=USED", handlertest.Bearer(aliceToken)).Want(t, http.StatusOK).Items(t); len(items) != 0 {
		t.Fatalf("used %v", items)
	}
	f.sf.Get(t, "/v1/users/me/coupons?status=NOPE", handlertest.Bearer(aliceToken)).Want(t, http.StatusBadRequest)
	if items := f.sf.Get(t, "/v1/users/me/coupons", handlertest.Bearer(bobToken)).Want(t, http.StatusOK).Items(t); len(items) != 0 {
		t.Fatalf("bob sees %v", items)
	}
	id := claimed.Body["id"].(string)
	h := f.sf.Get(t, "/v1/users/me/coupons/"+id+"/history", handlertest.Bearer(aliceToken)).Want(t, http.StatusOK).Items(t)
	if len(h) != 1 || h[0]["from"] != nil || h[0]["to"] != "AVAILABLE" || h[0]["by"] != "customer" {
		t.Fatalf("history %v", h)
	}
	if p := f.sf.Get(t, "/v1/users/me/coupons/"+id+"/history", handlertest.Bearer(bobToken)).Want(t, http.StatusNotFound).Problem(t); p.Code != "USER_COUPON_NOT_FOUND" {
		t.Fatal(p.Code)
	}
}

// TestOneCustomerFiftyConcurrentClaimsWithTheirOwnKeys: 50 claims by one customer at once, each
// with a different Idempotency-Key (so none is a replay of another), get exactly perUserLimit
// coupons; the rest are 409 COUPON_ALREADY_CLAIMED.
func TestOneCustomerFiftyConcurrentClaimsWithTheirOwnKeys(t *testing.T) {
	for _, limit := range []int{1, 3} {
		t.Run(fmt.Sprint("limit", limit), func(t *testing.T) {
			f := newFixture(t, nil)
			code := fmt.Sprint("MINE", limit)
			f.createCoupon(t, couponBody(code, "1000", fmt.Sprintf(`,"perUserLimit":%d`, limit)))
			token := f.sf.TokenAs(t, kernel.RoleCustomer, kernel.NewID())
			var mu sync.Mutex
			answers := map[string]int{}
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range 50 {
				wg.Go(func() {
					<-start
					r := f.sf.Post(t, "/v1/coupons/"+code+"/claim", handlertest.Bearer(token), handlertest.IdempotencyKey(fmt.Sprint("key-", i)))
					answer := fmt.Sprint(r.Status)
					if r.Status != http.StatusCreated {
						answer += " " + fmt.Sprint(r.Body["code"])
					}
					mu.Lock()
					answers[answer]++
					mu.Unlock()
				})
			}
			close(start)
			wg.Wait()
			if answers["201"] != limit || answers["409 COUPON_ALREADY_CLAIMED"] != 50-limit {
				t.Fatalf("50 claims with their own keys, limit %d: %v", limit, answers)
			}
			if mine := f.sf.Get(t, "/v1/users/me/coupons", handlertest.Bearer(token)).Want(t, http.StatusOK).Items(t); len(mine) != limit {
				t.Fatalf("holds %d", len(mine))
			}
		})
	}
}

func TestAdminCreatePatchStatsAndList(t *testing.T) {
	f := newFixture(t, nil)
	made := f.createCoupon(t, couponBody("SALE", "3", `,"perUserLimit":1,"targets":{"markets":["KR"]}`))
	id := made["id"].(string)
	bad := f.admin.Post(t, "/v1/admin/coupons", handlertest.Bearer(f.staff), handlertest.JSON(
		`{"code":"x","name":{"ko":"a","en":"b","ja":"c"},"type":"PERCENT","value":150,"validFrom":"2026-12-02T00:00:00Z","validUntil":"2026-12-01T00:00:00Z"}`)).
		Want(t, http.StatusBadRequest).Problem(t).Fields()
	if bad["code"] != "INVALID_COUPON_CODE" || bad["value"] != "PERCENT_OVER_100" || bad["validUntil"] != "INVALID_VALIDITY_WINDOW" {
		t.Fatalf("fields %v", bad)
	}
	if p := f.admin.Post(t, "/v1/admin/coupons", handlertest.Bearer(f.staff), handlertest.JSON(couponBody("sale", "null", ""))).
		Want(t, http.StatusConflict).Problem(t); p.Code != "COUPON_CODE_TAKEN" {
		t.Fatal(p.Code)
	}
	for range 2 {
		f.sf.Post(t, "/v1/coupons/SALE/claim", handlertest.Bearer(f.sf.TokenAs(t, kernel.RoleCustomer, kernel.NewID()))).Want(t, http.StatusCreated)
	}
	patch := func(ifMatch, body string, want int) handlertest.Response {
		t.Helper()
		opts := []handlertest.RequestOption{handlertest.Bearer(f.staff), handlertest.JSON(body)}
		if ifMatch != "" {
			opts = append(opts, handlertest.Header("If-Match", ifMatch))
		}
		return f.admin.Do(t, http.MethodPatch, "/v1/admin/coupons/"+id, opts...).Want(t, want)
	}
	if fields := patch("", `{"perUserLimit":2}`, http.StatusBadRequest).Problem(t).Fields(); fields["If-Match"] != "REQUIRED" {
		t.Fatalf("no If-Match %v", fields)
	}
	if fields := patch(`"1"`, `{"totalQuantity":1}`, http.StatusBadRequest).Problem(t).Fields(); fields["totalQuantity"] != "BELOW_ISSUED" {
		t.Fatalf("below issued %v", fields)
	}
	ok := patch(`"1"`, `{"totalQuantity":null,"status":"PAUSED"}`, http.StatusOK)
	if ok.Header.Get("ETag") != `"2"` || ok.Body["totalQuantity"] != nil || ok.Body["status"] != "PAUSED" || ok.Body["issued"] != 2.0 {
		t.Fatalf("patched %v %v", ok.Header, ok.Body)
	}
	if p := patch(`"1"`, `{"status":"ACTIVE"}`, http.StatusConflict).Problem(t); p.Code != "VERSION_CONFLICT" {
		t.Fatal(p.Code)
	}
	if p := f.sf.Post(t, "/v1/coupons/SALE/claim", handlertest.Bearer(f.sf.TokenAs(t, kernel.RoleCustomer, kernel.NewID()))).
		Want(t, http.StatusUnprocessableEntity).Problem(t); p.Code != "COUPON_NOT_ACTIVE" {
		t.Fatal(p.Code)
	}
	patch(`"2"`, `{"status":"ARCHIVED"}`, http.StatusOK)
	if p := patch(`"3"`, `{"status":"ACTIVE"}`, http.StatusConflict).Problem(t); p.Code != "INVALID_STATE_TRANSITION" {
		t.Fatal(p.Code)
	}

	st := f.admin.Get(t, "/v1/admin/coupons/"+id+"/stats", handlertest.Bearer(f.staff)).Want(t, http.StatusOK).Body
	if st["issued"] != 2.0 || st["available"] != 2.0 || st["remaining"] != nil || len(st["claimsPerHour"].([]any)) != 48 {
		t.Fatalf("stats %v", st)
	}
	got := f.admin.Get(t, "/v1/admin/coupons/"+id, handlertest.Bearer(f.staff)).Want(t, http.StatusOK)
	if got.Header.Get("ETag") != `"3"` || got.Body["status"] != "ARCHIVED" {
		t.Fatalf("get %v %v", got.Header, got.Body)
	}
	f.admin.Get(t, "/v1/admin/coupons/"+kernel.NewID(), handlertest.Bearer(f.staff)).Want(t, http.StatusNotFound)
	f.createCoupon(t, couponBody("OTHER", "null", ""))
	if items := f.admin.Get(t, "/v1/admin/coupons?status=ARCHIVED", handlertest.Bearer(f.staff)).Want(t, http.StatusOK).Items(t); len(items) != 1 || items[0]["id"] != id {
		t.Fatalf("archived %v", items)
	}
	page := f.admin.Get(t, "/v1/admin/coupons?limit=1", handlertest.Bearer(f.staff)).Want(t, http.StatusOK)
	next, _ := page.Body["nextCursor"].(string)
	if items := page.Items(t); len(items) != 1 || items[0]["code"] != "OTHER" || next == "" {
		t.Fatalf("page 1 %v", page.Body)
	}
	if items := f.admin.Get(t, "/v1/admin/coupons?limit=1&cursor="+next, handlertest.Bearer(f.staff)).Want(t, http.StatusOK).Items(t); len(items) != 1 || items[0]["id"] != id {
		t.Fatalf("page 2 %v", items)
	}
	f.admin.Get(t, "/v1/admin/coupons?cursor=garbage!", handlertest.Bearer(f.staff)).Want(t, http.StatusBadRequest)
}

func TestValidateAgainstItems(t *testing.T) {
	f := newFixture(t, nil)
	phone := f.world.AddProduct(t, contracttest.ProductSpec{Name: "Phone", Category: f.world.Phones, Base: 20000})
	pan := f.world.AddProduct(t, contracttest.ProductSpec{Name: "Pan", Category: f.world.Kitchen, Base: 8000})
	f.createCoupon(t, couponBody("TECH", "null", fmt.Sprintf(`,"minOrderAmount":15000,"targets":{"categoryIds":[%q]}`, f.world.Electronics.ID)))
	me := f.sf.TokenAs(t, kernel.RoleCustomer, kernel.NewID())
	item := func(p string, sku string, n int) string {
		return fmt.Sprintf(`{"productId":%q,"skuId":%q,"quantity":%d}`, p, sku, n)
	}
	validate := func(body string, opts ...handlertest.RequestOption) handlertest.Response {
		return f.sf.Post(t, "/v1/coupons/validate", append([]handlertest.RequestOption{handlertest.Bearer(me), handlertest.JSON(body)}, opts...)...)
	}
	notClaimed := validate(`{"code":"tech","items":[`+item(phone.ID, phone.SKUs[0].ID, 1)+`,`+item(pan.ID, pan.SKUs[0].ID, 1)+`]}`).Want(t, http.StatusOK).Body
	if notClaimed["valid"] != false || notClaimed["reasons"].([]any)[0].(map[string]any)["code"] != "NOT_CLAIMED" {
		t.Fatalf("unclaimed %v", notClaimed)
	}
	claimed := f.sf.Post(t, "/v1/coupons/TECH/claim", handlertest.Bearer(me)).Want(t, http.StatusCreated).Body
	v := validate(`{"userCouponId":"`+claimed["id"].(string)+`","items":[`+item(phone.ID, phone.SKUs[0].ID, 1)+`,`+item(pan.ID, pan.SKUs[0].ID, 1)+`]}`).
		Want(t, http.StatusOK).Body
	if v["valid"] != true || v["discount"].(map[string]any)["amount"] != 2000.0 || v["userCouponId"] != claimed["id"] {
		t.Fatalf("valid %v", v)
	}
	below := validate(`{"code":"TECH","items":[`+item(pan.ID, pan.SKUs[0].ID, 5)+`]}`, handlertest.Language("ja")).Want(t, http.StatusOK).Body
	reason := below["reasons"].([]any)[0].(map[string]any)
	if below["valid"] != false || reason["code"] != "NOT_TARGETED" || reason["message"] != "クーポンの対象となる商品がありません。" {
		t.Fatalf("not targeted %v", below)
	}
	small := validate(`{"code":"TECH","items":[`+item(phone.ID, phone.SKUs[0].ID, 0)+`]}`).Want(t, http.StatusBadRequest).Problem(t).Fields()
	if small["items[0].quantity"] != "OUT_OF_RANGE" {
		t.Fatalf("quantity 0 %v", small)
	}
	usd := validate(`{"code":"TECH","items":[`+item(phone.ID, phone.SKUs[0].ID, 1)+`]}`, handlertest.Market("US")).Want(t, http.StatusOK).Body
	if usd["valid"] != true || usd["discount"].(map[string]any)["currency"] != "USD" || usd["discount"].(map[string]any)["amount"] != 150.0 {
		t.Fatalf("USD %v", usd)
	}
	if fields := validate(`{"code":"TECH","userCouponId":"`+claimed["id"].(string)+`","items":[]}`).Want(t, http.StatusBadRequest).Problem(t).Fields(); fields["code"] != "ONE_OF_CODE_OR_USER_COUPON" {
		t.Fatalf("both %v", fields)
	}
	validate(`{"code":"TECH","cart":"mine"}`).Want(t, http.StatusBadRequest)
	validate(`{"code":"TECH","cart":"current","items":[]}`).Want(t, http.StatusBadRequest)
	validate(`{"code":"NOPE","items":[]}`).Want(t, http.StatusNotFound)
	validate(`{"userCouponId":"`+claimed["id"].(string)+`","items":[]}`, handlertest.Bearer(f.sf.TokenAs(t, kernel.RoleCustomer, kernel.NewID()))).
		Want(t, http.StatusNotFound)
}

// TestValidateAgainstTheCurrentCart: {cart: "current"} validates against the caller's own cart as
// the cart prices it (category targets need its lines' ancestry), says the discount the cart then
// shows, and translates every reason it does not apply.
func TestValidateAgainstTheCurrentCart(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	phone := f.world.AddProduct(t, contracttest.ProductSpec{Name: "Phone", Category: f.world.Phones, Base: 20000, Stock: []int{50}})
	pan := f.world.AddProduct(t, contracttest.ProductSpec{Name: "Pan", Category: f.world.Kitchen, Base: 8000, Stock: []int{50}})
	f.createCoupon(t, couponBody("TECH", "null", fmt.Sprintf(`,"targets":{"categoryIds":[%q]}`, f.world.Electronics.ID)))
	f.createCoupon(t, couponBody("BIG", "null", `,"minOrderAmount":100000`))
	f.createCoupon(t, couponBody("JAPAN", "null", `,"targets":{"markets":["JP"]}`))
	f.createCoupon(t, couponBody("ONCE", "null", ""))
	f.createCoupon(t, couponBody("SHORT", "null", `,"validDays":1`))
	user := kernel.NewID()
	me := f.sf.TokenAs(t, kernel.RoleCustomer, user)
	claim := func(code string) string {
		return f.sf.Post(t, "/v1/coupons/"+code+"/claim", handlertest.Bearer(me)).Want(t, http.StatusCreated).Body["id"].(string)
	}
	ids := map[string]string{}
	for _, code := range []string{"TECH", "BIG", "JAPAN", "ONCE", "SHORT"} {
		ids[code] = claim(code)
	}
	req := kernel.Request{Principal: kernel.Principal{ID: user, Roles: []kernel.Role{kernel.RoleCustomer}}, Market: kernel.MarketKR, Locale: kernel.LocaleKO}
	validate := func(code string, opts ...handlertest.RequestOption) map[string]any {
		t.Helper()
		return f.sf.Post(t, "/v1/coupons/validate", append([]handlertest.RequestOption{handlertest.Bearer(me),
			handlertest.JSON(`{"userCouponId":"` + ids[code] + `","cart":"current"}`)}, opts...)...).Want(t, http.StatusOK).Body
	}
	reason := func(v map[string]any) (string, string) {
		t.Helper()
		if v["valid"] != false || v["discount"].(map[string]any)["amount"] != 0.0 || len(v["reasons"].([]any)) == 0 {
			t.Fatalf("want invalid, got %v", v)
		}
		r := v["reasons"].([]any)[0].(map[string]any)
		return r["code"].(string), r["message"].(string)
	}

	if code, _ := reason(validate("TECH")); code != "EMPTY_ORDER" {
		t.Fatalf("empty cart: %s", code)
	}
	if _, err := f.carts.SetItem(ctx, req, pan.SKUs[0].ID, 1); err != nil {
		t.Fatal(err)
	}
	if code, msg := reason(validate("TECH", handlertest.Language("ja"))); code != "NOT_TARGETED" || msg != "クーポンの対象となる商品がありません。" {
		t.Fatalf("pan only: %s %s", code, msg)
	}
	if _, err := f.carts.SetItem(ctx, req, phone.SKUs[0].ID, 2); err != nil {
		t.Fatal(err)
	}
	// 10 % of the phones only (₩40,000 in Electronics ⊃ Phones): what the cart itself charges.
	v := validate("TECH")
	if v["valid"] != true || v["discount"].(map[string]any)["amount"] != 4000.0 || v["userCouponId"] != ids["TECH"] {
		t.Fatalf("targeted %v", v)
	}
	if _, err := f.carts.ApplyCoupon(ctx, req, ids["TECH"]); err != nil {
		t.Fatal(err)
	}
	view, err := f.carts.Current(ctx, req)
	if err != nil || view.Totals.CouponDiscount.Amount != 4000 {
		t.Fatalf("the cart charges %v (%v)", view.Totals.CouponDiscount, err)
	}
	if code, _ := reason(validate("BIG")); code != "BELOW_MINIMUM_ORDER" {
		t.Fatalf("minimum: %s", code)
	}
	if code, msg := reason(validate("JAPAN", handlertest.Language("en"))); code != "WRONG_MARKET" || msg == "" {
		t.Fatalf("market: %s %q", code, msg)
	}
	if err := f.svc.Use(ctx, user, ids["ONCE"], kernel.NewID(), kernel.NewMoney(4800, kernel.KRW)); err != nil {
		t.Fatal(err)
	}
	if code, _ := reason(validate("ONCE")); code != "ALREADY_USED" {
		t.Fatalf("used: %s", code)
	}
	f.env.Clock.Advance(25 * time.Hour)
	me = f.sf.TokenAs(t, kernel.RoleCustomer, user) // the first token has expired meanwhile
	if code, _ := reason(validate("SHORT")); code != "EXPIRED" {
		t.Fatalf("expired: %s", code)
	}
	// By code too, and only for a customer's own cart.
	byCode := f.sf.Post(t, "/v1/coupons/validate", handlertest.Bearer(me), handlertest.JSON(`{"code":"tech","cart":"current"}`)).Want(t, http.StatusOK).Body
	if byCode["valid"] != true || byCode["discount"].(map[string]any)["amount"] != 4000.0 {
		t.Fatalf("by code %v", byCode)
	}
	stranger := f.sf.Post(t, "/v1/coupons/validate", handlertest.Bearer(f.sf.TokenAs(t, kernel.RoleCustomer, kernel.NewID())),
		handlertest.JSON(`{"code":"TECH","cart":"current"}`)).Want(t, http.StatusOK).Body
	if code, _ := reason(stranger); code != "NOT_CLAIMED" {
		t.Fatalf("stranger %v", stranger)
	}
}

func TestOverloadShedsWith503AndRetryAfter(t *testing.T) {
	full := NewAdmission(AdmissionConfig{Max: 1})
	full.inflight.Store(1) // one claim is running
	shed := 0
	full.OnShed = func() { shed++ }
	f := newFixture(t, full)
	f.createCoupon(t, couponBody("BUSY", "null", ""))
	r := f.sf.Post(t, "/v1/coupons/BUSY/claim", handlertest.Bearer(f.sf.TokenAs(t, kernel.RoleCustomer, kernel.NewID()))).Want(t, http.StatusServiceUnavailable)
	if r.Problem(t).Code != "OVERLOADED" || r.Header.Get("Retry-After") != "1" || shed != 1 {
		t.Fatalf("shed %v %s", r.Header, r.Text())
	}
	full.inflight.Store(0)
	f.sf.Post(t, "/v1/coupons/BUSY/claim", handlertest.Bearer(f.sf.TokenAs(t, kernel.RoleCustomer, kernel.NewID()))).Want(t, http.StatusCreated)
	if full.InFlight() != 0 {
		t.Fatalf("%d in flight after the answer", full.InFlight())
	}
}

func TestAdmittedClaimsBeyondTheSlotsWaitTheirTurnInOrder(t *testing.T) {
	a := NewAdmission(AdmissionConfig{Max: 8, Slots: 1})
	a.slots <- struct{}{} // one claim is running
	f := newFixture(t, a)
	f.createCoupon(t, couponBody("TURN", "null", `,"perUserLimit":2`))
	token := f.sf.TokenAs(t, kernel.RoleCustomer, kernel.NewID())
	// One customer claims twice: the claim that ran first got claim number 1.
	done := make(chan string, 2)
	claim := func(who string) {
		r := f.sf.Post(t, "/v1/coupons/TURN/claim", handlertest.Bearer(token))
		done <- fmt.Sprint(who, " ", r.Status, " ", r.Body["claimNo"])
	}
	// waitInFlight waits until n claims are admitted (running or waiting for the slot), and a moment
	// more for the last to queue for it.
	waitInFlight := func(n int64) {
		for deadline := time.Now().Add(5 * time.Second); a.InFlight() != n; time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%d admitted, want %d", a.InFlight(), n)
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	go claim("first")
	waitInFlight(1)
	go claim("second")
	waitInFlight(2)
	select {
	case got := <-done:
		t.Fatalf("answered %s while the only slot was taken", got)
	case <-time.After(30 * time.Millisecond):
	}
	<-a.slots // the running claim ends
	got := map[string]bool{<-done: true, <-done: true}
	if !got["first 201 1"] || !got["second 201 2"] {
		t.Fatalf("answers %v; want the first waiter to run first, both 201", got)
	}
	if a.InFlight() != 0 || len(a.slots) != 0 {
		t.Fatalf("%d in flight, %d slots held after the answers", a.InFlight(), len(a.slots))
	}
}

func TestAdmissionAdaptsToLatency(t *testing.T) {
	a := NewAdmission(AdmissionConfig{Max: 64, Min: 2, Target: 40 * time.Millisecond})
	clock := handlertest.Epoch
	a.now, a.since = func() time.Time { return clock }, clock
	window := func(took time.Duration, running int64) {
		for range 10 {
			a.observe(took, running)
		}
		clock = clock.Add(a.Interval)
		a.observe(took, running) // closes the window
	}
	// 64 in flight at ~300 claims/s take ~210 ms (Little's law): the bound heads for about
	// 64 × 40/210 ≈ 12, a quarter of itself per window at most.
	window(210*time.Millisecond, 64)
	if l := a.Limit(); l != 48 {
		t.Fatalf("one slow window: bound %d, want 48 (a quarter less at most)", l)
	}
	window(80*time.Millisecond, 48)
	if l := a.Limit(); l != 36 {
		t.Fatalf("second slow window: bound %d, want 36", l)
	}
	for range 20 {
		window(400*time.Millisecond, a.Limit())
	}
	if l := a.Limit(); l != 2 {
		t.Fatalf("slow answers left the bound at %d, want the floor 2", l)
	}
	// Fast answers grow it back only while the bound is what limits.
	window(5*time.Millisecond, 1)
	if l := a.Limit(); l != 2 {
		t.Fatalf("an idle fast window grew the bound to %d", l)
	}
	for range 40 {
		window(5*time.Millisecond, a.Limit())
	}
	if l := a.Limit(); l != 64 {
		t.Fatalf("fast answers at the bound grew it to %d, want the ceiling 64", l)
	}
	// Near the target it settles where latency is the target.
	window(50*time.Millisecond, 64)
	if l := a.Limit(); l != 51 {
		t.Fatalf("50 ms at 64: bound %d, want 64 × 40/50 = 51", l)
	}
}

func TestAdminCancelsACustomersCoupon(t *testing.T) {
	f := newFixture(t, nil)
	id := f.createCoupon(t, couponBody("GIFT", "10", ""))["id"].(string)
	alice := kernel.NewID()
	aliceToken := f.sf.TokenAs(t, kernel.RoleCustomer, alice)
	uc := f.sf.Post(t, "/v1/coupons/GIFT/claim", handlertest.Bearer(aliceToken)).Want(t, http.StatusCreated).Body["id"].(string)
	path := "/v1/admin/coupons/" + id + "/user-coupons/" + uc + "/cancel"

	if fields := f.admin.Post(t, path, handlertest.Bearer(f.staff), handlertest.JSON(`{"reason":" "}`)).
		Want(t, http.StatusBadRequest).Problem(t).Fields(); fields["reason"] != "REQUIRED" {
		t.Fatalf("blank reason %v", fields)
	}
	f.admin.Post(t, path, handlertest.Bearer(f.admin.Token(t, kernel.RoleSupport)), handlertest.JSON(`{"reason":"x"}`)).Want(t, http.StatusForbidden)
	if p := f.admin.Post(t, "/v1/admin/coupons/"+kernel.NewID()+"/user-coupons/"+uc+"/cancel", handlertest.Bearer(f.staff),
		handlertest.JSON(`{"reason":"x"}`)).Want(t, http.StatusNotFound).Problem(t); p.Code != "USER_COUPON_NOT_FOUND" {
		t.Fatal(p.Code)
	}

	got := f.admin.Post(t, path, handlertest.Bearer(f.staff), handlertest.JSON(`{"reason":"duplicate account"}`)).Want(t, http.StatusOK).Body
	if got["id"] != uc || got["status"] != "CANCELLED" {
		t.Fatalf("cancelled %v", got)
	}
	again := f.admin.Post(t, path, handlertest.Bearer(f.staff), handlertest.JSON(`{"reason":"again"}`)).Want(t, http.StatusConflict).Problem(t)
	if again.Code != "INVALID_STATE_TRANSITION" {
		t.Fatal(again.Code)
	}

	h := f.sf.Get(t, "/v1/users/me/coupons/"+uc+"/history", handlertest.Bearer(aliceToken)).Want(t, http.StatusOK).Items(t)
	if len(h) != 2 || h[1]["from"] != "AVAILABLE" || h[1]["to"] != "CANCELLED" || h[1]["by"] != "staff" || h[1]["reason"] != "duplicate account" {
		t.Fatalf("history %v", h)
	}
	v := f.sf.Post(t, "/v1/coupons/validate", handlertest.Bearer(aliceToken), handlertest.JSON(`{"userCouponId":"`+uc+`","items":[]}`)).
		Want(t, http.StatusOK).Body
	if v["valid"] != false || !hasReason(v, "CANCELLED") {
		t.Fatalf("validate a cancelled coupon %v", v)
	}
	st := f.admin.Get(t, "/v1/admin/coupons/"+id+"/stats", handlertest.Bearer(f.staff)).Want(t, http.StatusOK).Body
	if st["issued"] != 1.0 || st["cancelled"] != 1.0 || st["available"] != 0.0 || st["remaining"] != 9.0 {
		t.Fatalf("stats %v", st)
	}
}

func hasReason(verdict map[string]any, code string) bool {
	for _, r := range verdict["reasons"].([]any) {
		if r.(map[string]any)["code"] == code {
			return true
		}
	}
	return false
}
