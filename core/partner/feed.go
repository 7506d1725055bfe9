package partner

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/uow"
)

// Feed limits (SPEC §9).
const (
	MaxBatch        = 500
	DefaultBatch    = 100
	MaxWait         = 30 * time.Second
	MaxRetryDelay   = time.Hour
	MaxTypesFilter  = 20
	DefaultLease    = 60 * time.Second
	DefaultAttempts = 10
	// AckedWindow is how far back the dashboard counts acknowledged deliveries.
	AckedWindow = 24 * time.Hour
)

// FeedOptions tune the feed; zero values take the defaults.
type FeedOptions struct {
	Lease       time.Duration // visibility timeout of a pulled delivery (DefaultLease)
	MaxAttempts int           // deliveries before a delivery is dead (DefaultAttempts)
}

func (o FeedOptions) withDefaults() FeedOptions {
	if o.Lease <= 0 {
		o.Lease = DefaultLease
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = DefaultAttempts
	}
	return o
}

// Feed holds the pull feed's use cases for partners and for operators.
type Feed struct {
	uow      uow.UnitOfWork[Stores]
	wakeups  Wakeups
	partners Partners
	clock    kernel.Clock
	opts     FeedOptions
}

// NewFeed returns the feed.
func NewFeed(u uow.UnitOfWork[Stores], wakeups Wakeups, partners Partners, clock kernel.Clock, opts FeedOptions) *Feed {
	return &Feed{uow: u, wakeups: wakeups, partners: partners, clock: clock, opts: opts.withDefaults()}
}

// LeaseDuration is how long a pulled delivery stays handed out.
func (f *Feed) LeaseDuration() time.Duration { return f.opts.Lease }

// PullParams are the query parameters of GET /v1/integrations/events/pull, as sent.
type PullParams struct {
	Max         string // 1..500, default 100
	WaitSeconds string // 0..30, default 0
	Types       string // comma-separated event types; empty: every subscribed type
}

type pullQuery struct {
	max   int
	wait  time.Duration
	types []string
}

func (p PullParams) parse() (pullQuery, error) {
	q := pullQuery{max: DefaultBatch}
	e := errs.ErrValidation
	bad := false
	if p.Max != "" {
		n, err := strconv.Atoi(p.Max)
		if err != nil || n < 1 || n > MaxBatch {
			e, bad = e.WithField("max", errs.FieldOutOfRange.Code, "must be a whole number from 1 to 500"), true
		}
		q.max = n
	}
	if p.WaitSeconds != "" {
		n, err := strconv.Atoi(p.WaitSeconds)
		if err != nil || n < 0 || n > int(MaxWait/time.Second) {
			e, bad = e.WithField("waitSeconds", errs.FieldOutOfRange.Code, "must be a whole number from 0 to 30"), true
		}
		q.wait = time.Duration(n) * time.Second
	}
	if p.Types != "" {
		for _, t := range strings.Split(p.Types, ",") {
			if t = strings.TrimSpace(t); !validEventType(t) {
				e, bad = e.WithField("types", FieldInvalidEventType.Code, "must be event types such as order.paid, separated by commas"), true
				break
			}
			if !slices.Contains(q.types, t) {
				q.types = append(q.types, t)
			}
		}
		if len(q.types) > MaxTypesFilter {
			e, bad = e.WithField("types", FieldTooManyItems.Code, "at most 20 event types"), true
		}
	}
	if bad {
		return pullQuery{}, e
	}
	return q, nil
}

// caller returns the partner client calling (an External principal's id).
func caller(ctx context.Context) (string, error) {
	p := kernel.RequestFrom(ctx).Principal
	switch {
	case p.IsGuest():
		return "", errs.ErrUnauthenticated
	case !p.Has(kernel.RoleExternal):
		return "", errs.ErrForbidden
	}
	return p.ID, nil
}

// Pull leases the calling partner's due deliveries. With nothing due it waits up to WaitSeconds
// for a delivery to arrive or come due (a new event, a retry, an expired lease) and returns as soon
// as there is one; at the end of the wait it returns an empty batch.
func (f *Feed) Pull(ctx context.Context, p PullParams) ([]Pulled, error) {
	clientID, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	q, err := p.parse()
	if err != nil {
		return nil, err
	}
	if q.wait == 0 {
		leased, _, err := f.lease(ctx, clientID, q)
		return leased, err
	}
	// Subscribe before looking, so a delivery committed between the look and the wait still wakes us.
	wake, cancel := f.wakeups.Subscribe(clientID)
	defer cancel()
	deadline := time.NewTimer(q.wait)
	defer deadline.Stop()
	for {
		leased, next, err := f.lease(ctx, clientID, q)
		if err != nil || len(leased) > 0 {
			return leased, err
		}
		if over := f.wait(ctx, wake, deadline.C, next); over {
			if ctx.Err() != nil {
				return nil, nil
			}
			leased, _, err := f.lease(ctx, clientID, q)
			return leased, err
		}
	}
}

// wait blocks until a wakeup, the next delivery's due time (none when next is zero) or the end of
// the pull (the deadline, the request's end, shutdown); it reports whether the pull is over.
func (f *Feed) wait(ctx context.Context, wake <-chan struct{}, deadline <-chan time.Time, next time.Time) bool {
	var due <-chan time.Time
	if !next.IsZero() {
		t := time.NewTimer(max(next.Sub(f.clock.Now()), time.Millisecond))
		defer t.Stop()
		due = t.C
	}
	select {
	case _, open := <-wake:
		return !open
	case <-due:
		return false
	case <-deadline:
		return true
	case <-ctx.Done():
		return true
	}
}

// lease hands out what is due in one unit of work; when nothing is, it returns when the next
// delivery comes due (zero when none is pending or leased).
func (f *Feed) lease(ctx context.Context, clientID string, q pullQuery) ([]Pulled, time.Time, error) {
	var out []Pulled
	var next time.Time
	err := f.uow.Do(ctx, func(ctx context.Context, st Stores) error {
		out, next = nil, time.Time{}
		for {
			now, want := f.clock.Now(), q.max-len(out)
			claimed, err := st.Deliveries.ClaimDue(ctx, clientID, q.types, now, want)
			if err != nil {
				return err
			}
			changed := make([]Delivery, len(claimed))
			for i, c := range claimed {
				changed[i] = c.Delivery.Lease(now, now.Add(f.opts.Lease), f.opts.MaxAttempts)
				if changed[i].Status == Leased {
					out = append(out, Pulled{Event: c.Event, Attempt: changed[i].Attempt, LeaseUntil: *changed[i].LeaseUntil})
				}
			}
			if err := st.Deliveries.Save(ctx, changed); err != nil {
				return err
			}
			// A full claim that dead-lettered some deliveries leaves room for more that may be due.
			if len(claimed) < want || countDead(changed) == 0 {
				break
			}
		}
		if len(out) > 0 {
			return nil
		}
		t, ok, err := st.Deliveries.NextVisible(ctx, clientID, q.types)
		if ok {
			next = t
		}
		return err
	})
	return out, next, err
}

func countDead(ds []Delivery) int {
	n := 0
	for _, d := range ds {
		if d.Status == Dead {
			n++
		}
	}
	return n
}

// MaxEventIDs bounds one ack or retry.
const MaxEventIDs = 500

// parseEventIDs checks a list of event ids and removes repeats.
func parseEventIDs(ids []string) ([]string, error) {
	if len(ids) == 0 {
		return nil, errs.ErrValidation.WithField("eventIds", errs.FieldRequired.Code, "at least one event id is required")
	}
	if len(ids) > MaxEventIDs {
		return nil, errs.ErrValidation.WithField("eventIds", FieldTooManyItems.Code, "at most 500 event ids")
	}
	out := make([]string, 0, len(ids))
	for i, id := range ids {
		if !kernel.IsID(id) {
			return nil, errs.ErrValidation.WithField("eventIds["+strconv.Itoa(i)+"]", errs.FieldInvalidID.Code, "must be an event id (a UUID)")
		}
		if id = strings.ToLower(id); !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out, nil
}

// locked holds every delivery of ids, or fails with EVENT_NOT_FOUND naming the ids that are not
// the client's: another partner's event is as unknown as one that does not exist.
func locked(ctx context.Context, st Stores, clientID string, ids []string) ([]Delivery, error) {
	ds, err := st.Deliveries.Lock(ctx, clientID, ids)
	if err != nil {
		return nil, err
	}
	if len(ds) == len(ids) {
		return ds, nil
	}
	var missing []string
	for _, id := range ids {
		if !slices.ContainsFunc(ds, func(d Delivery) bool { return d.EventID == id }) {
			missing = append(missing, id)
		}
	}
	return nil, ErrEventNotFound.WithExtra("eventIds", missing)
}

// AckResult says what an acknowledgement changed.
type AckResult struct {
	Acked        int // newly acknowledged
	AlreadyAcked int // acknowledged before: nothing changed
}

// Ack acknowledges the calling partner's deliveries of eventIDs: they are never handed out again.
// It is idempotent. If any id is not one of the partner's deliveries nothing changes and the
// answer is EVENT_NOT_FOUND.
func (f *Feed) Ack(ctx context.Context, eventIDs []string) (AckResult, error) {
	clientID, err := caller(ctx)
	if err != nil {
		return AckResult{}, err
	}
	ids, err := parseEventIDs(eventIDs)
	if err != nil {
		return AckResult{}, err
	}
	var res AckResult
	err = f.uow.Do(ctx, func(ctx context.Context, st Stores) error {
		res = AckResult{}
		ds, err := locked(ctx, st, clientID, ids)
		if err != nil {
			return err
		}
		now := f.clock.Now()
		changed := ds[:0]
		for _, d := range ds {
			if d.Status == Acked {
				res.AlreadyAcked++
				continue
			}
			changed = append(changed, d.Ack(now))
		}
		res.Acked = len(changed)
		return st.Deliveries.Save(ctx, changed)
	})
	return res, err
}

// Retry makes the calling partner's deliveries of eventIDs due again after delaySeconds (0..3600),
// whatever their lease; a dead one starts over with its attempts. Acknowledged ones are refused
// (EVENT_ALREADY_ACKED), as are ids that are not the partner's (EVENT_NOT_FOUND); then nothing changes.
func (f *Feed) Retry(ctx context.Context, eventIDs []string, delaySeconds int) (int, error) {
	clientID, err := caller(ctx)
	if err != nil {
		return 0, err
	}
	ids, err := parseEventIDs(eventIDs)
	if err != nil {
		return 0, err
	}
	if delaySeconds < 0 || delaySeconds > int(MaxRetryDelay/time.Second) {
		return 0, errs.ErrValidation.WithField("delaySeconds", errs.FieldOutOfRange.Code, "must be a whole number from 0 to 3600")
	}
	return len(ids), f.redeliver(ctx, clientID, ids, time.Duration(delaySeconds)*time.Second, func(Delivery) bool { return true })
}

// redeliver re-opens the deliveries of ids that pass check, all or none.
func (f *Feed) redeliver(ctx context.Context, clientID string, ids []string, delay time.Duration, check func(Delivery) bool) error {
	return f.uow.Do(ctx, func(ctx context.Context, st Stores) error {
		ds, err := locked(ctx, st, clientID, ids)
		if err != nil {
			return err
		}
		at := f.clock.Now().Add(delay)
		var acked []string
		for i, d := range ds {
			if !check(d) {
				return ErrEventNotDead.WithExtra("eventIds", []string{d.EventID})
			}
			if ds[i], err = d.Redeliver(at); err != nil {
				acked = append(acked, d.EventID)
			}
		}
		if len(acked) > 0 {
			return ErrEventAlreadyAcked.WithExtra("eventIds", acked)
		}
		return st.Deliveries.Save(ctx, ds)
	})
}

// RetryDead re-opens a partner's dead deliveries of eventIDs (operators, from the dashboard): they
// are due at once, with a full set of attempts. Deliveries that are not dead are refused.
func (f *Feed) RetryDead(ctx context.Context, clientID string, eventIDs []string) (int, error) {
	ids, err := parseEventIDs(eventIDs)
	if err != nil {
		return 0, err
	}
	c, err := f.partners.Client(ctx, clientID)
	if err != nil {
		return 0, err
	}
	return len(ids), f.redeliver(ctx, c.ID, ids, 0, func(d Delivery) bool { return d.Status == Dead })
}

// DeadLetters lists a partner's dead deliveries by event id, limit per page (1..100) after the
// cursor (an event id, "" for the first page); the next cursor is empty on the last page.
func (f *Feed) DeadLetters(ctx context.Context, clientID, after string, limit int) ([]Claimed, string, error) {
	if limit < 1 || limit > 100 {
		return nil, "", errs.ErrValidation.WithField("limit", errs.FieldOutOfRange.Code, "must be between 1 and 100")
	}
	if after != "" && !kernel.IsID(after) {
		return nil, "", kernel.ErrInvalidCursor
	}
	c, err := f.partners.Client(ctx, clientID)
	if err != nil {
		return nil, "", err
	}
	var page []Claimed
	err = f.uow.Do(ctx, func(ctx context.Context, st Stores) error {
		var err error
		page, err = st.Deliveries.Dead(ctx, c.ID, after, limit+1)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(page) > limit {
		page, next = page[:limit], page[limit-1].Delivery.EventID
	}
	return page, next, nil
}

// Stats are the dashboard's figures per partner and topic at one instant.
func (f *Feed) Stats(ctx context.Context) ([]TopicStats, time.Time, error) {
	now := f.clock.Now()
	var out []TopicStats
	err := f.uow.Do(ctx, func(ctx context.Context, st Stores) error {
		var err error
		out, err = st.Deliveries.Stats(ctx, now, now.Add(-AckedWindow))
		return err
	})
	return out, now, err
}

// PurgeAcked deletes up to limit deliveries acknowledged more than retention ago (a periodic job).
func (f *Feed) PurgeAcked(ctx context.Context, retention time.Duration, limit int) (int, error) {
	var n int
	err := f.uow.Do(ctx, func(ctx context.Context, st Stores) error {
		var err error
		n, err = st.Deliveries.PurgeAcked(ctx, f.clock.Now().Add(-retention), limit)
		return err
	})
	return n, err
}
