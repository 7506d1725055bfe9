package memory

import (
	"context"
	"sort"

	"github.com/jupang/jupang/core/integration"
)

// Outbox is the in-memory integration.Outbox of one unit of work.
type Outbox struct{ tx *Tx }

// NewOutbox returns the outbox bound to tx.
func NewOutbox(tx *Tx) *Outbox { return &Outbox{tx: tx} }

// Append implements integration.Outbox, and creates the events' partner deliveries (fanOut).
func (o *Outbox) Append(_ context.Context, events ...integration.Event) error {
	t := Mutable(o.tx, &o.tx.State.Outbox)
	for _, e := range events {
		t.Put(e.ID, outboxRow{OutboxEntry: integration.OutboxEntry{Event: e, Status: integration.OutboxPending}, Seq: o.tx.NextSeq()})
	}
	fanOut(o.tx, events)
	return nil
}

// OutboxReader reads the committed outbox.
type OutboxReader struct{ store *Store }

// NewOutboxReader returns a reader over store.
func NewOutboxReader(store *Store) *OutboxReader { return &OutboxReader{store: store} }

// List implements integration.OutboxReader, oldest first.
func (r *OutboxReader) List(ctx context.Context, status integration.OutboxStatus, limit int) ([]integration.OutboxEntry, error) {
	var rows []outboxRow
	r.store.View(ctx, func(s *State) {
		s.Outbox.Each(func(_ string, row outboxRow) bool {
			if row.Status == status {
				rows = append(rows, row)
			}
			return true
		})
	})
	sort.Slice(rows, func(i, j int) bool { return rows[i].Seq < rows[j].Seq })
	out := make([]integration.OutboxEntry, 0, min(limit, len(rows)))
	for i := 0; i < len(rows) && i < limit; i++ {
		out = append(out, rows[i].OutboxEntry)
	}
	return out, nil
}
