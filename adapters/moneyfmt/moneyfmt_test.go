package moneyfmt

import (
	"encoding/json"
	"math"
	"sync"
	"testing"

	"github.com/jupang/jupang/core/kernel"
)

func TestFormat(t *testing.T) {
	ko, en, ja := kernel.LocaleKO, kernel.LocaleEN, kernel.LocaleJA
	krw := func(n int64) kernel.Money { return kernel.NewMoney(n, kernel.KRW) }
	usd := func(n int64) kernel.Money { return kernel.NewMoney(n, kernel.USD) }
	jpy := func(n int64) kernel.Money { return kernel.NewMoney(n, kernel.JPY) }
	tests := []struct {
		m    kernel.Money
		l    kernel.Locale
		want string
	}{
		// Every currency in every locale. CLDR picks the symbol by the reader's language:
		// ko disambiguates foreign dollars and yen (US$, JP¥); ja uses the full-width ￥ (U+FFE5).
		{krw(12900), ko, "₩12,900"},
		{krw(12900), en, "₩12,900"},
		{krw(12900), ja, "₩12,900"},
		{usd(1099), ko, "US$10.99"},
		{usd(1099), en, "$10.99"},
		{usd(1099), ja, "$10.99"},
		{jpy(1290), ko, "JP¥1,290"},
		{jpy(1290), en, "¥1,290"},
		{jpy(1290), ja, "￥1,290"},

		// Zero keeps the currency's minor digits.
		{krw(0), ko, "₩0"},
		{usd(0), en, "$0.00"},
		{jpy(0), ja, "￥0"},

		// Minor units are never dropped or rounded.
		{usd(5), en, "$0.05"},
		{usd(100), en, "$1.00"},
		{usd(123456), en, "$1,234.56"},
		{krw(999), ko, "₩999"},
		{krw(1000), ko, "₩1,000"},

		// Negative amounts (refunds, discounts): minus sign before the symbol.
		{krw(-5000), ko, "-₩5,000"},
		{usd(-123456), en, "-$1,234.56"},
		{usd(-5), en, "-$0.05"},
		{jpy(-1290), ja, "-￥1,290"},
		{usd(-1099), ko, "-US$10.99"},

		// Large values: the full int64 range.
		{krw(1_000_000_000_000), ko, "₩1,000,000,000,000"},
		{krw(math.MaxInt64), ko, "₩9,223,372,036,854,775,807"},
		{krw(math.MinInt64), ko, "-₩9,223,372,036,854,775,808"},
		{usd(math.MaxInt64), en, "$92,233,720,368,547,758.07"},
		{usd(math.MinInt64), en, "-$92,233,720,368,547,758.08"},
		{jpy(math.MaxInt64), ja, "￥9,223,372,036,854,775,807"},

		// A language we do not speak is formatted as English.
		{usd(1099), kernel.Locale("fr"), "$10.99"},
		{jpy(1290), kernel.Locale(""), "¥1,290"},
	}
	for _, tt := range tests {
		t.Run(string(tt.l)+"/"+tt.m.String(), func(t *testing.T) {
			if got := Format(tt.m, tt.l); got != tt.want {
				t.Errorf("Format(%v, %q) = %q, want %q", tt.m, tt.l, got, tt.want)
			}
		})
	}
}

func TestFormatOddCurrencies(t *testing.T) {
	tests := []struct {
		name string
		m    kernel.Money
		want string
	}{
		// Unknown to CLDR: decimal amount and code, never a panic.
		{"unknown code", kernel.NewMoney(1234, kernel.Currency{Code: "XYZ", Exponent: 2}), "12.34 XYZ"},
		{"unknown negative", kernel.NewMoney(-5, kernel.Currency{Code: "XYZ", Exponent: 2}), "-0.05 XYZ"},
		{"unknown no minor unit", kernel.NewMoney(-7, kernel.Currency{Code: "XYZ"}), "-7 XYZ"},
		{"unknown MinInt64", kernel.NewMoney(math.MinInt64, kernel.Currency{Code: "XYZ", Exponent: 2}), "-92233720368547758.08 XYZ"},
		{"empty currency", kernel.NewMoney(10, kernel.Currency{}), "10"},
		// The kernel's exponent wins over CLDR's when they disagree, so the value stays exact.
		{"exponent disagrees", kernel.NewMoney(1099, kernel.Currency{Code: "USD", Exponent: 0}), "$1,099.00"},
		{"more minor digits than CLDR", kernel.NewMoney(12345, kernel.Currency{Code: "USD", Exponent: 3}), "$12.345"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Format(tt.m, kernel.LocaleEN); got != tt.want {
				t.Errorf("Format(%#v) = %q, want %q", tt.m, got, tt.want)
			}
		})
	}
}

func TestJSON(t *testing.T) {
	tests := []struct {
		m    kernel.Money
		l    kernel.Locale
		want string
	}{
		{kernel.NewMoney(12900, kernel.KRW), kernel.LocaleKO, `{"amount":12900,"currency":"KRW","formatted":"₩12,900"}`},
		{kernel.NewMoney(1099, kernel.USD), kernel.LocaleEN, `{"amount":1099,"currency":"USD","formatted":"$10.99"}`},
		{kernel.NewMoney(1290, kernel.JPY), kernel.LocaleJA, `{"amount":1290,"currency":"JPY","formatted":"￥1,290"}`},
		{kernel.NewMoney(-500, kernel.USD), kernel.LocaleKO, `{"amount":-500,"currency":"USD","formatted":"-US$5.00"}`},
	}
	for _, tt := range tests {
		b, err := json.Marshal(JSON(tt.m, tt.l))
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != tt.want {
			t.Errorf("JSON(%v, %q) = %s, want %s", tt.m, tt.l, b, tt.want)
		}
		var back Amount
		if err := json.Unmarshal(b, &back); err != nil || back != JSON(tt.m, tt.l) {
			t.Errorf("round trip of %s = %+v, %v", b, back, err)
		}
	}
}

func TestDecimal(t *testing.T) {
	tests := []struct {
		amount int64
		exp    int
		want   string
	}{
		{0, 0, "0"}, {0, 2, "0.00"}, {5, 2, "0.05"}, {-5, 2, "-0.05"}, {1099, 2, "10.99"},
		{-1099, 2, "-10.99"}, {100, 2, "1.00"}, {7, 3, "0.007"}, {12900, 0, "12900"}, {-1, 0, "-1"},
		{math.MinInt64, 2, "-92233720368547758.08"},
	}
	for _, tt := range tests {
		if got := decimal(tt.amount, tt.exp); got != tt.want {
			t.Errorf("decimal(%d, %d) = %q, want %q", tt.amount, tt.exp, got, tt.want)
		}
	}
}

// TestFormatConcurrent shares the cached formatters between goroutines; run with -race.
func TestFormatConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				l := kernel.Locales[(g+i)%len(kernel.Locales)]
				if got := Format(kernel.NewMoney(12900, kernel.KRW), l); got != "₩12,900" {
					t.Errorf("Format in %q = %q", l, got)
					return
				}
				_ = Format(kernel.NewMoney(int64(i), kernel.USD), l)
			}
		}(g)
	}
	wg.Wait()
}

func BenchmarkFormat(b *testing.B) {
	cases := []struct {
		name string
		m    kernel.Money
		l    kernel.Locale
	}{
		{"KRW-ko", kernel.NewMoney(12900, kernel.KRW), kernel.LocaleKO},
		{"USD-en", kernel.NewMoney(123456, kernel.USD), kernel.LocaleEN},
		{"JPY-ja", kernel.NewMoney(1290, kernel.JPY), kernel.LocaleJA},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = Format(c.m, c.l)
			}
		})
	}
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		m := kernel.NewMoney(12900, kernel.KRW)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				_ = Format(m, kernel.LocaleKO)
			}
		})
	})
}
