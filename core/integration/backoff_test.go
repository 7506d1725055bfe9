package integration

import (
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	b := Backoff{Base: time.Second, Max: time.Minute}
	for n, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 7: time.Minute, 50: time.Minute} {
		lo, hi := b.Delay(n, 0), b.Delay(n, 0.999999)
		if lo != want/2 || hi > want || hi < want*9/10 {
			t.Errorf("retry %d: [%v, %v], want [%v, %v]", n, lo, hi, want/2, want)
		}
	}
}
