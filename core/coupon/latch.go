package coupon

import (
	"sync"
	"time"
)

// SoldOutLatch remembers, per instance, the codes a claim found sold out, so further claims of them
// are answered at once without touching the database. An entry lapses after its TTL (so a missed
// signal costs at most one TTL of wrong answers) and is cleared at once when an admin change may
// have reopened the coupon (Service.Update locally; Signals and a listener on other instances).
type SoldOutLatch struct {
	mu    sync.RWMutex
	until map[string]time.Time // normalized code → when the entry lapses
	ttl   time.Duration
	// clears counts Clear and ClearAll calls. A claim reads it before it asks the database, and its
	// "sold out" latches only if nothing was cleared meanwhile: an answer that raced an admin's
	// raise must not latch a coupon the raise just reopened.
	clears uint64
}

// DefaultLatchTTL bounds how long an instance answers "sold out" from memory without a signal.
const DefaultLatchTTL = time.Second

// NewSoldOutLatch returns an empty latch whose entries lapse after ttl (DefaultLatchTTL when ≤ 0).
func NewSoldOutLatch(ttl time.Duration) *SoldOutLatch {
	if ttl <= 0 {
		ttl = DefaultLatchTTL
	}
	return &SoldOutLatch{until: map[string]time.Time{}, ttl: ttl}
}

// Latched reports whether code is known sold out at now.
func (l *SoldOutLatch) Latched(code string, now time.Time) bool {
	l.mu.RLock()
	until, ok := l.until[NormalizeCode(code)]
	l.mu.RUnlock()
	return ok && now.Before(until)
}

// Epoch is the latch's clear count, read before a claim asks the database (see Set).
func (l *SoldOutLatch) Epoch() uint64 {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.clears
}

// Set records that code was found sold out at now by a claim that began at epoch; it does nothing
// when the latch was cleared since.
func (l *SoldOutLatch) Set(code string, epoch uint64, now time.Time) {
	l.mu.Lock()
	if l.clears == epoch {
		l.until[NormalizeCode(code)] = now.Add(l.ttl)
	}
	l.mu.Unlock()
}

// Clear forgets code (an admin change may have reopened it).
func (l *SoldOutLatch) Clear(code string) {
	l.mu.Lock()
	delete(l.until, NormalizeCode(code))
	l.clears++
	l.mu.Unlock()
}

// ClearAll forgets every code (signals may have been missed, e.g. after a lost connection).
func (l *SoldOutLatch) ClearAll() {
	l.mu.Lock()
	clear(l.until)
	l.clears++
	l.mu.Unlock()
}
