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
)

// deliveryKey is partner_deliveries' primary key.
type deliveryKey struct{ client, event string }

type nonceKey struct{ client, nonce string }

// partnerTables are the partner feed's in-memory tables (00010_integration.sql, 00045_partner_feed.sql).
type partnerTables struct {
	Deliveries *Table[deliveryKey, partner.Delivery]
	Nonces     *Table[nonceKey, time.Time] // → expires at
	Webhooks   *Table[string, partner.Webhook]
}

func newPartnerTables() partnerTables {
	return partnerTables{
		Deliveries: newTable[deliveryKey, partner.Delivery](),
		Nonces:     newTable[nonceKey, time.Time](),
		Webhooks:   newTable[string, partner.Webhook](),
	}
}

// PartnerStores builds partner.Stores for a unit of work.
func PartnerStores(tx *Tx) partner.Stores {
	return partner.Stores{Deliveries: &Deliveries{tx}, Nonces: &Nonces{tx}, Webhooks: &Webhooks{tx}}
}

// fanOut writes the partner deliveries of events in tx: one per active client subscribed to the
// event's type, as the PostgreSQL outbox does, and wakes those clients' pulls once tx commits.
func fanOut(tx *Tx, events []integration.Event) {
	var clients []identity.Client
	tx.State.Identity.Clients.Each(func(_ string, c identity.Client) bool {
		if c.Status == identity.ClientActive {
			clients = append(clients, c)
		}
		return true
	})
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
		tx.afterCommit(func() { tx.store.feed.Notify(id) })
	}
}

// FeedWakeups are the wakeups of this store's partner feed: committed deliveries signal them.
func (s *Store) FeedWakeups() *partner.Hub { return s.feed }

// Deliveries is the in-memory partner.Deliveries of one unit of work. Units of work run one at a
// time, so a claim never needs to skip rows another one holds.
type Deliveries struct{ tx *Tx }

func (s *Deliveries) matching(keep func(partner.Delivery) bool) []partner.Delivery {
	var out []partner.Delivery
	s.tx.State.Partner.Deliveries.Each(func(_ deliveryKey, d partner.Delivery) bool {
		if keep(d) {
			out = append(out, d)
		}
		return true
	})
	return out
}

func (s *Deliveries) withEvents(ds []partner.Delivery) []partner.Claimed {
	out := make([]partner.Claimed, 0, len(ds))
	for _, d := range ds {
		row, _ := s.tx.State.Outbox.Get(d.EventID)
		out = append(out, partner.Claimed{Delivery: d, Event: row.Event})
	}
	return out
}

func ofTypes(types []string, d partner.Delivery) bool {
	return len(types) == 0 || slices.Contains(types, d.EventType)
}

// ClaimDue implements partner.Deliveries.
func (s *Deliveries) ClaimDue(_ context.Context, clientID string, types []string, now time.Time, limit int) ([]partner.Claimed, error) {
	due := s.matching(func(d partner.Delivery) bool { return d.ClientID == clientID && d.Due(now) && ofTypes(types, d) })
	slices.SortFunc(due, func(a, b partner.Delivery) int {
		return cmp.Or(a.VisibleAt.Compare(b.VisibleAt), strings.Compare(a.EventID, b.EventID))
	})
	return s.withEvents(due[:min(limit, len(due))]), nil
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
func (s *Deliveries) Save(_ context.Context, ds []partner.Delivery) error {
	if len(ds) == 0 {
		return nil
	}
	rows := Mutable(s.tx, &s.tx.State.Partner.Deliveries)
	for _, d := range ds {
		k := deliveryKey{d.ClientID, d.EventID}
		if _, ok := rows.Get(k); !ok {
			continue
		}
		rows.Put(k, d)
		if d.Status == partner.Pending {
			id := d.ClientID
			s.tx.afterCommit(func() { s.tx.store.feed.Notify(id) })
		}
	}
	return nil
}

// NextVisible implements partner.Deliveries.
func (s *Deliveries) NextVisible(_ context.Context, clientID string, types []string) (time.Time, bool, error) {
	var next time.Time
	found := false
	for _, d := range s.matching(func(d partner.Delivery) bool {
		return d.ClientID == clientID && (d.Status == partner.Pending || d.Status == partner.Leased) && ofTypes(types, d)
	}) {
		if !found || d.VisibleAt.Before(next) {
			next, found = d.VisibleAt, true
		}
	}
	return next, found, nil
}

// Stats implements partner.Deliveries.
func (s *Deliveries) Stats(_ context.Context, now, ackedSince time.Time) ([]partner.TopicStats, error) {
	type key struct{ client, topic string }
	byKey := map[key]*partner.TopicStats{}
	earliest := func(p **time.Time, t time.Time) {
		if *p == nil || t.Before(**p) {
			*p = &t
		}
	}
	for _, d := range s.matching(func(d partner.Delivery) bool { return d.Status != partner.Acked || !d.AckedAt.Before(ackedSince) }) {
		c, ok := s.tx.State.Identity.Clients.Get(d.ClientID)
		if !ok {
			continue
		}
		st := byKey[key{c.ClientID, d.Topic}]
		if st == nil {
			st = &partner.TopicStats{ClientID: c.ClientID, Name: c.Name, Topic: d.Topic}
			byKey[key{c.ClientID, d.Topic}] = st
		}
		switch d.Status {
		case partner.Pending:
			st.Pending++
		case partner.Leased:
			st.Leased++
		case partner.Acked:
			st.Acked++
		case partner.Dead:
			st.Dead++
		}
		if d.Status == partner.Pending || d.Status == partner.Leased {
			earliest(&st.OldestOpen, d.CreatedAt)
			if d.Due(now) {
				earliest(&st.OldestDue, d.VisibleAt)
			}
		}
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

// Dead implements partner.Deliveries.
func (s *Deliveries) Dead(_ context.Context, clientID, after string, limit int) ([]partner.Claimed, error) {
	dead := s.matching(func(d partner.Delivery) bool {
		return d.ClientID == clientID && d.Status == partner.Dead && d.EventID > after
	})
	slices.SortFunc(dead, func(a, b partner.Delivery) int { return strings.Compare(a.EventID, b.EventID) })
	return s.withEvents(dead[:min(limit, len(dead))]), nil
}

// PurgeAcked implements partner.Deliveries.
func (s *Deliveries) PurgeAcked(_ context.Context, before time.Time, limit int) (int, error) {
	old := s.matching(func(d partner.Delivery) bool { return d.Status == partner.Acked && d.AckedAt.Before(before) })
	old = old[:min(limit, len(old))]
	if len(old) == 0 {
		return 0, nil
	}
	rows := Mutable(s.tx, &s.tx.State.Partner.Deliveries)
	for _, d := range old {
		rows.Delete(deliveryKey{d.ClientID, d.EventID})
	}
	return len(old), nil
}

// Nonces is the in-memory partner.Nonces of one unit of work.
type Nonces struct{ tx *Tx }

// Remember implements partner.Nonces.
func (s *Nonces) Remember(_ context.Context, clientID, nonce string, now, expiresAt time.Time) (bool, error) {
	k := nonceKey{clientID, nonce}
	if until, ok := s.tx.State.Partner.Nonces.Get(k); ok && until.After(now) {
		return false, nil
	}
	Mutable(s.tx, &s.tx.State.Partner.Nonces).Put(k, expiresAt)
	return true, nil
}

// Purge implements partner.Nonces.
func (s *Nonces) Purge(_ context.Context, now time.Time, limit int) (int, error) {
	var expired []nonceKey
	s.tx.State.Partner.Nonces.Each(func(k nonceKey, until time.Time) bool {
		if until.Before(now) {
			expired = append(expired, k)
		}
		return len(expired) < limit
	})
	if len(expired) == 0 {
		return 0, nil
	}
	rows := Mutable(s.tx, &s.tx.State.Partner.Nonces)
	for _, k := range expired {
		rows.Delete(k)
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
	taken := false
	s.tx.State.Partner.Webhooks.Each(func(_ string, have partner.Webhook) bool {
		taken = have.ClientID == w.ClientID
		return !taken
	})
	if taken {
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

// List implements partner.Webhooks.
func (s *Webhooks) List(_ context.Context) ([]partner.Webhook, error) {
	var out []partner.Webhook
	s.tx.State.Partner.Webhooks.Each(func(_ string, w partner.Webhook) bool {
		out = append(out, s.withPartner(w))
		return true
	})
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
	if _, ok := s.tx.State.Partner.Webhooks.Get(id); !ok {
		return partner.ErrWebhookNotFound
	}
	Mutable(s.tx, &s.tx.State.Partner.Webhooks).Delete(id)
	return nil
}
