package memory

import (
	"cmp"
	"context"
	"strings"
	"time"

	"github.com/jupang/jupang/core/integration"
)

type outboxRow struct {
	integration.OutboxEntry
	Seq           int64     // insertion order, for stable listing and the relay's claim order
	NextAttemptAt time.Time // zero: due at once
	LastError     string
}

// outboxByStatus lists the outbox by status in insertion order (Postgres: outbox_events_pending_seq_idx,
// outbox_events_dead_idx and the primary key).
var outboxByStatus = &Index[outboxRow]{
	Group: func(r outboxRow) string { return string(r.Status) },
	Order: func(a, b outboxRow) int { return cmp.Compare(a.Seq, b.Seq) },
}

func newOutboxTable() *Table[string, outboxRow] { return newTable(strings.Compare, outboxByStatus) }

// Outbox is the in-memory integration.Outbox of one unit of work.
type Outbox struct{ tx *Tx }

// NewOutbox returns the outbox bound to tx.
func NewOutbox(tx *Tx) *Outbox { return &Outbox{tx: tx} }

// Append implements integration.Outbox, and creates the events' partner deliveries (fanOut).
func (o *Outbox) Append(ctx context.Context, events ...integration.Event) error {
	t := Mutable(o.tx, &o.tx.State.Outbox)
	for _, e := range events {
		t.Put(e.ID, outboxRow{OutboxEntry: integration.OutboxEntry{Event: e, Status: integration.OutboxPending}, Seq: o.tx.NextSeq()})
	}
	fanOut(ctx, o.tx, events)
	return nil
}

// OutboxReader reads the committed outbox.
type OutboxReader struct{ store *Store }

// NewOutboxReader returns a reader over store.
func NewOutboxReader(store *Store) *OutboxReader { return &OutboxReader{store: store} }

// List implements integration.OutboxReader, oldest first.
func (r *OutboxReader) List(ctx context.Context, status integration.OutboxStatus, limit int) ([]integration.OutboxEntry, error) {
	out := []integration.OutboxEntry{}
	if limit <= 0 {
		return out, nil
	}
	for _, row := range r.store.Snapshot(ctx).Outbox.Ascend(outboxByStatus, Seek[outboxRow]{Group: string(status)}) {
		if out = append(out, row.OutboxEntry); len(out) == limit {
			break
		}
	}
	return out, nil
}
