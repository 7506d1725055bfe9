package coupon_test

import (
	"errors"
	"math/big"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/jupang/jupang/core/cart"
	"github.com/jupang/jupang/core/catalog"
	"github.com/jupang/jupang/core/coupon"
	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/kernel"
)

var t0 = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

func valid() coupon.Coupon {
	return coupon.Coupon{Code: "WELCOME10", Name: catalog.Localized{kernel.LocaleKO: "환영", kernel.LocaleEN: "Welcome", kernel.LocaleJA: "ようこそ"},
		Type: coupon.TypePercent, Value: 10, ValidFrom: t0, ValidUntil: t0.Add(30 * 24 * time.Hour), PerUserLimit: 1, Status: coupon.StatusActive}
}

func krw(n int64) kernel.Money { return kernel.NewMoney(n, kernel.KRW) }

func line(product string, ancestry []string, amount int64) cart.Line {
	return cart.Line{Key: product, ProductID: product, CategoryAncestry: ancestry, UnitPrice: amount, Quantity: 1}
}

func TestDiscount(t *testing.T) {
	identity := kernel.FXRate{From: kernel.KRW, To: kernel.KRW, Rate: big.NewRat(1, 1)}
	usd := kernel.FXRate{From: kernel.KRW, To: kernel.USD, Rate: big.NewRat(75, 100000)} // 0.00075
	cap3000, laptops, phone := int64(3000), "11111111-1111-7111-8111-111111111111", "22222222-2222-7222-8222-222222222222"
	lines := []cart.Line{line(phone, []string{"phones"}, 12345), line("33333333-3333-7333-8333-333333333333", []string{laptops, "electronics"}, 20000)}
	tests := []struct {
		name   string
		edit   func(*coupon.Coupon)
		market kernel.Market
		rate   kernel.FXRate
		lines  []cart.Line
		want   kernel.Money
		reason string
	}{
		{"ten percent of everything, half-up", func(*coupon.Coupon) {}, kernel.MarketKR, identity, lines, krw(3235), ""},
		{"capped", func(c *coupon.Coupon) { c.MaxDiscount = &cap3000 }, kernel.MarketKR, identity, lines, krw(3000), ""},
		{"fixed, never above the order", func(c *coupon.Coupon) { c.Type, c.Value = coupon.TypeFixed, 50000 }, kernel.MarketKR, identity, lines, krw(32345), ""},
		{"category target takes only its lines", func(c *coupon.Coupon) { c.Targets.CategoryIDs = []string{laptops} }, kernel.MarketKR, identity, lines, krw(2000), ""},
		{"product target", func(c *coupon.Coupon) { c.Targets.ProductIDs = []string{phone} }, kernel.MarketKR, identity, lines, krw(1235), ""},
		{"below the minimum", func(c *coupon.Coupon) { c.MinOrderAmount = 40000 }, kernel.MarketKR, identity, lines, krw(0), "BELOW_MINIMUM_ORDER"},
		// The minimum is of the whole merchandise after promotions and the coupon (cart.Calculate's rule).
		{"minimum reached exactly after the coupon", func(c *coupon.Coupon) { c.MinOrderAmount = 32345 - 3235 }, kernel.MarketKR, identity, lines, krw(3235), ""},
		{"minimum missed by one after the coupon", func(c *coupon.Coupon) { c.MinOrderAmount = 32345 - 3235 + 1 }, kernel.MarketKR, identity, lines, krw(0), "BELOW_MINIMUM_ORDER"},
		{"minimum counts untargeted lines too", func(c *coupon.Coupon) { c.MinOrderAmount, c.Targets.ProductIDs = 20000, []string{phone} }, kernel.MarketKR, identity, lines, krw(1235), ""},
		{"wrong market", func(c *coupon.Coupon) { c.Targets.Markets = []kernel.Market{kernel.MarketJP} }, kernel.MarketKR, identity, lines, krw(0), "WRONG_MARKET"},
		{"not targeted", func(c *coupon.Coupon) { c.Targets.ProductIDs = []string{laptops} }, kernel.MarketKR, identity, lines, krw(0), "NOT_TARGETED"},
		{"empty", func(*coupon.Coupon) {}, kernel.MarketKR, identity, nil, krw(0), "EMPTY_ORDER"},
		{"fixed KRW converted to USD half-up", func(c *coupon.Coupon) { c.Type, c.Value = coupon.TypeFixed, 5000 }, kernel.MarketUS, usd,
			[]cart.Line{line(phone, nil, 2000)}, kernel.NewMoney(375, kernel.USD), ""},
		{"USD cap converted", func(c *coupon.Coupon) { c.MaxDiscount = &cap3000 }, kernel.MarketUS, usd,
			[]cart.Line{line(phone, nil, 99999)}, kernel.NewMoney(225, kernel.USD), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := valid()
			tt.edit(&c)
			got, reasons, err := coupon.Discount(coupon.CartTerms(c, ""), tt.market, tt.rate, tt.lines)
			if err != nil {
				t.Fatal(err)
			}
			reason := ""
			if len(reasons) > 0 {
				reason = reasons[0].Code
			}
			if got != tt.want || reason != tt.reason {
				t.Fatalf("got %v %q, want %v %q", got, reason, tt.want, tt.reason)
			}
		})
	}
}

// TestDiscountIsTheCartCalculatorsRule: validation's answer (discount, and whether it applies)
// equals what the cart and order totals calculator charges, for random coupons and carts around
// the minimum-order boundary. A second eligibility rule anywhere would fail it.
func TestDiscountIsTheCartCalculatorsRule(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11)) //nolint:gosec // reproducible cases
	usd := kernel.FXRate{From: kernel.KRW, To: kernel.USD, Rate: big.NewRat(75, 100000)}
	products := []string{"p1", "p2", "p3"}
	for i := range 2000 {
		c := valid()
		c.Type, c.Value = coupon.TypePercent, 1+rng.Int64N(100)
		if rng.IntN(2) == 0 {
			c.Type, c.Value = coupon.TypeFixed, rng.Int64N(30000)
		}
		if rng.IntN(2) == 0 {
			c.Targets.ProductIDs = []string{products[rng.IntN(3)]}
		}
		if rng.IntN(4) == 0 {
			c.Targets.Markets = []kernel.Market{kernel.MarketJP}
		}
		m, rate := kernel.MarketKR, kernel.FXRate{From: kernel.KRW, To: kernel.KRW, Rate: big.NewRat(1, 1)}
		if rng.IntN(3) == 0 {
			m, rate = kernel.MarketUS, usd
		}
		var lines []cart.Line
		var merchandise int64
		for k := range 1 + rng.IntN(3) {
			l := cart.Line{Key: strconv.Itoa(k), ProductID: products[rng.IntN(3)], UnitPrice: 100 + rng.Int64N(20000), Quantity: 1 + rng.Int64N(3)}
			l.UnitPromotionDiscount = rng.Int64N(l.UnitPrice / 2)
			lines = append(lines, l)
			merchandise += (l.UnitPrice - l.UnitPromotionDiscount) * l.Quantity
		}
		// Minimums near the merchandise (in KRW), where a rule on another amount would disagree.
		c.MinOrderAmount = max(0, merchandise-rng.Int64N(8000)+2000)
		if m == kernel.MarketUS {
			c.MinOrderAmount = max(0, merchandise*10000/75-rng.Int64N(800000)+200000)
		}
		terms := coupon.CartTerms(c, "uc")
		got, reasons, err := coupon.Discount(terms, m, rate, lines)
		if err != nil {
			t.Fatal(err)
		}
		want, err := cart.Calculate(cart.Input{Market: m, Lines: lines, Coupon: &terms, Rate: rate})
		if err != nil {
			t.Fatal(err)
		}
		if got != want.CouponDiscount || (len(reasons) == 0) != (len(want.Coupon.Reasons) == 0) {
			t.Fatalf("case %d: validation says %v %v, the calculator charges %v %v", i, got, reasons, want.CouponDiscount, want.Coupon.Reasons)
		}
	}
}

func TestExpiryIsTheEarlierOfWindowEndAndValidDays(t *testing.T) {
	c := valid()
	if got := c.ExpiryOf(t0.Add(time.Hour)); !got.Equal(c.ValidUntil) {
		t.Fatalf("no validDays: %v", got)
	}
	days := 7
	c.ValidDays = &days
	if got := c.ExpiryOf(t0.Add(time.Hour)); !got.Equal(t0.Add(7*24*time.Hour + time.Hour)) {
		t.Fatalf("7 days: %v", got)
	}
	if got := c.ExpiryOf(c.ValidUntil.Add(-time.Hour)); !got.Equal(c.ValidUntil) {
		t.Fatalf("capped by the window: %v", got)
	}
}

func TestValidateNamesEveryBadField(t *testing.T) {
	c := valid()
	neg, zero := -1, int64(0)
	c.Code, c.Value, c.ValidUntil, c.TotalQuantity, c.PerUserLimit, c.MaxDiscount = "x", 150, t0, &neg, 0, &zero
	c.Targets.Markets = []kernel.Market{"XX"}
	err := c.Validate()
	got := map[string]string{}
	for _, f := range errs.As(err).Fields {
		got[f.Field] = f.Code
	}
	want := map[string]string{"code": "INVALID_COUPON_CODE", "value": "PERCENT_OVER_100", "validUntil": "INVALID_VALIDITY_WINDOW",
		"totalQuantity": "OUT_OF_RANGE", "perUserLimit": "OUT_OF_RANGE", "maxDiscount": "OUT_OF_RANGE", "targets.markets[0]": "INVALID_MARKET"}
	for f, code := range want {
		if got[f] != code {
			t.Errorf("%s: got %q, want %q (all: %v)", f, got[f], code, got)
		}
	}
	if err := valid().Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestStatusMachine(t *testing.T) {
	for _, tt := range []struct {
		from, to coupon.Status
		ok       bool
	}{
		{coupon.StatusDraft, coupon.StatusActive, true}, {coupon.StatusActive, coupon.StatusPaused, true},
		{coupon.StatusPaused, coupon.StatusActive, true}, {coupon.StatusActive, coupon.StatusArchived, true},
		{coupon.StatusArchived, coupon.StatusActive, false}, {coupon.StatusActive, coupon.StatusDraft, false},
	} {
		c := valid()
		c.Status = tt.from
		to := tt.to
		_, err := coupon.Patch{Status: &to}.Apply(c)
		if (err == nil) != tt.ok || (err != nil && !errors.Is(err, errs.ErrInvalidTransition)) {
			t.Errorf("%s → %s: %v", tt.from, tt.to, err)
		}
	}
}

func TestUserCouponTransitions(t *testing.T) {
	uc := coupon.UserCoupon{ID: "u", Status: coupon.UserAvailable}
	used, err := coupon.Transition{From: coupon.UserAvailable, To: coupon.UserUsed, OrderID: "o", Discount: krw(10), At: t0}.Apply(uc)
	if err != nil || used.UsedOrderID != "o" || used.UsedAt == nil {
		t.Fatalf("%+v %v", used, err)
	}
	back, err := coupon.Transition{From: coupon.UserUsed, To: coupon.UserAvailable, At: t0}.Apply(used)
	if err != nil || back.UsedOrderID != "" || back.UsedAt != nil {
		t.Fatalf("%+v %v", back, err)
	}
	expired, _ := coupon.Transition{From: coupon.UserAvailable, To: coupon.UserExpired, At: t0}.Apply(back)
	if _, err := (coupon.Transition{From: coupon.UserExpired, To: coupon.UserAvailable, At: t0}).Apply(expired); !errors.Is(err, errs.ErrInvalidTransition) {
		t.Fatalf("expired came back: %v", err)
	}
}

func TestLatch(t *testing.T) {
	l := coupon.NewSoldOutLatch(time.Second)
	l.Set("Flash100", l.Epoch(), t0)
	if !l.Latched("FLASH100", t0.Add(999*time.Millisecond)) || l.Latched("FLASH100", t0.Add(time.Second)) {
		t.Fatal("latch should hold for its TTL, in any letter case")
	}
	epoch := l.Epoch()
	l.Set("flash100", epoch, t0)
	l.Clear("FLASH100")
	if l.Latched("flash100", t0) {
		t.Fatal("cleared")
	}
	l.Set("flash100", epoch, t0) // a claim that began before the clear
	if l.Latched("flash100", t0) {
		t.Fatal("an answer older than the clear latched")
	}
}
