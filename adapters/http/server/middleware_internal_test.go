package server

import (
	"fmt"
	"testing"

	"github.com/jupang/jupang/core/kernel"
)

// The memo answers exactly like NegotiateLocale and stops growing at its bound.
func TestLocaleMemo(t *testing.T) {
	var m localeMemo
	headers := []string{"", "en-US,en;q=0.9", "ja", "ko;q=0.1, ja;q=0.9", "fr-FR", "@@@;q=x"}
	for round := 0; round < 2; round++ { // the second round is answered from the memo
		for _, h := range headers {
			for _, fb := range kernel.Locales {
				if got, want := m.negotiate([]byte(h), fb), kernel.NegotiateLocale(h, fb); got != want {
					t.Fatalf("negotiate(%q, %s) = %s, want %s", h, fb, got, want)
				}
			}
		}
	}
	for i := 0; i < 3*localeMemoMax; i++ {
		m.negotiate([]byte(fmt.Sprintf("x-%d", i)), kernel.LocaleKO)
	}
	if n := m.size; n > localeMemoMax {
		t.Fatalf("memo holds %d answers, bound is %d", n, localeMemoMax)
	}
}
