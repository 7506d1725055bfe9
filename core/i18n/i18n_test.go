package i18n

import (
	"strings"
	"sync"
	"testing"
	"unicode"

	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/kernel"
)

// requiredCodes are the codes the edge must be able to translate from day one.
var requiredCodes = []string{
	// core/errs
	"INTERNAL", "VALIDATION_FAILED", "NOT_FOUND", "METHOD_NOT_ALLOWED", "BODY_TOO_LARGE", "UNAUTHENTICATED",
	"FORBIDDEN", "RATE_LIMITED", "SERVICE_UNAVAILABLE", "VERSION_CONFLICT", "INVALID_STATE_TRANSITION",
	// core/kernel
	"INVALID_MARKET", "UNKNOWN_CURRENCY", "CURRENCY_MISMATCH", "INVALID_FX_RATE", "INVALID_CURSOR",
	"INVALID_IDEMPOTENCY_KEY", "IDEMPOTENCY_KEY_REQUIRED", "INVALID_SESSION_ID", "SESSION_ID_REQUIRED",
	// idempotency layer, edge decoding, storage and areas
	"IDEMPOTENCY_KEY_REUSED", "IDEMPOTENCY_KEY_IN_USE", "MALFORMED_JSON", "UNKNOWN_FIELD", "DUPLICATE_KEY",
	"OUT_OF_STOCK", "PURCHASE_LIMIT_EXCEEDED", "COUPON_SOLD_OUT",
	"COUPON_ALREADY_CLAIMED", "COUPON_EXPIRED", "COUPON_NOT_ACTIVE", "NEGATIVE_STOCK",
	"SELF_APPROVAL_FORBIDDEN",
}

func TestEveryCodeHasAllLanguages(t *testing.T) {
	c := Default()
	codes := c.Codes()
	if len(codes) == 0 {
		t.Fatal("the default catalog is empty")
	}
	for _, code := range codes {
		text, _ := c.Lookup(code)
		for _, l := range kernel.Locales {
			if strings.TrimSpace(text.In(l)) == "" {
				t.Errorf("%s: no %s text", code, l)
			}
		}
	}
	if err := Builtin().Validate(); err != nil {
		t.Error(err)
	}
}

func TestRequiredCodesArePresent(t *testing.T) {
	for _, code := range requiredCodes {
		if _, ok := Default().Lookup(code); !ok {
			t.Errorf("%s is missing from the built-in catalog", code)
		}
	}
}

// The codes declared as sentinels in core must be translatable; this catches a renamed code.
func TestSentinelCodesArePresent(t *testing.T) {
	sentinels := []*errs.Error{
		errs.ErrInternal, errs.ErrValidation, errs.ErrNotFound, errs.ErrMethodNotAllowed, errs.ErrBodyTooLarge, errs.ErrUnsupportedMedia,
		errs.ErrUnauthenticated, errs.ErrForbidden, errs.ErrRateLimited, errs.ErrUnavailable,
		errs.ErrVersionConflict, errs.ErrInvalidTransition,
		kernel.ErrInvalidMarket, kernel.ErrUnknownCurrency, kernel.ErrCurrencyMismatch, kernel.ErrInvalidRate,
		kernel.ErrInvalidCursor, kernel.ErrInvalidIdempotencyKey, kernel.ErrIdempotencyKeyRequired,
		kernel.ErrInvalidSessionID, kernel.ErrSessionRequired,
	}
	for _, e := range sentinels {
		if _, ok := Default().Lookup(e.Code); !ok {
			t.Errorf("%s (%q) is missing from the built-in catalog", e.Code, e.Message)
		}
	}
}

// TestTextStyle keeps the texts in the right script and register: Korean 합니다체/해요체 sentences,
// Japanese です・ます sentences, and nothing copied from English by mistake.
func TestTextStyle(t *testing.T) {
	for code, text := range Builtin() {
		if !hasScript(text.KO, unicode.Hangul) {
			t.Errorf("%s: Korean text has no Hangul: %q", code, text.KO)
		}
		if !strings.HasSuffix(text.KO, "다.") && !strings.HasSuffix(text.KO, "요.") {
			t.Errorf("%s: Korean text is not a polite sentence: %q", code, text.KO)
		}
		if !hasScript(text.JA, unicode.Hiragana) && !hasScript(text.JA, unicode.Katakana) {
			t.Errorf("%s: Japanese text has no kana: %q", code, text.JA)
		}
		if hasScript(text.JA, unicode.Hangul) {
			t.Errorf("%s: Japanese text contains Hangul: %q", code, text.JA)
		}
		ok := false
		for _, end := range []string{"す。", "ん。", "い。", "た。"} {
			ok = ok || strings.HasSuffix(text.JA, end)
		}
		if !ok {
			t.Errorf("%s: Japanese text is not a です・ます sentence: %q", code, text.JA)
		}
		if !strings.HasSuffix(text.EN, ".") || hasScript(text.EN, unicode.Hangul) || hasScript(text.EN, unicode.Han) {
			t.Errorf("%s: English text is not a plain sentence: %q", code, text.EN)
		}
	}
}

func hasScript(s string, table *unicode.RangeTable) bool {
	for _, r := range s {
		if unicode.Is(table, r) {
			return true
		}
	}
	return false
}

func TestMessage(t *testing.T) {
	c := Default()
	tests := []struct {
		name     string
		l        kernel.Locale
		code     string
		fallback string
		want     string
	}{
		{"Korean", kernel.LocaleKO, "NOT_FOUND", "x", "요청한 리소스를 찾을 수 없습니다."},
		{"English", kernel.LocaleEN, "NOT_FOUND", "x", "The resource was not found."},
		{"Japanese", kernel.LocaleJA, "NOT_FOUND", "x", "指定されたリソースが見つかりません。"},
		{"region tag", kernel.Locale("ko-KR"), "OUT_OF_STOCK", "x", "재고가 부족합니다."},
		{"odd case and underscore", kernel.Locale("JA_jp"), "OUT_OF_STOCK", "x", "在庫が不足しています。"},
		{"unsupported language gets English", kernel.Locale("fr"), "OUT_OF_STOCK", "x", "Not enough stock is available."},
		{"empty locale gets English", kernel.Locale(""), "OUT_OF_STOCK", "x", "Not enough stock is available."},
		{"unknown code gets fallback", kernel.LocaleKO, "NO_SUCH_CODE", "Something specific.", "Something specific."},
		{"empty code gets fallback", kernel.LocaleJA, "", "fb", "fb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := c.Message(tt.l, tt.code, tt.fallback); got != tt.want {
				t.Errorf("Message(%q, %q) = %q, want %q", tt.l, tt.code, got, tt.want)
			}
		})
	}
}

func TestMessageFallsBackToEnglishThenFallback(t *testing.T) {
	c := New(Messages{
		"ONLY_EN":   {EN: "English only."},
		"ONLY_KO":   {KO: "한국어만 있습니다."},
		"NO_JA":     {KO: "한국어입니다.", EN: "English."},
		"ALL_EMPTY": {},
	})
	tests := []struct {
		l    kernel.Locale
		code string
		want string
	}{
		{kernel.LocaleKO, "ONLY_EN", "English only."},
		{kernel.LocaleJA, "ONLY_EN", "English only."},
		{kernel.LocaleEN, "ONLY_EN", "English only."},
		{kernel.LocaleKO, "ONLY_KO", "한국어만 있습니다."},
		{kernel.LocaleJA, "ONLY_KO", "fallback"}, // no ja, no en → caller's fallback
		{kernel.LocaleEN, "ONLY_KO", "fallback"},
		{kernel.LocaleJA, "NO_JA", "English."},
		{kernel.LocaleKO, "NO_JA", "한국어입니다."},
		{kernel.LocaleKO, "ALL_EMPTY", "fallback"},
		{kernel.LocaleKO, "NOT_FOUND", "fallback"}, // a catalog built by New has only what it was given
	}
	for _, tt := range tests {
		if got := c.Message(tt.l, tt.code, "fallback"); got != tt.want {
			t.Errorf("Message(%q, %q) = %q, want %q", tt.l, tt.code, got, tt.want)
		}
	}
	if err := (Messages{"ONLY_EN": {EN: "x"}, "NO_JA": {KO: "가.", EN: "A.", JA: " "}}).Validate(); err == nil {
		t.Error("Validate accepted missing translations")
	} else if s := err.Error(); !strings.Contains(s, "ONLY_EN has no ko text") || !strings.Contains(s, "NO_JA has no ja text") {
		t.Errorf("Validate error = %q", s)
	}
}

func TestZeroAndNilCatalog(t *testing.T) {
	var zero Catalog
	if got := zero.Message(kernel.LocaleKO, "NOT_FOUND", "fb"); got != "fb" {
		t.Errorf("zero catalog Message = %q", got)
	}
	if len(zero.Codes()) != 0 {
		t.Errorf("zero catalog has codes %v", zero.Codes())
	}
	var nilCat *Catalog
	if got := nilCat.Message(kernel.LocaleKO, "NOT_FOUND", "fb"); got != "fb" {
		t.Errorf("nil catalog Message = %q", got)
	}
	zero.Register("HELLO", "안녕하세요.", "Hello.", "こんにちは。")
	if got := zero.Message(kernel.LocaleJA, "HELLO", "fb"); got != "こんにちは。" {
		t.Errorf("after Register: %q", got)
	}
}

func TestUnionAndOverride(t *testing.T) {
	area := Messages{
		"COUPON_SOLD_OUT": {KO: "선착순 쿠폰이 모두 소진되었습니다.", EN: "This coupon is sold out.", JA: "先着順のクーポンはすべて配布済みです。"},
		"AREA_ONLY":       {KO: "영역 전용입니다.", EN: "Area only.", JA: "エリア専用です。"},
	}
	c := New(Builtin(), area)
	if got := c.Message(kernel.LocaleEN, "COUPON_SOLD_OUT", ""); got != "This coupon is sold out." {
		t.Errorf("a later set should win: %q", got)
	}
	if got := c.Message(kernel.LocaleJA, "AREA_ONLY", ""); got != "エリア専用です。" {
		t.Errorf("area code missing: %q", got)
	}
	if got := c.Message(kernel.LocaleKO, "NOT_FOUND", ""); got != "요청한 리소스를 찾을 수 없습니다." {
		t.Errorf("built-in code missing: %q", got)
	}
	if _, ok := Default().Lookup("AREA_ONLY"); ok {
		t.Error("New must not change the default catalog")
	}
	// Builtin hands out a copy: changing it does not change the default catalog.
	b := Builtin()
	b["NOT_FOUND"] = Text{EN: "changed"}
	if got := Default().Message(kernel.LocaleEN, "NOT_FOUND", ""); got != "The resource was not found." {
		t.Errorf("Builtin leaked its map: %q", got)
	}
	// Register replaces one code without touching the others.
	c.Register("NOT_FOUND", "없습니다.", "Gone.", "ありません。")
	if got := c.Message(kernel.LocaleKO, "NOT_FOUND", ""); got != "없습니다." {
		t.Errorf("Register did not replace: %q", got)
	}
	if got := c.Message(kernel.LocaleKO, "OUT_OF_STOCK", ""); got != "재고가 부족합니다." {
		t.Errorf("Register lost another code: %q", got)
	}
}

func TestRegisterEmptyCodePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Register(\"\") did not panic")
		}
	}()
	New().Register(" ", "가.", "A.", "あ。")
}

// TestConcurrentRegisterAndMessage exercises the copy-on-write map under -race.
func TestConcurrentRegisterAndMessage(t *testing.T) {
	c := New(Builtin())
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				c.Register("DYNAMIC", "가.", "A.", "あ。")
			}
		}()
		go func() {
			defer wg.Done()
			for i := 0; i < 1000; i++ {
				if got := c.Message(kernel.LocaleEN, "NOT_FOUND", ""); got != "The resource was not found." {
					t.Errorf("Message = %q", got)
					return
				}
			}
		}()
	}
	wg.Wait()
	if len(c.Codes()) != len(Builtin())+1 {
		t.Errorf("codes = %d, want %d", len(c.Codes()), len(Builtin())+1)
	}
}

func BenchmarkMessage(b *testing.B) {
	c := Default()
	b.ReportAllocs()
	for b.Loop() {
		_ = c.Message(kernel.LocaleKO, "OUT_OF_STOCK", "")
	}
}
