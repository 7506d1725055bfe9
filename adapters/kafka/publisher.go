// Package kafka is the outbox relay's way to Kafka (kafka-go): the Publisher the relay publishes
// through, the relay's metrics, the consumer helper internal consumers read with (each event applied
// once through the inbox), and the in-process development broker (kfake).
package kafka

import (
	"context"
	"errors"
	"fmt"
	"time"

	kafkago "github.com/segmentio/kafka-go"

	"github.com/jupang/jupang/core/integration"
)

// Message headers every published event carries (the CloudEvents document is the value).
const (
	HeaderID          = "id"
	HeaderType        = "type"
	HeaderTraceParent = "traceparent"
)

// WriterConfig tunes the producer.
type WriterConfig struct {
	Brokers []string
	// BatchSize is the most messages of one Kafka partition sent in one produce request; keep it
	// at least the relay's batch size, so one relay batch's messages of a key go in one request,
	// acknowledged or failed together (the order a key's events keep across a failure rests on it).
	BatchSize    int
	BatchTimeout time.Duration // how long a partition's partial batch waits for more (2 ms)
	WriteTimeout time.Duration // one produce request (10 s)
	// AutoCreateTopics lets the broker create a topic on its first message (dev brokers).
	AutoCreateTopics bool
}

// NewWriter is the producer: RequireAll acknowledgements (every in-sync replica has the message),
// keys hashed like the Java client (murmur2), so a key always lands on the same partition.
func NewWriter(cfg WriterConfig) *kafkago.Writer {
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 1000
	}
	if cfg.BatchTimeout <= 0 {
		cfg.BatchTimeout = 2 * time.Millisecond
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = 10 * time.Second
	}
	return &kafkago.Writer{
		Addr:                   kafkago.TCP(cfg.Brokers...),
		Balancer:               kafkago.Murmur2Balancer{},
		RequiredAcks:           kafkago.RequireAll,
		BatchSize:              cfg.BatchSize,
		BatchBytes:             16 << 20,
		BatchTimeout:           cfg.BatchTimeout,
		WriteTimeout:           cfg.WriteTimeout,
		ReadTimeout:            cfg.WriteTimeout,
		MaxAttempts:            3,
		AllowAutoTopicCreation: cfg.AutoCreateTopics,
	}
}

// Publisher is integration.Publisher on a kafka-go Writer: one WriteMessages per relay batch.
type Publisher struct{ w *kafkago.Writer }

// NewPublisher publishes through w (see NewWriter).
func NewPublisher(w *kafkago.Writer) *Publisher { return &Publisher{w: w} }

// Close flushes and closes the writer.
func (p *Publisher) Close() error { return p.w.Close() }

// Message is the Kafka message of an event: topic, key = aggregate id, the CloudEvents JSON as
// value, and the id, type and traceparent headers.
func Message(e integration.Event) (kafkago.Message, error) {
	body, err := integration.CloudEvent(e)
	if err != nil {
		return kafkago.Message{}, err
	}
	headers := []kafkago.Header{{Key: HeaderID, Value: []byte(e.ID)}, {Key: HeaderType, Value: []byte(e.Type)}}
	if e.TraceParent != "" {
		headers = append(headers, kafkago.Header{Key: HeaderTraceParent, Value: []byte(e.TraceParent)})
	}
	return kafkago.Message{Topic: e.Topic, Key: []byte(e.AggregateID), Value: body, Headers: headers}, nil
}

// Publish implements integration.Publisher.
func (p *Publisher) Publish(ctx context.Context, events []integration.Event) []error {
	results := make([]error, len(events))
	msgs := make([]kafkago.Message, 0, len(events))
	sent := make([]int, 0, len(events)) // msgs[j] is events[sent[j]]
	for i, e := range events {
		m, err := Message(e)
		if err != nil {
			results[i] = err
			continue
		}
		msgs, sent = append(msgs, m), append(sent, i)
	}
	if len(msgs) > 0 {
		err := p.w.WriteMessages(ctx, msgs...)
		var perMessage kafkago.WriteErrors
		switch {
		case err == nil:
		case errors.As(err, &perMessage) && len(perMessage) == len(msgs):
			for j, e := range perMessage {
				results[sent[j]] = e
			}
		default:
			for _, i := range sent {
				results[i] = err
			}
		}
	}
	// A key's events after its first failure count as failed (integration.Publisher's rule).
	failedKeys := map[string]error{}
	someFailed := false
	for i, e := range events {
		if first, ok := failedKeys[e.AggregateID]; ok && results[i] == nil {
			results[i] = fmt.Errorf("kafka: behind a failed event of key %q: %w", e.AggregateID, first)
		}
		if results[i] != nil {
			someFailed = true
			if _, ok := failedKeys[e.AggregateID]; !ok {
				failedKeys[e.AggregateID] = results[i]
			}
		}
	}
	if !someFailed {
		return nil
	}
	return results
}
