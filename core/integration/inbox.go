package integration

import (
	"context"
	"errors"
	"regexp"
	"time"

	"github.com/jupang/jupang/core/uow"
)

// Inbox remembers, per consumer, the events it has acted on: a row per (consumer, event id),
// written in the consumer's own unit of work, so an event redelivered (the relay republishes after
// a crash, a Kafka consumer rereads after a rebalance) has its effect once.
type Inbox interface {
	// Record notes that consumer acts on e; false (and nothing written) when it already had.
	Record(ctx context.Context, consumer string, e Event) (bool, error)
	// Purge forgets up to limit records, of any consumer, made before before.
	Purge(ctx context.Context, before time.Time, limit int) (int, error)
}

// PurgeInbox forgets up to limit inbox records made before before, in one unit of work (the
// retention job). A forgotten event acts again if it is delivered again, so before must be older
// than anything the brokers may still redeliver.
func PurgeInbox(ctx context.Context, u uow.UnitOfWork[Inbox], before time.Time, limit int) (int, error) {
	var n int
	err := u.Do(ctx, func(ctx context.Context, in Inbox) error {
		var err error
		n, err = in.Purge(ctx, before, limit)
		return err
	})
	return n, err
}

var consumerName = regexp.MustCompile(`^[a-z][a-z0-9_.-]{0,63}$`)

// ErrConsumerName says a consumer name is not 1 to 64 of [a-z0-9_.-], starting with a letter.
var ErrConsumerName = errors.New("integration: consumer names are 1 to 64 of [a-z0-9_.-], starting with a letter")

// ValidConsumer checks a consumer name (the inbox table's CHECK).
func ValidConsumer(name string) error {
	if !consumerName.MatchString(name) {
		return ErrConsumerName
	}
	return nil
}

// Once runs apply in one unit of work of u together with the inbox row of (consumer, e.ID): the
// first delivery of an event applies it and records it atomically; every later one finds the row
// and does nothing. inbox picks the Inbox out of the area's stores. applied is false for a
// repeat. An error from apply rolls back the inbox row too, so the event is applied on a later
// delivery.
//
// An area uses it from its consumer, e.g. the coupon statistics (core/couponstats), whose counts
// are not idempotent:
//
//	integration.Once(ctx, u, couponstats.InboxOf, couponstats.Consumer, e, couponstats.Count)
func Once[S any](ctx context.Context, u uow.UnitOfWork[S], inbox func(S) Inbox, consumer string, e Event,
	apply func(ctx context.Context, stores S, e Event) error) (applied bool, err error) {
	if err := ValidConsumer(consumer); err != nil {
		return false, err
	}
	err = u.Do(ctx, func(ctx context.Context, st S) error {
		applied = false
		first, err := inbox(st).Record(ctx, consumer, e)
		if err != nil || !first {
			return err
		}
		if err := apply(ctx, st, e); err != nil {
			return err
		}
		applied = true
		return nil
	})
	if err != nil {
		return false, err
	}
	return applied, nil
}
