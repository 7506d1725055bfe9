package postgres

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/jupang/jupang/core/integration"
)

// relayLockClass is the first key of the transaction advisory lock a relay batch takes on each
// outbox partition it holds (the second key is the partition), so batches of one partition never
// overlap, across any number of relays.
const relayLockClass = 0x6f7478 // "otx"

// RelayStore is integration.RelayStore on outbox_events (00040_outbox_relay.sql): a batch is one
// transaction that holds its partitions' advisory locks and its rows' locks until it is finished,
// so a relay that dies between publishing and marking leaves every row PENDING, to be published
// again with the same id.
type RelayStore struct{ db *DB }

// NewRelayStore returns the relay's outbox on db.
func NewRelayStore(db *DB) *RelayStore { return &RelayStore{db: db} }

// relayRow is the part of an outbox row the relay publishes.
type relayRow struct {
	ID          string    `db:"id"`
	Type        string    `db:"type"`
	Source      string    `db:"source"`
	Subject     string    `db:"subject"`
	AggregateID string    `db:"aggregate_id"`
	Topic       string    `db:"topic"`
	Data        []byte    `db:"data"`
	TraceParent string    `db:"traceparent"`
	OccurredAt  time.Time `db:"occurred_at"`
	Attempts    int       `db:"attempts"`
	LastError   *string   `db:"last_error"`
	Seq         int64     `db:"seq"`
}

// Claim implements integration.RelayStore: it locks up to q.Partitions free partitions from
// q.Start on, then takes their due PENDING rows in seq order, FOR UPDATE SKIP LOCKED, leaving out
// every row whose key has an earlier row waiting for its retry.
func (r *RelayStore) Claim(ctx context.Context, q integration.ClaimQuery) (integration.RelayBatch, error) {
	tx, err := r.db.BeginTxx(ctx, nil)
	if err != nil {
		return nil, err
	}
	b := &relayBatch{tx: tx}
	order := make([]int32, integration.Partitions)
	for i := range order {
		order[i] = int32((q.Start + i) % integration.Partitions) //nolint:gosec // < 64
	}
	var parts []int32
	// LIMIT stops the scan, so no lock is taken past the q.Partitions-th free partition. The
	// set_configs hold for this transaction only. The planner ones make the claim below walk
	// outbox_events_pending_seq_idx in seq order and stop at its LIMIT, whatever the statistics of a
	// table that churns faster than autovacuum analyzes it say (a bitmap scan and sort of every
	// pending row costs 15× as much). synchronous_commit off: the commit that marks rows published
	// does not wait for its WAL to reach the disk; a crash that loses it only means those events are
	// published again, which at-least-once delivery allows anyway.
	if err := tx.SelectContext(ctx, &parts, `
		SELECT p FROM (SELECT set_config('enable_bitmapscan', 'off', true), set_config('enable_sort', 'off', true),
		                      set_config('synchronous_commit', 'off', true)) AS plan,
		       unnest($1::int[]) WITH ORDINALITY AS t (p, n)
		 WHERE pg_try_advisory_xact_lock($2, p) ORDER BY n LIMIT $3`, order, relayLockClass, q.Partitions); err != nil {
		b.Release()
		return nil, err
	}
	if len(parts) == 0 || q.Limit <= 0 {
		return b, nil
	}
	// The claim marks its rows PUBLISHED in the same statement (one pass, no second lookup of 1000
	// ids): the mark is only seen by others once Finish commits, after the broker acknowledged
	// every event; a batch with failures puts its unpublished rows back first (Finish), and a batch
	// that is never finished rolls back, leaving every row PENDING. The ctid = ANY (ARRAY(…)) term
	// makes the update fetch its rows by TID: joined on ctid alone, the planner hashes a sequential
	// scan of the whole table, published rows included (31 of 64 ms for a 1000-row batch on a
	// 20,000-row table, and growing with the table: nothing prunes the outbox yet).
	var rows []relayRow
	if err := tx.SelectContext(ctx, &rows, `
		WITH c AS (
		SELECT o.ctid AS row_id, o.attempts AS old_attempts, o.last_error AS old_error
		  FROM outbox_events o
		 WHERE o.status = 'PENDING' AND o.partition = ANY($1::smallint[]) AND o.next_attempt_at <= now()
		   AND NOT EXISTS (SELECT 1 FROM outbox_events w
		                    WHERE w.status = 'PENDING' AND w.attempts > 0 AND w.aggregate_id = o.aggregate_id
		                      AND w.seq < o.seq AND w.next_attempt_at > now())
		 ORDER BY o.seq LIMIT $2
		   FOR UPDATE OF o SKIP LOCKED)
		UPDATE outbox_events o SET status = 'PUBLISHED', published_at = now(), attempts = c.old_attempts + 1, last_error = NULL
		  FROM c WHERE o.ctid = c.row_id AND o.ctid = ANY (ARRAY(SELECT row_id FROM c))
		RETURNING o.id, o.type, o.source, o.subject, o.aggregate_id, o.topic, o.data, o.traceparent, o.occurred_at,
		          c.old_attempts AS attempts, c.old_error AS last_error, o.seq`, parts, q.Limit); err != nil {
		b.Release()
		return nil, err
	}
	slices.SortFunc(rows, func(x, y relayRow) int { return cmp.Compare(x.Seq, y.Seq) })
	b.events = make([]integration.OutboxEntry, len(rows))
	b.lastErrors = make([]*string, len(rows))
	for i, row := range rows {
		b.lastErrors[i] = row.LastError
		b.events[i] = integration.OutboxEntry{Event: integration.Event{ID: row.ID, Type: row.Type, Source: row.Source,
			Subject: row.Subject, AggregateID: row.AggregateID, Topic: row.Topic, Data: json.RawMessage(row.Data),
			TraceParent: row.TraceParent, Time: row.OccurredAt}, Status: integration.OutboxPending, Attempts: row.Attempts}
	}
	return b, nil
}

// Stats implements integration.RelayStore.
func (r *RelayStore) Stats(ctx context.Context) (integration.OutboxStats, error) {
	var row struct {
		Pending int          `db:"pending"`
		Dead    int          `db:"dead"`
		Oldest  sql.NullTime `db:"oldest"`
	}
	err := r.db.GetContext(ctx, &row, `
		SELECT (SELECT count(*) FROM outbox_events WHERE status = 'PENDING') AS pending,
		       (SELECT count(*) FROM outbox_events WHERE status = 'DEAD') AS dead,
		       (SELECT created_at FROM outbox_events WHERE status = 'PENDING' ORDER BY seq LIMIT 1) AS oldest`)
	if err != nil {
		return integration.OutboxStats{}, err
	}
	return integration.OutboxStats{Pending: row.Pending, Dead: row.Dead, OldestPending: row.Oldest.Time}, nil
}

type relayBatch struct {
	tx         *sqlx.Tx
	events     []integration.OutboxEntry // marked PUBLISHED in tx by the claim
	lastErrors []*string                 // each event's last_error before the claim
	done       bool
}

func (b *relayBatch) Events() []integration.OutboxEntry { return b.events }

// Finish commits the claim's marks when every event was published; otherwise it first puts the
// unpublished rows back to PENDING and records the failures (each one statement).
func (b *relayBatch) Finish(ctx context.Context, published []string, failed []integration.Failure) error {
	if b.done {
		return integration.ErrBatchFinished
	}
	defer b.Release()
	if len(published) < len(b.events) {
		// The claim marked every row PUBLISHED: put back the ones that were not, as they were.
		sent := make(map[string]bool, len(published))
		for _, id := range published {
			sent[id] = true
		}
		var ids []string
		var attempts []int
		var errs []*string
		for i, e := range b.events {
			if !sent[e.ID] {
				ids, attempts, errs = append(ids, e.ID), append(attempts, e.Attempts), append(errs, b.lastErrors[i])
			}
		}
		if _, err := b.tx.ExecContext(ctx, `
			UPDATE outbox_events o SET status = 'PENDING', published_at = NULL, attempts = r.attempts, last_error = r.last_error
			  FROM unnest($1::uuid[], $2::int[], $3::text[]) AS r (id, attempts, last_error)
			 WHERE o.id = r.id`, ids, attempts, errs); err != nil {
			return err
		}
	}
	if len(failed) > 0 {
		ids, reasons, at, dead := make([]string, len(failed)), make([]string, len(failed)), make([]time.Time, len(failed)), make([]bool, len(failed))
		for i, f := range failed {
			ids[i], reasons[i], at[i], dead[i] = f.ID, f.Reason, f.RetryAt, f.Dead
		}
		if _, err := b.tx.ExecContext(ctx, `
			UPDATE outbox_events o SET attempts = o.attempts + 1, next_attempt_at = f.retry_at, last_error = f.reason,
			       status = CASE WHEN f.dead THEN 'DEAD' ELSE 'PENDING' END
			  FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::bool[]) AS f (id, reason, retry_at, dead)
			 WHERE o.id = f.id AND o.status = 'PENDING'`, ids, reasons, at, dead); err != nil {
			return err
		}
	}
	b.done = true
	if err := b.tx.Commit(); err != nil {
		return fmt.Errorf("outbox relay: commit: %w", err)
	}
	return nil
}

// Release rolls the batch back (its locks go with it), unless it was finished.
func (b *relayBatch) Release() {
	if !b.done {
		b.done = true
		_ = b.tx.Rollback() // fails only when the connection is gone, and PostgreSQL rolled back then
	}
}

// Inbox is integration.Inbox on table inbox (00010_integration.sql).
type Inbox struct{ q Querier }

// NewInbox returns the inbox writing through q (a unit of work's transaction).
func NewInbox(q Querier) *Inbox { return &Inbox{q: q} }

// Record implements integration.Inbox: an insert that does nothing on a repeat.
func (i *Inbox) Record(ctx context.Context, consumer string, e integration.Event) (bool, error) {
	res, err := i.q.ExecContext(ctx, `
		INSERT INTO inbox (consumer, event_id, event_type) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
		consumer, e.ID, e.Type)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// Purge implements integration.Inbox: oldest first through inbox_processed_at_idx.
func (i *Inbox) Purge(ctx context.Context, before time.Time, limit int) (int, error) {
	res, err := i.q.ExecContext(ctx, `
		DELETE FROM inbox WHERE ctid = ANY (ARRAY(
		  SELECT ctid FROM inbox WHERE processed_at < $1 ORDER BY processed_at LIMIT $2))`, before, limit)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}
