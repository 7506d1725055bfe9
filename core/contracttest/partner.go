package contracttest

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/identity"
	"github.com/jupang/jupang/core/integration"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/partner"
	"github.com/jupang/jupang/core/uow"
)

// PartnerHarness is what an adapter provides to the partner suite: units of work on one storage
// (identity's Outbox is the outbox writer whose fan-out creates deliveries) and the wakeups that
// storage signals when deliveries commit.
type PartnerHarness struct {
	Identity uow.UnitOfWork[identity.Stores]
	Partner  uow.UnitOfWork[partner.Stores]
	Wakeups  partner.Wakeups
}

// partnerEnv is one partner suite run's services.
type partnerEnv struct {
	h     PartnerHarness
	ids   *identity.Service
	clock kernel.Clock
}

func newPartnerEnv(t *testing.T, h PartnerHarness, clock kernel.Clock) partnerEnv {
	t.Helper()
	ids, err := identity.NewService(h.Identity, plainHasher{}, &recordingSigner{issued: map[string]identity.AccessClaims{}}, clock, identity.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return partnerEnv{h: h, ids: ids, clock: clock}
}

func (e partnerEnv) feed(opts partner.FeedOptions) *partner.Feed {
	return partner.NewFeed(e.h.Partner, e.h.Wakeups, e.ids, e.clock, opts)
}

// client registers a partner subscribed to types and returns it with a context acting as it.
func (e partnerEnv) client(t *testing.T, types ...string) (identity.Client, context.Context) {
	t.Helper()
	cid := "pt-" + kernel.NewID()[24:]
	c, err := e.ids.RegisterClient(context.Background(), identity.ClientInput{ClientID: cid, Name: "Partner " + cid,
		Secret: "partner-secret-0123", HMACKey: []byte("hmac-key-" + cid), CertSubject: cid, SubscribedTypes: types})
	if err != nil {
		t.Fatal(err)
	}
	ctx := kernel.WithRequest(context.Background(), kernel.Request{Principal: kernel.Principal{ID: c.ID,
		Roles: []kernel.Role{kernel.RoleExternal}, Audience: kernel.AudiencePartner}})
	return c, ctx
}

// publish commits events of typ through the outbox, as a business transaction would, and returns their ids.
func (e partnerEnv) publish(t *testing.T, typ string, n int) []string {
	t.Helper()
	var ids []string
	err := e.h.Identity.Do(context.Background(), func(ctx context.Context, st identity.Stores) error {
		ids = ids[:0]
		for i := range n {
			ev, err := integration.NewEvent(ctx, e.clock, "jupang.test.v1", typ, "agg-"+strconv.Itoa(i), "tests/"+strconv.Itoa(i), map[string]int{"n": i})
			if err != nil {
				return err
			}
			if err := st.Outbox.Append(ctx, ev); err != nil {
				return err
			}
			ids = append(ids, ev.ID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func pulledIDs(items []partner.Pulled) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.Event.ID
	}
	return out
}

func mustPull(t *testing.T, f *partner.Feed, ctx context.Context, p partner.PullParams) []partner.Pulled {
	t.Helper()
	items, err := f.Pull(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	return items
}

func sameIDs(got, want []string) bool {
	if len(got) != len(want) {
		return false
	}
	seen := map[string]bool{}
	for _, id := range want {
		seen[id] = true
	}
	for _, id := range got {
		if !seen[id] {
			return false
		}
	}
	return true
}

func wantErr(t *testing.T, err error, target *errs.Error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("err = %v, want %s", err, target.Code)
	}
}

// RunPartner checks the partner feed on an adapter: fan-out by subscription, leases, redelivery
// after lease expiry with the same id, idempotent ack, other partners' events as unknown, retry,
// dead letters, long polls woken by commits and by lease expiry, nonces, webhooks and the
// dashboard counts, with races run for real.
func RunPartner(t *testing.T, newHarness func(t *testing.T) PartnerHarness) {
	start := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	fake := func(t *testing.T) (partnerEnv, *kernel.FakeClock) {
		clock := kernel.NewFakeClock(start)
		return newPartnerEnv(t, newHarness(t), clock), clock
	}

	t.Run("fan-out follows subscriptions; a pull leases with attempt 1", func(t *testing.T) {
		e, clock := fake(t)
		f := e.feed(partner.FeedOptions{Lease: time.Minute})
		_, all := e.client(t)
		_, orders := e.client(t, "order.*")
		_, coupons := e.client(t, "coupon.claimed")
		ids := e.publish(t, "order.paid", 3)
		for name, ctx := range map[string]context.Context{"all": all, "order.*": orders} {
			items := mustPull(t, f, ctx, partner.PullParams{})
			if !sameIDs(pulledIDs(items), ids) {
				t.Fatalf("%s: pulled %v, want %v", name, pulledIDs(items), ids)
			}
			for _, it := range items {
				if it.Attempt != 1 || !it.LeaseUntil.Equal(clock.Now().Add(time.Minute)) || it.Event.Type != "order.paid" ||
					string(it.Event.Data) == "" || it.Event.Topic != "jupang.test.v1" {
					t.Fatalf("%s: %+v", name, it)
				}
			}
			if again := mustPull(t, f, ctx, partner.PullParams{}); len(again) != 0 {
				t.Fatalf("%s: leased events were handed out again within their lease: %v", name, pulledIDs(again))
			}
		}
		if items := mustPull(t, f, coupons, partner.PullParams{}); len(items) != 0 {
			t.Fatalf("coupon.claimed subscriber got %v", pulledIDs(items))
		}
	})

	t.Run("max bounds a batch, oldest first; types filters", func(t *testing.T) {
		e, clock := fake(t)
		f := e.feed(partner.FeedOptions{})
		_, ctx := e.client(t)
		paid := e.publish(t, "order.paid", 3)
		clock.Advance(time.Second)
		claimed := e.publish(t, "coupon.claimed", 2)
		items := mustPull(t, f, ctx, partner.PullParams{Types: "coupon.claimed"})
		if !sameIDs(pulledIDs(items), claimed) {
			t.Fatalf("types=coupon.claimed: %v, want %v", pulledIDs(items), claimed)
		}
		items = mustPull(t, f, ctx, partner.PullParams{Max: "2"})
		if len(items) != 2 || !sameIDs(pulledIDs(items), paid[:2]) && !sameIDs(pulledIDs(items), []string{paid[0], paid[1]}) {
			t.Fatalf("max=2: %v", pulledIDs(items))
		}
		_, err := f.Pull(ctx, partner.PullParams{Max: "501"})
		wantErr(t, err, errs.ErrValidation)
	})

	t.Run("an unacked lease comes back after it expires, same id, attempt + 1", func(t *testing.T) {
		e, clock := fake(t)
		f := e.feed(partner.FeedOptions{Lease: 30 * time.Second})
		_, ctx := e.client(t)
		ids := e.publish(t, "order.paid", 1)
		first := mustPull(t, f, ctx, partner.PullParams{})
		clock.Advance(29 * time.Second)
		if got := mustPull(t, f, ctx, partner.PullParams{}); len(got) != 0 {
			t.Fatal("redelivered before the lease ended")
		}
		clock.Advance(time.Second)
		second := mustPull(t, f, ctx, partner.PullParams{})
		if len(first) != 1 || len(second) != 1 || second[0].Event.ID != ids[0] || second[0].Attempt != 2 {
			t.Fatalf("first %+v, second %+v", first, second)
		}
	})

	t.Run("ack is idempotent; acked events never come back", func(t *testing.T) {
		e, clock := fake(t)
		f := e.feed(partner.FeedOptions{Lease: time.Second})
		_, ctx := e.client(t)
		ids := e.publish(t, "order.paid", 2)
		mustPull(t, f, ctx, partner.PullParams{})
		res, err := f.Ack(ctx, ids)
		if err != nil || res.Acked != 2 || res.AlreadyAcked != 0 {
			t.Fatalf("ack = %+v, %v", res, err)
		}
		res, err = f.Ack(ctx, append([]string{ids[1]}, ids...))
		if err != nil || res.Acked != 0 || res.AlreadyAcked != 2 {
			t.Fatalf("second ack = %+v, %v", res, err)
		}
		clock.Advance(time.Hour)
		if got := mustPull(t, f, ctx, partner.PullParams{}); len(got) != 0 {
			t.Fatalf("acked events came back: %v", pulledIDs(got))
		}
		_, err = f.Retry(ctx, ids[:1], 0)
		wantErr(t, err, partner.ErrEventAlreadyAcked)
	})

	t.Run("another partner's event is not found, and the whole ack changes nothing", func(t *testing.T) {
		e, clock := fake(t)
		f := e.feed(partner.FeedOptions{Lease: time.Second})
		_, a := e.client(t)
		_, b := e.client(t, "coupon.claimed")
		mine := e.publish(t, "order.paid", 1)
		theirs := e.publish(t, "coupon.claimed", 1) // delivered to both: b's copy is b's own
		mustPull(t, f, b, partner.PullParams{})
		_, err := f.Ack(b, []string{theirs[0], mine[0]})
		wantErr(t, err, partner.ErrEventNotFound)
		if missing := errs.As(err).Extra["eventIds"]; fmt.Sprint(missing) != fmt.Sprint([]string{mine[0]}) {
			t.Fatalf("missing = %v, want only a's event", missing)
		}
		_, err = f.Retry(b, []string{mine[0]}, 0)
		wantErr(t, err, partner.ErrEventNotFound)
		_, err = f.Ack(b, []string{kernel.NewID()})
		wantErr(t, err, partner.ErrEventNotFound)
		clock.Advance(2 * time.Second)
		if got := mustPull(t, f, b, partner.PullParams{}); len(got) != 1 || got[0].Event.ID != theirs[0] {
			t.Fatalf("b's own event was acked by the refused request: %v", pulledIDs(got))
		}
		if got := mustPull(t, f, a, partner.PullParams{}); len(got) != 2 {
			t.Fatalf("a's deliveries changed: %v", pulledIDs(got))
		}
	})

	t.Run("retry makes a leased event due after the delay", func(t *testing.T) {
		e, clock := fake(t)
		f := e.feed(partner.FeedOptions{Lease: time.Hour})
		_, ctx := e.client(t)
		ids := e.publish(t, "order.paid", 1)
		mustPull(t, f, ctx, partner.PullParams{})
		if _, err := f.Retry(ctx, ids, 10); err != nil {
			t.Fatal(err)
		}
		clock.Advance(9 * time.Second)
		if got := mustPull(t, f, ctx, partner.PullParams{}); len(got) != 0 {
			t.Fatal("due before the delay")
		}
		clock.Advance(time.Second)
		got := mustPull(t, f, ctx, partner.PullParams{})
		if len(got) != 1 || got[0].Attempt != 2 {
			t.Fatalf("after the delay: %+v", got)
		}
		_, err := f.Retry(ctx, ids, 3601)
		wantErr(t, err, errs.ErrValidation)
	})

	t.Run("dead after max attempts; operators retry dead letters; stats count them", func(t *testing.T) {
		e, clock := fake(t)
		f := e.feed(partner.FeedOptions{Lease: time.Second, MaxAttempts: 2})
		c, ctx := e.client(t)
		ids := e.publish(t, "order.paid", 2)
		for range 2 {
			mustPull(t, f, ctx, partner.PullParams{})
			clock.Advance(time.Second)
		}
		if got := mustPull(t, f, ctx, partner.PullParams{}); len(got) != 0 {
			t.Fatalf("a delivery was handed out a third time: %v", pulledIDs(got))
		}
		dead, next, err := f.DeadLetters(context.Background(), c.ClientID, "", 1)
		if err != nil || len(dead) != 1 || next == "" {
			t.Fatalf("dead page 1 = %v, %q, %v", dead, next, err)
		}
		rest, next2, err := f.DeadLetters(context.Background(), c.ClientID, next, 1)
		if err != nil || len(rest) != 1 || next2 != "" || rest[0].Delivery.EventID == dead[0].Delivery.EventID ||
			rest[0].Delivery.Status != partner.Dead || rest[0].Delivery.Attempt != 2 {
			t.Fatalf("dead page 2 = %+v, %q, %v", rest, next2, err)
		}
		stats, _, err := f.Stats(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		row := statsOf(stats, c.ClientID, "jupang.test.v1")
		if row.Dead != 2 || row.Pending+row.Leased != 0 {
			t.Fatalf("stats = %+v", row)
		}
		_, err = f.RetryDead(context.Background(), c.ClientID, ids[:1])
		if err != nil {
			t.Fatal(err)
		}
		got := mustPull(t, f, ctx, partner.PullParams{})
		if len(got) != 1 || got[0].Event.ID != ids[0] || got[0].Attempt != 1 {
			t.Fatalf("retried dead letter: %+v", got)
		}
		_, err = f.RetryDead(context.Background(), c.ClientID, ids[:1])
		wantErr(t, err, partner.ErrEventNotDead)
	})

	t.Run("stats per partner and topic: open counts, acked in the window, lag", func(t *testing.T) {
		e, clock := fake(t)
		f := e.feed(partner.FeedOptions{Lease: time.Minute})
		c, ctx := e.client(t)
		ids := e.publish(t, "order.paid", 4)
		clock.Advance(10 * time.Second)
		got := mustPull(t, f, ctx, partner.PullParams{Max: "2"})
		if _, err := f.Ack(ctx, pulledIDs(got[:1])); err != nil {
			t.Fatal(err)
		}
		stats, now, err := f.Stats(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		row := statsOf(stats, c.ClientID, "jupang.test.v1")
		if row.Pending != 2 || row.Leased != 1 || row.Acked != 1 || row.Dead != 0 || row.Name == "" {
			t.Fatalf("stats = %+v (%d events)", row, len(ids))
		}
		if row.OldestOpen == nil || now.Sub(*row.OldestOpen) != 10*time.Second || row.OldestDue == nil || now.Sub(*row.OldestDue) != 10*time.Second {
			t.Fatalf("ages: open %v due %v at %v", row.OldestOpen, row.OldestDue, now)
		}
		clock.Advance(partner.AckedWindow + time.Minute)
		if n, err := f.PurgeAcked(context.Background(), partner.AckedWindow, 1000); err != nil || n < 1 { // other tests share the database
			t.Fatalf("purge = %d, %v", n, err)
		}
	})

	t.Run("a long poll returns as soon as an event commits", func(t *testing.T) {
		e := newPartnerEnv(t, newHarness(t), kernel.SystemClock{})
		f := e.feed(partner.FeedOptions{})
		_, ctx := e.client(t)
		got := make(chan []partner.Pulled, 1)
		began := time.Now()
		go func() {
			items, err := f.Pull(ctx, partner.PullParams{WaitSeconds: "10"})
			if err != nil {
				t.Error(err)
			}
			got <- items
		}()
		time.Sleep(300 * time.Millisecond) // let the pull start waiting
		ids := e.publish(t, "order.paid", 1)
		select {
		case items := <-got:
			if !sameIDs(pulledIDs(items), ids) {
				t.Fatalf("pulled %v, want %v", pulledIDs(items), ids)
			}
			if waited := time.Since(began); waited > 5*time.Second {
				t.Fatalf("the pull returned after %v: it was not woken by the commit", waited)
			}
		case <-time.After(15 * time.Second): // past the pull's own deadline, so its goroutine has ended
			t.Fatal("the long poll never returned")
		}
	})

	t.Run("a long poll wakes when a lease expires, and ends empty at its deadline", func(t *testing.T) {
		e := newPartnerEnv(t, newHarness(t), kernel.SystemClock{})
		f := e.feed(partner.FeedOptions{Lease: time.Second})
		_, ctx := e.client(t)
		ids := e.publish(t, "order.paid", 1)
		mustPull(t, f, ctx, partner.PullParams{})
		began := time.Now()
		items := mustPull(t, f, ctx, partner.PullParams{WaitSeconds: "10"})
		if len(items) != 1 || items[0].Event.ID != ids[0] || items[0].Attempt != 2 || time.Since(began) > 5*time.Second {
			t.Fatalf("after %v: %+v", time.Since(began), items)
		}
		if _, err := f.Ack(ctx, ids); err != nil {
			t.Fatal(err)
		}
		began = time.Now()
		if items := mustPull(t, f, ctx, partner.PullParams{WaitSeconds: "1"}); len(items) != 0 || time.Since(began) < time.Second {
			t.Fatalf("empty wait: %v after %v", items, time.Since(began))
		}
	})

	t.Run("race: concurrent pulls never share a leased event, and every event is acked once", func(t *testing.T) {
		e := newPartnerEnv(t, newHarness(t), kernel.SystemClock{})
		f := e.feed(partner.FeedOptions{Lease: time.Hour})
		_, ctx := e.client(t)
		const events, pullers = 300, 100
		ids := e.publish(t, "order.paid", events)
		var mu sync.Mutex
		seen := map[string]int{}
		var acked atomic.Int64
		var wg sync.WaitGroup
		for range pullers {
			wg.Go(func() {
				for {
					items, err := f.Pull(ctx, partner.PullParams{Max: "7"})
					if err != nil {
						t.Error(err)
						return
					}
					if len(items) == 0 {
						return
					}
					mu.Lock()
					for _, it := range items {
						seen[it.Event.ID]++
					}
					mu.Unlock()
					res, err := f.Ack(ctx, pulledIDs(items))
					if err != nil {
						t.Error(err)
						return
					}
					acked.Add(int64(res.Acked))
				}
			})
		}
		wg.Wait()
		if len(seen) != events || acked.Load() != events {
			t.Fatalf("%d distinct events pulled, %d acked; want %d", len(seen), acked.Load(), events)
		}
		for _, id := range ids {
			if seen[id] != 1 {
				t.Fatalf("event %s was handed out %d times within one lease", id, seen[id])
			}
		}
	})

	t.Run("race: concurrent double acks count each event once", func(t *testing.T) {
		e := newPartnerEnv(t, newHarness(t), kernel.SystemClock{})
		f := e.feed(partner.FeedOptions{})
		_, ctx := e.client(t)
		ids := e.publish(t, "order.paid", 20)
		var acked, already atomic.Int64
		var wg sync.WaitGroup
		for range 50 {
			wg.Go(func() {
				res, err := f.Ack(ctx, ids)
				if err != nil {
					t.Error(err)
					return
				}
				acked.Add(int64(res.Acked))
				already.Add(int64(res.AlreadyAcked))
			})
		}
		wg.Wait()
		if acked.Load() != 20 || already.Load() != 49*20 {
			t.Fatalf("acked %d, already %d; want 20 and %d", acked.Load(), already.Load(), 49*20)
		}
	})

	t.Run("nonces: a live nonce is refused, an expired one is free, one winner among concurrent uses", func(t *testing.T) {
		e, _ := fake(t)
		c, _ := e.client(t)
		remember := func(nonce string, now time.Time) bool {
			t.Helper()
			var fresh bool
			err := e.h.Partner.Do(context.Background(), func(ctx context.Context, st partner.Stores) error {
				var err error
				fresh, err = st.Nonces.Remember(ctx, c.ID, nonce, now, now.Add(partner.SignatureWindow))
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return fresh
		}
		if !remember("nonce-0001", start) || remember("nonce-0001", start.Add(299*time.Second)) {
			t.Fatal("a nonce was accepted twice within its window")
		}
		if !remember("nonce-0001", start.Add(301*time.Second)) {
			t.Fatal("an expired nonce was refused")
		}
		var wins atomic.Int64
		var wg sync.WaitGroup
		for range 100 {
			wg.Go(func() {
				if remember("nonce-race", start) {
					wins.Add(1)
				}
			})
		}
		wg.Wait()
		if wins.Load() != 1 {
			t.Fatalf("%d concurrent uses of one nonce won, want 1", wins.Load())
		}
		var purged int
		err := e.h.Partner.Do(context.Background(), func(ctx context.Context, st partner.Stores) error {
			var err error
			purged, err = st.Nonces.Purge(ctx, start.Add(time.Hour), 100)
			return err
		})
		if err != nil || purged < 2 {
			t.Fatalf("purge = %d, %v", purged, err)
		}
	})

	t.Run("gatekeeper: a valid signature is admitted once", func(t *testing.T) {
		e, clock := fake(t)
		c, ctx := e.client(t)
		g := partner.NewGatekeeper(e.ids, e.h.Partner, clock)
		ts := strconv.FormatInt(clock.Now().Unix(), 10)
		r := partner.SignedRequest{CertificateNames: []string{c.CertSubject}, Method: "GET", Target: "/v1/integrations/events/pull",
			Timestamp: ts, Nonce: "nonce-" + kernel.NewID()[:8]}
		r.Signature = partner.Sign([]byte("hmac-key-"+c.ClientID), ts, r.Method, r.Target, nil)
		if err := g.Admit(ctx, r); err != nil {
			t.Fatal(err)
		}
		wantErr(t, g.Admit(ctx, r), partner.ErrNonceReused)
		r.Nonce, r.CertificateNames = "nonce-"+kernel.NewID()[:8], []string{"someone-else"}
		wantErr(t, g.Admit(ctx, r), partner.ErrCertificateMismatch)
	})

	t.Run("webhooks: one per partner, listed with the partner, locked, saved, deleted", func(t *testing.T) {
		e, clock := fake(t)
		c, _ := e.client(t)
		w := partner.Webhook{ID: kernel.NewID(), ClientID: c.ID, URL: "https://hooks.example/jupang", Secret: []byte("0123456789abcdef0123456789abcdef"),
			Status: partner.WebhookActive, CreatedAt: clock.Now()}
		do := func(fn func(ctx context.Context, st partner.Stores) error) error {
			return e.h.Partner.Do(context.Background(), fn)
		}
		if err := do(func(ctx context.Context, st partner.Stores) error { return st.Webhooks.Create(ctx, w) }); err != nil {
			t.Fatal(err)
		}
		dup := w
		dup.ID = kernel.NewID()
		wantErr(t, do(func(ctx context.Context, st partner.Stores) error { return st.Webhooks.Create(ctx, dup) }), partner.ErrWebhookExists)
		now := clock.Now()
		err := do(func(ctx context.Context, st partner.Stores) error {
			got, err := st.Webhooks.Lock(ctx, w.ID)
			if err != nil {
				return err
			}
			got.Status, got.DisabledAt, got.ConsecutiveFailures, got.LastError, got.LastFailureAt = partner.WebhookDisabled, &now, 3, "HTTP 500", &now
			return st.Webhooks.Save(ctx, got)
		})
		if err != nil {
			t.Fatal(err)
		}
		var list []partner.Webhook
		if err := do(func(ctx context.Context, st partner.Stores) error {
			var err error
			list, err = st.Webhooks.List(ctx)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		var got *partner.Webhook
		for i := range list {
			if list[i].ID == w.ID {
				got = &list[i]
			}
		}
		if got == nil || got.Partner != c.ClientID || got.Status != partner.WebhookDisabled || got.ConsecutiveFailures != 3 ||
			got.LastError != "HTTP 500" || string(got.Secret) != string(w.Secret) || got.DisabledAt == nil {
			t.Fatalf("listed %+v", got)
		}
		if err := do(func(ctx context.Context, st partner.Stores) error { return st.Webhooks.Delete(ctx, w.ID) }); err != nil {
			t.Fatal(err)
		}
		wantErr(t, do(func(ctx context.Context, st partner.Stores) error { return st.Webhooks.Delete(ctx, w.ID) }), partner.ErrWebhookNotFound)
		wantErr(t, do(func(ctx context.Context, st partner.Stores) error {
			_, err := st.Webhooks.ByID(ctx, w.ID)
			return err
		}), partner.ErrWebhookNotFound)
	})

	t.Run("push: a 2xx acks, a failure backs off, a failing endpoint is disabled", func(t *testing.T) {
		e, clock := fake(t)
		c, ctx := e.client(t)
		sender := &scriptedSender{}
		p := partner.NewPusher(e.h.Partner, e.ids, nil, sender, clock, partner.PushOptions{DisableAfter: 2,
			Backoff: integration.Backoff{Base: time.Minute, Max: time.Hour}, Policy: partner.URLPolicy{AllowPrivate: true},
			Jitter: func() float64 { return 0 }})
		hook, err := p.Register(context.Background(), c.ClientID, "http://127.0.0.1:1/hook")
		if err != nil {
			t.Fatal(err)
		}
		ids := e.publish(t, "order.paid", 2)
		res, err := p.PushDue(context.Background(), hook)
		if err != nil || res.Sent != 2 || res.Failed || sender.calls() != 2 {
			t.Fatalf("push = %+v, %v, %d calls", res, err, sender.calls())
		}
		f := e.feed(partner.FeedOptions{})
		if ack, err := f.Ack(ctx, ids); err != nil || ack.AlreadyAcked != 2 {
			t.Fatalf("pushed deliveries were not acked: %+v, %v", ack, err)
		}
		sender.fail = true
		more := e.publish(t, "order.paid", 2)
		res, err = p.PushDue(context.Background(), hook)
		if err != nil || !res.Failed || res.Sent != 0 || res.Disabled || res.Wait != 30*time.Second || sender.calls() != 3 {
			t.Fatalf("failing push = %+v, %v, %d calls", res, err, sender.calls())
		}
		clock.Advance(29 * time.Second) // the failed delivery waits half a minute (jitter 0), the other is due
		res, _ = p.PushDue(context.Background(), hook)
		if !res.Disabled || sender.calls() != 4 {
			t.Fatalf("second failure = %+v, %d calls", res, sender.calls())
		}
		list, err := p.Webhooks(context.Background())
		if err != nil || len(list) == 0 {
			t.Fatal(err)
		}
		for _, w := range list {
			if w.ID == hook.ID && (w.Status != partner.WebhookDisabled || w.ConsecutiveFailures != 2 || w.LastError != "HTTP 503") {
				t.Fatalf("webhook after failures = %+v", w)
			}
		}
		clock.Advance(time.Hour)
		if got := mustPull(t, f, ctx, partner.PullParams{}); !sameIDs(pulledIDs(got), more) {
			t.Fatalf("a disabled webhook's deliveries are pulled: got %v, want %v", pulledIDs(got), more)
		}
	})
}

func statsOf(stats []partner.TopicStats, clientID, topic string) partner.TopicStats {
	for _, s := range stats {
		if s.ClientID == clientID && s.Topic == topic {
			return s
		}
	}
	return partner.TopicStats{}
}

// scriptedSender answers 204, or 503 once fail is set, and counts the calls.
type scriptedSender struct {
	mu   sync.Mutex
	n    int
	fail bool
}

func (s *scriptedSender) Send(context.Context, string, map[string]string, []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n++
	if s.fail {
		return 503, nil
	}
	return 204, nil
}

func (s *scriptedSender) calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}
