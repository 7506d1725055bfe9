package memory_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/jupang/jupang/adapters/memory"
	"github.com/jupang/jupang/core/identity"
	"github.com/jupang/jupang/core/integration"
)

// Readers take no lock: while hundreds of units of work commit, every snapshot a reader takes holds
// whole units of work (a token and its event, never one without the other) and never goes back.
func TestReadersSeeWholeUnitsOfWorkWhileWritersCommit(t *testing.T) {
	ctx := context.Background()
	store := memory.NewStore()
	tx := memory.NewUnitOfWork(store, memory.IdentityStores)
	now := time.Now().UTC()
	const writers, readers = 300, 8
	var writing sync.WaitGroup
	errc := make(chan error, writers)
	for i := range writers {
		writing.Add(1)
		go func() {
			defer writing.Done()
			errc <- tx.Do(ctx, func(ctx context.Context, s identity.Stores) error {
				if err := writeTokenAndEvent(ctx, s, i, now); err != nil {
					return err
				}
				time.Sleep(50 * time.Microsecond) // let readers look while this unit is open
				return nil
			})
		}()
	}
	done := make(chan struct{})
	var reading sync.WaitGroup
	for range readers {
		reading.Add(1)
		go func() {
			defer reading.Done()
			last := 0
			for {
				s := store.Snapshot(ctx)
				tokens, events := s.Identity.RefreshTokens.Len(), s.Outbox.Len()
				if tokens != events {
					t.Errorf("a snapshot holds %d tokens and %d events: half a unit of work", tokens, events)
					return
				}
				if tokens < last {
					t.Errorf("a later snapshot holds %d tokens, an earlier one %d", tokens, last)
					return
				}
				last = tokens
				select {
				case <-done:
					return
				case <-time.After(20 * time.Microsecond):
				}
			}
		}()
	}
	writing.Wait()
	close(done)
	reading.Wait()
	close(errc)
	for err := range errc {
		if err != nil {
			t.Fatal(err)
		}
	}
	s := store.Snapshot(ctx)
	if s.Identity.RefreshTokens.Len() != writers || s.Outbox.Len() != writers {
		t.Fatalf("after %d units of work: %d tokens, %d events", writers, s.Identity.RefreshTokens.Len(), s.Outbox.Len())
	}
}

// A read does not wait for a unit of work that is still open: it sees the last committed state.
func TestReadsDoNotWaitForAnOpenUnitOfWork(t *testing.T) {
	ctx := context.Background()
	store := memory.NewStore()
	tx := memory.NewUnitOfWork(store, func(tx *memory.Tx) *memory.Outbox { return memory.NewOutbox(tx) })
	open, release, committed := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		committed <- tx.Do(ctx, func(ctx context.Context, o *memory.Outbox) error {
			if err := o.Append(ctx, integration.Event{ID: "e1", Topic: "t"}); err != nil {
				return err
			}
			close(open)
			<-release
			return nil
		})
	}()
	<-open
	listed := make(chan int, 1)
	go func() {
		entries, err := memory.NewOutboxReader(store).List(ctx, integration.OutboxPending, 10)
		if err != nil {
			t.Error(err)
		}
		listed <- len(entries)
	}()
	select {
	case n := <-listed:
		if n != 0 {
			t.Errorf("a read saw %d uncommitted events", n)
		}
	case <-time.After(5 * time.Second):
		t.Error("a read waited for an open unit of work")
	}
	close(release)
	if err := <-committed; err != nil {
		t.Fatal(err)
	}
	if entries, _ := memory.NewOutboxReader(store).List(ctx, integration.OutboxPending, 10); len(entries) != 1 {
		t.Fatalf("after the commit: %d events", len(entries))
	}
}
