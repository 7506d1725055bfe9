package idempotency_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"go.uber.org/mock/gomock"

	"github.com/jupang/jupang/core/idempotency"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/mocks"
)

// direct runs fn without a transaction, handing it the mocked store.
type direct struct{ store idempotency.Store }

func (d direct) Do(ctx context.Context, fn func(context.Context, idempotency.Stores) error) error {
	return fn(ctx, idempotency.Stores{Keys: d.store})
}

func TestFingerprintDependsOnMethodPathAndBody(t *testing.T) {
	base := idempotency.Request{Method: "POST", Path: "/v1/orders", Body: []byte(`{"a":1}`)}
	for name, other := range map[string]idempotency.Request{
		"method": {Method: "PUT", Path: base.Path, Body: base.Body},
		"path":   {Method: base.Method, Path: "/v1/orders?x=1", Body: base.Body},
		"body":   {Method: base.Method, Path: base.Path, Body: []byte(`{"a":2}`)},
		// the separator keeps "POST" + "/x" apart from "POS" + "T/x"
		"boundary": {Method: "POS", Path: "T/v1/orders", Body: base.Body},
	} {
		if other.Fingerprint() == base.Fingerprint() {
			t.Errorf("changing the %s did not change the fingerprint", name)
		}
	}
	if base.Fingerprint() != (idempotency.Request{Method: "POST", Path: "/v1/orders", Body: []byte(`{"a":1}`)}).Fingerprint() {
		t.Error("the same request must have the same fingerprint")
	}
}

// When storing the outcome fails, the claim is released so the client can retry, and the error surfaces.
func TestFailedCompleteReleasesTheClaim(t *testing.T) {
	ctrl := gomock.NewController(t)
	store := mocks.NewMockStore(ctrl)
	clock := kernel.NewFakeClock(time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC))
	svc := idempotency.NewService(direct{store}, direct{store}, clock, 24*time.Hour, time.Minute)
	req := idempotency.Request{Scope: "principal:u1", Key: "k1", Method: "POST", Path: "/v1/orders", Body: []byte(`{}`)}
	boom := errors.New("disk full")

	gomock.InOrder(
		store.EXPECT().Claim(gomock.Any(), gomock.Any(), clock.Now()).DoAndReturn(
			func(_ context.Context, rec idempotency.Record, _ time.Time) (idempotency.Record, bool, error) {
				if rec.State != idempotency.InProgress || rec.ExpiresAt != clock.Now().Add(24*time.Hour) || rec.LockedUntil != clock.Now().Add(time.Minute) {
					t.Errorf("claim record = %+v", rec)
				}
				return idempotency.Record{}, true, nil
			}),
		store.EXPECT().Complete(gomock.Any(), "principal:u1", kernel.IdempotencyKey("k1"), gomock.Any()).Return(boom),
		store.EXPECT().Release(gomock.Any(), "principal:u1", kernel.IdempotencyKey("k1")).Return(nil),
	)
	_, err := svc.Run(context.Background(), req, func(context.Context) idempotency.Response {
		return idempotency.Response{Status: http.StatusCreated}
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want the store's error", err)
	}
}

// A request rejected before its use case (a malformed body) is not stored: the claim is released.
func TestRejectedRequestIsNotStored(t *testing.T) {
	ctrl := gomock.NewController(t)
	store := mocks.NewMockStore(ctrl)
	clock := kernel.NewFakeClock(time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC))
	svc := idempotency.NewService(direct{store}, direct{store}, clock, 24*time.Hour, time.Minute)
	store.EXPECT().Claim(gomock.Any(), gomock.Any(), gomock.Any()).Return(idempotency.Record{}, true, nil)
	store.EXPECT().Release(gomock.Any(), gomock.Any(), gomock.Any()).Return(nil)
	out, err := svc.Run(context.Background(), idempotency.Request{Scope: "s", Key: "k"}, func(context.Context) idempotency.Response {
		return idempotency.Response{Status: http.StatusBadRequest, Rejected: true}
	})
	if err != nil || out.Response.Status != http.StatusBadRequest || out.Replayed {
		t.Fatalf("out = %+v, err = %v", out, err)
	}
}

// A panicking request stores nothing and frees its key before the panic goes on up.
func TestPanicReleasesTheClaim(t *testing.T) {
	ctrl := gomock.NewController(t)
	store := mocks.NewMockStore(ctrl)
	clock := kernel.NewFakeClock(time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC))
	svc := idempotency.NewService(direct{store}, direct{store}, clock, 24*time.Hour, time.Minute)
	store.EXPECT().Claim(gomock.Any(), gomock.Any(), gomock.Any()).Return(idempotency.Record{}, true, nil)
	store.EXPECT().Release(gomock.Any(), "s", kernel.IdempotencyKey("k")).Return(nil)
	defer func() {
		if recover() == nil {
			t.Fatal("the panic was swallowed")
		}
	}()
	_, _ = svc.Run(context.Background(), idempotency.Request{Scope: "s", Key: "k"}, func(context.Context) idempotency.Response {
		panic("handler bug")
	})
}
