package partner

import (
	"context"
	"net/netip"
	"time"

	"github.com/jupang/jupang/core/identity"
)

// Deliveries stores partner deliveries (rows are created by the outbox writer's fan-out). Saving a
// delivery that becomes pending wakes the client's waiting pulls after commit (see Wakeups).
type Deliveries interface {
	// ClaimDue returns up to limit deliveries of a client that are due at now, of types when types
	// is not empty, oldest VisibleAt first, with their events. Inside a unit of work it holds them
	// until the end and skips those another unit of work holds, so concurrent pulls get disjoint sets.
	ClaimDue(ctx context.Context, clientID string, types []string, now time.Time, limit int) ([]Claimed, error)
	// Lock returns the client's deliveries of eventIDs, held until the unit of work ends; ids that
	// are not deliveries of this client are absent.
	Lock(ctx context.Context, clientID string, eventIDs []string) ([]Delivery, error)
	// Save writes back the state of deliveries (status, attempt, times, last error).
	Save(ctx context.Context, ds []Delivery) error
	// NextVisible returns the earliest VisibleAt of the client's pending or leased deliveries of
	// types (all when empty); false when it has none.
	NextVisible(ctx context.Context, clientID string, types []string) (time.Time, bool, error)
	// Stats counts open deliveries, and those acknowledged since ackedSince, per partner and topic.
	Stats(ctx context.Context, now, ackedSince time.Time) ([]TopicStats, error)
	// Dead returns up to limit dead deliveries of a client with their events, by event id after
	// the cursor after ("" for the first page).
	Dead(ctx context.Context, clientID, after string, limit int) ([]Claimed, error)
	// PurgeAcked deletes up to limit deliveries acknowledged before before.
	PurgeAcked(ctx context.Context, before time.Time, limit int) (int, error)
}

// Nonces remembers the X-Jupang-Nonce values partners used within the replay window.
type Nonces interface {
	// Remember records a client's nonce until expiresAt. It reports false when the nonce is already
	// recorded and still live at now: a replay. Of concurrent calls with one nonce exactly one wins.
	Remember(ctx context.Context, clientID, nonce string, now, expiresAt time.Time) (bool, error)
	// Purge deletes up to limit nonces that expired before now.
	Purge(ctx context.Context, now time.Time, limit int) (int, error)
}

// Webhooks stores partners' push endpoints, one per partner.
type Webhooks interface {
	// Create stores w; a partner that has one already is ErrWebhookExists.
	Create(ctx context.Context, w Webhook) error
	// ByID returns a webhook or ErrWebhookNotFound.
	ByID(ctx context.Context, id string) (Webhook, error)
	// Lock is ByID holding the row until the unit of work ends (failure counting).
	Lock(ctx context.Context, id string) (Webhook, error)
	// List returns every webhook, oldest first.
	List(ctx context.Context) ([]Webhook, error)
	// Save writes back a webhook's status and delivery record.
	Save(ctx context.Context, w Webhook) error
	// Delete removes a webhook; an unknown id is ErrWebhookNotFound.
	Delete(ctx context.Context, id string) error
}

// Stores is what the partner use cases change inside one unit of work.
type Stores struct {
	Deliveries Deliveries
	Nonces     Nonces
	Webhooks   Webhooks
}

// Wakeups tells waiting pulls that a partner may have new due deliveries. Adapters signal it when a
// unit of work that created or re-opened deliveries commits (PostgreSQL: LISTEN/NOTIFY).
type Wakeups interface {
	// Subscribe returns a channel that receives when the client's deliveries may have changed
	// (signals coalesce), and a function that releases it. The channel is closed when the
	// wakeups shut down, so waiting pulls return at once.
	Subscribe(clientID string) (wake <-chan struct{}, cancel func())
}

// Partners looks up partner clients and their signing keys (the identity service).
type Partners interface {
	Client(ctx context.Context, clientID string) (identity.Client, error)
	PartnerCredentials(ctx context.Context, id string) (identity.PartnerCredentials, error)
}

// Resolver resolves a webhook host to the addresses a delivery would connect to (*net.Resolver).
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Sender posts one webhook message and reports the endpoint's status code. It must refuse to
// connect to an address the policy does not allow (so DNS cannot rebind a checked name to an
// internal address), follow no redirects, and give up after the context's deadline.
type Sender interface {
	Send(ctx context.Context, url string, header map[string]string, body []byte) (status int, err error)
}
