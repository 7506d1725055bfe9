package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jupang/jupang/core/kernel"
)

// TestIdempotencyOverHTTP checks the Stripe semantics of SPEC §1 end to end — header, middleware,
// idempotency service, storage adapter and a handler whose use case writes through a nested unit of
// work — on the in-memory adapter and on PostgreSQL.
func TestIdempotencyOverHTTP(t *testing.T) {
	for _, newBackend := range backends {
		b := newBackend(t)
		t.Run(b.name, func(t *testing.T) { runIdempotency(t, b) })
	}
}

// orderCall is a POST to the key-requiring test route; each test uses its own topic and key.
func orderCall(key, outcome, topic string, header ...string) call {
	h := map[string]string{"Idempotency-Key": key}
	for i := 0; i+1 < len(header); i += 2 {
		h[header[i]] = header[i+1]
	}
	return call{method: http.MethodPost, path: "/v1/test/orders", header: h,
		body: fmt.Sprintf(`{"outcome":%q,"topic":%q}`, outcome, topic)}
}

func runIdempotency(t *testing.T, b backend) {
	newTopic := func() string { return "test." + kernel.NewID() }

	t.Run("a retry replays the stored status and body; effects happen once", func(t *testing.T) {
		f := newFixture(t, b)
		key, topic := kernel.NewID(), newTopic()
		_, first, firstBody := f.do(t, orderCall(key, "created", topic))
		if first.StatusCode != http.StatusCreated || first.Header.Get("Idempotent-Replayed") != "" {
			t.Fatalf("first = %d %v: %s", first.StatusCode, first.Header, firstBody)
		}
		_, again, againBody := f.do(t, orderCall(key, "created", topic))
		if again.StatusCode != http.StatusCreated || string(againBody) != string(firstBody) ||
			again.Header.Get("Idempotent-Replayed") != "true" || again.Header.Get("Content-Type") != first.Header.Get("Content-Type") {
			t.Fatalf("replay = %d %v: %s, want the first answer %s", again.StatusCode, again.Header, againBody, firstBody)
		}
		if again.Header.Get("X-Trace-Id") == first.Header.Get("X-Trace-Id") {
			t.Error("a replay is a new request with its own trace")
		}
		if n := f.orders.Load(); n != 1 {
			t.Errorf("handler ran %d times", n)
		}
		if n := b.events(t, topic); n != 1 {
			t.Errorf("%d events, want 1", n)
		}
	})

	t.Run("a request its route's guard refuses neither claims nor stores its key", func(t *testing.T) {
		f := newFixture(t, b)
		key, topic := kernel.NewID(), newTopic()
		guarded := func(header ...string) call {
			c := orderCall(key, "created", topic, header...)
			c.path = "/v1/test/guarded"
			return c
		}
		if _, refused, body := f.do(t, guarded()); refused.StatusCode != http.StatusUnauthorized || f.orders.Load() != 0 {
			t.Fatalf("refused = %d: %s, handler ran %d times", refused.StatusCode, body, f.orders.Load())
		}
		_, admitted, body := f.do(t, guarded("X-Test-Pass", "yes"))
		if admitted.StatusCode != http.StatusCreated || admitted.Header.Get("Idempotent-Replayed") != "" || f.orders.Load() != 1 {
			t.Fatalf("admitted with the same key = %d %v: %s, handler ran %d times", admitted.StatusCode, admitted.Header, body, f.orders.Load())
		}
	})

	t.Run("the same key for another request is 422 IDEMPOTENCY_KEY_REUSED", func(t *testing.T) {
		f := newFixture(t, b)
		key, topic := kernel.NewID(), newTopic()
		f.do(t, orderCall(key, "created", topic))
		otherBody := orderCall(key, "created", newTopic())
		otherPath := orderCall(key, "created", topic)
		otherPath.path = "/v1/test/notes"
		otherQuery := orderCall(key, "created", topic)
		otherQuery.path += "?express=true"
		for _, c := range []call{otherBody, otherPath, otherQuery} {
			_, resp, body := f.do(t, c)
			if resp.StatusCode != http.StatusUnprocessableEntity || problemOf(t, body)["code"] != "IDEMPOTENCY_KEY_REUSED" {
				t.Errorf("%s %s = %d: %s", c.method, c.path, resp.StatusCode, body)
			}
		}
		if n := f.orders.Load(); n != 1 {
			t.Errorf("handler ran %d times", n)
		}
	})

	t.Run("a 4xx business answer is stored with its effects and replayed", func(t *testing.T) {
		f := newFixture(t, b)
		key, topic := kernel.NewID(), newTopic()
		_, first, firstBody := f.do(t, orderCall(key, "out_of_stock", topic))
		_, again, againBody := f.do(t, orderCall(key, "out_of_stock", topic, "Accept-Language", "en"))
		if first.StatusCode != http.StatusConflict || problemOf(t, firstBody)["code"] != "OUT_OF_STOCK" {
			t.Fatalf("first = %d: %s", first.StatusCode, firstBody)
		}
		if again.StatusCode != http.StatusConflict || string(againBody) != string(firstBody) ||
			again.Header.Get("Idempotent-Replayed") != "true" || again.Header.Get("Content-Type") != "application/problem+json" {
			t.Fatalf("replay = %d %v: %s", again.StatusCode, again.Header, againBody)
		}
		if n, events := f.orders.Load(), b.events(t, topic); n != 1 || events != 1 {
			t.Errorf("handler ran %d times, %d events; want 1 and 1", n, events)
		}
	})

	t.Run("a 5xx stores nothing and rolls its effects back; the key can be used again", func(t *testing.T) {
		f := newFixture(t, b)
		key, topic := kernel.NewID(), newTopic()
		for i := range 2 {
			_, resp, body := f.do(t, orderCall(key, "fail", topic))
			if resp.StatusCode != http.StatusInternalServerError || resp.Header.Get("Idempotent-Replayed") != "" {
				t.Fatalf("attempt %d = %d %v: %s", i, resp.StatusCode, resp.Header, body)
			}
		}
		if n := b.events(t, topic); n != 0 {
			t.Fatalf("%d events of failed requests were kept", n)
		}
		// The client fixes the request (another body) and retries with the same key.
		_, resp, body := f.do(t, orderCall(key, "created", topic))
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("corrected retry = %d: %s", resp.StatusCode, body)
		}
		if n, events := f.orders.Load(), b.events(t, topic); n != 3 || events != 1 {
			t.Errorf("handler ran %d times, %d events; want 3 and 1", n, events)
		}
	})

	t.Run("a panic is a 5xx: rolled back, and the key is released at once", func(t *testing.T) {
		f := newFixture(t, b)
		key, topic := kernel.NewID(), newTopic()
		for i := range 2 {
			_, resp, body := f.do(t, orderCall(key, "panic", topic))
			if resp.StatusCode != http.StatusInternalServerError || problemOf(t, body)["code"] != "INTERNAL" {
				t.Fatalf("attempt %d = %d: %s (a claim left behind answers 409)", i, resp.StatusCode, body)
			}
		}
		if n, events := f.orders.Load(), b.events(t, topic); n != 2 || events != 0 {
			t.Errorf("handler ran %d times, %d events; want 2 and 0", n, events)
		}
	})

	t.Run("a malformed body stores nothing; the corrected request runs under the same key", func(t *testing.T) {
		f := newFixture(t, b)
		key, topic := kernel.NewID(), newTopic()
		bad := orderCall(key, "created", topic)
		bad.body = `{"outcome":"created","topic":` // cut short
		unknown := orderCall(key, "created", topic)
		unknown.body = fmt.Sprintf(`{"outcome":"created","topic":%q,"priority":1}`, topic)
		for _, c := range []call{bad, unknown, bad} {
			if _, resp, body := f.do(t, c); resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("malformed = %d: %s", resp.StatusCode, body)
			}
		}
		_, resp, body := f.do(t, orderCall(key, "created", topic))
		if resp.StatusCode != http.StatusCreated || resp.Header.Get("Idempotent-Replayed") != "" {
			t.Fatalf("corrected = %d %v: %s", resp.StatusCode, resp.Header, body)
		}
	})

	t.Run("a second request while the first runs is 409 IDEMPOTENCY_KEY_IN_USE with Retry-After", func(t *testing.T) {
		f := newFixture(t, b)
		f.entered, f.gate = make(chan struct{}, 1), make(chan struct{})
		key, topic := kernel.NewID(), newTopic()
		done := make(chan []byte)
		go func() {
			_, _, body := f.do(t, orderCall(key, "created", topic))
			done <- body
		}()
		<-f.entered
		_, resp, body := f.do(t, orderCall(key, "created", topic))
		if resp.StatusCode != http.StatusConflict || problemOf(t, body)["code"] != "IDEMPOTENCY_KEY_IN_USE" ||
			resp.Header.Get("Retry-After") != "60" {
			t.Errorf("concurrent = %d, Retry-After %q: %s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
		}
		close(f.gate)
		firstBody := <-done
		_, resp, body = f.do(t, orderCall(key, "created", topic))
		if resp.StatusCode != http.StatusCreated || string(body) != string(firstBody) || resp.Header.Get("Idempotent-Replayed") != "true" {
			t.Errorf("after the first finished = %d: %s", resp.StatusCode, body)
		}
	})

	t.Run("keys are scoped per principal, guest session and client address", func(t *testing.T) {
		f := newFixture(t, b)
		key, topic := kernel.NewID(), newTopic()
		callers := [][]string{
			{"Authorization", "Bearer Customer.alice"},
			{"Authorization", "Bearer Customer.bob"},
			{"X-Session-Id", "guest-session-aaaaaaaa"},
			{"X-Session-Id", "guest-session-bbbbbbbb"},
			{}, // a guest without a session: the client address
		}
		for _, who := range callers {
			for attempt, wantReplay := range []string{"", "true"} {
				_, resp, body := f.do(t, orderCall(key, "created", topic, who...))
				if resp.StatusCode != http.StatusCreated || resp.Header.Get("Idempotent-Replayed") != wantReplay {
					t.Errorf("%v attempt %d = %d, replayed %q: %s", who, attempt, resp.StatusCode, resp.Header.Get("Idempotent-Replayed"), body)
				}
			}
		}
		if n, events := f.orders.Load(), b.events(t, topic); n != int64(len(callers)) || events != len(callers) {
			t.Errorf("handler ran %d times, %d events; want %d", n, events, len(callers))
		}
	})

	t.Run("the key is optional on other writes, and enforced when sent", func(t *testing.T) {
		f := newFixture(t, b)
		topic := newTopic()
		note := func(key string) call {
			c := orderCall(key, "created", topic)
			c.path = "/v1/test/notes"
			if key == "" {
				delete(c.header, "Idempotency-Key")
			}
			return c
		}
		key := kernel.NewID()
		for _, c := range []call{note(""), note(""), note(key), note(key)} {
			if _, resp, body := f.do(t, c); resp.StatusCode != http.StatusCreated {
				t.Fatalf("%d: %s", resp.StatusCode, body)
			}
		}
		if n := f.orders.Load(); n != 3 {
			t.Errorf("handler ran %d times, want 3 (twice without a key, once with one)", n)
		}
	})

	t.Run("an outcome is replayed for 24 hours, then the key is new again", func(t *testing.T) {
		f := newFixture(t, b)
		key, topic := kernel.NewID(), newTopic()
		f.do(t, orderCall(key, "created", topic))
		b.clock.Advance(23 * time.Hour)
		if _, resp, _ := f.do(t, orderCall(key, "created", topic)); resp.Header.Get("Idempotent-Replayed") != "true" {
			t.Error("not replayed within 24 h")
		}
		b.clock.Advance(2 * time.Hour)
		if _, resp, _ := f.do(t, orderCall(key, "created", topic)); resp.StatusCode != http.StatusCreated || resp.Header.Get("Idempotent-Replayed") != "" {
			t.Errorf("after 25 h: %d, replayed %q", resp.StatusCode, resp.Header.Get("Idempotent-Replayed"))
		}
		if n := f.orders.Load(); n != 2 {
			t.Errorf("handler ran %d times, want 2", n)
		}
	})

	t.Run("the outbox event carries the request's trace", func(t *testing.T) {
		f := newFixture(t, b)
		topic := newTopic()
		_, resp, body := f.do(t, orderCall(kernel.NewID(), "created", topic, "traceparent", incomingTraceParent))
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("%d: %s", resp.StatusCode, body)
		}
		events := b.eventsOf(t, topic)
		if len(events) != 1 || events[0].TraceParent != resp.Header.Get("traceparent") ||
			!strings.Contains(events[0].TraceParent, incomingTraceID) {
			t.Errorf("events = %+v, want one carrying %s", events, resp.Header.Get("traceparent"))
		}
	})

	t.Run("stored keys do not change when later requests reuse the server's buffers", func(t *testing.T) {
		f := newFixture(t, b)
		topic := newTopic()
		// Keys of one length, so a key aliasing a reused request buffer would turn into a later one.
		keys := []string{kernel.NewID(), kernel.NewID(), kernel.NewID(), kernel.NewID()}
		for _, key := range keys {
			f.do(t, orderCall(key, "created", topic))
		}
		for _, key := range keys {
			if _, resp, body := f.do(t, orderCall(key, "created", topic)); resp.Header.Get("Idempotent-Replayed") != "true" {
				t.Errorf("key %s was not replayed: %d %s", key, resp.StatusCode, body)
			}
		}
		if n := f.orders.Load(); n != int64(len(keys)) {
			t.Errorf("handler ran %d times, want %d", n, len(keys))
		}
	})

	t.Run("50 concurrent requests with one key run the handler once", func(t *testing.T) {
		const n = 50
		// Held: the first request waits inside its handler until every other one has been answered,
		// so all 49 must see the running claim.
		f := newFixture(t, b)
		f.entered, f.gate = make(chan struct{}, n), make(chan struct{})
		key, topic := kernel.NewID(), newTopic()
		statuses := storm(t, f, n, orderCall(key, "created", topic), func(answered int) {
			if answered == n-1 {
				close(f.gate)
			}
		})
		if statuses[http.StatusCreated] != 1 || statuses[http.StatusConflict] != n-1 {
			t.Errorf("statuses = %v, want one 201 and %d × 409", statuses, n-1)
		}
		if runs, events := f.orders.Load(), b.events(t, topic); runs != 1 || events != 1 {
			t.Errorf("handler ran %d times, %d events; want 1 and 1", runs, events)
		}

		// Free-running: whatever the interleaving, one execution; everyone else is told to wait or
		// gets the replay.
		f = newFixture(t, b)
		key, topic = kernel.NewID(), newTopic()
		statuses = storm(t, f, n, orderCall(key, "created", topic), nil)
		if statuses[http.StatusCreated]+statuses[http.StatusConflict] != n || statuses[http.StatusCreated] < 1 {
			t.Errorf("statuses = %v", statuses)
		}
		if runs, events := f.orders.Load(), b.events(t, topic); runs != 1 || events != 1 {
			t.Errorf("handler ran %d times, %d events; want 1 and 1", runs, events)
		}
	})
}

// storm sends n copies of c at once and counts the statuses. Every 201 must be the same answer (the
// original or its replay) and every 409 an IDEMPOTENCY_KEY_IN_USE with Retry-After. onAnswer, if
// set, is told how many 409s have come back so far.
func storm(t *testing.T, f *fixture, n int, c call, onAnswer func(answered int)) map[int]int {
	t.Helper()
	var (
		mu       sync.Mutex
		statuses = map[int]int{}
		created  = map[string]bool{}
		wg       sync.WaitGroup
		start    = make(chan struct{})
	)
	for range n {
		wg.Go(func() {
			<-start
			_, resp, body := f.do(t, c)
			mu.Lock()
			defer mu.Unlock()
			statuses[resp.StatusCode]++
			switch resp.StatusCode {
			case http.StatusCreated:
				created[string(body)] = true
			case http.StatusConflict:
				if problemOf(t, body)["code"] != "IDEMPOTENCY_KEY_IN_USE" || resp.Header.Get("Retry-After") == "" {
					t.Errorf("409 without IDEMPOTENCY_KEY_IN_USE and Retry-After: %v %s", resp.Header, body)
				}
				if onAnswer != nil {
					onAnswer(statuses[http.StatusConflict])
				}
			default:
				t.Errorf("status %d: %s", resp.StatusCode, body)
			}
		})
	}
	close(start)
	wg.Wait()
	if len(created) > 1 {
		t.Errorf("%d different 201 answers for one key", len(created))
	}
	return statuses
}

// TestIdempotencyHardening covers what an adversarial review found in the idempotency layer: replays
// that lost headers, retries refused for formatting, and deadlocks that became 500s only when a key
// was sent.
func TestIdempotencyHardening(t *testing.T) {
	for _, newBackend := range backends {
		b := newBackend(t)
		t.Run(b.name, func(t *testing.T) { runIdempotencyHardening(t, b) })
	}
}

func runIdempotencyHardening(t *testing.T, b backend) {
	newTopic := func() string { return "test." + kernel.NewID() }

	t.Run("a replayed 201 carries the Location and ETag of the first answer", func(t *testing.T) {
		f := newFixture(t, b)
		key, topic := kernel.NewID(), newTopic()
		_, first, _ := f.do(t, orderCall(key, "created", topic))
		_, again, _ := f.do(t, orderCall(key, "created", topic))
		for _, h := range []string{"Location", "ETag"} {
			if first.Header.Get(h) == "" || again.Header.Get(h) != first.Header.Get(h) {
				t.Errorf("%s: first %q, replay %q", h, first.Header.Get(h), again.Header.Get(h))
			}
		}
		if again.Header.Get("X-Execution-1") != "" {
			t.Error("a replay carries a header that is not on the allow-list")
		}
	})

	t.Run("the same JSON with other spacing or key order is the same request", func(t *testing.T) {
		f := newFixture(t, b)
		key, topic := kernel.NewID(), newTopic()
		compact := orderCall(key, "created", topic)
		spaced := compact
		spaced.body = fmt.Sprintf("{ \"topic\" : %q,\n  \"outcome\": \"created\" }", topic)
		_, first, firstBody := f.do(t, compact)
		_, again, againBody := f.do(t, spaced)
		if first.StatusCode != http.StatusCreated || again.StatusCode != http.StatusCreated ||
			again.Header.Get("Idempotent-Replayed") != "true" || string(againBody) != string(firstBody) {
			t.Fatalf("reformatted retry = %d, replayed %q: %s", again.StatusCode, again.Header.Get("Idempotent-Replayed"), againBody)
		}
	})

	t.Run("query parameters in another order are the same request", func(t *testing.T) {
		f := newFixture(t, b)
		key, topic := kernel.NewID(), newTopic()
		first, reordered := orderCall(key, "created", topic), orderCall(key, "created", topic)
		first.path += "?express=true&gift=false"
		reordered.path += "?gift=false&express=true"
		f.do(t, first)
		_, again, body := f.do(t, reordered)
		if again.StatusCode != http.StatusCreated || again.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("reordered query = %d, replayed %q: %s", again.StatusCode, again.Header.Get("Idempotent-Replayed"), body)
		}
	})

	t.Run("a use case that loses a deadlock race is run again, with a key as without one", func(t *testing.T) {
		f := newFixture(t, b)
		withKey, withoutKey := orderCall(kernel.NewID(), "lose_race_once", newTopic()), orderCall("", "lose_race_once", newTopic())
		withoutKey.path = "/v1/test/notes"
		delete(withoutKey.header, "Idempotency-Key")
		for _, c := range []call{withKey, withoutKey} {
			_, resp, body := f.do(t, c)
			if resp.StatusCode != http.StatusCreated {
				t.Errorf("%s = %d: %s", c.path, resp.StatusCode, body)
			}
		}
		_, resp, body := f.do(t, withKey)
		if resp.StatusCode != http.StatusCreated || resp.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("retry of the keyed order = %d: %s", resp.StatusCode, body)
		}
		var topic order
		if err := json.Unmarshal([]byte(withKey.body), &topic); err != nil {
			t.Fatal(err)
		}
		if n := b.events(t, topic.Topic); n != 1 {
			t.Errorf("%d events of the keyed order, want the rerun's one", n)
		}
	})

	t.Run("a rerun answers afresh but keeps the platform headers", func(t *testing.T) {
		f := newFixture(t, b)
		_, resp, body := f.do(t, orderCall(kernel.NewID(), "lose_race_once", newTopic(), "Accept-Language", "en"))
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("%d: %s", resp.StatusCode, body)
		}
		if resp.Header.Get("X-Execution-1") != "" || resp.Header.Get("X-Execution-2") == "" {
			t.Errorf("headers of the lost execution survived, or the rerun's are missing: %v", resp.Header)
		}
		for _, h := range []string{"X-Trace-Id", "traceparent", "RateLimit-Limit", "Content-Language"} {
			if resp.Header.Get(h) == "" {
				t.Errorf("the rerun lost the platform header %s: %v", h, resp.Header)
			}
		}
	})
}
