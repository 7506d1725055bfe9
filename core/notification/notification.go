// Package notification is what the customer is told: a Notifier port the use cases call inside
// their unit of work (stored for GET /v1/users/me/notifications), an Announcer told after the
// commit (the log in dev), and the customer's list of their notifications.
package notification

import (
	"context"
	"time"

	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/kernel"
)

// Notification is one message to a customer, in the customer's language.
type Notification struct {
	ID       string // UUIDv7: id order is time order
	UserID   string
	Type     string // e.g. refund.completed
	Locale   kernel.Locale
	Title    string
	Body     string
	Data     map[string]string // ids the client links to
	DedupKey string            // e.g. refund:<id>:completed: a second notification with it is dropped
	ReadAt   *time.Time
	// CreatedAt is when it was written.
	CreatedAt time.Time
}

// Notifier tells a customer something, inside the caller's unit of work.
type Notifier interface {
	// Notify records n; a notification of the same user with the same DedupKey is a no-op.
	Notify(ctx context.Context, n Notification) error
}

// Announcer tells a customer of a notification once the unit of work that stored it committed
// (uow.AfterCommit), through a channel that cannot join the transaction (a log line in dev; a
// push service later). It cannot fail the use case: the stored notification is the record, an
// announcement is a courtesy.
type Announcer interface {
	Announce(ctx context.Context, n Notification)
}

// All is a Notifier that tells every one of its notifiers, in order.
type All []Notifier

// Notify implements Notifier.
func (a All) Notify(ctx context.Context, n Notification) error {
	for _, x := range a {
		if err := x.Notify(ctx, n); err != nil {
			return err
		}
	}
	return nil
}

// Reader lists a customer's stored notifications.
type Reader interface {
	// List returns at most limit of userID's notifications, newest (largest id) first, with ids
	// below afterID when it is set.
	List(ctx context.Context, userID, afterID string, limit int) ([]Notification, error)
}

// New is a notification of type typ to userID in locale l, with text's title and body in l.
func New(userID, typ string, l kernel.Locale, title, body errs.Text, dedupKey string, data map[string]string, at time.Time) Notification {
	return Notification{ID: kernel.NewID(), UserID: userID, Type: typ, Locale: l, Title: in(title, l), Body: in(body, l),
		Data: data, DedupKey: dedupKey, CreatedAt: at}
}

func in(t errs.Text, l kernel.Locale) string {
	switch l {
	case kernel.LocaleEN:
		return t.EN
	case kernel.LocaleJA:
		return t.JA
	default:
		return t.KO
	}
}

// Service is the customer's notification reads.
type Service struct{ read Reader }

// NewService returns the reads over read.
func NewService(read Reader) *Service { return &Service{read: read} }

type position struct {
	ID string `json:"i"`
}

// List returns one keyset page (limit 1..100, default 20) of the customer's notifications, newest first.
func (s *Service) List(ctx context.Context, userID, cursor string, limit int) (kernel.Page[Notification], error) {
	var v errs.Validation
	if limit == 0 {
		limit = 20
	}
	v.Check(limit >= 1 && limit <= 100, "limit", errs.FieldOutOfRange, "must be 1..100")
	var after position
	if err := kernel.DecodeCursor(cursor, &after); err != nil {
		return kernel.Page[Notification]{}, err
	}
	v.Check(after.ID == "" || kernel.IsID(after.ID), "cursor", kernel.FieldInvalidCursor, "not a cursor this server issued")
	if err := v.Err(); err != nil {
		return kernel.Page[Notification]{}, err
	}
	items, err := s.read.List(ctx, userID, after.ID, limit+1)
	if err != nil {
		return kernel.Page[Notification]{}, err
	}
	page := kernel.Page[Notification]{Items: items}
	if len(items) > limit {
		page.Items = items[:limit]
		page.NextCursor = kernel.EncodeCursor(position{ID: page.Items[limit-1].ID})
	}
	return page, nil
}
