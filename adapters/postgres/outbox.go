package postgres

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jupang/jupang/core/integration"
)

// Outbox is integration.Outbox on table outbox_events.
type Outbox struct{ q Querier }

// NewOutbox returns the outbox writing through q.
func NewOutbox(q Querier) *Outbox { return &Outbox{q: q} }

// Append implements integration.Outbox, and creates the events' partner deliveries in the same
// transaction (fanOut).
func (o *Outbox) Append(ctx context.Context, events ...integration.Event) error {
	for _, e := range events {
		_, err := o.q.ExecContext(ctx, `
			INSERT INTO outbox_events (id, type, source, subject, aggregate_id, topic, data, traceparent, occurred_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			e.ID, e.Type, e.Source, e.Subject, e.AggregateID, e.Topic, []byte(e.Data), e.TraceParent, e.Time)
		if err != nil {
			return err
		}
	}
	return fanOut(ctx, o.q, events)
}

// OutboxReader lists outbox rows.
type OutboxReader struct{ db *DB }

// NewOutboxReader returns a reader over db.
func NewOutboxReader(db *DB) *OutboxReader { return &OutboxReader{db: db} }

type outboxRow struct {
	ID          string    `db:"id"`
	Type        string    `db:"type"`
	Source      string    `db:"source"`
	Subject     string    `db:"subject"`
	AggregateID string    `db:"aggregate_id"`
	Topic       string    `db:"topic"`
	Data        []byte    `db:"data"`
	TraceParent string    `db:"traceparent"`
	OccurredAt  time.Time `db:"occurred_at"`
	Status      string    `db:"status"`
	Attempts    int       `db:"attempts"`
}

// List implements integration.OutboxReader, oldest first.
func (r *OutboxReader) List(ctx context.Context, status integration.OutboxStatus, limit int) ([]integration.OutboxEntry, error) {
	var rows []outboxRow
	err := r.db.Q(ctx).SelectContext(ctx, &rows, `
		SELECT id, type, source, subject, aggregate_id, topic, data, traceparent, occurred_at, status, attempts
		  FROM outbox_events WHERE status = $1 ORDER BY id LIMIT $2`, string(status), limit)
	if err != nil {
		return nil, err
	}
	out := make([]integration.OutboxEntry, len(rows))
	for i, row := range rows {
		out[i] = integration.OutboxEntry{
			Event: integration.Event{ID: row.ID, Type: row.Type, Source: row.Source, Subject: row.Subject,
				AggregateID: row.AggregateID, Topic: row.Topic, Data: json.RawMessage(row.Data),
				TraceParent: row.TraceParent, Time: row.OccurredAt},
			Status: integration.OutboxStatus(row.Status), Attempts: row.Attempts,
		}
	}
	return out, nil
}
