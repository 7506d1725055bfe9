package kernel

import "golang.org/x/text/language"

// Locale is a supported response language.
type Locale string

// Supported languages.
const (
	LocaleKO Locale = "ko"
	LocaleEN Locale = "en"
	LocaleJA Locale = "ja"
)

// Locales lists every supported language in a stable order.
var Locales = []Locale{LocaleKO, LocaleEN, LocaleJA}

var (
	supportedTags = []language.Tag{language.Korean, language.English, language.Japanese}
	matcher       = language.NewMatcher(supportedTags)
)

// NegotiateLocale picks the best supported language for an Accept-Language header value.
// An empty or unparseable header, or one that matches nothing we speak, yields fallback.
func NegotiateLocale(acceptLanguage string, fallback Locale) Locale {
	if acceptLanguage == "" {
		return fallback
	}
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(tags) == 0 {
		return fallback
	}
	_, index, confidence := matcher.Match(tags...)
	if confidence == language.No {
		return fallback
	}
	return Locales[index]
}
