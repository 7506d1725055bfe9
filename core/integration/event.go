// Package integration is how Jupang tells the outside world what happened: CloudEvents written to a
// transactional outbox in the same unit of work as the change they describe.
package integration

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jupang/jupang/core/kernel"
)

// Source is the CloudEvents source of every Jupang event.
const Source = "/jupang/api"

// Event is a CloudEvents 1.0 envelope plus the routing facts the relay needs.
type Event struct {
	ID          string          // UUIDv7
	Type        string          // e.g. "order.paid"
	Source      string          // Source
	Subject     string          // the aggregate, e.g. "orders/<id>"
	AggregateID string          // Kafka message key
	Topic       string          // e.g. "jupang.inventory.v1"
	Time        time.Time       // when it happened
	Data        json.RawMessage // the payload
	TraceParent string          // W3C traceparent of the request that caused it
}

// NewEvent builds an event with a fresh id; data is marshalled to JSON.
func NewEvent(ctx context.Context, clock kernel.Clock, topic, typ, aggregateID, subject string, data any) (Event, error) {
	raw, err := json.Marshal(data)
	if err != nil {
		return Event{}, err
	}
	return Event{
		ID: kernel.NewID(), Type: typ, Source: Source, Subject: subject, AggregateID: aggregateID,
		Topic: topic, Time: clock.Now(), Data: raw, TraceParent: kernel.RequestFrom(ctx).TraceParent,
	}, nil
}

// Outbox receives events inside a unit of work; they are published after commit by the relay.
type Outbox interface {
	Append(ctx context.Context, events ...Event) error
}

// OutboxStatus is the delivery state of an outbox row.
type OutboxStatus string

// Outbox row states.
const (
	OutboxPending   OutboxStatus = "PENDING"
	OutboxPublished OutboxStatus = "PUBLISHED"
	OutboxDead      OutboxStatus = "DEAD"
)

// OutboxEntry is an event with its delivery bookkeeping.
type OutboxEntry struct {
	Event
	Status   OutboxStatus
	Attempts int
}

// OutboxReader lists outbox rows for operators and tests, in the order they were written.
type OutboxReader interface {
	List(ctx context.Context, status OutboxStatus, limit int) ([]OutboxEntry, error)
}
