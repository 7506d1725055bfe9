// Package i18n holds Jupang's message catalogs: the Korean, English and Japanese text for every
// stable error code (and, later, every notification key such as "order.paid").
//
// # How areas add their messages
//
// The catalog is the union of plain Go maps. A business area declares its texts next to its error
// codes, in its own package, and never edits this one:
//
//	// core/coupon/errors.go
//	var Messages = i18n.Messages{
//		"COUPON_SOLD_OUT": {KO: "쿠폰이 모두 소진되었습니다.", EN: "This coupon has run out.", JA: "…"},
//	}
//
// The app assembles the union once at start-up, explicitly, so nothing depends on package init order
// and tests can build exactly the catalog they need:
//
//	cat := i18n.New(i18n.Builtin(), coupon.Messages, order.Messages)
//
// Register and Add also exist for code that prefers to extend a catalog in place (for example
// i18n.Default() from an init function); both are safe for concurrent use. When two sources define
// the same code, the later one wins, so an area may refine a built-in text.
//
// An area checks its own map in its tests with Messages.Validate; TestEveryCodeHasAllLanguages here
// checks the built-in catalog.
//
// # Look-up rules
//
// Message returns the text in the requested language, else the English text, else the caller's
// fallback (usually errs.Error.Message). Lookups never lock: a catalog swaps in a new immutable map
// on every write.
package i18n

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/jupang/jupang/core/kernel"
)

// Text is one message in every supported language. Korean is polite 존댓말 (합니다체),
// Japanese is です・ます調; each is a full sentence ending in its language's full stop.
type Text struct {
	KO string
	EN string
	JA string
}

// In returns the text for l ("" when that language is missing or l is not supported).
func (t Text) In(l kernel.Locale) string {
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

// Messages maps a code (or notification key) to its texts.
type Messages map[string]Text

// Validate reports every code that lacks a language or has only blank text in one.
func (m Messages) Validate() error {
	var problems []error
	for _, code := range slices.Sorted(maps.Keys(m)) {
		if strings.TrimSpace(code) == "" {
			problems = append(problems, errors.New("i18n: empty code"))
			continue
		}
		t := m[code]
		for _, l := range kernel.Locales {
			if strings.TrimSpace(t.In(l)) == "" {
				problems = append(problems, fmt.Errorf("i18n: %s has no %s text", code, l))
			}
		}
	}
	return errors.Join(problems...)
}

// Catalog answers "what does code say in language l". The zero value is an empty catalog ready to use.
type Catalog struct {
	mu   sync.Mutex                      // serialises writers
	msgs atomic.Pointer[map[string]Text] // immutable once published; readers never lock
}

// New returns a catalog holding the union of sets; a later set wins for a code defined twice.
func New(sets ...Messages) *Catalog {
	c := &Catalog{}
	c.Add(sets...)
	return c
}

var defaultCatalog = sync.OnceValue(func() *Catalog { return New(Builtin()) })

// Default returns the process-wide catalog, which starts with the built-in messages (Builtin).
func Default() *Catalog { return defaultCatalog() }

// Add merges sets into c; a later definition of a code replaces an earlier one.
func (c *Catalog) Add(sets ...Messages) {
	c.mu.Lock()
	defer c.mu.Unlock()
	old := c.snapshot()
	n := len(old)
	for _, s := range sets {
		n += len(s)
	}
	next := make(map[string]Text, n)
	maps.Copy(next, old)
	for _, s := range sets {
		maps.Copy(next, s)
	}
	c.msgs.Store(&next)
}

// Register adds or replaces the texts of one code. It panics on an empty code, a programming error.
func (c *Catalog) Register(code string, ko, en, ja string) {
	if strings.TrimSpace(code) == "" {
		panic("i18n: Register with an empty code")
	}
	c.Add(Messages{code: {KO: ko, EN: en, JA: ja}})
}

// Message returns the text of code in language l, else its English text, else fallback.
// l may carry a region ("ko-KR"); a language the catalog does not speak gets English.
func (c *Catalog) Message(l kernel.Locale, code string, fallback string) string {
	t, ok := c.snapshot()[code]
	if !ok {
		return fallback
	}
	if s := t.In(normalize(l)); s != "" {
		return s
	}
	if t.EN != "" {
		return t.EN
	}
	return fallback
}

// Lookup returns the texts of code as registered.
func (c *Catalog) Lookup(code string) (Text, bool) {
	t, ok := c.snapshot()[code]
	return t, ok
}

// Codes lists every code in the catalog, sorted.
func (c *Catalog) Codes() []string {
	return slices.Sorted(maps.Keys(c.snapshot()))
}

func (c *Catalog) snapshot() map[string]Text {
	if c == nil {
		return nil
	}
	if p := c.msgs.Load(); p != nil {
		return *p
	}
	return nil
}

// normalize maps "ko", "ko-KR", "KO_kr" to kernel.LocaleKO and so on.
func normalize(l kernel.Locale) kernel.Locale {
	s := string(l)
	if i := strings.IndexAny(s, "-_"); i >= 0 {
		s = s[:i]
	}
	return kernel.Locale(strings.ToLower(s))
}
