package kernel

import (
	"fmt"
	"math/big"
)

// Currency is an ISO 4217 currency with its minor-unit exponent.
type Currency struct {
	Code     string
	Exponent int // digits after the decimal point: KRW 0, USD 2, JPY 0
}

// The currencies Jupang prices in.
var (
	KRW = Currency{Code: "KRW", Exponent: 0}
	USD = Currency{Code: "USD", Exponent: 2}
	JPY = Currency{Code: "JPY", Exponent: 0}
)

// CurrencyOf returns the currency for an ISO code.
func CurrencyOf(code string) (Currency, error) {
	switch code {
	case KRW.Code:
		return KRW, nil
	case USD.Code:
		return USD, nil
	case JPY.Code:
		return JPY, nil
	}
	return Currency{}, ErrUnknownCurrency.WithMessage("unknown currency %q", code)
}

// Money is an amount in a currency's minor units (won, cents, yen). Never a float.
type Money struct {
	Amount   int64
	Currency Currency
}

// NewMoney builds Money from minor units.
func NewMoney(amount int64, c Currency) Money { return Money{Amount: amount, Currency: c} }

// Zero returns zero in currency c.
func Zero(c Currency) Money { return Money{Currency: c} }

func (m Money) String() string { return fmt.Sprintf("%d %s(minor)", m.Amount, m.Currency.Code) }

// IsZero reports whether the amount is zero.
func (m Money) IsZero() bool { return m.Amount == 0 }

// IsNegative reports whether the amount is below zero.
func (m Money) IsNegative() bool { return m.Amount < 0 }

func (m Money) mustMatch(o Money) {
	if m.Currency != o.Currency {
		panic(ErrCurrencyMismatch.WithMessage("%s vs %s", m.Currency.Code, o.Currency.Code))
	}
}

// Add returns m + o; both must share a currency.
func (m Money) Add(o Money) Money { m.mustMatch(o); return Money{m.Amount + o.Amount, m.Currency} }

// Sub returns m − o; both must share a currency.
func (m Money) Sub(o Money) Money { m.mustMatch(o); return Money{m.Amount - o.Amount, m.Currency} }

// Mul returns m × n.
func (m Money) Mul(n int64) Money { return Money{m.Amount * n, m.Currency} }

// Min returns the smaller of m and o.
func (m Money) Min(o Money) Money {
	m.mustMatch(o)
	if o.Amount < m.Amount {
		return o
	}
	return m
}

// Cmp compares m with o: -1, 0 or +1.
func (m Money) Cmp(o Money) int {
	m.mustMatch(o)
	switch {
	case m.Amount < o.Amount:
		return -1
	case m.Amount > o.Amount:
		return 1
	}
	return 0
}

// Percent returns pct % of m, rounded half-up to the minor unit (e.g. a 10 % coupon).
// pct may have fractional precision through basis points: use PercentBP for that.
func (m Money) Percent(pct int64) Money { return m.PercentBP(pct * 100) }

// PercentBP returns bp basis points (1/100 of a percent) of m, rounded half-up.
func (m Money) PercentBP(bp int64) Money {
	r := new(big.Rat).SetFrac(big.NewInt(m.Amount), big.NewInt(1))
	r.Mul(r, big.NewRat(bp, 10000))
	return Money{roundHalfUp(r), m.Currency}
}

// IncludedTax returns the tax part of a tax-inclusive amount at rate pct %:
// amount × pct / (100 + pct), rounded half-up.
func (m Money) IncludedTax(pct int64) Money {
	// Multiply in big.Int: m.Amount*pct can overflow int64 even when the tax itself fits.
	num := new(big.Int).Mul(big.NewInt(m.Amount), big.NewInt(pct))
	r := new(big.Rat).SetFrac(num, big.NewInt(100+pct))
	return Money{roundHalfUp(r), m.Currency}
}

// roundHalfUp rounds r to the nearest integer, halves away from zero.
func roundHalfUp(r *big.Rat) int64 {
	num := new(big.Int).Set(r.Num())
	den := r.Denom()
	neg := num.Sign() < 0
	if neg {
		num.Neg(num)
	}
	// floor((2·num + den) / (2·den)) rounds half up for non-negative values.
	twice := new(big.Int).Mul(num, big.NewInt(2))
	twice.Add(twice, den)
	q := new(big.Int).Quo(twice, new(big.Int).Mul(den, big.NewInt(2)))
	if neg {
		q.Neg(q)
	}
	return q.Int64()
}

// FXRate says how many units of To one unit of From buys, as an exact decimal string ("0.00072").
type FXRate struct {
	From, To Currency
	Rate     *big.Rat
}

// ParseFXRate parses a decimal rate such as "0.00072".
func ParseFXRate(from, to Currency, decimal string) (FXRate, error) {
	r, ok := new(big.Rat).SetString(decimal)
	if !ok || r.Sign() <= 0 {
		return FXRate{}, ErrInvalidRate.WithMessage("bad rate %q", decimal)
	}
	return FXRate{From: from, To: to, Rate: r}, nil
}

// Convert turns m (in r.From) into r.To, rounding half-up to the target's minor unit.
func (r FXRate) Convert(m Money) Money {
	if m.Currency != r.From {
		panic(ErrCurrencyMismatch.WithMessage("rate is for %s, money is %s", r.From.Code, m.Currency.Code))
	}
	if r.From == r.To {
		return m
	}
	// major units: amount / 10^expFrom; target minor = major × rate × 10^expTo
	v := new(big.Rat).SetFrac(big.NewInt(m.Amount), pow10(r.From.Exponent))
	v.Mul(v, r.Rate)
	v.Mul(v, new(big.Rat).SetInt(pow10(r.To.Exponent)))
	return Money{roundHalfUp(v), r.To}
}

func pow10(n int) *big.Int { return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil) }

// MarketPrice picks the price a market pays: its explicit price when one is set, else the KRW base
// price converted at the market's current rate.
func MarketPrice(base Money, explicit *Money, rate FXRate) Money {
	if explicit != nil {
		return *explicit
	}
	return rate.Convert(base)
}
