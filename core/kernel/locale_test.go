package kernel

import "testing"

// fb is a fallback that no supported locale equals, so a test can tell "matched" from "fell back".
const fb Locale = "fallback"

func TestNegotiateLocale(t *testing.T) {
	tests := []struct {
		name   string
		header string
		want   Locale
	}{
		{"browser Korean", "ko-KR,ko;q=0.9,en;q=0.8", LocaleKO},
		{"US English", "en-US", LocaleEN},
		{"plain Japanese", "ja", LocaleJA},
		{"Japan Japanese", "ja-JP", LocaleJA},
		{"Korean with script", "ko-Kore-KR", LocaleKO},
		{"British English matches en", "en-GB", LocaleEN},
		{"Indian English matches en", "en-IN", LocaleEN},
		{"upper case", "KO", LocaleKO},
		{"spaces around items", " en , ja ", LocaleEN},
		{"q-values reorder", "ko;q=0.1, ja;q=0.9", LocaleJA},
		{"q-values reorder, no spaces", "en;q=0.2,ko;q=0.8", LocaleKO},
		{"equal q keeps header order", "ko;q=0.5, ja;q=0.5", LocaleKO},
		{"unsupported first, supported later", "fr-FR, en;q=0.5", LocaleEN},
		{"several unsupported then supported", "de, fr;q=0.9, ja;q=0.1", LocaleJA},
		{"exact later beats unsupported earlier", "pt-BR, ja-JP;q=0.3", LocaleJA},
		{"unsupported only", "fr-FR", fb},
		{"Chinese is not Japanese", "zh-CN", fb},
		{"Traditional Chinese is not Japanese", "zh-TW", fb},
		{"empty", "", fb},
		{"garbage", "@@@;q=x", fb},
		{"bad weight", "en;q=abc", fb},
		{"everything refused", "ko;q=0, en;q=0", fb},
		{"private use", "x-foo", fb},
		{"undetermined", "und", fb},
		// "*" means "any language is fine": the client has no preference, so it gets the market default
		// (fallback) rather than an arbitrary first entry of our list.
		{"wildcard", "*", fb},
		// A wildcard with a higher weight than a real language still lets the real language win.
		{"wildcard and a language", "*;q=0.5, ja;q=0.1", LocaleJA},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := NegotiateLocale(tt.header, fb); got != tt.want {
				t.Errorf("NegotiateLocale(%q) = %q, want %q", tt.header, got, tt.want)
			}
		})
	}
}

func TestNegotiateLocaleUsesGivenFallback(t *testing.T) {
	for _, m := range Markets {
		if got := NegotiateLocale("fr", m.Locale()); got != m.Locale() {
			t.Errorf("market %s: NegotiateLocale(fr) = %q, want market default %q", m, got, m.Locale())
		}
	}
}

func TestLocalesOrderMatchesMatcher(t *testing.T) {
	// NegotiateLocale indexes Locales with the matcher's index into supportedTags.
	if len(Locales) != len(supportedTags) {
		t.Fatalf("%d locales, %d tags", len(Locales), len(supportedTags))
	}
	for i, l := range Locales {
		if supportedTags[i].String() != string(l) {
			t.Errorf("Locales[%d] = %q but supportedTags[%d] = %q", i, l, i, supportedTags[i])
		}
	}
}
