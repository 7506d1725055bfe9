// Package moneyfmt renders kernel.Money for people: "₩12,900", "$10.99", "￥1,290".
//
// Formatting follows CLDR through github.com/bojanz/currency (golang.org/x/text/currency does not
// place symbols and separators correctly per locale). The symbol depends on the reader's language,
// not on the market: USD reads "$10.99" in en and ja but "US$10.99" in ko, and JPY reads "￥1,290"
// (full-width yen, CLDR's ja symbol) in ja, "¥1,290" in en and "JP¥1,290" in ko.
//
// One formatter per supported locale is built when the package loads and never modified afterwards;
// bojanz's Formatter.Format only reads its fields and package-level CLDR tables, so the formatters are
// shared by all goroutines without locking.
package moneyfmt

import (
	"math/big"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/bojanz/currency"

	"github.com/jupang/jupang/core/kernel"
)

// Amount is the wire shape of money in API responses:
// {"amount":12900,"currency":"KRW","formatted":"₩12,900"}.
type Amount struct {
	Amount    int64  `json:"amount"`    // minor units (won, cents, yen)
	Currency  string `json:"currency"`  // ISO 4217 code
	Formatted string `json:"formatted"` // for display in the request's language
}

// JSON returns m in its wire shape, formatted for l.
func JSON(m kernel.Money, l kernel.Locale) Amount {
	return Amount{Amount: m.Amount, Currency: m.Currency.Code, Formatted: Format(m, l)}
}

// fallbackLocale formats for a locale Jupang does not speak.
const fallbackLocale = kernel.LocaleEN

// formatters holds one read-only formatter per supported locale.
var formatters = func() map[kernel.Locale]*currency.Formatter {
	fs := make(map[kernel.Locale]*currency.Formatter, len(kernel.Locales))
	for _, l := range kernel.Locales {
		fs[l] = currency.NewFormatter(currency.NewLocale(string(l)))
	}
	return fs
}()

// Format renders m for a reader of language l, e.g. ₩12,900 (KRW, ko), $10.99 (USD, en),
// ￥1,290 (JPY, ja), -₩5,000 for a negative amount. A locale other than ko, en or ja is formatted
// as English. A currency CLDR does not know is shown as its decimal amount and code ("12.34 XYZ").
func Format(m kernel.Money, l kernel.Locale) string {
	k := formatKey{m.Amount, m.Currency, l}
	if s, ok := formatted.Load(k); ok {
		return s.(string)
	}
	s := format(m, l)
	if formattedSize.Load() < formattedMax {
		if _, known := formatted.LoadOrStore(k, s); !known {
			formattedSize.Add(1)
		}
	}
	return s
}

// formatted remembers Format's answers: the CLDR formatter builds a string replacer per call, which
// was most of a product list's rendering, and shops show few distinct prices. The bound keeps the
// memo from growing without limit (past it, amounts are formatted each time).
var (
	formatted     sync.Map // formatKey → string
	formattedSize atomic.Int32
)

const formattedMax = 200_000

type formatKey struct {
	amount   int64
	currency kernel.Currency
	locale   kernel.Locale
}

func format(m kernel.Money, l kernel.Locale) string {
	f, ok := formatters[l]
	if !ok {
		f = formatters[fallbackLocale]
	}
	a, ok := toAmount(m)
	if !ok {
		return strings.TrimSpace(decimal(m.Amount, m.Currency.Exponent) + " " + m.Currency.Code)
	}
	return f.Format(a)
}

// toAmount converts minor units into a bojanz Amount, trusting the kernel's exponent.
func toAmount(m kernel.Money) (currency.Amount, bool) {
	code := m.Currency.Code
	if !currency.IsValid(code) {
		return currency.Amount{}, false
	}
	if d, _ := currency.GetDigits(code); int(d) == m.Currency.Exponent {
		a, err := currency.NewAmountFromInt64(m.Amount, code)
		return a, err == nil
	}
	// The kernel and CLDR disagree on the minor unit: keep the kernel's value exact.
	a, err := currency.NewAmount(decimal(m.Amount, m.Currency.Exponent), code)
	return a, err == nil
}

// decimal writes minor units as a plain decimal string: (1099, 2) → "10.99", (-5, 2) → "-0.05".
func decimal(amount int64, exp int) string {
	if exp <= 0 {
		return strconv.FormatInt(amount, 10)
	}
	digits := new(big.Int).Abs(big.NewInt(amount)).String() // Abs via big.Int: safe for MinInt64
	if len(digits) <= exp {
		digits = strings.Repeat("0", exp-len(digits)+1) + digits
	}
	s := digits[:len(digits)-exp] + "." + digits[len(digits)-exp:]
	if amount < 0 {
		s = "-" + s
	}
	return s
}
