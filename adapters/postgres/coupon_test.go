package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/jupang/jupang/adapters/postgres"
	"github.com/jupang/jupang/adapters/postgres/pgtest"
	"github.com/jupang/jupang/core/contracttest"
	"github.com/jupang/jupang/core/coupon"
	"github.com/jupang/jupang/core/kernel"
)

// insertUsers adds n customer rows for user coupons to reference, in one statement.
func insertUsers(t testing.TB, db *postgres.DB, n int) []string {
	t.Helper()
	ids := make([]string, n)
	for i := range ids {
		ids[i] = kernel.NewID()
	}
	_, err := db.ExecContext(context.Background(), `
		INSERT INTO users (id, email, password_hash, name)
		SELECT id, id::text || '@jupang.test', 'x', 'Claimer' FROM unnest($1::uuid[]) AS id`, ids)
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func couponHarness(t *testing.T) contracttest.CouponHarness {
	db := pgtest.DB(t)
	return contracttest.CouponHarness{
		Tx:       postgres.NewUnitOfWork(db, postgres.CouponStores),
		Outbox:   postgres.NewOutboxReader(db),
		NewUsers: func(t *testing.T, n int) []string { return insertUsers(t, db, n) },
		NewOrder: func(t *testing.T, userID string) string { return insertOrder(t, db, userID) },
	}
}

func TestCouponContract(t *testing.T) { contracttest.RunCoupon(t, couponHarness) }

// TestSoldOutLatchClearsOnEveryInstance: two instances (services) on one database, each with a
// listener; instance A latches a coupon sold out, an admin on instance B raises the total, and A
// claims again within a second.
func TestSoldOutLatchClearsOnEveryInstance(t *testing.T) {
	db := pgtest.DB(t)
	ctx := context.Background()
	tx := postgres.NewUnitOfWork(db, postgres.CouponStores)
	clock := kernel.NewFakeClock(contracttest.CouponEpoch)
	a := coupon.NewService(tx, nil, clock, coupon.Options{LatchTTL: time.Hour})
	b := coupon.NewService(tx, nil, clock, coupon.Options{LatchTTL: time.Hour})
	listener := postgres.NewListener(db, postgres.CouponChannel, a.SoldOut().Clear, a.SoldOut().ClearAll)
	listener.Ready = make(chan struct{})
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { listener.Run(runCtx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	<-listener.Ready

	users := insertUsers(t, db, 3)
	total := 1
	made, err := b.Create(ctx, users[0], coupon.Coupon{Code: "LATCH-" + kernel.NewID()[:8], Name: map[kernel.Locale]string{
		kernel.LocaleKO: "래치", kernel.LocaleEN: "Latch", kernel.LocaleJA: "ラッチ"}, Type: coupon.TypeFixed, Value: 1000,
		ValidFrom: contracttest.CouponEpoch.Add(-time.Hour), ValidUntil: contracttest.CouponEpoch.Add(time.Hour),
		TotalQuantity: &total, PerUserLimit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Claim(ctx, users[1], made.Code); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Claim(ctx, users[2], made.Code); err == nil || !a.SoldOut().Latched(made.Code, clock.Now()) {
		t.Fatalf("second claim: %v, latched %v", err, a.SoldOut().Latched(made.Code, clock.Now()))
	}
	two := 2
	raisedAt := time.Now()
	if _, err := b.Update(ctx, users[0], made.ID, 1, coupon.Patch{TotalQuantity: coupon.Optional[int]{Set: true, Value: &two}}); err != nil {
		t.Fatal(err)
	}
	for a.SoldOut().Latched(made.Code, clock.Now()) {
		if time.Since(raisedAt) > time.Second {
			t.Fatal("instance A still answers sold out a second after the total was raised on B")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if _, err := a.Claim(ctx, users[2], made.Code); err != nil {
		t.Fatalf("after the raise: %v", err)
	}
	t.Logf("latch cleared on the other instance after %v", time.Since(raisedAt))
}
