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
	"github.com/jupang/jupang/core/uow"
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
	effect := func(h PlatformHarness, topic string, status int) func(ctx context.Context) (idempotency.Response, error) {
		return func(ctx context.Context) (idempotency.Response, error) {
			err := h.Platform.Do(ctx, func(ctx context.Context, s PlatformStores) error {
				return s.Outbox.Append(ctx, event(t, topic))
			})
			if err != nil {
				return idempotency.Response{Status: http.StatusInternalServerError}, nil
			}
			return idempotency.Response{Status: status, ContentType: "application/json", Body: fmt.Appendf(nil, `{"status":%d}`, status)}, nil
		}
	}

	t.Run("first request runs, a retry replays the stored response", func(t *testing.T) {
		h, _, svc := setup(t)
		topic, key := uniqueTopic(t), kernel.NewID()
		first, err := svc.Run(ctx, request(key, `{"a":1}`), effect(h, topic, http.StatusCreated))
		if err != nil || first.Replayed || first.Response.Status != http.StatusCreated {
			t.Fatalf("first = %+v, %v", first, err)
		}
		second, err := svc.Run(ctx, request(key, `{"a":1}`), func(context.Context) (idempotency.Response, error) {
			t.Fatal("a replay must not execute")
			return idempotency.Response{}, nil
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
			_, err := svc.Run(ctx, request(key, `{}`), func(ctx context.Context) (idempotency.Response, error) {
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

	t.Run("a replay repeats the stored headers", func(t *testing.T) {
		_, _, svc := setup(t)
		key := kernel.NewID()
		headers := map[string]string{"Location": "/v1/orders/1", "ETag": `"v1"`}
		if _, err := svc.Run(ctx, request(key, `{}`), func(context.Context) (idempotency.Response, error) {
			return idempotency.Response{Status: http.StatusCreated, Headers: headers, Body: []byte(`{}`)}, nil
		}); err != nil {
			t.Fatal(err)
		}
		out, err := svc.Run(ctx, request(key, `{}`), nil)
		if err != nil || !out.Replayed || out.Response.Headers["Location"] != "/v1/orders/1" || out.Response.Headers["ETag"] != `"v1"` {
			t.Fatalf("replay = %+v, %v", out, err)
		}
	})

	t.Run("a request that lost a race is run again in a fresh transaction", func(t *testing.T) {
		h, _, svc := setup(t)
		topic, key := uniqueTopic(t), kernel.NewID()
		runs := 0
		out, err := svc.Run(ctx, request(key, `{}`), func(ctx context.Context) (idempotency.Response, error) {
			runs++
			resp, err := effect(h, topic, http.StatusCreated)(ctx)
			if runs == 1 {
				return idempotency.Response{}, fmt.Errorf("deadlock in the use case: %w", uow.ErrRetry)
			}
			return resp, err
		})
		if err != nil || out.Response.Status != http.StatusCreated || runs != 2 {
			t.Fatalf("out = %+v, %v after %d runs; want a 201 from the second", out, err, runs)
		}
		if got := countEvents(t, h, topic); got != 1 {
			t.Fatalf("effects = %d, want the second run's only", got)
		}
		if again, err := svc.Run(ctx, request(key, `{}`), nil); err != nil || !again.Replayed {
			t.Fatalf("replay = %+v, %v", again, err)
		}
	})

	t.Run("only the claim's owner holds, completes or releases it", func(t *testing.T) {
		h, clock, _ := setup(t)
		scope, key := "user:"+kernel.NewID(), kernel.NewID()
		rec := claimRecord(scope, key, clock.Now())
		rec.Owner = "owner-a"
		err := h.Idempotency.Do(ctx, func(ctx context.Context, s idempotency.Stores) error {
			_, _, err := s.Keys.Claim(ctx, rec, clock.Now())
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		err = h.Idempotency.Do(ctx, func(ctx context.Context, s idempotency.Stores) error {
			if err := s.Keys.Hold(ctx, scope, kernel.IdempotencyKey(key), "owner-b"); !errors.Is(err, idempotency.ErrNotOwner) {
				return fmt.Errorf("hold by another owner = %v", err)
			}
			if err := s.Keys.Complete(ctx, scope, kernel.IdempotencyKey(key), "owner-b", idempotency.Response{Status: http.StatusOK}); !errors.Is(err, idempotency.ErrNotOwner) {
				return fmt.Errorf("complete by another owner = %v", err)
			}
			return s.Keys.Release(ctx, scope, kernel.IdempotencyKey(key), "owner-b")
		})
		if err != nil {
			t.Fatal(err)
		}
		assertClaimed(t, h, scope, key, clock.Now(), true)
		err = h.Idempotency.Do(ctx, func(ctx context.Context, s idempotency.Stores) error {
			return s.Keys.Release(ctx, scope, kernel.IdempotencyKey(key), "owner-a")
		})
		if err != nil {
			t.Fatal(err)
		}
		assertClaimed(t, h, scope, key, clock.Now(), false)
	})

	// A first request that outlives its lease (a slow gateway, a stuck handler) must not let a second
	// request with the same key run beside it, store its answer under the other's fingerprint, or
	// delete the other's claim. The second one waits for it instead.
	t.Run("a retry after the lease ran out waits for the running request and replays its answer", func(t *testing.T) {
		h, clock, svc := setup(t)
		topic, key := uniqueTopic(t), kernel.NewID()
		first := startHeld(t, svc, request(key, `{"a":1}`), effect(h, topic, http.StatusCreated)).running(t)
		clock.Advance(2 * time.Minute)
		second := startHeld(t, svc, request(key, `{"a":1}`), effect(h, topic, http.StatusCreated))
		time.Sleep(100 * time.Millisecond) // let the retry reach its claim while the first still runs
		first.finish(t)
		second.finish(t)
		if first.err != nil || first.out.Replayed {
			t.Fatalf("first = %+v, %v", first.out, first.err)
		}
		if second.ran.Load() || second.err != nil || !second.out.Replayed || string(second.out.Response.Body) != string(first.out.Response.Body) {
			t.Fatalf("retry ran %v, got %+v, %v; want the first answer replayed without running", second.ran.Load(), second.out, second.err)
		}
		if got := countEvents(t, h, topic); got != 1 {
			t.Fatalf("effects = %d, want 1", got)
		}
	})

	t.Run("a request that outlived its lease stores its answer under its own request only", func(t *testing.T) {
		h, clock, svc := setup(t)
		key := kernel.NewID()
		slow, other := request(key, `{"a":"slow"}`), request(key, `{"a":"other"}`)
		first := startHeld(t, svc, slow, answer(t, h, uniqueTopic(t), "slow")).running(t)
		clock.Advance(2 * time.Minute)
		second := startHeld(t, svc, other, answer(t, h, uniqueTopic(t), "other"))
		time.Sleep(100 * time.Millisecond)
		first.finish(t)
		second.finish(t)
		// Whatever ran, each request may only ever be answered with its own outcome.
		for _, c := range []struct {
			req  idempotency.Request
			body string
		}{{slow, `"slow"`}, {other, `"other"`}} {
			out, err := svc.Run(ctx, c.req, func(context.Context) (idempotency.Response, error) {
				return idempotency.Response{Status: http.StatusCreated, Body: []byte(`"ran again"`)}, nil
			})
			if err == nil && out.Replayed && string(out.Response.Body) != c.body {
				t.Errorf("%s is replayed with %s", c.req.Body, out.Response.Body)
			}
		}
	})

	t.Run("a request that outlived its lease and failed does not free the key of the one that took over", func(t *testing.T) {
		h, clock, svc := setup(t)
		key := kernel.NewID()
		first := startHeld(t, svc, request(key, `{}`), effect(h, uniqueTopic(t), http.StatusInternalServerError)).running(t)
		clock.Advance(2 * time.Minute)
		second := startHeld(t, svc, request(key, `{}`), effect(h, uniqueTopic(t), http.StatusCreated))
		time.Sleep(100 * time.Millisecond)
		first.finish(t)   // a 5xx: its claim is released, but only its own
		second.running(t) // it took over once the first one failed
		third := make(chan error, 1)
		go func() {
			_, err := svc.Run(ctx, request(key, `{}`), effect(h, uniqueTopic(t), http.StatusCreated))
			third <- err
		}()
		var err error
		select {
		case err = <-third:
		case <-time.After(2 * time.Second): // an adapter that serializes units makes it queue behind the second
			second.finish(t)
			err = <-third
		}
		second.finish(t)
		if !errors.Is(err, idempotency.ErrKeyInUse) {
			t.Fatalf("a third request while the second runs = %v, want IDEMPOTENCY_KEY_IN_USE", err)
		}
	})

	t.Run("100 retries of a request that outlived its lease: it runs once, and they all get its answer", func(t *testing.T) {
		h, clock, svc := setup(t)
		topic, key := uniqueTopic(t), kernel.NewID()
		var executions atomic.Int32
		first := startHeld(t, svc, request(key, `{"storm":true}`), effect(h, topic, http.StatusCreated)).running(t)
		clock.Advance(2 * time.Minute)
		const retries = 100
		var wg sync.WaitGroup
		outs := make([]idempotency.Outcome, retries)
		errs := make([]error, retries)
		for i := range retries {
			wg.Go(func() {
				outs[i], errs[i] = svc.Run(ctx, request(key, `{"storm":true}`), func(ctx context.Context) (idempotency.Response, error) {
					executions.Add(1)
					return effect(h, topic, http.StatusCreated)(ctx)
				})
			})
		}
		time.Sleep(200 * time.Millisecond) // most retries now wait for the first request
		first.finish(t)
		wg.Wait()
		if first.err != nil {
			t.Fatal(first.err)
		}
		for i := range retries {
			switch {
			case errors.Is(errs[i], idempotency.ErrKeyInUse): // a retry that found a claim in flight
			case errs[i] != nil:
				t.Errorf("retry %d: %v", i, errs[i])
			case !outs[i].Replayed || string(outs[i].Response.Body) != string(first.out.Response.Body):
				t.Errorf("retry %d = %+v, want the first answer replayed", i, outs[i])
			}
		}
		if n := executions.Load(); n != 0 {
			t.Errorf("%d retries ran beside or after the first request", n)
		}
		if got := countEvents(t, h, topic); got != 1 {
			t.Fatalf("effects = %d, want 1", got)
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
				out, err := svc.Run(ctx, request(key, `{"same":true}`), func(ctx context.Context) (idempotency.Response, error) {
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

// heldRun is a request started in the background whose run waits for finish.
type heldRun struct {
	entered chan struct{}
	release chan struct{}
	done    chan struct{}
	ran     atomic.Bool
	out     idempotency.Outcome
	err     error
	once    sync.Once
}

// startHeld starts svc.Run(req) in the background; if the request gets to run, it waits for finish
// before doing what run does.
func startHeld(t *testing.T, svc *idempotency.Service, req idempotency.Request, run func(ctx context.Context) (idempotency.Response, error)) *heldRun {
	t.Helper()
	r := &heldRun{entered: make(chan struct{}), release: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(r.done)
		r.out, r.err = svc.Run(context.Background(), req, func(ctx context.Context) (idempotency.Response, error) {
			r.ran.Store(true)
			close(r.entered)
			<-r.release
			return run(ctx)
		})
	}()
	return r
}

// running waits until the request is inside its run.
func (r *heldRun) running(t *testing.T) *heldRun {
	t.Helper()
	select {
	case <-r.entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the request did not start running")
	}
	return r
}

// finish lets the request's run go on and waits for its answer.
func (r *heldRun) finish(t *testing.T) {
	t.Helper()
	r.once.Do(func() { close(r.release) })
	select {
	case <-r.done:
	case <-time.After(20 * time.Second):
		t.Fatal("the request did not finish")
	}
}

// answer appends one event and answers 201 with body as a JSON string.
func answer(t *testing.T, h PlatformHarness, topic, body string) func(ctx context.Context) (idempotency.Response, error) {
	return func(ctx context.Context) (idempotency.Response, error) {
		err := h.Platform.Do(ctx, func(ctx context.Context, s PlatformStores) error {
			return s.Outbox.Append(ctx, event(t, topic))
		})
		if err != nil {
			return idempotency.Response{Status: http.StatusInternalServerError}, nil
		}
		return idempotency.Response{Status: http.StatusCreated, ContentType: "application/json", Body: []byte(`"` + body + `"`)}, nil
	}
}
