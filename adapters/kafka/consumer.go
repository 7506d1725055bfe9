package kafka

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	kafkago "github.com/segmentio/kafka-go"

	"github.com/jupang/jupang/core/integration"
	"github.com/jupang/jupang/core/uow"
)

// Event decodes a message the relay published: the CloudEvents value, with the topic and the key
// (the aggregate id) from the message.
func Event(m kafkago.Message) (integration.Event, error) {
	e, err := integration.ParseCloudEvent(m.Value)
	if err != nil {
		return integration.Event{}, err
	}
	e.Topic, e.AggregateID = m.Topic, string(m.Key)
	return e, nil
}

// Handler acts on one event.
type Handler func(ctx context.Context, e integration.Event) error

// Once is the Handler of an internal consumer: apply runs inside one unit of work of u together
// with the consumer's inbox row, so each event id has its effect once however often Kafka delivers
// it (integration.Once). inbox picks the Inbox out of the area's stores.
func Once[S any](u uow.UnitOfWork[S], inbox func(S) integration.Inbox, consumer string,
	apply func(ctx context.Context, stores S, e integration.Event) error) (Handler, error) {
	if err := integration.ValidConsumer(consumer); err != nil {
		return nil, err
	}
	return func(ctx context.Context, e integration.Event) error {
		_, err := integration.Once(ctx, u, inbox, consumer, e, apply)
		return err
	}, nil
}

// Reader is what Consume reads: a kafka-go consumer-group Reader (FetchMessage + CommitMessages).
type Reader interface {
	FetchMessage(ctx context.Context) (kafkago.Message, error)
	CommitMessages(ctx context.Context, msgs ...kafkago.Message) error
}

// ConsumeOptions tune Consume; zero values take the defaults.
type ConsumeOptions struct {
	Backoff integration.Backoff // between attempts of a failing handler (100 ms … 30 s)
	// OnError hears a handler failure (retried) and a message that is no Jupang event (skipped).
	OnError func(m kafkago.Message, err error)
}

// Consume hands each message of r to handle, in order, until ctx ends, and commits a message's
// offset only after handle returned nil: a failing handler is retried (with backoff) and never
// skipped, and a crash before the commit redelivers the message, which Once makes harmless. A
// message that is not a CloudEvent is reported and committed (it would block the partition forever).
func Consume(ctx context.Context, r Reader, handle Handler, opts ConsumeOptions) error {
	if opts.Backoff.Base <= 0 {
		opts.Backoff = integration.Backoff{Base: 100 * time.Millisecond, Max: 30 * time.Second}
	}
	report := func(m kafkago.Message, err error) {
		if opts.OnError != nil {
			opts.OnError(m, err)
		}
	}
	for {
		m, err := r.FetchMessage(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		e, err := Event(m)
		if err != nil {
			report(m, err)
		} else {
			for attempt := 1; ; attempt++ {
				err := handle(ctx, e)
				if err == nil {
					break
				}
				if ctx.Err() != nil {
					return nil
				}
				report(m, err)
				if !wait(ctx, opts.Backoff.Delay(attempt, rand.Float64())) { //nolint:gosec // jitter
					return nil
				}
			}
		}
		if err := r.CommitMessages(ctx, m); err != nil {
			if ctx.Err() != nil || errors.Is(err, context.Canceled) {
				return nil
			}
			return err
		}
	}
}

func wait(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
