package i18n

import (
	"strings"
	"testing"

	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/idempotency"
	"github.com/jupang/jupang/core/kernel"
)

// The platform's codes are in every catalog, with complete and well-formed texts.
func TestPlatformCatalog(t *testing.T) {
	c := New()
	if err := c.Check(); err != nil {
		t.Error(err)
	}
	for _, e := range []*errs.Error{errs.ErrInternal, errs.ErrValidation, kernel.ErrInvalidMarket, kernel.ErrSessionRequired,
		idempotency.ErrKeyReused, idempotency.ErrKeyInUse} {
		if got := c.Message(kernel.LocaleJA, e.Code, "missing"); got != e.Text().JA {
			t.Errorf("%s: %q, want its declared Japanese text", e.Code, got)
		}
	}
	var areas []string
	for _, set := range c.Declared() {
		areas = append(areas, set.Area)
	}
	if strings.Join(areas, ",") != "platform,kernel,idempotency" {
		t.Errorf("a platform catalog is built from %v", areas)
	}
}

var coupon = errs.Codes{
	Area: "coupon",
	Errors: []*errs.Error{errs.New(errs.Conflict, "COUPON_SOLD_OUT", errs.Text{
		KO: "쿠폰이 모두 소진되었습니다.", EN: "This coupon has run out.", JA: "このクーポンは配布上限に達しました。"})},
	Fields: []errs.FieldCode{errs.NewFieldCode("INVALID_COUPON_CODE", errs.Text{
		KO: "쿠폰 코드 형식이 올바르지 않습니다.", EN: "The coupon code is not valid.", JA: "クーポンコードの形式が正しくありません。"})},
}

func TestMessage(t *testing.T) {
	c := New(coupon)
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
		{"an area's code", kernel.LocaleKO, "COUPON_SOLD_OUT", "x", "쿠폰이 모두 소진되었습니다."},
		{"region tag", kernel.Locale("ko-KR"), "COUPON_SOLD_OUT", "x", "쿠폰이 모두 소진되었습니다."},
		{"odd case and underscore", kernel.Locale("JA_jp"), "COUPON_SOLD_OUT", "x", "このクーポンは配布上限に達しました。"},
		{"unsupported language gets English", kernel.Locale("fr"), "COUPON_SOLD_OUT", "x", "This coupon has run out."},
		{"empty locale gets English", kernel.Locale(""), "COUPON_SOLD_OUT", "x", "This coupon has run out."},
		{"unknown code gets fallback", kernel.LocaleKO, "NO_SUCH_CODE", "Something specific.", "Something specific."},
		{"a field code is no error code", kernel.LocaleKO, "INVALID_COUPON_CODE", "fb", "fb"},
		{"empty code gets fallback", kernel.LocaleJA, "", "fb", "fb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := c.Message(tt.l, tt.code, tt.fallback); got != tt.want {
				t.Errorf("Message(%q, %q) = %q, want %q", tt.l, tt.code, got, tt.want)
			}
		})
	}
	if got := New().Message(kernel.LocaleKO, "COUPON_SOLD_OUT", "fb"); got != "fb" {
		t.Errorf("a catalog built without the coupon area knows its code: %q", got)
	}
}

func TestMessageFallsBackToEnglishThenFallback(t *testing.T) {
	c := New(errs.Codes{Area: "partial", Errors: []*errs.Error{
		errs.New(errs.Invalid, "ONLY_EN", errs.Text{EN: "English only."}),
		errs.New(errs.Invalid, "ONLY_KO", errs.Text{KO: "한국어만 있습니다."}),
	}})
	tests := []struct {
		l    kernel.Locale
		code string
		want string
	}{
		{kernel.LocaleKO, "ONLY_EN", "English only."},
		{kernel.LocaleJA, "ONLY_EN", "English only."},
		{kernel.LocaleKO, "ONLY_KO", "한국어만 있습니다."},
		{kernel.LocaleJA, "ONLY_KO", "fallback"}, // no ja, no en → caller's fallback
	}
	for _, tt := range tests {
		if got := c.Message(tt.l, tt.code, "fallback"); got != tt.want {
			t.Errorf("Message(%q, %q) = %q, want %q", tt.l, tt.code, got, tt.want)
		}
	}
}

func TestZeroAndNilCatalog(t *testing.T) {
	var zero Catalog
	if got := zero.Message(kernel.LocaleKO, "NOT_FOUND", "fb"); got != "fb" {
		t.Errorf("zero catalog Message = %q", got)
	}
	var nilCat *Catalog
	if got := nilCat.Message(kernel.LocaleKO, "NOT_FOUND", "fb"); got != "fb" {
		t.Errorf("nil catalog Message = %q", got)
	}
	if nilCat.Declared() != nil || nilCat.Check() != nil {
		t.Error("a nil catalog declares something")
	}
}

// TestCheckFindsEveryKindOfProblem: each broken declaration is reported, naming its area and code.
func TestCheckFindsEveryKindOfProblem(t *testing.T) {
	good := errs.Text{KO: "좋습니다.", EN: "Good.", JA: "良いです。"}
	c := New(coupon, errs.Codes{
		Area: "broken",
		Errors: []*errs.Error{
			errs.New(errs.Conflict, "COUPON_SOLD_OUT", good), // the coupon area declares it already
			errs.New(errs.Invalid, "NO_JAPANESE", errs.Text{KO: "좋습니다.", EN: "Good."}),
			errs.New(errs.Invalid, "lower_case", good),
			errs.New(errs.Invalid, "ENGLISH_IN_KOREAN", errs.Text{KO: "Good.", EN: "Good.", JA: "良いです。"}),
			errs.New(errs.Invalid, "KOREAN_IN_JAPANESE", errs.Text{KO: "좋습니다.", EN: "Good.", JA: "좋습니다。"}),
			errs.New(errs.Invalid, "IMPOLITE_KOREAN", errs.Text{KO: "좋다", EN: "Good.", JA: "良いです。"}),
			errs.New(errs.Invalid, "HANJA_IN_ENGLISH", errs.Text{KO: "좋습니다.", EN: "良.", JA: "良いです。"}),
			// Same code as a field code: a different namespace, so no duplicate.
			errs.New(errs.Invalid, "INVALID_COUPON_CODE", good),
		},
		Fields: []errs.FieldCode{
			errs.NewFieldCode("REQUIRED", good), // the platform's
			errs.NewFieldCode("BLANK_ENGLISH", errs.Text{KO: "좋습니다.", EN: " ", JA: "良いです。"}),
		},
	})
	err := c.Check()
	if err == nil {
		t.Fatal("Check found nothing")
	}
	for _, want := range []string{
		"broken: error code COUPON_SOLD_OUT is also declared by coupon",
		"broken: error code NO_JAPANESE: no ja text",
		`broken: error code "lower_case" is not UPPER_SNAKE`,
		"broken: error code ENGLISH_IN_KOREAN: the ko text",
		"broken: error code KOREAN_IN_JAPANESE: the ja text",
		"broken: error code IMPOLITE_KOREAN: the ko text",
		"broken: error code HANJA_IN_ENGLISH: the en text",
		"broken: field code REQUIRED is also declared by platform",
		"broken: field code BLANK_ENGLISH: no en text",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Check did not report %q in:\n%v", want, err)
		}
	}
	if strings.Contains(err.Error(), "INVALID_COUPON_CODE") || strings.Contains(err.Error(), "coupon:") {
		t.Errorf("Check reported a sound declaration:\n%v", err)
	}
	if got := c.Message(kernel.LocaleEN, "COUPON_SOLD_OUT", ""); got != "This coupon has run out." {
		t.Errorf("a code declared twice keeps its first texts, got %q", got)
	}
}

func BenchmarkMessage(b *testing.B) {
	c := New(coupon)
	b.ReportAllocs()
	for b.Loop() {
		_ = c.Message(kernel.LocaleKO, "COUPON_SOLD_OUT", "")
	}
}
