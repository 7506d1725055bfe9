package contracttest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/idempotency"
	"github.com/jupang/jupang/core/kernel"
)

// RunIdempotency checks Stripe semantics of idempotency.Service on an adapter: one execution per
// key, replay, reuse detection, in-flight refusal, 5xx not stored, effects and record atomic, expiry.
func RunIdempotency(t *testing.T, newHarness func(t *testing.T) PlatformHarness) {
	ctx := context.Background()
	start := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)

	setup := func(t *testing.T) (PlatformHarness, *kernel.FakeClock, *idempotency.Service) {
		h := newHarness(t)
		clock := kernel.NewFakeClock(start)
		return h, clock, idempotency.NewService(h.Claims, h.Idempotency, clock, 24*time.Hour, time.Minute)
	}
	request := func(key, body string) idempotency.Request {
		return idempotency.Request{Scope: "user:" + key, Key: kernel.IdempotencyKey(key), Method: http.MethodPost, Path: "/v1/orders", Body: []byte(body)}
	}
	// effect appends one event through a nested unit of work, as a use case would.
	effect := func(h PlatformHarness, topic string, status int) func(ctx context.Context) idempotency.Response {
		return func(ctx context.Context) idempotency.Response {
			err := h.Platform.Do(ctx, func(ctx context.Context, s PlatformStores) error {
				return s.Outbox.Append(ctx, event(t, topic))
			})
			if err != nil {
				return idempotency.Response{Status: http.StatusInternalServerError}
			}
			return idempotency.Response{Status: status, ContentType: "application/json", Body: fmt.Appendf(nil, `{"status":%d}`, status)}
		}
	}

	t.Run("first request runs, a retry replays the stored response", func(t *testing.T) {
		h, _, svc := setup(t)
		topic, key := uniqueTopic(t), kernel.NewID()
		first, err := svc.Run(ctx, request(key, `{"a":1}`), effect(h, topic, http.StatusCreated))
		if err != nil || first.Replayed || first.Response.Status != http.StatusCreated {
			t.Fatalf("first = %+v, %v", first, err)
		}
		second, err := svc.Run(ctx, request(key, `{"a":1}`), func(context.Context) idempotency.Response {
			t.Fatal("a replay must not execute")
			return idempotency.Response{}
		})
		if err != nil || !second.Replayed || second.Response.Status != http.StatusCreated || string(second.Response.Body) != `{"status":201}` {
			t.Fatalf("replay = %+v, %v", second, err)
		}
		if got := countEvents(t, h, topic); got != 1 {
			t.Fatalf("effects = %d, want 1", got)
		}
	})

	t.Run("same key with a different request is refused", func(t *testing.T) {
		h, _, svc := setup(t)
		key := kernel.NewID()
		if _, err := svc.Run(ctx, request(key, `{"a":1}`), effect(h, uniqueTopic(t), http.StatusCreated)); err != nil {
			t.Fatal(err)
		}
		_, err := svc.Run(ctx, request(key, `{"a":2}`), effect(h, uniqueTopic(t), http.StatusCreated))
		if !errors.Is(err, idempotency.ErrKeyReused) {
			t.Fatalf("err = %v, want IDEMPOTENCY_KEY_REUSED", err)
		}
	})

	t.Run("the same key in another scope is another key", func(t *testing.T) {
		h, _, svc := setup(t)
		topic, key := uniqueTopic(t), kernel.NewID()
		for _, scope := range []string{"user:a-" + key, "session:b-" + key} {
			req := request(key, `{}`)
			req.Scope = scope
			if out, err := svc.Run(ctx, req, effect(h, topic, http.StatusOK)); err != nil || out.Replayed {
				t.Fatalf("%s: %+v %v", scope, out, err)
			}
		}
		if got := countEvents(t, h, topic); got != 2 {
			t.Fatalf("effects = %d, want 2", got)
		}
	})

	t.Run("a business 4xx is stored with its effects", func(t *testing.T) {
		h, _, svc := setup(t)
		key := kernel.NewID()
		out, err := svc.Run(ctx, request(key, `{}`), effect(h, uniqueTopic(t), http.StatusConflict))
		if err != nil || out.Response.Status != http.StatusConflict {
			t.Fatalf("%+v %v", out, err)
		}
		again, err := svc.Run(ctx, request(key, `{}`), effect(h, uniqueTopic(t), http.StatusOK))
		if err != nil || !again.Replayed || again.Response.Status != http.StatusConflict {
			t.Fatalf("replay of a 4xx = %+v %v", again, err)
		}
	})

	t.Run("a 5xx stores nothing and rolls back its effects", func(t *testing.T) {
		h, _, svc := setup(t)
		topic, key := uniqueTopic(t), kernel.NewID()
		out, err := svc.Run(ctx, request(key, `{}`), effect(h, topic, http.StatusInternalServerError))
		if err != nil || out.Response.Status != http.StatusInternalServerError || out.Replayed {
			t.Fatalf("%+v %v", out, err)
		}
		if got := countEvents(t, h, topic); got != 0 {
			t.Fatalf("effects of a 5xx = %d, want 0", got)
		}
		retry, err := svc.Run(ctx, request(key, `{}`), effect(h, topic, http.StatusCreated))
		if err != nil || retry.Replayed || retry.Response.Status != http.StatusCreated {
			t.Fatalf("retry after 5xx = %+v %v", retry, err)
		}
		if got := countEvents(t, h, topic); got != 1 {
			t.Fatalf("effects after the retry = %d, want 1", got)
		}
	})

	t.Run("a request still running makes others wait", func(t *testing.T) {
		h, _, svc := setup(t)
		key := kernel.NewID()
		entered, release := make(chan struct{}), make(chan struct{})
		done := make(chan error)
		go func() {
			_, err := svc.Run(ctx, request(key, `{}`), func(ctx context.Context) idempotency.Response {
				close(entered)
				<-release
				return effect(h, uniqueTopic(t), http.StatusCreated)(ctx)
			})
			done <- err
		}()
		<-entered
		_, err := svc.Run(ctx, request(key, `{}`), effect(h, uniqueTopic(t), http.StatusCreated))
		var de *errs.Error
		if !errors.Is(err, idempotency.ErrKeyInUse) || !errors.As(err, &de) || de.RetryAfter <= 0 {
			t.Fatalf("err = %v, want IDEMPOTENCY_KEY_IN_USE with Retry-After", err)
		}
		close(release)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	})

	t.Run("an abandoned claim can be taken over after its lock", func(t *testing.T) {
		h, clock, svc := setup(t)
		key := kernel.NewID()
		req := request(key, `{}`)
		err := h.Idempotency.Do(ctx, func(ctx context.Context, s idempotency.Stores) error {
			rec := claimRecord(req.Scope, key, clock.Now())
			rec.Fingerprint = req.Fingerprint()
			_, _, err := s.Keys.Claim(ctx, rec, clock.Now())
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Run(ctx, req, effect(h, uniqueTopic(t), http.StatusOK)); !errors.Is(err, idempotency.ErrKeyInUse) {
			t.Fatalf("before the lock ran out: %v", err)
		}
		clock.Advance(2 * time.Minute)
		if out, err := svc.Run(ctx, req, effect(h, uniqueTopic(t), http.StatusOK)); err != nil || out.Replayed {
			t.Fatalf("after the lock ran out: %+v %v", out, err)
		}
	})

	t.Run("after 24 hours the key is forgotten and swept", func(t *testing.T) {
		h, clock, svc := setup(t)
		topic, key := uniqueTopic(t), kernel.NewID()
		if _, err := svc.Run(ctx, request(key, `{}`), effect(h, topic, http.StatusCreated)); err != nil {
			t.Fatal(err)
		}
		clock.Advance(24*time.Hour + time.Second)
		swept, err := svc.Sweep(ctx, 1000)
		if err != nil || swept < 1 {
			t.Fatalf("swept %d, %v", swept, err)
		}
		out, err := svc.Run(ctx, request(key, `{"other":true}`), effect(h, topic, http.StatusCreated))
		if err != nil || out.Replayed {
			t.Fatalf("after expiry: %+v %v", out, err)
		}
		if got := countEvents(t, h, topic); got != 2 {
			t.Fatalf("effects = %d, want 2", got)
		}
	})

	t.Run("50 concurrent requests with one key execute exactly once", func(t *testing.T) {
		h, _, svc := setup(t)
		topic, key := uniqueTopic(t), kernel.NewID()
		var executions atomic.Int32
		const clients = 50
		var wg sync.WaitGroup
		var mu sync.Mutex
		outcomes := map[string]int{}
		// The first request holds its key until every other client has been answered, so they all
		// meet it in flight; the timeout only bounds a broken adapter that runs it twice.
		var answered atomic.Int32
		othersAnswered := make(chan struct{})
		for range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				out, err := svc.Run(ctx, request(key, `{"same":true}`), func(ctx context.Context) idempotency.Response {
					executions.Add(1)
					select {
					case <-othersAnswered:
					case <-time.After(10 * time.Second):
					}
					return effect(h, topic, http.StatusCreated)(ctx)
				})
				if answered.Add(1) == clients-1 {
					close(othersAnswered)
				}
				mu.Lock()
				defer mu.Unlock()
				switch {
				case errors.Is(err, idempotency.ErrKeyInUse):
					outcomes["in use"]++
				case err != nil:
					t.Error(err)
				case out.Replayed:
					outcomes["replayed"]++
				default:
					outcomes["executed"]++
				}
			}()
		}
		wg.Wait()
		if executions.Load() != 1 || outcomes["executed"] != 1 {
			t.Fatalf("executions = %d, outcomes = %v; want exactly one execution", executions.Load(), outcomes)
		}
		if outcomes["in use"]+outcomes["replayed"] != clients-1 {
			t.Fatalf("outcomes = %v", outcomes)
		}
		if got := countEvents(t, h, topic); got != 1 {
			t.Fatalf("effects = %d, want 1", got)
		}
	})
}
