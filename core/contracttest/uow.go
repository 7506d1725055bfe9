// Package contracttest holds one behaviour suite per core port. Every adapter (memory, Postgres)
// runs the same suite, so a behaviour the fake lacks shows up as a failing test, not a surprise in
// production. Suites take *testing.T and a harness that builds fresh adapters.
package contracttest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jupang/jupang/core/idempotency"
	"github.com/jupang/jupang/core/integration"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/uow"
)

// PlatformStores are two unrelated stores, so a suite can check that one unit of work spans both.
type PlatformStores struct {
	Keys   idempotency.Store
	Outbox integration.Outbox
}

// PlatformHarness is what an adapter provides to the unit-of-work and idempotency suites.
type PlatformHarness struct {
	// Platform is a unit of work over both stores.
	Platform uow.UnitOfWork[PlatformStores]
	// Idempotency is a unit of work over the idempotency store alone, on the same storage; the
	// idempotency service uses it for both claims and effects.
	Idempotency uow.UnitOfWork[idempotency.Stores]
	// Claims is the unit of work the idempotency service uses for claims (may equal Idempotency).
	Claims uow.UnitOfWork[idempotency.Stores]
	// Outbox reads committed events.
	Outbox integration.OutboxReader
}

var errBoom = errors.New("boom")

func event(t *testing.T, topic string) integration.Event {
	t.Helper()
	e, err := integration.NewEvent(context.Background(), kernel.SystemClock{}, topic, "test.happened", "agg-1", "tests/1", map[string]int{"n": 1})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func countEvents(t *testing.T, h PlatformHarness, topic string) int {
	t.Helper()
	return countEventsIn(context.Background(), t, h, topic)
}

// countEventsIn counts events visible from ctx (inside a unit of work: its uncommitted ones too).
func countEventsIn(ctx context.Context, t *testing.T, h PlatformHarness, topic string) int {
	t.Helper()
	entries, err := h.Outbox.List(ctx, integration.OutboxPending, 100000)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if e.Topic == topic {
			n++
		}
	}
	return n
}

func claimRecord(scope, key string, now time.Time) idempotency.Record {
	return idempotency.Record{Scope: scope, Key: kernel.IdempotencyKey(key), Fingerprint: "f", State: idempotency.InProgress,
		LockedUntil: now.Add(time.Minute), ExpiresAt: now.Add(24 * time.Hour), CreatedAt: now}
}

// uniqueTopic keeps suites independent when they share one database.
func uniqueTopic(t *testing.T) string { return "test." + t.Name() + "." + kernel.NewID() }

// RunUnitOfWork checks commit, rollback across several stores, nesting, panics and concurrent writers.
func RunUnitOfWork(t *testing.T, newHarness func(t *testing.T) PlatformHarness) {
	ctx := context.Background()
	now := time.Now().UTC()

	t.Run("commit makes every store's writes visible", func(t *testing.T) {
		h := newHarness(t)
		topic, scope := uniqueTopic(t), "user:"+kernel.NewID()
		err := h.Platform.Do(ctx, func(ctx context.Context, s PlatformStores) error {
			if _, _, err := s.Keys.Claim(ctx, claimRecord(scope, "k", now), now); err != nil {
				return err
			}
			return s.Outbox.Append(ctx, event(t, topic))
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := countEvents(t, h, topic); got != 1 {
			t.Fatalf("events after commit = %d, want 1", got)
		}
		assertClaimed(t, h, scope, "k", now, true)
	})

	t.Run("an error rolls back every store", func(t *testing.T) {
		h := newHarness(t)
		topic, scope := uniqueTopic(t), "user:"+kernel.NewID()
		err := h.Platform.Do(ctx, func(ctx context.Context, s PlatformStores) error {
			if _, _, err := s.Keys.Claim(ctx, claimRecord(scope, "k", now), now); err != nil {
				return err
			}
			if err := s.Outbox.Append(ctx, event(t, topic)); err != nil {
				return err
			}
			return errBoom
		})
		if !errors.Is(err, errBoom) {
			t.Fatalf("Do returned %v, want the function's error", err)
		}
		if got := countEvents(t, h, topic); got != 0 {
			t.Fatalf("events after rollback = %d, want 0", got)
		}
		assertClaimed(t, h, scope, "k", now, false)
	})

	t.Run("a panic rolls back and propagates", func(t *testing.T) {
		h := newHarness(t)
		topic := uniqueTopic(t)
		func() {
			defer func() {
				if recover() == nil {
					t.Fatal("panic was swallowed")
				}
			}()
			_ = h.Platform.Do(ctx, func(ctx context.Context, s PlatformStores) error {
				if err := s.Outbox.Append(ctx, event(t, topic)); err != nil {
					return err
				}
				panic("boom")
			})
		}()
		if got := countEvents(t, h, topic); got != 0 {
			t.Fatalf("events after panic = %d, want 0", got)
		}
	})

	t.Run("a failed nested unit undoes only its own writes", func(t *testing.T) {
		h := newHarness(t)
		outer, inner := uniqueTopic(t), uniqueTopic(t)
		err := h.Platform.Do(ctx, func(ctx context.Context, s PlatformStores) error {
			if err := s.Outbox.Append(ctx, event(t, outer)); err != nil {
				return err
			}
			nestedErr := h.Platform.Do(ctx, func(ctx context.Context, s PlatformStores) error {
				if err := s.Outbox.Append(ctx, event(t, inner)); err != nil {
					return err
				}
				return errBoom
			})
			if !errors.Is(nestedErr, errBoom) {
				return fmt.Errorf("nested Do returned %w", nestedErr)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := countEvents(t, h, outer); got != 1 {
			t.Fatalf("outer events = %d, want 1", got)
		}
		if got := countEvents(t, h, inner); got != 0 {
			t.Fatalf("events of the failed nested unit = %d, want 0", got)
		}
	})

	t.Run("a nested unit commits only with its outer unit", func(t *testing.T) {
		h := newHarness(t)
		inner := uniqueTopic(t)
		err := h.Platform.Do(ctx, func(ctx context.Context, _ PlatformStores) error {
			if err := h.Platform.Do(ctx, func(ctx context.Context, s PlatformStores) error {
				return s.Outbox.Append(ctx, event(t, inner))
			}); err != nil {
				return err
			}
			// The outer unit sees what the nested one wrote before either commits.
			if got := countEventsIn(ctx, t, h, inner); got != 1 {
				return fmt.Errorf("outer unit sees %d nested events, want 1", got)
			}
			return errBoom
		})
		if !errors.Is(err, errBoom) {
			t.Fatalf("Do returned %v", err)
		}
		if got := countEvents(t, h, inner); got != 0 {
			t.Fatalf("nested events after the outer unit failed = %d, want 0", got)
		}
	})

	t.Run("concurrent writers lose no update", func(t *testing.T) {
		h := newHarness(t)
		topic := uniqueTopic(t)
		const writers = 200
		var wg sync.WaitGroup
		errs := make(chan error, writers)
		for range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs <- h.Platform.Do(ctx, func(ctx context.Context, s PlatformStores) error {
					return s.Outbox.Append(ctx, event(t, topic))
				})
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if got := countEvents(t, h, topic); got != writers {
			t.Fatalf("events after %d concurrent units = %d", writers, got)
		}
	})

	t.Run("concurrent claims of one key: exactly one wins", func(t *testing.T) {
		h := newHarness(t)
		scope := "user:" + kernel.NewID()
		const claimers = 200
		var wg sync.WaitGroup
		var mu sync.Mutex
		won := 0
		for range claimers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := h.Idempotency.Do(ctx, func(ctx context.Context, s idempotency.Stores) error {
					_, claimed, err := s.Keys.Claim(ctx, claimRecord(scope, "same", now), now)
					if claimed {
						mu.Lock()
						won++
						mu.Unlock()
					}
					return err
				})
				if err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if won != 1 {
			t.Fatalf("%d claimers won the same key, want exactly 1", won)
		}
	})
}

func assertClaimed(t *testing.T, h PlatformHarness, scope, key string, now time.Time, want bool) {
	t.Helper()
	var existing idempotency.Record
	var claimedAgain bool
	err := h.Idempotency.Do(context.Background(), func(ctx context.Context, s idempotency.Stores) error {
		var claimErr error
		existing, claimedAgain, claimErr = s.Keys.Claim(ctx, claimRecord(scope, key, now), now)
		if claimErr != nil {
			return claimErr
		}
		return errBoom // never keep the probe's claim
	})
	if !errors.Is(err, errBoom) {
		t.Fatal(err)
	}
	if got := !claimedAgain && existing.State == idempotency.InProgress; got != want {
		t.Fatalf("key %s/%s present = %v, want %v", scope, key, got, want)
	}
}

// RunUnitOfWorkRecovery checks what happens to nested units that fail in ways their outer unit
// survives: a recovered panic, and a lost race that only a rerun of the whole transaction can fix.
func RunUnitOfWorkRecovery(t *testing.T, newHarness func(t *testing.T) PlatformHarness) {
	ctx := context.Background()

	t.Run("a panic in a nested unit that the outer unit recovers keeps none of the nested writes", func(t *testing.T) {
		h := newHarness(t)
		outer, inner := uniqueTopic(t), uniqueTopic(t)
		err := h.Platform.Do(ctx, func(ctx context.Context, s PlatformStores) error {
			if err := s.Outbox.Append(ctx, event(t, outer)); err != nil {
				return err
			}
			recovered := func() (p any) {
				defer func() { p = recover() }()
				_ = h.Platform.Do(ctx, func(ctx context.Context, s PlatformStores) error {
					if err := s.Outbox.Append(ctx, event(t, inner)); err != nil {
						return err
					}
					panic("nested boom")
				})
				return nil
			}()
			if recovered == nil {
				return errors.New("the nested panic was swallowed")
			}
			// The outer unit goes on after the panic and still works.
			return s.Outbox.Append(ctx, event(t, outer))
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := countEvents(t, h, outer); got != 2 {
			t.Fatalf("outer events = %d, want 2", got)
		}
		if got := countEvents(t, h, inner); got != 0 {
			t.Fatalf("events written by the nested unit before it panicked = %d, want 0", got)
		}
	})

	t.Run("a retryable error from a nested unit reaches the outermost unit, which runs again", func(t *testing.T) {
		h := newHarness(t)
		topic := uniqueTopic(t)
		attempts := 0
		err := h.Platform.Do(ctx, func(ctx context.Context, s PlatformStores) error {
			attempts++
			if err := s.Outbox.Append(ctx, event(t, topic)); err != nil {
				return err
			}
			nestedErr := h.Platform.Do(ctx, func(ctx context.Context, s PlatformStores) error {
				if attempts == 1 {
					return fmt.Errorf("a deadlock, as an adapter reports it: %w", uow.ErrRetry)
				}
				return s.Outbox.Append(ctx, event(t, topic))
			})
			if nestedErr != nil && !errors.Is(nestedErr, uow.ErrRetry) {
				return fmt.Errorf("nested Do lost the retry marker: %w", nestedErr)
			}
			return nestedErr // a use case passes the error up; it must not decide to keep going
		})
		if err != nil {
			t.Fatalf("Do = %v, want success on the second attempt", err)
		}
		if attempts != 2 {
			t.Fatalf("the outermost unit ran %d times, want 2", attempts)
		}
		if got := countEvents(t, h, topic); got != 2 {
			t.Fatalf("events = %d, want the 2 of the successful attempt only", got)
		}
	})

	t.Run("AfterCommit runs once the outermost unit committed, and never for what did not commit", func(t *testing.T) {
		h := newHarness(t)
		topic := uniqueTopic(t)
		var ran []string
		attempts := 0
		err := h.Platform.Do(ctx, func(ctx context.Context, s PlatformStores) error {
			attempts++
			uow.AfterCommit(ctx, func() { ran = append(ran, fmt.Sprintf("outer %d", attempts)) })
			nestedErr := h.Platform.Do(ctx, func(ctx context.Context, s PlatformStores) error {
				uow.AfterCommit(ctx, func() { ran = append(ran, "failed nested") })
				return errBoom
			})
			if !errors.Is(nestedErr, errBoom) {
				return fmt.Errorf("nested Do returned %w", nestedErr)
			}
			if err := h.Platform.Do(ctx, func(ctx context.Context, s PlatformStores) error {
				uow.AfterCommit(ctx, func() { ran = append(ran, fmt.Sprintf("nested %d", attempts)) })
				if attempts == 1 {
					return fmt.Errorf("a deadlock, as an adapter reports it: %w", uow.ErrRetry)
				}
				return s.Outbox.Append(ctx, event(t, topic))
			}); err != nil {
				return err
			}
			if len(ran) != 0 {
				return fmt.Errorf("ran before the commit: %v", ran)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{"outer 2", "nested 2"}; !slices.Equal(ran, want) {
			t.Fatalf("after the commit ran %v, want %v (the retried attempt's and the failed nested unit's dropped)", ran, want)
		}
		ran = nil
		err = h.Platform.Do(ctx, func(ctx context.Context, s PlatformStores) error {
			uow.AfterCommit(ctx, func() { ran = append(ran, "rolled back") })
			return errBoom
		})
		if !errors.Is(err, errBoom) || len(ran) != 0 {
			t.Fatalf("a rolled-back unit: %v, ran %v", err, ran)
		}
		uow.AfterCommit(ctx, func() { ran = append(ran, "outside") })
		if !slices.Equal(ran, []string{"outside"}) {
			t.Fatalf("outside a unit of work: ran %v", ran)
		}
	})

	t.Run("a unit that keeps losing gives up after a few attempts and says so", func(t *testing.T) {
		h := newHarness(t)
		attempts := 0
		err := h.Platform.Do(ctx, func(ctx context.Context, s PlatformStores) error {
			attempts++
			return fmt.Errorf("lost again: %w", uow.ErrRetry)
		})
		if !errors.Is(err, uow.ErrRetry) || attempts < 2 || attempts > 10 {
			t.Fatalf("after %d attempts Do = %v, want a bounded retry ending in the retry error", attempts, err)
		}
	})
}

// RunUnitOfWorkContext checks that a unit of work obeys its context like a database transaction
// does: a context that ends before the commit leaves nothing written, and a unit of work waiting
// for a busy store gives up when its context ends instead of waiting for the other one to finish.
func RunUnitOfWorkContext(t *testing.T, newHarness func(t *testing.T) PlatformHarness) {
	now := time.Now().UTC()

	t.Run("a unit of work whose context is cancelled before it commits writes nothing", func(t *testing.T) {
		h := newHarness(t)
		topic, scope := uniqueTopic(t), "user:"+kernel.NewID()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		err := h.Platform.Do(ctx, func(ctx context.Context, s PlatformStores) error {
			if _, _, err := s.Keys.Claim(ctx, claimRecord(scope, "k", now), now); err != nil {
				return err
			}
			if err := s.Outbox.Append(ctx, event(t, topic)); err != nil {
				return err
			}
			cancel() // the client went away while the handler was finishing
			return nil
		})
		if err == nil {
			t.Fatal("Do committed on a cancelled context")
		}
		if got := countEvents(t, h, topic); got != 0 {
			t.Fatalf("events after a cancelled unit of work = %d, want 0", got)
		}
		assertClaimed(t, h, scope, "k", now, false)
	})

	t.Run("a unit of work started on a cancelled context writes nothing", func(t *testing.T) {
		h := newHarness(t)
		topic := uniqueTopic(t)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err := h.Platform.Do(ctx, func(ctx context.Context, s PlatformStores) error {
			return s.Outbox.Append(ctx, event(t, topic))
		})
		if err == nil {
			t.Fatal("Do committed on a cancelled context")
		}
		if got := countEvents(t, h, topic); got != 0 {
			t.Fatalf("events = %d, want 0", got)
		}
	})

	t.Run("a unit of work waiting for a busy store returns the context's error when its context ends", func(t *testing.T) {
		h := newHarness(t)
		scope, holderTopic, waiterTopic := "user:"+kernel.NewID(), uniqueTopic(t), uniqueTopic(t)
		holding, release, holderDone := make(chan struct{}), make(chan struct{}), make(chan error, 1)
		go func() {
			holderDone <- h.Platform.Do(context.Background(), func(ctx context.Context, s PlatformStores) error {
				if _, _, err := s.Keys.Claim(ctx, claimRecord(scope, "busy", now), now); err != nil {
					return err
				}
				if err := s.Outbox.Append(ctx, event(t, holderTopic)); err != nil {
					return err
				}
				close(holding)
				<-release // a slow handler holds its unit of work open
				return nil
			})
		}()
		select {
		case <-holding:
		case err := <-holderDone:
			t.Fatalf("the holder ended early: %v", err)
		}
		// The waiter needs what the holder holds: the same key (on PostgreSQL its row lock; in
		// memory the store's writer lock).
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		waiterDone := make(chan error, 1)
		go func() {
			waiterDone <- h.Platform.Do(ctx, func(ctx context.Context, s PlatformStores) error {
				if _, _, err := s.Keys.Claim(ctx, claimRecord(scope, "busy", now), now); err != nil {
					return err
				}
				return s.Outbox.Append(ctx, event(t, waiterTopic))
			})
		}()
		waiterReturned := false
		select {
		case err := <-waiterDone:
			waiterReturned = true
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("waiter returned %v, want the context's error", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("the waiter still waits 10 s after its context ended")
		}
		close(release)
		if err := <-holderDone; err != nil {
			t.Fatalf("holder: %v", err)
		}
		if !waiterReturned {
			t.Logf("the waiter returned %v once the holder committed", <-waiterDone)
		}
		if got := countEvents(t, h, holderTopic); got != 1 {
			t.Errorf("holder events = %d, want 1", got)
		}
		if got := countEvents(t, h, waiterTopic); got != 0 {
			t.Errorf("events of the waiter that gave up = %d, want 0", got)
		}
		assertClaimed(t, h, scope, "busy", now, true)
	})
}
