package integration

import (
	"encoding/json"
	"errors"
	"time"
)

// cloudEvent is the CloudEvents 1.0 JSON form of an event (structured mode).
type cloudEvent struct {
	SpecVersion     string          `json:"specversion"`
	ID              string          `json:"id"`
	Type            string          `json:"type"`
	Source          string          `json:"source"`
	Subject         string          `json:"subject,omitempty"`
	Time            time.Time       `json:"time"`
	DataContentType string          `json:"datacontenttype"`
	Data            json.RawMessage `json:"data"`
	TraceParent     string          `json:"traceparent,omitempty"`
}

// CloudEvent returns the event as a CloudEvents 1.0 JSON document: what the pull feed lists, a
// webhook receives and the relay publishes to Kafka.
func CloudEvent(e Event) ([]byte, error) {
	data := e.Data
	if len(data) == 0 {
		data = json.RawMessage("null")
	}
	return json.Marshal(cloudEvent{SpecVersion: "1.0", ID: e.ID, Type: e.Type, Source: e.Source, Subject: e.Subject,
		Time: e.Time.UTC(), DataContentType: "application/json", Data: data, TraceParent: e.TraceParent})
}

// ErrNotCloudEvent says a document is not a CloudEvents 1.0 event with an id and a type.
var ErrNotCloudEvent = errors.New("integration: not a CloudEvents 1.0 JSON event with id and type")

// ParseCloudEvent reads a document CloudEvent wrote (a consumer reading Kafka). The routing facts
// the document does not carry (topic, aggregate id: the Kafka topic and key) are left empty.
func ParseCloudEvent(doc []byte) (Event, error) {
	var ce cloudEvent
	if err := json.Unmarshal(doc, &ce); err != nil {
		return Event{}, errors.Join(ErrNotCloudEvent, err)
	}
	if ce.SpecVersion != "1.0" || ce.ID == "" || ce.Type == "" {
		return Event{}, ErrNotCloudEvent
	}
	return Event{ID: ce.ID, Type: ce.Type, Source: ce.Source, Subject: ce.Subject, Time: ce.Time, Data: ce.Data,
		TraceParent: ce.TraceParent}, nil
}
