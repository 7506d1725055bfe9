package integration

import "time"

// Backoff is exponential backoff with jitter: the n-th retry waits between half and all of
// Base·2^(n-1), capped at Max. The relay, the partner feed's webhooks and consumers share it.
type Backoff struct {
	Base, Max time.Duration
}

// Delay is the wait before retry n (n ≥ 1); jitter is a number in [0, 1).
func (b Backoff) Delay(n int, jitter float64) time.Duration {
	d := b.Base
	for i := 1; i < n && d < b.Max; i++ {
		d *= 2
	}
	d = min(d, b.Max)
	return d/2 + time.Duration(jitter*float64(d/2))
}
