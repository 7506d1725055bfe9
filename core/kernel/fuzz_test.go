package kernel

import (
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"

	"golang.org/x/text/language"
)

// The header parsers face every byte a client can send. Each fuzz target checks the parser against
// an independent statement of its rule (a regular expression or a set), so "accepts iff valid" is
// tested rather than restated. Seeds live in testdata/fuzz/<target>/ and in the f.Add calls.

var (
	validIdempotencyKey = regexp.MustCompile(`^[\x20-\x7E]{1,255}$`)
	validSessionID      = regexp.MustCompile(`^[A-Za-z0-9_-]{16,128}$`)
)

func FuzzParseIdempotencyKey(f *testing.F) {
	for _, s := range []string{"", "a", "order-2026-0001", " ", "~", "\x7f", "\x00", "tab\there", "키", strings.Repeat("k", 255), strings.Repeat("k", 256)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		key, err := ParseIdempotencyKey(s)
		if valid := validIdempotencyKey.MatchString(s); valid != (err == nil) {
			t.Fatalf("ParseIdempotencyKey(%q) error = %v, want valid = %v", s, err, valid)
		}
		if err != nil {
			if !errors.Is(err, ErrInvalidIdempotencyKey) || key != "" {
				t.Fatalf("rejection of %q = (%q, %v), want (\"\", INVALID_IDEMPOTENCY_KEY)", s, key, err)
			}
			return
		}
		if string(key) != s { // a valid key round-trips unchanged: it is compared byte for byte on retry
			t.Fatalf("ParseIdempotencyKey(%q) = %q", s, key)
		}
		if again, err := ParseIdempotencyKey(string(key)); err != nil || again != key {
			t.Fatalf("re-parsing %q = (%q, %v)", key, again, err)
		}
	})
}

func FuzzParseSessionID(f *testing.F) {
	for _, s := range []string{"", "short", "0123456789abcdef", "0123456789abcde", "guest_session-ID_1234", "0123456789abcdef!", "0123456789abcdéf", strings.Repeat("s", 128), strings.Repeat("s", 129)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sid, err := ParseSessionID(s)
		if valid := validSessionID.MatchString(s); valid != (err == nil) {
			t.Fatalf("ParseSessionID(%q) error = %v, want valid = %v", s, err, valid)
		}
		if err != nil {
			if !errors.Is(err, ErrInvalidSessionID) || sid != "" {
				t.Fatalf("rejection of %q = (%q, %v), want (\"\", INVALID_SESSION_ID)", s, sid, err)
			}
			return
		}
		if string(sid) != s {
			t.Fatalf("ParseSessionID(%q) = %q", s, sid)
		}
	})
}

func FuzzParseMarket(f *testing.F) {
	for _, s := range []string{"", "KR", "US", "JP", "kr", " JP ", "KRW", "K R", "CN", "\tUS\n", "ＪＰ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseMarket(s)
		trimmed := strings.TrimSpace(s)
		valid := trimmed == "" || slices.Contains(Markets, Market(trimmed))
		if valid != (err == nil) {
			t.Fatalf("ParseMarket(%q) error = %v, want valid = %v", s, err, valid)
		}
		if err != nil {
			if !errors.Is(err, ErrInvalidMarket) || m != "" {
				t.Fatalf("rejection of %q = (%q, %v), want (\"\", INVALID_MARKET)", s, m, err)
			}
			return
		}
		if trimmed == "" && m != DefaultMarket || trimmed != "" && string(m) != trimmed {
			t.Fatalf("ParseMarket(%q) = %q", s, m)
		}
		if again, err := ParseMarket(string(m)); err != nil || again != m {
			t.Fatalf("re-parsing %q = (%q, %v)", m, again, err)
		}
		// Every market's currency and language are supported ones.
		if !slices.Contains(Locales, m.Locale()) || m.Currency().Code == "" {
			t.Fatalf("market %q has locale %q, currency %+v", m, m.Locale(), m.Currency())
		}
	})
}

func FuzzNegotiateLocale(f *testing.F) {
	for _, s := range []string{"", "ko", "en-US,en;q=0.9", "ja-JP;q=0.5, ko;q=0.6", "*", "fr, de;q=0.5", "zh-CN", "en;q=0", "en;q=abc", "@@@", "x-private", "und-Jpan", "ko-Kore-KR", strings.Repeat("en,", 100)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		got := NegotiateLocale(header, fb)
		if got == fb {
			return
		}
		if !slices.Contains(Locales, got) {
			t.Fatalf("NegotiateLocale(%q) = %q, not a supported locale", header, got)
		}
		// A supported language is chosen only when the client understands it: some tag it sent is
		// that language or, by CLDR's data, comprehends it (x/text answers Ewe speakers in English).
		tags, _, err := language.ParseAcceptLanguage(header)
		if err != nil {
			t.Fatalf("NegotiateLocale(%q) = %q for an unparseable header", header, got)
		}
		want := language.MustParse(string(got))
		if !slices.ContainsFunc(tags, func(tag language.Tag) bool { return language.Comprehends(tag, want) != language.No }) {
			t.Fatalf("NegotiateLocale(%q) = %q, which none of %v comprehends", header, got, tags)
		}
		// The answer does not depend on the fallback when something matched.
		if other := NegotiateLocale(header, LocaleEN); other != got {
			t.Fatalf("NegotiateLocale(%q) = %q with one fallback, %q with another", header, got, other)
		}
	})
}
