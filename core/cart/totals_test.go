package cart_test

import (
	"math/big"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/jupang/jupang/core/cart"
	"github.com/jupang/jupang/core/kernel"
)

func rate(t *testing.T, to kernel.Currency, decimal string) kernel.FXRate {
	t.Helper()
	r, err := kernel.ParseFXRate(kernel.KRW, to, decimal)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func line(key string, unit, promo, qty int64) cart.Line {
	return cart.Line{Key: key, ProductID: "p-" + key, CategoryAncestry: []string{"c-" + key, "root"}, UnitPrice: unit, UnitPromotionDiscount: promo, Quantity: qty}
}

type want struct {
	subtotal, itemDiscount, couponDiscount, shipping, tax, total int64
	shares                                                       []int64
	reasons                                                      []cart.CouponReason
}

func TestCalculateTable(t *testing.T) {
	usd := rate(t, kernel.USD, "0.00072")
	usdHalf := rate(t, kernel.USD, "0.000725")
	jpy := rate(t, kernel.JPY, "0.11")
	fixed := func(krw, minOrder int64, targets cart.CouponTargets) *cart.CouponTerms {
		return &cart.CouponTerms{Code: "FIX", Type: cart.CouponFixed, Value: krw, MinOrderAmount: minOrder, Targets: targets}
	}
	percent := func(pct, maxKRW int64) *cart.CouponTerms {
		return &cart.CouponTerms{Code: "PCT", Type: cart.CouponPercent, Value: pct, MaxDiscount: maxKRW}
	}
	cases := []struct {
		name string
		in   cart.Input
		want want
	}{
		{"KR empty cart costs nothing, not even shipping", cart.Input{Market: kernel.MarketKR},
			want{shares: []int64{}}},
		{"KR promotion, below free shipping, VAT included and reported", cart.Input{Market: kernel.MarketKR,
			Lines: []cart.Line{line("a", 10000, 1000, 2)}},
			want{subtotal: 20000, itemDiscount: 2000, shipping: 3000, tax: 1636, total: 21000, shares: []int64{0}}},
		{"KR free shipping exactly at ₩19,800", cart.Input{Market: kernel.MarketKR,
			Lines: []cart.Line{line("a", 9900, 0, 2)}},
			want{subtotal: 19800, tax: 1800, total: 19800, shares: []int64{0}}},
		{"KR a coupon that drops merchandise below ₩19,800 brings shipping back", cart.Input{Market: kernel.MarketKR,
			Lines: []cart.Line{line("a", 20000, 0, 1)}, Coupon: fixed(1000, 0, cart.CouponTargets{})},
			want{subtotal: 20000, couponDiscount: 1000, shipping: 3000, tax: 1727, total: 22000, shares: []int64{1000}}},
		{"US free from $49, 8 % sales tax added half-up", cart.Input{Market: kernel.MarketUS,
			Lines: []cart.Line{line("a", 2000, 0, 2), line("b", 999, 0, 1)}},
			want{subtotal: 4999, tax: 400, total: 5399, shares: []int64{0, 0}}},
		{"US below $49 pays $5.99, shipping not taxed", cart.Input{Market: kernel.MarketUS,
			Lines: []cart.Line{line("a", 1000, 0, 1)}},
			want{subtotal: 1000, shipping: 599, tax: 80, total: 1679, shares: []int64{0}}},
		{"JP below ¥3,500 pays ¥500, consumption tax included", cart.Input{Market: kernel.MarketJP,
			Lines: []cart.Line{line("a", 3000, 0, 1)}},
			want{subtotal: 3000, shipping: 500, tax: 273, total: 3500, shares: []int64{0}}},
		{"JP free from ¥3,500", cart.Input{Market: kernel.MarketJP, Lines: []cart.Line{line("a", 1750, 0, 2)}},
			want{subtotal: 3500, tax: 318, total: 3500, shares: []int64{0}}},
		{"KR percent coupon on merchandise after promotions, capped by maxDiscount, shared pro rata",
			cart.Input{Market: kernel.MarketKR, Lines: []cart.Line{line("a", 16000, 1000, 2), line("b", 20000, 0, 1)}, Coupon: percent(10, 3000)},
			want{subtotal: 52000, itemDiscount: 2000, couponDiscount: 3000, tax: 4273, total: 47000, shares: []int64{1800, 1200}}},
		{"KR percent rounds half-up once on the eligible total", cart.Input{Market: kernel.MarketKR,
			Lines: []cart.Line{line("a", 12345, 0, 1), line("b", 10000, 0, 1)}, Coupon: percent(10, 0)},
			// 10 % of 22,345 = 2,234.5 → 2,235; shares 2235×12345/22345 = 1234.77 and 1000.22 → 1234+1, 1000
			want{subtotal: 22345, couponDiscount: 2235, tax: 1828, total: 20110, shares: []int64{1235, 1000}}},
		{"largest remainder: equal remainders go to the earlier line", cart.Input{Market: kernel.MarketKR,
			Lines: []cart.Line{line("a", 10000, 0, 1), line("b", 10000, 0, 1), line("c", 10000, 0, 1)}, Coupon: fixed(10000, 0, cart.CouponTargets{})},
			want{subtotal: 30000, couponDiscount: 10000, tax: 1818, total: 20000, shares: []int64{3334, 3333, 3333}}},
		{"product target: only that line shares the discount", cart.Input{Market: kernel.MarketKR,
			Lines: []cart.Line{line("a", 10000, 0, 1), line("b", 30000, 0, 1)}, Coupon: fixed(5000, 0, cart.CouponTargets{ProductIDs: []string{"p-b"}})},
			want{subtotal: 40000, couponDiscount: 5000, tax: 3182, total: 35000, shares: []int64{0, 5000}}},
		{"category target covers the subtree through the ancestry", cart.Input{Market: kernel.MarketKR,
			Lines: []cart.Line{line("a", 10000, 0, 3), line("b", 30000, 0, 1)}, Coupon: fixed(5000, 0, cart.CouponTargets{CategoryIDs: []string{"c-a"}})},
			want{subtotal: 60000, couponDiscount: 5000, tax: 5000, total: 55000, shares: []int64{5000, 0}}},
		{"a fixed coupon never exceeds what it applies to", cart.Input{Market: kernel.MarketKR,
			Lines: []cart.Line{line("a", 3000, 0, 1), line("b", 30000, 0, 1)}, Coupon: fixed(5000, 0, cart.CouponTargets{ProductIDs: []string{"p-a"}})},
			want{subtotal: 33000, couponDiscount: 3000, tax: 2727, total: 30000, shares: []int64{3000, 0}}},
		{"minimum order counts merchandise after promotions and the coupon: not met", cart.Input{Market: kernel.MarketKR,
			Lines: []cart.Line{line("a", 22000, 2000, 1)}, Coupon: fixed(5000, 16000, cart.CouponTargets{})},
			want{subtotal: 22000, itemDiscount: 2000, tax: 1818, total: 20000, shares: []int64{0}, reasons: []cart.CouponReason{cart.CouponMinOrderNotMet}}},
		{"minimum order met exactly", cart.Input{Market: kernel.MarketKR,
			Lines: []cart.Line{line("a", 21000, 0, 1)}, Coupon: fixed(5000, 16000, cart.CouponTargets{})},
			want{subtotal: 21000, couponDiscount: 5000, shipping: 3000, tax: 1455, total: 19000, shares: []int64{5000}}},
		{"a coupon not targeting the market gives nothing", cart.Input{Market: kernel.MarketUS, Rate: usd,
			Lines: []cart.Line{line("a", 5000, 0, 1)}, Coupon: fixed(5000, 0, cart.CouponTargets{Markets: []kernel.Market{kernel.MarketKR}})},
			want{subtotal: 5000, tax: 400, total: 5400, shares: []int64{0}, reasons: []cart.CouponReason{cart.CouponMarketNotTargeted}}},
		{"a coupon whose targets are not in the cart gives nothing", cart.Input{Market: kernel.MarketKR,
			Lines: []cart.Line{line("a", 5000, 0, 1)}, Coupon: fixed(1000, 0, cart.CouponTargets{ProductIDs: []string{"p-z"}})},
			want{subtotal: 5000, shipping: 3000, tax: 455, total: 8000, shares: []int64{0}, reasons: []cart.CouponReason{cart.CouponNoEligibleLines}}},
		{"US: a ₩5,000 coupon is $3.60 at 0.00072", cart.Input{Market: kernel.MarketUS, Rate: usd,
			Lines: []cart.Line{line("a", 6000, 0, 1)}, Coupon: fixed(5000, 0, cart.CouponTargets{})},
			want{subtotal: 6000, couponDiscount: 360, tax: 451, total: 6091, shares: []int64{360}}},
		{"US: KRW amounts convert half-up (₩5,000 × 0.000725 = $3.625 → $3.63)", cart.Input{Market: kernel.MarketUS, Rate: usdHalf,
			Lines: []cart.Line{line("a", 6000, 0, 1)}, Coupon: fixed(5000, 0, cart.CouponTargets{})},
			want{subtotal: 6000, couponDiscount: 363, tax: 451, total: 6088, shares: []int64{363}}},
		{"JP: maxDiscount converts too (₩3,000 × 0.11 = ¥330)", cart.Input{Market: kernel.MarketJP, Rate: jpy,
			Lines: []cart.Line{line("a", 5000, 0, 1)}, Coupon: percent(10, 3000)},
			want{subtotal: 5000, couponDiscount: 330, tax: 425, total: 4670, shares: []int64{330}}},
		{"a line fully discounted by its promotion takes no coupon share", cart.Input{Market: kernel.MarketKR,
			Lines: []cart.Line{line("a", 1000, 1000, 1), line("b", 30000, 0, 1)}, Coupon: fixed(2000, 0, cart.CouponTargets{})},
			want{subtotal: 31000, itemDiscount: 1000, couponDiscount: 2000, tax: 2545, total: 28000, shares: []int64{0, 2000}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := cart.Calculate(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			shares := []int64{}
			for _, l := range got.Lines {
				shares = append(shares, l.CouponShare.Amount)
			}
			g := want{got.Subtotal.Amount, got.ItemDiscount.Amount, got.CouponDiscount.Amount, got.ShippingFee.Amount,
				got.EstimatedTax.Amount, got.Total.Amount, shares, got.Coupon.Reasons}
			if g.subtotal != tc.want.subtotal || g.itemDiscount != tc.want.itemDiscount || g.couponDiscount != tc.want.couponDiscount ||
				g.shipping != tc.want.shipping || g.tax != tc.want.tax || g.total != tc.want.total ||
				!slices.Equal(g.shares, tc.want.shares) || !slices.Equal(g.reasons, tc.want.reasons) {
				t.Fatalf("got  %+v\nwant %+v", g, tc.want)
			}
			if got.TaxIncluded != (tc.in.Market != kernel.MarketUS) {
				t.Fatalf("taxIncluded = %v in %s", got.TaxIncluded, tc.in.Market)
			}
			if cur := tc.in.Market.Currency(); got.Total.Currency != cur || got.CouponDiscount.Currency != cur {
				t.Fatalf("currency %v, want %v", got.Total.Currency, cur)
			}
			if tc.in.Coupon != nil && got.Coupon.Applied != (got.CouponDiscount.Amount > 0) {
				t.Fatalf("applied = %v with discount %d", got.Coupon.Applied, got.CouponDiscount.Amount)
			}
		})
	}
}

func TestCalculateRejectsLinesThatAreNotPriced(t *testing.T) {
	for _, l := range []cart.Line{line("q0", 100, 0, 0), line("q1000", 100, 0, 1000), line("neg", -1, 0, 1),
		line("promo>price", 100, 101, 1), line("negpromo", 100, -1, 1)} {
		if _, err := cart.Calculate(cart.Input{Market: kernel.MarketKR, Lines: []cart.Line{l}}); err == nil {
			t.Errorf("%s: accepted", l.Key)
		}
	}
	// a FIXED coupon outside KR needs the KRW rate
	_, err := cart.Calculate(cart.Input{Market: kernel.MarketUS, Lines: []cart.Line{line("a", 100, 0, 1)},
		Coupon: &cart.CouponTerms{Type: cart.CouponFixed, Value: 1000}})
	if err == nil {
		t.Error("a KRW coupon amount without a rate was accepted")
	}
}

// TestCalculateProperties checks the invariants on random carts in every market: the totals add up,
// nothing is negative, line sums equal the totals, a discount never exceeds what it applies to, and
// shipping and tax follow the market's rules.
func TestCalculateProperties(t *testing.T) {
	rates := map[kernel.Market]kernel.FXRate{
		kernel.MarketKR: {}, kernel.MarketUS: rate(t, kernel.USD, "0.000731"), kernel.MarketJP: rate(t, kernel.JPY, "0.1093"),
	}
	rng := rand.New(rand.NewPCG(7, 2026))
	for run := range 20000 {
		m := kernel.Markets[rng.IntN(3)]
		in := cart.Input{Market: m, Rate: rates[m]}
		for i := range rng.IntN(6) {
			unit := rng.Int64N(300000)
			promo := int64(0)
			if rng.IntN(3) == 0 {
				promo = rng.Int64N(unit + 1)
			}
			l := line(string(rune('a'+i)), unit, promo, 1+rng.Int64N(cart.MaxQuantity))
			l.CategoryAncestry = []string{"c" + string(rune('0'+rng.IntN(3)))}
			in.Lines = append(in.Lines, l)
		}
		if rng.IntN(4) != 0 {
			c := &cart.CouponTerms{Type: cart.CouponPercent, Value: 1 + rng.Int64N(100)}
			if rng.IntN(2) == 0 {
				c = &cart.CouponTerms{Type: cart.CouponFixed, Value: 1 + rng.Int64N(100000)}
			}
			if rng.IntN(2) == 0 {
				c.MaxDiscount = rng.Int64N(50000)
			}
			if rng.IntN(3) == 0 {
				c.MinOrderAmount = rng.Int64N(200000)
			}
			if rng.IntN(3) == 0 {
				c.Targets.CategoryIDs = []string{"c" + string(rune('0'+rng.IntN(3)))}
			}
			if rng.IntN(5) == 0 {
				c.Targets.Markets = []kernel.Market{kernel.Markets[rng.IntN(3)]}
			}
			in.Coupon = c
		}
		got, err := cart.Calculate(in)
		if err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
		checkTotals(t, run, in, got)
	}
}

func checkTotals(t *testing.T, run int, in cart.Input, got cart.Totals) {
	t.Helper()
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("run %d (%+v): "+format, append([]any{run, in}, args...)...)
	}
	for _, v := range []kernel.Money{got.Subtotal, got.ItemDiscount, got.CouponDiscount, got.Merchandise, got.ShippingFee, got.EstimatedTax, got.Total} {
		if v.IsNegative() {
			fail("negative amount in %+v", got)
		}
	}
	added := int64(0)
	if !got.TaxIncluded {
		added = got.EstimatedTax.Amount
	}
	if got.Total.Amount != got.Subtotal.Amount-got.ItemDiscount.Amount-got.CouponDiscount.Amount+got.ShippingFee.Amount+added {
		fail("total does not add up: %+v", got)
	}
	var gross, item, share, net, lineTotal, eligible int64
	for i, l := range got.Lines {
		if l.Key != in.Lines[i].Key || l.CouponShare.IsNegative() || l.CouponShare.Amount > l.Net.Amount || l.ItemDiscount.Amount > l.Gross.Amount {
			fail("line %d out of bounds: %+v", i, l)
		}
		if l.CouponShare.Amount > 0 && in.Coupon != nil && len(in.Coupon.Targets.CategoryIDs) > 0 &&
			!slices.Contains(in.Lines[i].CategoryAncestry, in.Coupon.Targets.CategoryIDs[0]) {
			fail("line %d shares a coupon that does not target it", i)
		}
		gross += l.Gross.Amount
		item += l.ItemDiscount.Amount
		share += l.CouponShare.Amount
		net += l.Net.Amount
		lineTotal += l.Total.Amount
	}
	eligible = got.Coupon.Eligible.Amount
	if gross != got.Subtotal.Amount || item != got.ItemDiscount.Amount || share != got.CouponDiscount.Amount || lineTotal != got.Merchandise.Amount {
		fail("line sums disagree with totals: %+v", got)
	}
	if got.CouponDiscount.Amount > eligible || got.CouponDiscount.Amount > net {
		fail("coupon discount %d exceeds what it applies to (%d)", got.CouponDiscount.Amount, eligible)
	}
	if in.Coupon == nil && got.CouponDiscount.Amount != 0 {
		fail("a discount without a coupon")
	}
	rule := cart.ShippingOf(in.Market)
	wantShipping := int64(0)
	if len(in.Lines) > 0 && got.Merchandise.Amount < rule.FreeFrom.Amount {
		wantShipping = rule.Fee.Amount
	}
	if got.ShippingFee.Amount != wantShipping {
		fail("shipping %d, want %d", got.ShippingFee.Amount, wantShipping)
	}
	if got.EstimatedTax.Amount > got.Merchandise.Amount && got.TaxIncluded {
		fail("included tax above the merchandise")
	}
}

func TestAllocateLargestRemainder(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 5000 {
		weights := make([]int64, 1+rng.IntN(8))
		var sum int64
		for i := range weights {
			weights[i] = rng.Int64N(1_000_000_000)
			sum += weights[i]
		}
		amount := rng.Int64N(sum + 1)
		shares := cart.AllocateLargestRemainder(amount, weights)
		var total int64
		for i, s := range shares {
			if s < 0 || s > weights[i] {
				t.Fatalf("share %d of %d out of [0, %d]", s, amount, weights[i])
			}
			// each share is the floor or the ceiling of its exact proportional share
			exact := new(big.Rat).SetFrac(new(big.Int).Mul(big.NewInt(amount), big.NewInt(weights[i])), big.NewInt(sum))
			diff := new(big.Rat).Sub(exact, new(big.Rat).SetInt64(s))
			if diff.Cmp(big.NewRat(-1, 1)) <= 0 || diff.Cmp(big.NewRat(1, 1)) >= 0 {
				t.Fatalf("share %d is not within one unit of %s", s, exact.FloatString(3))
			}
			total += s
		}
		if total != amount {
			t.Fatalf("shares %v add up to %d, want %d", shares, total, amount)
		}
	}
	if got := cart.AllocateLargestRemainder(10, []int64{1, 1, 1}); !slices.Equal(got, []int64{4, 3, 3}) {
		t.Fatalf("ties: %v", got)
	}
	if got := cart.AllocateLargestRemainder(5, []int64{2, 0, 8}); !slices.Equal(got, []int64{1, 0, 4}) {
		t.Fatalf("proportional: %v", got)
	}
}
