package memory

import (
	"cmp"
	"context"
	"strings"
	"sync"
	"time"

	"github.com/jupang/jupang/core/integration"
	"github.com/jupang/jupang/core/kernel"
)

// relayPartitions are the outbox partitions held by open relay batches (PostgreSQL: transaction
// advisory locks).
type relayPartitions struct {
	mu   sync.Mutex
	held [integration.Partitions]bool
}

// take holds up to n free partitions from start on, wrapping.
func (p *relayPartitions) take(start, n int) []int {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []int
	for i := 0; i < integration.Partitions && len(out) < n; i++ {
		part := (start + i) % integration.Partitions
		if !p.held[part] {
			p.held[part] = true
			out = append(out, part)
		}
	}
	return out
}

func (p *relayPartitions) release(parts []int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, part := range parts {
		p.held[part] = false
	}
}

// RelayStore is integration.RelayStore on the in-memory outbox.
type RelayStore struct {
	store *Store
	clock kernel.Clock
}

// NewRelayStore returns the relay's view of store's outbox; clock says which events are due.
func NewRelayStore(store *Store, clock kernel.Clock) *RelayStore {
	return &RelayStore{store: store, clock: clock}
}

// Claim implements integration.RelayStore over the committed outbox.
func (r *RelayStore) Claim(ctx context.Context, q integration.ClaimQuery) (integration.RelayBatch, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	parts := r.store.relay.take(q.Start, q.Partitions)
	b := &relayBatch{rs: r, parts: parts}
	if len(parts) == 0 || q.Limit <= 0 {
		return b, nil
	}
	var mine [integration.Partitions]bool
	for _, p := range parts {
		mine[p] = true
	}
	now := r.clock.Now()
	blocked := map[string]bool{} // keys with an earlier event waiting for its retry
	for _, row := range r.store.Snapshot(ctx).Outbox.Ascend(outboxByStatus, Seek[outboxRow]{Group: string(integration.OutboxPending)}) {
		if !mine[integration.PartitionOf(row.AggregateID)] || blocked[row.AggregateID] {
			continue
		}
		if row.NextAttemptAt.After(now) {
			if row.Attempts > 0 {
				blocked[row.AggregateID] = true
			}
			continue
		}
		if b.events = append(b.events, row.OutboxEntry); len(b.events) == q.Limit {
			break
		}
	}
	return b, nil
}

// Stats implements integration.RelayStore.
func (r *RelayStore) Stats(ctx context.Context) (integration.OutboxStats, error) {
	st := r.store.Snapshot(ctx).Outbox
	var s integration.OutboxStats
	for _, row := range st.Ascend(outboxByStatus, Seek[outboxRow]{Group: string(integration.OutboxPending)}) {
		if s.Pending == 0 {
			s.OldestPending = row.Time
		}
		s.Pending++
	}
	for range st.Ascend(outboxByStatus, Seek[outboxRow]{Group: string(integration.OutboxDead)}) {
		s.Dead++
	}
	return s, nil
}

type relayBatch struct {
	rs     *RelayStore
	parts  []int
	events []integration.OutboxEntry
	done   bool
}

func (b *relayBatch) Events() []integration.OutboxEntry { return b.events }

// Finish records the outcome in one unit of work, then releases the partitions.
func (b *relayBatch) Finish(ctx context.Context, published []string, failed []integration.Failure) error {
	if b.done {
		return integration.ErrBatchFinished
	}
	defer b.Release()
	return b.rs.store.run(ctx, func(_ context.Context, tx *Tx) error {
		t := Mutable(tx, &tx.State.Outbox)
		for _, id := range published {
			if row, ok := t.Get(id); ok && row.Status == integration.OutboxPending {
				row.Status, row.Attempts = integration.OutboxPublished, row.Attempts+1
				t.Put(id, row)
			}
		}
		for _, f := range failed {
			if row, ok := t.Get(f.ID); ok && row.Status == integration.OutboxPending {
				row.Attempts, row.NextAttemptAt, row.LastError = row.Attempts+1, f.RetryAt, f.Reason
				if f.Dead {
					row.Status = integration.OutboxDead
				}
				t.Put(f.ID, row)
			}
		}
		return nil
	})
}

func (b *relayBatch) Release() {
	if !b.done {
		b.done = true
		b.rs.store.relay.release(b.parts)
	}
}

// inboxKey is the inbox's primary key (consumer, event id).
type inboxKey struct{ consumer, event string }

// inboxRow is an inbox row.
type inboxRow struct {
	EventType   string
	ProcessedAt time.Time
}

func newInboxTable() *Table[inboxKey, inboxRow] {
	return newTable[inboxKey, inboxRow](func(a, b inboxKey) int {
		return cmp.Or(strings.Compare(a.consumer, b.consumer), strings.Compare(a.event, b.event))
	})
}

// Inbox is integration.Inbox in one unit of work.
type Inbox struct{ tx *Tx }

// NewInbox returns the inbox of tx.
func NewInbox(tx *Tx) *Inbox { return &Inbox{tx: tx} }

// Record implements integration.Inbox.
func (i *Inbox) Record(_ context.Context, consumer string, e integration.Event) (bool, error) {
	k := inboxKey{consumer, e.ID}
	if _, seen := i.tx.State.Inbox.Get(k); seen {
		return false, nil
	}
	Mutable(i.tx, &i.tx.State.Inbox).Put(k, inboxRow{EventType: e.Type, ProcessedAt: time.Now()})
	return true, nil
}

// Purge implements integration.Inbox.
func (i *Inbox) Purge(_ context.Context, before time.Time, limit int) (int, error) {
	var old []inboxKey
	for k, r := range i.tx.State.Inbox.All() {
		if len(old) == limit {
			break
		}
		if r.ProcessedAt.Before(before) {
			old = append(old, k)
		}
	}
	t := Mutable(i.tx, &i.tx.State.Inbox)
	for _, k := range old {
		t.Delete(k)
	}
	return len(old), nil
}
