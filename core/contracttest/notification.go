package contracttest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/notification"
	"github.com/jupang/jupang/core/refund"
)

// RunNotifications is the stored-notifications suite: what the refund workflow's Notifier writes
// inside its unit of work and what GET /v1/users/me/notifications reads back. It runs on the
// refund harness, whose stores carry the Notifier.
func RunNotifications(t *testing.T, newHarness func(t *testing.T) RefundHarness) {
	ctx := context.Background()
	text := errs.Text{KO: "환불 완료", EN: "Refund completed", JA: "返金完了"}
	notify := func(t *testing.T, h RefundHarness, n notification.Notification) error {
		t.Helper()
		return h.Tx.Do(ctx, func(ctx context.Context, st refund.Stores) error { return st.Notifier.Notify(ctx, n) })
	}
	setup := func(t *testing.T) (RefundHarness, *OrderWorld, *notification.Service) {
		h := newHarness(t)
		return h, NewOrderWorld(t, h.Order, 0, 1), notification.NewService(h.Notifications)
	}

	t.Run("pages come newest first, in the customer's language, and only the customer's own", func(t *testing.T) {
		h, w, svc := setup(t)
		alice, bob := w.Customer(t, 0), w.Customer(t, 0)
		var ids []string
		for i := range 5 {
			n := notification.New(alice, "refund.completed", kernel.LocaleEN, text, text, "k"+string(rune('a'+i)),
				map[string]string{"refundId": kernel.NewID()}, time.Now())
			if err := notify(t, h, n); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, n.ID)
		}
		if err := notify(t, h, notification.New(bob, "refund.completed", kernel.LocaleKO, text, text, "ka", nil, time.Now())); err != nil {
			t.Fatal(err)
		}
		first, err := svc.List(ctx, alice, "", 3)
		if err != nil {
			t.Fatal(err)
		}
		if len(first.Items) != 3 || first.NextCursor == "" {
			t.Fatalf("first page = %d items, cursor %q; want 3 and a cursor", len(first.Items), first.NextCursor)
		}
		second, err := svc.List(ctx, alice, first.NextCursor, 3)
		if err != nil {
			t.Fatal(err)
		}
		got := append(first.Items, second.Items...)
		if len(got) != 5 || second.NextCursor != "" {
			t.Fatalf("pages hold %d items (last cursor %q), want the 5 of alice and no more", len(got), second.NextCursor)
		}
		for i, n := range got {
			if want := ids[len(ids)-1-i]; n.ID != want {
				t.Fatalf("item %d = %s, want %s (newest first)", i, n.ID, want)
			}
			if n.UserID != alice || n.Title != text.EN || n.Data["refundId"] == "" {
				t.Fatalf("item %d = %+v: not alice's English notification with its data", i, n)
			}
		}
	})

	t.Run("a second notification with the same dedup key is dropped; another user's key is their own", func(t *testing.T) {
		h, w, svc := setup(t)
		alice, bob := w.Customer(t, 0), w.Customer(t, 0)
		for _, user := range []string{alice, alice, bob} {
			if err := notify(t, h, notification.New(user, "refund.completed", kernel.LocaleJA, text, text, "refund:1:completed", nil, time.Now())); err != nil {
				t.Fatal(err)
			}
		}
		for user, want := range map[string]int{alice: 1, bob: 1} {
			page, err := svc.List(ctx, user, "", 20)
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Items) != want || page.Items[0].Title != text.JA {
				t.Fatalf("%s holds %+v, want one Japanese notification", user, page.Items)
			}
		}
	})

	t.Run("a unit of work that fails leaves no notification", func(t *testing.T) {
		h, w, svc := setup(t)
		alice := w.Customer(t, 0)
		boom := errors.New("the refund failed after notifying")
		err := h.Tx.Do(ctx, func(ctx context.Context, st refund.Stores) error {
			if err := st.Notifier.Notify(ctx, notification.New(alice, "refund.completed", kernel.LocaleKO, text, text, "x", nil, time.Now())); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("Do = %v, want the function's error", err)
		}
		page, err := svc.List(ctx, alice, "", 20)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Items) != 0 {
			t.Fatalf("a rolled-back notification is listed: %+v", page.Items)
		}
	})

	t.Run("a bad limit or a forged cursor is refused as invalid", func(t *testing.T) {
		_, w, svc := setup(t)
		alice := w.Customer(t, 0)
		for _, c := range []struct {
			cursor string
			limit  int
		}{{"", 101}, {"", -1}, {"not-a-cursor", 20}, {kernel.EncodeCursor(map[string]string{"i": "x"}), 20}} {
			if _, err := svc.List(ctx, alice, c.cursor, c.limit); errs.KindOf(err) != errs.Invalid {
				t.Fatalf("List(cursor %q, limit %d) = %v, want a validation error", c.cursor, c.limit, err)
			}
		}
	})
}
