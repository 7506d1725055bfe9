package postgres

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/jupang/jupang/core/integration"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/partner"
)

// PartnerStores builds partner.Stores on q (tables of 00010_integration.sql and 00045_partner_feed.sql).
func PartnerStores(q Querier) partner.Stores {
	return partner.Stores{Deliveries: &Deliveries{q}, Nonces: &Nonces{q}, Webhooks: &Webhooks{q}}
}

// FeedChannel is the NOTIFY channel on which a partner's client id says its deliveries changed.
const FeedChannel = "jupang_partner_feed"

// Deliveries is partner.Deliveries on table partner_deliveries.
type Deliveries struct{ q Querier }

type deliveryRow struct {
	ClientID   string         `db:"client_id"`
	EventID    string         `db:"event_id"`
	EventType  string         `db:"event_type"`
	Topic      string         `db:"topic"`
	Status     string         `db:"status"`
	Attempt    int            `db:"attempt"`
	VisibleAt  time.Time      `db:"visible_at"`
	LeasedAt   sql.NullTime   `db:"leased_at"`
	LeaseUntil sql.NullTime   `db:"lease_until"`
	AckedAt    sql.NullTime   `db:"acked_at"`
	LastError  sql.NullString `db:"last_error"`
	CreatedAt  time.Time      `db:"created_at"`
}

func (r deliveryRow) delivery() partner.Delivery {
	return partner.Delivery{ClientID: r.ClientID, EventID: r.EventID, EventType: r.EventType, Topic: r.Topic,
		Status: partner.Status(r.Status), Attempt: r.Attempt, VisibleAt: r.VisibleAt, LeasedAt: timePtr(r.LeasedAt),
		LeaseUntil: timePtr(r.LeaseUntil), AckedAt: timePtr(r.AckedAt), LastError: r.LastError.String, CreatedAt: r.CreatedAt}
}

// claimedRow is a delivery with its outbox event.
type claimedRow struct {
	deliveryRow
	Source      string    `db:"source"`
	Subject     string    `db:"subject"`
	AggregateID string    `db:"aggregate_id"`
	EventTopic  string    `db:"event_topic"`
	Data        []byte    `db:"data"`
	TraceParent string    `db:"traceparent"`
	OccurredAt  time.Time `db:"occurred_at"`
}

func (r claimedRow) claimed() partner.Claimed {
	return partner.Claimed{Delivery: r.delivery(), Event: integration.Event{ID: r.EventID, Type: r.EventType,
		Source: r.Source, Subject: r.Subject, AggregateID: r.AggregateID, Topic: r.EventTopic,
		Data: json.RawMessage(r.Data), TraceParent: r.TraceParent, Time: r.OccurredAt}}
}

const deliveryColumns = `d.client_id, d.event_id, d.event_type, d.topic, d.status, d.attempt, d.visible_at, d.leased_at,
	d.lease_until, d.acked_at, d.last_error, d.created_at`

const claimedSelect = `SELECT ` + deliveryColumns + `, e.source, e.subject, e.aggregate_id, e.topic AS event_topic,
	e.data, e.traceparent, e.occurred_at
	FROM partner_deliveries d JOIN outbox_events e ON e.id = d.event_id`

func claimedOf(rows []claimedRow) []partner.Claimed {
	out := make([]partner.Claimed, len(rows))
	for i, r := range rows {
		out[i] = r.claimed()
	}
	return out
}

// ClaimDue implements partner.Deliveries on partner_deliveries_due_idx; SKIP LOCKED lets
// concurrent pulls of one partner take disjoint rows instead of waiting for each other.
func (s *Deliveries) ClaimDue(ctx context.Context, clientID string, types []string, now time.Time, limit int) ([]partner.Claimed, error) {
	if !kernel.IsID(clientID) || limit <= 0 {
		return nil, nil
	}
	var rows []claimedRow
	err := s.q.SelectContext(ctx, &rows, claimedSelect+`
		 WHERE d.client_id = $1 AND d.status IN ('PENDING', 'LEASED') AND d.visible_at <= $2
		   AND (cardinality($3::text[]) = 0 OR d.event_type = ANY($3::text[]))
		 ORDER BY d.visible_at, d.event_id
		 LIMIT $4
		 FOR UPDATE OF d SKIP LOCKED`, clientID, now, nonNil(types), limit)
	if err != nil {
		return nil, err
	}
	return claimedOf(rows), nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// Lock implements partner.Deliveries; rows are locked in event id order, so two acks of
// overlapping sets cannot deadlock.
func (s *Deliveries) Lock(ctx context.Context, clientID string, eventIDs []string) ([]partner.Delivery, error) {
	if !kernel.IsID(clientID) {
		return nil, nil
	}
	var rows []deliveryRow
	err := s.q.SelectContext(ctx, &rows, `SELECT `+deliveryColumns+` FROM partner_deliveries d
		 WHERE d.client_id = $1 AND d.event_id = ANY($2::uuid[]) ORDER BY d.event_id FOR UPDATE`, clientID, eventIDs)
	if err != nil {
		return nil, err
	}
	out := make([]partner.Delivery, len(rows))
	for i, r := range rows {
		out[i] = r.delivery()
	}
	return out, nil
}

// Save implements partner.Deliveries in one statement; re-opened deliveries notify their
// partner's waiting pulls at commit.
func (s *Deliveries) Save(ctx context.Context, ds []partner.Delivery) error {
	if len(ds) == 0 {
		return nil
	}
	n := len(ds)
	clients, events, statuses, lastErrors := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	attempts := make([]int32, n)
	visible := make([]time.Time, n)
	leasedAt, leaseUntil, ackedAt := make([]*time.Time, n), make([]*time.Time, n), make([]*time.Time, n)
	var reopened []string
	for i, d := range ds {
		clients[i], events[i], statuses[i], lastErrors[i] = d.ClientID, d.EventID, string(d.Status), d.LastError
		attempts[i], visible[i] = int32(d.Attempt), d.VisibleAt
		leasedAt[i], leaseUntil[i], ackedAt[i] = d.LeasedAt, d.LeaseUntil, d.AckedAt
		if d.Status == partner.Pending {
			reopened = append(reopened, d.ClientID)
		}
	}
	_, err := s.q.ExecContext(ctx, `
		UPDATE partner_deliveries d
		   SET status = u.status, attempt = u.attempt, visible_at = u.visible_at, leased_at = u.leased_at,
		       lease_until = u.lease_until, acked_at = u.acked_at, last_error = NULLIF(u.last_error, '')
		  FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::int[], $5::timestamptz[], $6::timestamptz[],
		              $7::timestamptz[], $8::timestamptz[], $9::text[])
		       AS u (client_id, event_id, status, attempt, visible_at, leased_at, lease_until, acked_at, last_error)
		 WHERE d.client_id = u.client_id AND d.event_id = u.event_id`,
		clients, events, statuses, attempts, visible, leasedAt, leaseUntil, ackedAt, lastErrors)
	if err != nil || len(reopened) == 0 {
		return err
	}
	_, err = s.q.ExecContext(ctx, `SELECT pg_notify('`+FeedChannel+`', c::text) FROM (SELECT DISTINCT unnest($1::uuid[]) AS c) n`, reopened)
	return err
}

// NextVisible implements partner.Deliveries; partner_deliveries_due_idx orders by visible_at.
func (s *Deliveries) NextVisible(ctx context.Context, clientID string, types []string) (time.Time, bool, error) {
	if !kernel.IsID(clientID) {
		return time.Time{}, false, nil
	}
	var next sql.NullTime
	err := s.q.GetContext(ctx, &next, `
		SELECT min(visible_at) FROM partner_deliveries
		 WHERE client_id = $1 AND status IN ('PENDING', 'LEASED')
		   AND (cardinality($2::text[]) = 0 OR event_type = ANY($2::text[]))`, clientID, nonNil(types))
	return next.Time, next.Valid, err
}

type statsRow struct {
	ClientID   string       `db:"client_id"`
	Name       string       `db:"name"`
	Topic      string       `db:"topic"`
	Pending    int          `db:"pending"`
	Leased     int          `db:"leased"`
	Acked      int          `db:"acked"`
	Dead       int          `db:"dead"`
	OldestOpen sql.NullTime `db:"oldest_open"`
	OldestDue  sql.NullTime `db:"oldest_due"`
}

// Stats implements partner.Deliveries: open rows through partner_deliveries_open_idx, recently
// acknowledged ones through partner_deliveries_acked_idx.
func (s *Deliveries) Stats(ctx context.Context, now, ackedSince time.Time) ([]partner.TopicStats, error) {
	var rows []statsRow
	err := s.q.SelectContext(ctx, &rows, `
		SELECT c.client_id, c.name, d.topic,
		       count(*) FILTER (WHERE d.status = 'PENDING') AS pending,
		       count(*) FILTER (WHERE d.status = 'LEASED') AS leased,
		       count(*) FILTER (WHERE d.status = 'ACKED') AS acked,
		       count(*) FILTER (WHERE d.status = 'DEAD') AS dead,
		       min(d.created_at) FILTER (WHERE d.status IN ('PENDING', 'LEASED')) AS oldest_open,
		       min(d.visible_at) FILTER (WHERE d.status IN ('PENDING', 'LEASED') AND d.visible_at <= $1) AS oldest_due
		  FROM partner_deliveries d JOIN oauth_clients c ON c.id = d.client_id
		 WHERE d.status <> 'ACKED' OR (d.status = 'ACKED' AND d.acked_at >= $2)
		 GROUP BY c.client_id, c.name, d.topic
		 ORDER BY c.client_id, d.topic`, now, ackedSince)
	if err != nil {
		return nil, err
	}
	out := make([]partner.TopicStats, len(rows))
	for i, r := range rows {
		out[i] = partner.TopicStats{ClientID: r.ClientID, Name: r.Name, Topic: r.Topic, Pending: r.Pending, Leased: r.Leased,
			Acked: r.Acked, Dead: r.Dead, OldestOpen: timePtr(r.OldestOpen), OldestDue: timePtr(r.OldestDue)}
	}
	return out, nil
}

// Dead implements partner.Deliveries.
func (s *Deliveries) Dead(ctx context.Context, clientID, after string, limit int) ([]partner.Claimed, error) {
	if !kernel.IsID(clientID) {
		return nil, nil
	}
	var rows []claimedRow
	err := s.q.SelectContext(ctx, &rows, claimedSelect+`
		 WHERE d.client_id = $1 AND d.status = 'DEAD' AND ($2 = '' OR d.event_id > $2::uuid)
		 ORDER BY d.event_id LIMIT $3`, clientID, after, limit)
	if err != nil {
		return nil, err
	}
	return claimedOf(rows), nil
}

// PurgeAcked implements partner.Deliveries through partner_deliveries_acked_idx.
func (s *Deliveries) PurgeAcked(ctx context.Context, before time.Time, limit int) (int, error) {
	res, err := s.q.ExecContext(ctx, `
		DELETE FROM partner_deliveries WHERE (client_id, event_id) IN (
			SELECT client_id, event_id FROM partner_deliveries
			 WHERE status = 'ACKED' AND acked_at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED)`, before, limit)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// Nonces is partner.Nonces on table partner_nonces.
type Nonces struct{ q Querier }

// Remember implements partner.Nonces with one statement: a live nonce conflicts and updates
// nothing, an expired one is taken over. A concurrent insert of the same nonce waits for the
// first and then finds it live, so exactly one wins.
func (s *Nonces) Remember(ctx context.Context, clientID, nonce string, now, expiresAt time.Time) (bool, error) {
	res, err := s.q.ExecContext(ctx, `
		INSERT INTO partner_nonces (client_id, nonce, expires_at, created_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (client_id, nonce) DO UPDATE SET expires_at = EXCLUDED.expires_at, created_at = EXCLUDED.created_at
		 WHERE partner_nonces.expires_at <= EXCLUDED.created_at`, clientID, nonce, expiresAt, now)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// Purge implements partner.Nonces through partner_nonces_expires_at_idx.
func (s *Nonces) Purge(ctx context.Context, now time.Time, limit int) (int, error) {
	res, err := s.q.ExecContext(ctx, `
		DELETE FROM partner_nonces WHERE (client_id, nonce) IN (
			SELECT client_id, nonce FROM partner_nonces WHERE expires_at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED)`, now, limit)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// Webhooks is partner.Webhooks on table partner_webhooks.
type Webhooks struct{ q Querier }

type webhookRow struct {
	ID                  string         `db:"id"`
	ClientID            string         `db:"client_id"`
	Partner             string         `db:"partner"`
	URL                 string         `db:"url"`
	Secret              []byte         `db:"secret"`
	Status              string         `db:"status"`
	ConsecutiveFailures int            `db:"consecutive_failures"`
	LastSuccessAt       sql.NullTime   `db:"last_success_at"`
	LastFailureAt       sql.NullTime   `db:"last_failure_at"`
	LastError           sql.NullString `db:"last_error"`
	DisabledAt          sql.NullTime   `db:"disabled_at"`
	CreatedBy           sql.NullString `db:"created_by"`
	CreatedAt           time.Time      `db:"created_at"`
}

func (r webhookRow) webhook() partner.Webhook {
	return partner.Webhook{ID: r.ID, ClientID: r.ClientID, Partner: r.Partner, URL: r.URL, Secret: r.Secret,
		Status: partner.WebhookStatus(r.Status), ConsecutiveFailures: r.ConsecutiveFailures,
		LastSuccessAt: timePtr(r.LastSuccessAt), LastFailureAt: timePtr(r.LastFailureAt), LastError: r.LastError.String,
		DisabledAt: timePtr(r.DisabledAt), CreatedBy: r.CreatedBy.String, CreatedAt: r.CreatedAt}
}

const webhookSelect = `SELECT w.id, w.client_id, c.client_id AS partner, w.url, w.secret, w.status, w.consecutive_failures,
	w.last_success_at, w.last_failure_at, w.last_error, w.disabled_at, w.created_by, w.created_at
	FROM partner_webhooks w JOIN oauth_clients c ON c.id = w.client_id`

// Create implements partner.Webhooks.
func (s *Webhooks) Create(ctx context.Context, w partner.Webhook) error {
	_, err := s.q.ExecContext(ctx, `
		INSERT INTO partner_webhooks (id, client_id, url, secret, status, created_by, created_at)
		VALUES ($1, $2, $3, $4, $5, NULLIF($6, '')::uuid, $7)`,
		w.ID, w.ClientID, w.URL, w.Secret, string(w.Status), w.CreatedBy, w.CreatedAt)
	if IsUniqueViolation(err, "partner_webhooks_client_key") {
		return partner.ErrWebhookExists
	}
	return err
}

// ByID implements partner.Webhooks.
func (s *Webhooks) ByID(ctx context.Context, id string) (partner.Webhook, error) {
	return s.one(ctx, webhookSelect+` WHERE w.id = $1`, id)
}

// Lock implements partner.Webhooks.
func (s *Webhooks) Lock(ctx context.Context, id string) (partner.Webhook, error) {
	return s.one(ctx, webhookSelect+` WHERE w.id = $1 FOR UPDATE OF w`, id)
}

func (s *Webhooks) one(ctx context.Context, query, id string) (partner.Webhook, error) {
	if !kernel.IsID(id) {
		return partner.Webhook{}, partner.ErrWebhookNotFound
	}
	var r webhookRow
	err := s.q.GetContext(ctx, &r, query, id)
	if errors.Is(err, sql.ErrNoRows) {
		return partner.Webhook{}, partner.ErrWebhookNotFound
	}
	if err != nil {
		return partner.Webhook{}, err
	}
	return r.webhook(), nil
}

// List implements partner.Webhooks.
func (s *Webhooks) List(ctx context.Context) ([]partner.Webhook, error) {
	var rows []webhookRow
	if err := s.q.SelectContext(ctx, &rows, webhookSelect+` ORDER BY w.created_at, w.id`); err != nil {
		return nil, err
	}
	out := make([]partner.Webhook, len(rows))
	for i, r := range rows {
		out[i] = r.webhook()
	}
	return out, nil
}

// Save implements partner.Webhooks.
func (s *Webhooks) Save(ctx context.Context, w partner.Webhook) error {
	_, err := s.q.ExecContext(ctx, `
		UPDATE partner_webhooks SET status = $2, consecutive_failures = $3, last_success_at = $4, last_failure_at = $5,
		       last_error = NULLIF($6, ''), disabled_at = $7 WHERE id = $1`,
		w.ID, string(w.Status), w.ConsecutiveFailures, w.LastSuccessAt, w.LastFailureAt, w.LastError, w.DisabledAt)
	return err
}

// Delete implements partner.Webhooks.
func (s *Webhooks) Delete(ctx context.Context, id string) error {
	if !kernel.IsID(id) {
		return partner.ErrWebhookNotFound
	}
	res, err := s.q.ExecContext(ctx, `DELETE FROM partner_webhooks WHERE id = $1`, id)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		if err != nil {
			return err
		}
		return partner.ErrWebhookNotFound
	}
	return nil
}
