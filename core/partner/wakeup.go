package partner

import "sync"

// Hub is the in-process Wakeups: storage adapters call Notify when a client's deliveries change, and
// waiting pulls subscribe. It is safe for concurrent use; the zero value is not, use NewHub.
type Hub struct {
	mu     sync.Mutex
	subs   map[string]map[chan struct{}]struct{}
	closed bool
}

// NewHub returns a hub with no subscribers.
func NewHub() *Hub { return &Hub{subs: map[string]map[chan struct{}]struct{}{}} }

// Subscribe implements Wakeups.
func (h *Hub) Subscribe(clientID string) (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		close(ch)
		return ch, func() {}
	}
	if h.subs[clientID] == nil {
		h.subs[clientID] = map[chan struct{}]struct{}{}
	}
	h.subs[clientID][ch] = struct{}{}
	return ch, func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		if _, ok := h.subs[clientID][ch]; ok {
			delete(h.subs[clientID], ch)
			if len(h.subs[clientID]) == 0 {
				delete(h.subs, clientID)
			}
		}
	}
}

// Notify wakes the client's subscribers; a subscriber not yet woken keeps one pending signal.
func (h *Hub) Notify(clientID string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs[clientID] {
		signal(ch)
	}
}

// NotifyAll wakes every subscriber (after notifications may have been lost, e.g. a reconnect).
func (h *Hub) NotifyAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, chans := range h.subs {
		for ch := range chans {
			signal(ch)
		}
	}
}

// Close closes every subscription, so waiting pulls return at once (shutdown); later
// subscriptions are closed from the start.
func (h *Hub) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	h.closed = true
	for _, chans := range h.subs {
		for ch := range chans {
			close(ch)
		}
	}
	h.subs = nil
}

func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default: // a signal is already pending
	}
}
