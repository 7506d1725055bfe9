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

// appendEvents is Outbox.Append's one statement: the events' rows, and their partner deliveries —
// one per active partner subscribed to the event's type (the SQL form of partner.Subscribes),
// visible from the event's time. Each partner that got one is notified at commit (NOTIFY is
// transactional and coalesces repeats of one payload), which wakes its waiting pulls.
const appendEvents = `
WITH ev AS (
    SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::timestamptz[])
        AS e (id, type, source, subject, aggregate_id, topic, data, traceparent, at)
), written AS (
    INSERT INTO outbox_events (id, type, source, subject, aggregate_id, topic, data, traceparent, occurred_at)
    SELECT id, type, source, subject, aggregate_id, topic, data::jsonb, traceparent, at FROM ev
), delivered AS (
    INSERT INTO partner_deliveries (client_id, event_id, event_type, topic, visible_at, created_at)
    SELECT c.id, ev.id, ev.type, ev.topic, ev.at, ev.at
      FROM ev JOIN oauth_clients c ON c.status = 'ACTIVE'
       AND (cardinality(c.subscribed_types) = 0 OR EXISTS (
            SELECT 1 FROM unnest(c.subscribed_types) s
             WHERE s = ev.type OR (s LIKE '%.*' AND starts_with(ev.type, left(s, -1)))))
    ON CONFLICT DO NOTHING
    RETURNING client_id
)
SELECT pg_notify('` + FeedChannel + `', client_id::text) FROM (SELECT DISTINCT client_id FROM delivered) n`

// Append implements integration.Outbox in one round trip however many events there are
// (appendEvents), with the events' partner deliveries in the same transaction.
func (o *Outbox) Append(ctx context.Context, events ...integration.Event) error {
	n := len(events)
	if n == 0 {
		return nil
	}
	ids, types, sources, subjects, aggregates := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	topics, data, traces, times := make([]string, n), make([]string, n), make([]string, n), make([]time.Time, n)
	for i, e := range events {
		ids[i], types[i], sources[i], subjects[i], aggregates[i] = e.ID, e.Type, e.Source, e.Subject, e.AggregateID
		topics[i], data[i], traces[i], times[i] = e.Topic, string(e.Data), e.TraceParent, e.Time
	}
	_, err := o.q.ExecContext(ctx, appendEvents, ids, types, sources, subjects, aggregates, topics, data, traces, times)
	return err
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

// List implements integration.OutboxReader, in the order the rows were written (seq, as the
// relay reads them and the memory outbox lists them).
func (r *OutboxReader) List(ctx context.Context, status integration.OutboxStatus, limit int) ([]integration.OutboxEntry, error) {
	var rows []outboxRow
	err := r.db.Q(ctx).SelectContext(ctx, &rows, `
		SELECT id, type, source, subject, aggregate_id, topic, data, traceparent, occurred_at, status, attempts
		  FROM outbox_events WHERE status = $1 ORDER BY seq LIMIT $2`, string(status), limit)
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
