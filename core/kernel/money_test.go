package kernel

import (
	"errors"
	"math"
	"math/big"
	"testing"
)

func TestRoundHalfUp(t *testing.T) {
	tests := []struct {
		name     string
		num, den int64
		want     int64
	}{
		{"zero", 0, 1, 0},
		{"integer", 4, 1, 4},
		{"negative integer", -4, 1, -4},
		{"below half", 49, 100, 0},
		{"exact half", 1, 2, 1},
		{"above half", 51, 100, 1},
		{"one and a half", 3, 2, 2},
		{"two and a half", 5, 2, 3}, // not banker's rounding: 2.5 → 3, not 2
		{"thirds down", 7, 3, 2},
		{"thirds up", 5, 3, 2},
		{"negative below half", -49, 100, 0},
		{"negative exact half", -1, 2, -1}, // halves go away from zero
		{"negative one and a half", -3, 2, -2},
		{"negative two and a half", -5, 2, -3},
		{"negative above half", -51, 100, -1},
		{"negative thirds", -7, 3, -2},
		{"tiny positive", 1, 1_000_000, 0},
		{"just under a half", 499_999, 1_000_000, 0},
		{"large exact half", math.MaxInt64, 2, math.MaxInt64/2 + 1}, // 4611686018427387903.5
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := roundHalfUp(big.NewRat(tt.num, tt.den)); got != tt.want {
				t.Errorf("roundHalfUp(%d/%d) = %d, want %d", tt.num, tt.den, got, tt.want)
			}
		})
	}
}

func TestCurrencyOf(t *testing.T) {
	for _, c := range []Currency{KRW, USD, JPY} {
		got, err := CurrencyOf(c.Code)
		if err != nil || got != c {
			t.Errorf("CurrencyOf(%q) = %v, %v; want %v", c.Code, got, err, c)
		}
	}
	for _, code := range []string{"", "krw", "EUR", "KRW ", "US"} {
		_, err := CurrencyOf(code)
		if !errors.Is(err, ErrUnknownCurrency) {
			t.Errorf("CurrencyOf(%q) error = %v, want UNKNOWN_CURRENCY", code, err)
		}
	}
	if KRW.Exponent != 0 || USD.Exponent != 2 || JPY.Exponent != 0 {
		t.Errorf("exponents KRW/USD/JPY = %d/%d/%d, want 0/2/0", KRW.Exponent, USD.Exponent, JPY.Exponent)
	}
}

func TestMoneyArithmetic(t *testing.T) {
	a, b := NewMoney(12900, KRW), NewMoney(3000, KRW)
	if got := a.Add(b); got != NewMoney(15900, KRW) {
		t.Errorf("Add = %v", got)
	}
	if got := b.Sub(a); got != NewMoney(-9900, KRW) || !got.IsNegative() {
		t.Errorf("Sub = %v", got)
	}
	if got := a.Mul(3); got != NewMoney(38700, KRW) {
		t.Errorf("Mul = %v", got)
	}
	if got := a.Min(b); got != b {
		t.Errorf("Min = %v", got)
	}
	if a.Cmp(b) != 1 || b.Cmp(a) != -1 || a.Cmp(a) != 0 {
		t.Errorf("Cmp wrong: %d %d %d", a.Cmp(b), b.Cmp(a), a.Cmp(a))
	}
	if z := Zero(USD); !z.IsZero() || z.IsNegative() || z.Currency != USD {
		t.Errorf("Zero(USD) = %#v", z)
	}
}

func TestMoneyCurrencyMismatchPanics(t *testing.T) {
	ops := map[string]func(){
		"Add": func() { NewMoney(1, KRW).Add(NewMoney(1, JPY)) },
		"Sub": func() { NewMoney(1, KRW).Sub(NewMoney(1, USD)) },
		"Min": func() { NewMoney(1, USD).Min(NewMoney(1, JPY)) },
		"Cmp": func() { NewMoney(1, USD).Cmp(NewMoney(1, KRW)) },
		"Convert": func() {
			r, _ := ParseFXRate(KRW, USD, "0.00072")
			r.Convert(NewMoney(1, JPY))
		},
	}
	for name, op := range ops {
		t.Run(name, func(t *testing.T) {
			defer func() {
				r := recover()
				err, ok := r.(error)
				if !ok || !errors.Is(err, ErrCurrencyMismatch) {
					t.Errorf("recovered %v, want a CURRENCY_MISMATCH error", r)
				}
			}()
			op()
		})
	}
}

func TestPercentBP(t *testing.T) {
	tests := []struct {
		name   string
		amount int64
		bp     int64
		want   int64
	}{
		{"10 % of ₩12,900", 12900, 1000, 1290},
		{"10 % rounds half up", 12345, 1000, 1235}, // 1234.5
		{"10 % just below half", 12344, 1000, 1234},
		{"0 %", 12900, 0, 0},
		{"100 %", 12900, 10000, 12900},
		{"1 bp of 5000 is exactly half", 5000, 1, 1}, // 0.5
		{"1 bp of 4999 rounds down", 4999, 1, 0},
		{"3.33 %", 12345, 333, 411},                  // 411.0885
		{"negative exact half", -12345, 1000, -1235}, // -1234.5, away from zero
		{"negative below half", -12344, 1000, -1234},
		{"zero amount", 0, 1000, 0},
		{"large amount", 1_000_000_000_000, 1250, 125_000_000_000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := NewMoney(tt.amount, KRW).PercentBP(tt.bp)
			if got != NewMoney(tt.want, KRW) {
				t.Errorf("%d.PercentBP(%d) = %v, want %d", tt.amount, tt.bp, got, tt.want)
			}
		})
	}
	if got := NewMoney(1099, USD).Percent(10); got != NewMoney(110, USD) { // 109.9 cents
		t.Errorf("$10.99 × 10 %% = %v, want 110 cents", got)
	}
	if got := NewMoney(12900, KRW).Percent(10); got != NewMoney(12900, KRW).PercentBP(1000) {
		t.Errorf("Percent(10) != PercentBP(1000): %v", got)
	}
}

func TestIncludedTax(t *testing.T) {
	tests := []struct {
		name   string
		amount int64
		pct    int64
		want   int64
	}{
		{"₩11,000 at 10 %", 11000, 10, 1000},
		{"₩12,900 at 10 %", 12900, 10, 1173}, // 1172.727…
		{"₩11 at 10 %", 11, 10, 1},
		{"₩1 at 10 %", 1, 10, 0}, // 0.0909…
		{"₩6 at 10 %", 6, 10, 1}, // 0.5454…
		{"₩5 at 10 %", 5, 10, 0}, // 0.4545…
		{"¥1,080 at 8 %", 1080, 8, 80},
		{"zero rate", 12900, 0, 0},
		{"zero amount", 0, 10, 0},
		{"negative (refund)", -11000, 10, -1000},
		{"negative rounds away from zero", -6, 10, -1},
		// amount × pct overflows int64 although the result fits.
		{"huge amount", math.MaxInt64 / 2, 10, 419_244_183_493_398_900}, // 4611686018427387903 × 10/110 = …900.027
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := NewMoney(tt.amount, KRW).IncludedTax(tt.pct)
			if got != NewMoney(tt.want, KRW) {
				t.Errorf("%d.IncludedTax(%d) = %v, want %d", tt.amount, tt.pct, got, tt.want)
			}
		})
	}
}

func TestParseFXRate(t *testing.T) {
	valid := []struct {
		in   string
		want *big.Rat
	}{
		{"0.00072", big.NewRat(72, 100000)},
		{"1", big.NewRat(1, 1)},
		{"1388.50", big.NewRat(277700, 200)},
		{"0.108", big.NewRat(108, 1000)},
	}
	for _, tt := range valid {
		r, err := ParseFXRate(KRW, USD, tt.in)
		if err != nil {
			t.Errorf("ParseFXRate(%q) error %v", tt.in, err)
			continue
		}
		if r.Rate.Cmp(tt.want) != 0 || r.From != KRW || r.To != USD {
			t.Errorf("ParseFXRate(%q) = %v %s→%s, want %v", tt.in, r.Rate, r.From.Code, r.To.Code, tt.want)
		}
	}
	for _, in := range []string{"0", "0.0", "-1", "-0.00072", "abc", "", " ", "1/0", "NaN", "Inf", "0.00072x"} {
		_, err := ParseFXRate(KRW, USD, in)
		if !errors.Is(err, ErrInvalidRate) {
			t.Errorf("ParseFXRate(%q) error = %v, want INVALID_FX_RATE", in, err)
		}
	}
}

func mustRate(t *testing.T, from, to Currency, s string) FXRate {
	t.Helper()
	r, err := ParseFXRate(from, to, s)
	if err != nil {
		t.Fatalf("ParseFXRate(%q): %v", s, err)
	}
	return r
}

func TestConvert(t *testing.T) {
	tests := []struct {
		name     string
		from, to Currency
		rate     string
		amount   int64
		want     int64
	}{
		// 12,900 × 0.00072 = 9.288 USD = 928.8 cents → 929.
		{"KRW→USD", KRW, USD, "0.00072", 12900, 929},
		{"KRW→USD exact", KRW, USD, "0.00072", 12500, 900},
		{"KRW→USD exact half cent", KRW, USD, "0.0002", 125, 3}, // 2.5 cents
		{"KRW→USD below half cent", KRW, USD, "0.0002", 124, 2}, // 2.48 cents
		{"KRW→USD negative half", KRW, USD, "0.0002", -125, -3}, // refunds round away from zero
		{"KRW→USD tiny", KRW, USD, "0.00072", 1, 0},             // 0.072 cents
		{"KRW→JPY", KRW, JPY, "0.108", 12900, 1393},             // 1393.2
		{"KRW→JPY exact half", KRW, JPY, "0.105", 12900, 1355},  // 1354.5
		{"KRW→JPY negative", KRW, JPY, "0.105", -12900, -1355},
		{"USD→KRW", USD, KRW, "1388.5", 1099, 15260}, // 10.99 × 1388.5 = 15259.615
		{"JPY→USD", JPY, USD, "0.0067", 1290, 864},   // 8.643 USD
		{"zero", KRW, USD, "0.00072", 0, 0},
		{"large KRW→JPY", KRW, JPY, "0.108", 1_000_000_000_000, 108_000_000_000},
		{"same currency identity", KRW, KRW, "1", 12900, 12900},
		// A From==To rate is the identity whatever its value: a KRW→KRW rate other than 1 is meaningless.
		{"same currency ignores rate", USD, USD, "2", 1099, 1099},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mustRate(t, tt.from, tt.to, tt.rate)
			got := r.Convert(NewMoney(tt.amount, tt.from))
			if got != NewMoney(tt.want, tt.to) {
				t.Errorf("Convert(%d %s @%s) = %v, want %d %s", tt.amount, tt.from.Code, tt.rate, got, tt.want, tt.to.Code)
			}
		})
	}
}

func TestMarketPrice(t *testing.T) {
	base := NewMoney(12900, KRW)
	toUSD := mustRate(t, KRW, USD, "0.00072")
	toJPY := mustRate(t, KRW, JPY, "0.108")
	explicitUSD := NewMoney(999, USD)
	freeUSD := NewMoney(0, USD)
	tests := []struct {
		name     string
		explicit *Money
		rate     FXRate
		want     Money
	}{
		{"converted USD", nil, toUSD, NewMoney(929, USD)},
		{"converted JPY", nil, toJPY, NewMoney(1393, JPY)},
		{"KR market identity", nil, mustRate(t, KRW, KRW, "1"), base},
		{"explicit wins over the rate", &explicitUSD, toUSD, explicitUSD},
		{"explicit zero is still explicit", &freeUSD, toUSD, freeUSD},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := MarketPrice(base, tt.explicit, tt.rate); got != tt.want {
				t.Errorf("MarketPrice = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestMarketCurrencies(t *testing.T) {
	for _, tt := range []struct {
		m   Market
		c   Currency
		l   Locale
		tax TaxRule
	}{
		{MarketKR, KRW, LocaleKO, TaxRule{RatePercent: 10, Included: true}},
		{MarketUS, USD, LocaleEN, TaxRule{RatePercent: 8, Included: false}},
		{MarketJP, JPY, LocaleJA, TaxRule{RatePercent: 10, Included: true}},
	} {
		if tt.m.Currency() != tt.c || tt.m.Locale() != tt.l || tt.m.TaxRule() != tt.tax {
			t.Errorf("%s: %v %v %v", tt.m, tt.m.Currency(), tt.m.Locale(), tt.m.TaxRule())
		}
	}
}
