package postgres_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/jupang/jupang/adapters/postgres"
	"github.com/jupang/jupang/adapters/postgres/pgtest"
	"github.com/jupang/jupang/core/contracttest"
	"github.com/jupang/jupang/core/integration"
	"github.com/jupang/jupang/core/kernel"
)

// Two real transactions commit out of order: the one that wrote first (the smaller seq) commits
// after the relay has already published the other. It is still published: the relay claims by
// status, not past a high-water mark.
func TestRelayPublishesAnEarlierTransactionThatCommitsLate(t *testing.T) {
	db, _ := pgtest.Another(t)
	u := postgres.NewUnitOfWork(db, func(q postgres.Querier) contracttest.RelayStores {
		return contracttest.RelayStores{Outbox: postgres.NewOutbox(q)}
	})
	appendOne := func(ctx context.Context, st contracttest.RelayStores, key string) (string, error) {
		ev, err := integration.NewEvent(ctx, kernel.SystemClock{}, "jupang.test.v1", "test.happened", key, "", map[string]string{})
		if err != nil {
			return "", err
		}
		return ev.ID, st.Outbox.Append(ctx, ev)
	}
	appended, release, committed := make(chan string), make(chan struct{}), make(chan error)
	go func() {
		committed <- u.Do(context.Background(), func(ctx context.Context, st contracttest.RelayStores) error {
			id, err := appendOne(ctx, st, "early")
			if err != nil {
				return err
			}
			appended <- id
			<-release
			return nil
		})
	}()
	early := <-appended
	var late string
	if err := u.Do(context.Background(), func(ctx context.Context, st contracttest.RelayStores) (err error) {
		late, err = appendOne(ctx, st, "late")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	pub := &contracttest.FakePublisher{}
	r := integration.NewRelay(postgres.NewRelayStore(db), pub, kernel.SystemClock{}, nil, integration.RelayOptions{Workers: 1})
	if _, err := r.RelayOnce(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(ids(pub.Delivered())); got != fmt.Sprint([]string{late}) {
		t.Fatalf("before the early transaction commits: delivered %s, want only %s", got, late)
	}
	close(release)
	if err := <-committed; err != nil {
		t.Fatal(err)
	}
	var earlySeq, lateSeq int64
	if err := db.GetContext(context.Background(), &earlySeq, `SELECT seq FROM outbox_events WHERE id = $1`, early); err != nil {
		t.Fatal(err)
	}
	if err := db.GetContext(context.Background(), &lateSeq, `SELECT seq FROM outbox_events WHERE id = $1`, late); err != nil {
		t.Fatal(err)
	}
	if earlySeq >= lateSeq {
		t.Fatalf("seq early %d, late %d: the test needs the early one written first", earlySeq, lateSeq)
	}
	if _, err := r.RelayOnce(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(ids(pub.Delivered())); got != fmt.Sprint([]string{late, early}) {
		t.Fatalf("after it commits: delivered %s, want %s then %s", got, late, early)
	}
}

func ids(events []integration.Event) []string {
	out := make([]string, len(events))
	for i, e := range events {
		out[i] = e.ID
	}
	return out
}
