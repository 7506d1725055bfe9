// Package kernel holds the value types every business area shares: markets, locales, money,
// principals, identifiers, clocks and paging cursors. It is plain Go with no I/O.
package kernel

import "strings"

// Market is a country storefront with its own currency, language and tax rule.
type Market string

// The markets Jupang sells in.
const (
	MarketKR Market = "KR"
	MarketUS Market = "US"
	MarketJP Market = "JP"
)

// DefaultMarket is used when a request names none.
const DefaultMarket = MarketKR

// Markets lists every market in a stable order.
var Markets = []Market{MarketKR, MarketUS, MarketJP}

// ParseMarket accepts exactly KR, US or JP; an empty value means the default market.
func ParseMarket(s string) (Market, error) {
	switch Market(strings.TrimSpace(s)) {
	case "":
		return DefaultMarket, nil
	case MarketKR:
		return MarketKR, nil
	case MarketUS:
		return MarketUS, nil
	case MarketJP:
		return MarketJP, nil
	}
	return "", ErrInvalidMarket.WithField("X-Market", FieldInvalidMarket.Code, "must be one of KR, US, JP")
}

// Currency returns the currency prices are shown and charged in.
func (m Market) Currency() Currency {
	switch m {
	case MarketUS:
		return USD
	case MarketJP:
		return JPY
	default:
		return KRW
	}
}

// Locale returns the market's default language.
func (m Market) Locale() Locale {
	switch m {
	case MarketUS:
		return LocaleEN
	case MarketJP:
		return LocaleJA
	default:
		return LocaleKO
	}
}

// TaxRule says how tax is applied in a market.
type TaxRule struct {
	RatePercent int64 // e.g. 10 for 10 %
	Included    bool  // true: prices already include the tax (KR VAT, JP consumption tax)
}

// TaxRule returns the market's tax rule.
func (m Market) TaxRule() TaxRule {
	switch m {
	case MarketUS:
		return TaxRule{RatePercent: 8, Included: false}
	default:
		return TaxRule{RatePercent: 10, Included: true}
	}
}
