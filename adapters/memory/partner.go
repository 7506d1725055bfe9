package memory

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"github.com/jupang/jupang/core/identity"
	"github.com/jupang/jupang/core/integration"
	"github.com/jupang/jupang/core/partner"
	"github.com/jupang/jupang/core/uow"
)

// deliveryKey is partner_deliveries' primary key.
type deliveryKey struct{ client, event string }

func compareDeliveryKeys(a, b deliveryKey) int {
	return cmp.Or(strings.Compare(a.client, b.client), strings.Compare(a.event, b.event))
}

// nonce is a row of partner_nonces.
type nonce struct {
	ClientID, Nonce string
	ExpiresAt       time.Time
}

type nonceKey struct{ client, nonce string }

func compareNonceKeys(a, b nonceKey) int {
	return cmp.Or(strings.Compare(a.client, b.client), strings.Compare(a.nonce, b.nonce))
}

func open(d partner.Delivery) bool { return d.Status == partner.Pending || d.Status == partner.Leased }

// The indexes of partner_deliveries, named after their Postgres twins.
var (
	// deliveriesDue: a client's pending and leased deliveries by VisibleAt (partner_deliveries_due_idx).
	deliveriesDue = &Index[partner.Delivery]{
		Group: func(d partner.Delivery) string { return d.ClientID },
		Order: func(a, b partner.Delivery) int {
			return cmp.Or(a.VisibleAt.Compare(b.VisibleAt), strings.Compare(a.EventID, b.EventID))
		},
		Where: open,
	}
	// deliveriesUnacked: every delivery not acknowledged, by client and topic (partner_deliveries_open_idx).
	deliveriesUnacked = &Index[partner.Delivery]{
		Order: func(a, b partner.Delivery) int {
			return cmp.Or(strings.Compare(a.ClientID, b.ClientID), strings.Compare(a.Topic, b.Topic))
		},
		Where: func(d partner.Delivery) bool { return d.Status != partner.Acked },
	}
	// deliveriesAcked: acknowledged deliveries by when (partner_deliveries_acked_idx).
	deliveriesAcked = &Index[partner.Delivery]{
		Order: func(a, b partner.Delivery) int { return a.AckedAt.Compare(*b.AckedAt) },
		Where: func(d partner.Delivery) bool { return d.Status == partner.Acked },
	}
	// deliveriesDead: a client's dead deliveries by event id (the dead-letter page).
	deliveriesDead = &Index[partner.Delivery]{
		Group: func(d partner.Delivery) string { return d.ClientID },
		Order: func(a, b partner.Delivery) int { return strings.Compare(a.EventID, b.EventID) },
		Where: func(d partner.Delivery) bool { return d.Status == partner.Dead },
	}
	// noncesByExpiry serves the sweeper (partner_nonces_expires_at_idx).
	noncesByExpiry = &Index[nonce]{Order: func(a, b nonce) int { return a.ExpiresAt.Compare(b.ExpiresAt) }}
)

// partnerTables are the partner feed's in-memory tables (00010_integration.sql, 00045_partner_feed.sql).
type partnerTables struct {
	Deliveries       *Table[deliveryKey, partner.Delivery]
	Nonces           *Table[nonceKey, nonce]
	Webhooks         *Table[string, partner.Webhook]
	WebhooksByClient *Table[string, string] // client id → webhook id (partner_webhooks_client_key)
}

func newPartnerTables() partnerTables {
	return partnerTables{
		Deliveries:       newTable(compareDeliveryKeys, deliveriesDue, deliveriesUnacked, deliveriesAcked, deliveriesDead),
		Nonces:           newTable(compareNonceKeys, noncesByExpiry),
		Webhooks:         newTable[string, partner.Webhook](strings.Compare),
		WebhooksByClient: newTable[string, string](strings.Compare),
	}
}

// PartnerStores builds partner.Stores for a unit of work.
func PartnerStores(tx *Tx) partner.Stores {
	return partner.Stores{Deliveries: &Deliveries{tx}, Nonces: &Nonces{tx}, Webhooks: &Webhooks{tx}}
}

// fanOut writes the partner deliveries of events in tx: one per active client subscribed to the
// event's type, as the PostgreSQL outbox does, and wakes those clients' pulls once tx commits.
// It reads every client, as Postgres's join does: partner clients are few.
func fanOut(ctx context.Context, tx *Tx, events []integration.Event) {
	var clients []identity.Client
	for _, c := range tx.State.Identity.Clients.All() {
		if c.Status == identity.ClientActive {
			clients = append(clients, c)
		}
	}
	if len(clients) == 0 || len(events) == 0 {
		return
	}
	rows := Mutable(tx, &tx.State.Partner.Deliveries)
	woken := map[string]bool{}
	for _, e := range events {
		for _, c := range clients {
			k := deliveryKey{c.ID, e.ID}
			if _, exists := rows.Get(k); exists || !partner.Subscribes(c.SubscribedTypes, e.Type) {
				continue
			}
			rows.Put(k, partner.Delivery{ClientID: c.ID, EventID: e.ID, EventType: e.Type, Topic: e.Topic,
				Status: partner.Pending, VisibleAt: e.Time, CreatedAt: e.Time})
			woken[c.ID] = true
		}
	}
	for id := range woken {
		uow.AfterCommit(ctx, func() { tx.store.feed.Notify(id) })
	}
}

// FeedWakeups are the wakeups of this store's partner feed: committed deliveries signal them.
func (s *Store) FeedWakeups() *partner.Hub { return s.feed }

// Deliveries is the in-memory partner.Deliveries of one unit of work. Units of work that write run
// one at a time, so a claim never needs to skip rows another one holds.
type Deliveries struct{ tx *Tx }

func (s *Deliveries) withEvent(d partner.Delivery) partner.Claimed {
	row, _ := s.tx.State.Outbox.Get(d.EventID)
	return partner.Claimed{Delivery: d, Event: row.Event}
}

func ofTypes(types []string, d partner.Delivery) bool {
	return len(types) == 0 || slices.Contains(types, d.EventType)
}

// ClaimDue implements partner.Deliveries on deliveriesDue, which stops at the first row not yet visible.
func (s *Deliveries) ClaimDue(_ context.Context, clientID string, types []string, now time.Time, limit int) ([]partner.Claimed, error) {
	var out []partner.Claimed
	for _, d := range s.tx.State.Partner.Deliveries.Ascend(deliveriesDue, Seek[partner.Delivery]{Group: clientID}) {
		if len(out) == limit || d.VisibleAt.After(now) {
			break
		}
		if ofTypes(types, d) {
			out = append(out, s.withEvent(d))
		}
	}
	return out, nil
}

// Lock implements partner.Deliveries.
func (s *Deliveries) Lock(_ context.Context, clientID string, eventIDs []string) ([]partner.Delivery, error) {
	var out []partner.Delivery
	for _, id := range eventIDs {
		if d, ok := s.tx.State.Partner.Deliveries.Get(deliveryKey{clientID, id}); ok {
			out = append(out, d)
		}
	}
	slices.SortFunc(out, func(a, b partner.Delivery) int { return strings.Compare(a.EventID, b.EventID) })
	return out, nil
}

// Save implements partner.Deliveries.
func (s *Deliveries) Save(ctx context.Context, ds []partner.Delivery) error {
	for _, d := range ds {
		k := deliveryKey{d.ClientID, d.EventID}
		if _, ok := s.tx.State.Partner.Deliveries.Get(k); !ok {
			continue
		}
		Mutable(s.tx, &s.tx.State.Partner.Deliveries).Put(k, d)
		if d.Status == partner.Pending {
			id := d.ClientID
			uow.AfterCommit(ctx, func() { s.tx.store.feed.Notify(id) })
		}
	}
	return nil
}

// NextVisible implements partner.Deliveries on deliveriesDue.
func (s *Deliveries) NextVisible(_ context.Context, clientID string, types []string) (time.Time, bool, error) {
	for _, d := range s.tx.State.Partner.Deliveries.Ascend(deliveriesDue, Seek[partner.Delivery]{Group: clientID}) {
		if ofTypes(types, d) {
			return d.VisibleAt, true, nil
		}
	}
	return time.Time{}, false, nil
}

// Stats implements partner.Deliveries: unacknowledged rows by client and topic, then the rows
// acknowledged since ackedSince.
func (s *Deliveries) Stats(_ context.Context, now, ackedSince time.Time) ([]partner.TopicStats, error) {
	type key struct{ client, topic string }
	byKey := map[key]*partner.TopicStats{}
	row := func(d partner.Delivery) *partner.TopicStats {
		k := key{d.ClientID, d.Topic}
		if st := byKey[k]; st != nil {
			return st
		}
		c, _ := s.tx.State.Identity.Clients.Get(d.ClientID)
		st := &partner.TopicStats{ClientID: c.ClientID, Name: c.Name, Topic: d.Topic}
		byKey[k] = st
		return st
	}
	earliest := func(p **time.Time, t time.Time) {
		if *p == nil || t.Before(**p) {
			*p = &t
		}
	}
	t := s.tx.State.Partner.Deliveries
	for _, d := range t.Ascend(deliveriesUnacked, Seek[partner.Delivery]{}) {
		st := row(d)
		switch d.Status {
		case partner.Pending:
			st.Pending++
		case partner.Leased:
			st.Leased++
		case partner.Dead:
			st.Dead++
		}
		if open(d) {
			earliest(&st.OldestOpen, d.CreatedAt)
			if d.Due(now) {
				earliest(&st.OldestDue, d.VisibleAt)
			}
		}
	}
	for _, d := range t.Ascend(deliveriesAcked, Seek[partner.Delivery]{Pivot: &partner.Delivery{AckedAt: &ackedSince}}) {
		row(d).Acked++
	}
	out := make([]partner.TopicStats, 0, len(byKey))
	for _, st := range byKey {
		out = append(out, *st)
	}
	slices.SortFunc(out, func(a, b partner.TopicStats) int {
		return cmp.Or(strings.Compare(a.ClientID, b.ClientID), strings.Compare(a.Topic, b.Topic))
	})
	return out, nil
}

// Dead implements partner.Deliveries on deliveriesDead.
func (s *Deliveries) Dead(_ context.Context, clientID, after string, limit int) ([]partner.Claimed, error) {
	seek := Seek[partner.Delivery]{Group: clientID}
	if after != "" {
		seek.Pivot, seek.Past = &partner.Delivery{EventID: after}, true
	}
	var out []partner.Claimed
	for _, d := range s.tx.State.Partner.Deliveries.Ascend(deliveriesDead, seek) {
		if len(out) == limit {
			break
		}
		out = append(out, s.withEvent(d))
	}
	return out, nil
}

// PurgeAcked implements partner.Deliveries on deliveriesAcked, oldest first.
func (s *Deliveries) PurgeAcked(_ context.Context, before time.Time, limit int) (int, error) {
	var old []deliveryKey
	for k, d := range s.tx.State.Partner.Deliveries.Ascend(deliveriesAcked, Seek[partner.Delivery]{}) {
		if len(old) == limit || !d.AckedAt.Before(before) {
			break
		}
		old = append(old, k)
	}
	for _, k := range old {
		Mutable(s.tx, &s.tx.State.Partner.Deliveries).Delete(k)
	}
	return len(old), nil
}

// Nonces is the in-memory partner.Nonces of one unit of work.
type Nonces struct{ tx *Tx }

// Remember implements partner.Nonces.
func (s *Nonces) Remember(_ context.Context, clientID, value string, now, expiresAt time.Time) (bool, error) {
	k := nonceKey{clientID, value}
	if n, ok := s.tx.State.Partner.Nonces.Get(k); ok && n.ExpiresAt.After(now) {
		return false, nil
	}
	Mutable(s.tx, &s.tx.State.Partner.Nonces).Put(k, nonce{ClientID: clientID, Nonce: value, ExpiresAt: expiresAt})
	return true, nil
}

// Purge implements partner.Nonces on noncesByExpiry.
func (s *Nonces) Purge(_ context.Context, now time.Time, limit int) (int, error) {
	var expired []nonceKey
	for k, n := range s.tx.State.Partner.Nonces.Ascend(noncesByExpiry, Seek[nonce]{}) {
		if len(expired) == limit || !n.ExpiresAt.Before(now) {
			break
		}
		expired = append(expired, k)
	}
	for _, k := range expired {
		Mutable(s.tx, &s.tx.State.Partner.Nonces).Delete(k)
	}
	return len(expired), nil
}

// Webhooks is the in-memory partner.Webhooks of one unit of work.
type Webhooks struct{ tx *Tx }

func (s *Webhooks) withPartner(w partner.Webhook) partner.Webhook {
	if c, ok := s.tx.State.Identity.Clients.Get(w.ClientID); ok {
		w.Partner = c.ClientID
	}
	w.Secret = slices.Clone(w.Secret)
	return w
}

// Create implements partner.Webhooks.
func (s *Webhooks) Create(_ context.Context, w partner.Webhook) error {
	if !putUnique(s.tx, &s.tx.State.Partner.WebhooksByClient, w.ClientID, "", w.ID) {
		return partner.ErrWebhookExists
	}
	w.Partner, w.Secret = "", slices.Clone(w.Secret)
	Mutable(s.tx, &s.tx.State.Partner.Webhooks).Put(w.ID, w)
	return nil
}

// ByID implements partner.Webhooks.
func (s *Webhooks) ByID(_ context.Context, id string) (partner.Webhook, error) {
	w, ok := s.tx.State.Partner.Webhooks.Get(id)
	if !ok {
		return partner.Webhook{}, partner.ErrWebhookNotFound
	}
	return s.withPartner(w), nil
}

// Lock implements partner.Webhooks: units of work run one at a time.
func (s *Webhooks) Lock(ctx context.Context, id string) (partner.Webhook, error) {
	return s.ByID(ctx, id)
}

// List implements partner.Webhooks. It reads every webhook, as Postgres does: there is one per
// partner at most.
func (s *Webhooks) List(_ context.Context) ([]partner.Webhook, error) {
	var out []partner.Webhook
	for _, w := range s.tx.State.Partner.Webhooks.All() {
		out = append(out, s.withPartner(w))
	}
	slices.SortFunc(out, func(a, b partner.Webhook) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), strings.Compare(a.ID, b.ID))
	})
	return out, nil
}

// Save implements partner.Webhooks.
func (s *Webhooks) Save(_ context.Context, w partner.Webhook) error {
	if _, ok := s.tx.State.Partner.Webhooks.Get(w.ID); ok {
		w.Partner, w.Secret = "", slices.Clone(w.Secret)
		Mutable(s.tx, &s.tx.State.Partner.Webhooks).Put(w.ID, w)
	}
	return nil
}

// Delete implements partner.Webhooks.
func (s *Webhooks) Delete(_ context.Context, id string) error {
	w, ok := s.tx.State.Partner.Webhooks.Get(id)
	if !ok {
		return partner.ErrWebhookNotFound
	}
	Mutable(s.tx, &s.tx.State.Partner.Webhooks).Delete(id)
	Mutable(s.tx, &s.tx.State.Partner.WebhooksByClient).Delete(w.ClientID)
	return nil
}
