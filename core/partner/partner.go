// Package partner is how external partners receive Jupang's events (SPEC §9): a per-partner feed of
// deliveries they pull with a lease and acknowledge, or that are pushed to their webhook endpoint,
// and the checks every partner request passes (client certificate, HMAC signature, nonce).
//
// A delivery is one event for one partner. The outbox writer creates one, in the business
// transaction, for every active partner subscribed to the event's type, so no event can be missed.
// Pulling leases due deliveries for a visibility timeout: an unacknowledged one is due again when its
// lease ends and is handed out with its attempt count raised; after MaxAttempts deliveries it is
// DEAD. Acknowledging is idempotent; retrying makes a delivery due again after a delay.
package partner

import (
	"slices"
	"strings"
	"time"

	"github.com/jupang/jupang/core/integration"
)

// Status is where a delivery is in its life.
type Status string

// Delivery states.
const (
	Pending Status = "PENDING" // due at VisibleAt
	Leased  Status = "LEASED"  // handed out until LeaseUntil (= VisibleAt); due again after that
	Acked   Status = "ACKED"
	Dead    Status = "DEAD" // handed out MaxAttempts times without an ack
)

// Delivery is one event for one partner client.
type Delivery struct {
	ClientID   string // the client's internal id
	EventID    string
	EventType  string
	Topic      string
	Status     Status
	Attempt    int       // how many times it was handed out
	VisibleAt  time.Time // not handed out before this
	LeasedAt   *time.Time
	LeaseUntil *time.Time
	AckedAt    *time.Time
	LastError  string
	CreatedAt  time.Time
}

// Due reports whether the delivery may be handed out at now: pending or leased, and visible.
func (d Delivery) Due(now time.Time) bool {
	return (d.Status == Pending || d.Status == Leased) && !d.VisibleAt.After(now)
}

// Lease hands a due delivery out until until, one attempt more; one that was already handed out
// maxAttempts times is dead instead.
func (d Delivery) Lease(now, until time.Time, maxAttempts int) Delivery {
	if d.Attempt >= maxAttempts {
		d.Status = Dead
		return d
	}
	d.Status, d.Attempt, d.VisibleAt = Leased, d.Attempt+1, until
	d.LeasedAt, d.LeaseUntil = &now, &until
	return d
}

// Ack marks the delivery acknowledged; acknowledging it again changes nothing.
func (d Delivery) Ack(now time.Time) Delivery {
	if d.Status != Acked {
		d.Status, d.AckedAt = Acked, &now
	}
	return d
}

// Redeliver makes the delivery due again at at. A dead one starts over with its attempts; an
// acknowledged one is not delivered again.
func (d Delivery) Redeliver(at time.Time) (Delivery, error) {
	if d.Status == Acked {
		return d, ErrEventAlreadyAcked
	}
	if d.Status == Dead {
		d.Attempt = 0
	}
	d.Status, d.VisibleAt, d.LeasedAt, d.LeaseUntil = Pending, at, nil, nil
	return d, nil
}

// Failed makes a pushed delivery due again at retryAt after a failed attempt.
func (d Delivery) Failed(retryAt time.Time, reason string) Delivery {
	d.Status, d.VisibleAt, d.LeasedAt, d.LeaseUntil, d.LastError = Pending, retryAt, nil, nil, reason
	return d
}

// Pulled is a delivery handed to a partner: the event and the delivery facts it may act on.
type Pulled struct {
	Event      integration.Event
	Attempt    int
	LeaseUntil time.Time
}

// Claimed is a due delivery a unit of work holds, with its event.
type Claimed struct {
	Delivery Delivery
	Event    integration.Event
}

// Subscribes reports whether a partner with these subscriptions receives events of eventType. No
// subscription means every type; "order.*" means every type that starts with "order.".
func Subscribes(subscriptions []string, eventType string) bool {
	if len(subscriptions) == 0 {
		return true
	}
	return slices.ContainsFunc(subscriptions, func(s string) bool {
		if prefix, ok := strings.CutSuffix(s, "*"); ok && strings.HasSuffix(prefix, ".") {
			return strings.HasPrefix(eventType, prefix)
		}
		return s == eventType
	})
}

// validEventType accepts dotted lower-case names such as "order.paid" or "inventory.changed".
func validEventType(s string) bool {
	if s == "" || len(s) > 100 || s[0] < 'a' || s[0] > 'z' || strings.HasSuffix(s, ".") || strings.Contains(s, "..") {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !eventTypeByte(s[i]) {
			return false
		}
	}
	return true
}

func eventTypeByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-'
}

// TopicStats are one partner's deliveries of one topic, for the dashboard.
type TopicStats struct {
	ClientID string // the public client id
	Name     string
	Topic    string
	Pending  int
	Leased   int
	Acked    int // acknowledged within the dashboard's window
	Dead     int
	// OldestOpen is when the oldest delivery still pending or leased was created.
	OldestOpen *time.Time
	// OldestDue is the earliest VisibleAt among deliveries due now but not handed out: how long
	// ready work has waited for the partner.
	OldestDue *time.Time
}
