// Package i18n is Jupang's message catalog: the Korean, English and Japanese text of every error
// code the binaries can answer with (and, later, of every notification key such as "order.paid").
//
// # Where the texts live
//
// Nowhere here. Every code is declared once, with its texts, by the package that owns it (see
// core/errs): the platform's codes in core/errs, the kernel's in core/kernel, the idempotency
// layer's in core/idempotency, each area's in core/<area>/errors.go, listed by its Codes function.
// The catalog is built from those lists, one way:
//
//	cat := i18n.New(identity.Codes(), catalog.Codes()) // plus the platform's codes, always
//
// wiring.Messages builds the binaries' catalog like that; a new area adds its Codes there, and the
// test next to it calls Check and compares every code with the OpenAPI documents.
//
// # Look-up rules
//
// Message returns the text in the requested language, else the English text, else the caller's
// fallback (usually errs.Error.Message). A catalog never changes after New, so lookups never lock.
package i18n

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode"

	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/idempotency"
	"github.com/jupang/jupang/core/kernel"
)

// Catalog answers "what does code say in language l". The zero value is an empty catalog.
type Catalog struct {
	texts    map[string]errs.Text // error code → its texts
	declared []errs.Codes
}

// platform lists the codes every binary can answer with, whatever areas it serves.
func platform() []errs.Codes {
	return []errs.Codes{errs.PlatformCodes(), kernel.Codes(), idempotency.Codes()}
}

// New returns the catalog of the platform's codes and of areas. A code declared twice keeps its
// first texts; Check reports it.
func New(areas ...errs.Codes) *Catalog {
	c := &Catalog{texts: map[string]errs.Text{}, declared: append(platform(), areas...)}
	for _, set := range c.declared {
		for _, e := range set.Errors {
			if _, dup := c.texts[e.Code]; !dup {
				c.texts[e.Code] = e.Text()
			}
		}
	}
	return c
}

// Declared returns the code lists the catalog was built from, the platform's first.
func (c *Catalog) Declared() []errs.Codes {
	if c == nil {
		return nil
	}
	return append([]errs.Codes(nil), c.declared...)
}

// Message returns the text of code in language l, else its English text, else fallback.
// l may carry a region ("ko-KR"); a language the catalog does not speak gets English.
func (c *Catalog) Message(l kernel.Locale, code string, fallback string) string {
	if c == nil {
		return fallback
	}
	t, ok := c.texts[code]
	if !ok {
		return fallback
	}
	if s := in(t, normalize(l)); s != "" {
		return s
	}
	if t.EN != "" {
		return t.EN
	}
	return fallback
}

var codePattern = regexp.MustCompile(`^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$`)

// Check reports every problem of the declared codes: a code that is not UPPER_SNAKE, a code
// declared twice (error codes and field codes are checked separately, as a field code may repeat an
// error code, e.g. INVALID_MARKET), a missing language, and a text in the wrong script or register.
func (c *Catalog) Check() error {
	var problems []error
	errorsBy, fieldsBy := map[string]string{}, map[string]string{}
	check := func(area, kind, code string, t errs.Text, seen map[string]string) {
		if !codePattern.MatchString(code) {
			problems = append(problems, fmt.Errorf("%s: %s code %q is not UPPER_SNAKE", area, kind, code))
		}
		if other, dup := seen[code]; dup {
			problems = append(problems, fmt.Errorf("%s: %s code %s is also declared by %s", area, kind, code, other))
		}
		seen[code] = area
		for _, l := range kernel.Locales {
			if err := checkText(l, in(t, l)); err != nil {
				problems = append(problems, fmt.Errorf("%s: %s code %s: %w", area, kind, code, err))
			}
		}
	}
	for _, set := range c.Declared() {
		for _, e := range set.Errors {
			check(set.Area, "error", e.Code, e.Text(), errorsBy)
		}
		for _, f := range set.Fields {
			check(set.Area, "field", f.Code, f.Text, fieldsBy)
		}
	}
	return errors.Join(problems...)
}

// checkText keeps a text in its language's script and register: Korean 합니다체/해요체 sentences,
// Japanese です・ます sentences, English plain sentences, and nothing pasted into the wrong language.
func checkText(l kernel.Locale, s string) error {
	if strings.TrimSpace(s) == "" {
		return fmt.Errorf("no %s text", l)
	}
	ok := true
	switch l {
	case kernel.LocaleKO:
		ok = hasScript(s, unicode.Hangul) && (strings.HasSuffix(s, "다.") || strings.HasSuffix(s, "요."))
	case kernel.LocaleJA:
		ok = (hasScript(s, unicode.Hiragana) || hasScript(s, unicode.Katakana)) && !hasScript(s, unicode.Hangul) &&
			(strings.HasSuffix(s, "す。") || strings.HasSuffix(s, "ん。") || strings.HasSuffix(s, "い。") || strings.HasSuffix(s, "た。"))
	case kernel.LocaleEN:
		ok = strings.HasSuffix(s, ".") && !hasScript(s, unicode.Hangul) && !hasScript(s, unicode.Han)
	}
	if !ok {
		return fmt.Errorf("the %s text is not a polite %s sentence: %q", l, l, s)
	}
	return nil
}

func hasScript(s string, table *unicode.RangeTable) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.Is(table, r) }) >= 0
}

// in returns the text for l ("" when that language is missing or l is not supported).
func in(t errs.Text, l kernel.Locale) string {
	switch l {
	case kernel.LocaleKO:
		return t.KO
	case kernel.LocaleEN:
		return t.EN
	case kernel.LocaleJA:
		return t.JA
	}
	return ""
}

// normalize maps "ko", "ko-KR", "KO_kr" to kernel.LocaleKO and so on.
func normalize(l kernel.Locale) kernel.Locale {
	s := string(l)
	if i := strings.IndexAny(s, "-_"); i >= 0 {
		s = s[:i]
	}
	return kernel.Locale(strings.ToLower(s))
}
