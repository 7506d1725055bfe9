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

func TestFingerprintDependsOnMethodPathQueryAndBody(t *testing.T) {
	base := idempotency.Request{Method: "POST", Path: "/v1/orders", Query: "a=1", Body: []byte(`{"a":1}`)}
	for name, other := range map[string]idempotency.Request{
		"method": {Method: "PUT", Path: base.Path, Query: base.Query, Body: base.Body},
		"path":   {Method: base.Method, Path: "/v1/orders/x", Query: base.Query, Body: base.Body},
		"query":  {Method: base.Method, Path: base.Path, Query: "a=2", Body: base.Body},
		"body":   {Method: base.Method, Path: base.Path, Query: base.Query, Body: []byte(`{"a":2}`)},
		// a number's text counts: a use case may tell 1 from 1.0
		"number": {Method: base.Method, Path: base.Path, Query: base.Query, Body: []byte(`{"a":1.0}`)},
		// the separator keeps "POST" + "/x" apart from "POS" + "T/x"
		"boundary": {Method: "POS", Path: "T/v1/orders", Query: base.Query, Body: base.Body},
	} {
		if other.Fingerprint() == base.Fingerprint() {
			t.Errorf("changing the %s did not change the fingerprint", name)
		}
	}
}

// Stripe compares parameters, not bytes: a retry that re-serialises its body or its query in
// another order is the same request.
func TestFingerprintIgnoresJSONFormattingAndParameterOrder(t *testing.T) {
	base := idempotency.Request{Method: "POST", Path: "/v1/orders", Query: "b=2&a=1&a=0",
		Body: []byte(`{"items":[{"sku":"s1","qty":2}],"note":"<gift> & \u00e9"}`)}
	for name, same := range map[string]idempotency.Request{
		"spacing":      {Method: "POST", Path: "/v1/orders", Query: base.Query, Body: []byte("{ \"items\" : [ { \"sku\":\"s1\", \"qty\": 2 } ],\n \"note\": \"<gift> & \u00e9\" }\n")},
		"key order":    {Method: "POST", Path: "/v1/orders", Query: base.Query, Body: []byte(`{"note":"<gift> & é","items":[{"qty":2,"sku":"s1"}]}`)},
		"query order":  {Method: "POST", Path: "/v1/orders", Query: "a=1&a=0&b=2", Body: base.Body},
		"query escape": {Method: "POST", Path: "/v1/orders", Query: "b=%32&a=1&a=0", Body: base.Body},
	} {
		if same.Fingerprint() != base.Fingerprint() {
			t.Errorf("%s changed the fingerprint", name)
		}
	}
	// Repeated parameters keep their order: a list in another order is another list.
	if (idempotency.Request{Method: "POST", Path: "/v1/orders", Query: "b=2&a=0&a=1", Body: base.Body}).Fingerprint() == base.Fingerprint() {
		t.Error("reordering the values of one parameter did not change the fingerprint")
	}
	// A body that is not JSON is compared byte for byte.
	if (idempotency.Request{Method: "POST", Path: "/x", Body: []byte("a=1 ")}).Fingerprint() ==
		(idempotency.Request{Method: "POST", Path: "/x", Body: []byte("a=1")}).Fingerprint() {
		t.Error("two different non-JSON bodies have one fingerprint")
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
	owner := &sameOwner{}

	gomock.InOrder(
		store.EXPECT().Claim(gomock.Any(), gomock.Any(), clock.Now()).DoAndReturn(
			func(_ context.Context, rec idempotency.Record, _ time.Time) (idempotency.Record, bool, error) {
				owner.token = rec.Owner
				if rec.Owner == "" || rec.State != idempotency.InProgress || rec.ExpiresAt != clock.Now().Add(24*time.Hour) || rec.LockedUntil != clock.Now().Add(time.Minute) {
					t.Errorf("claim record = %+v", rec)
				}
				return idempotency.Record{}, true, nil
			}),
		store.EXPECT().Hold(gomock.Any(), "principal:u1", kernel.IdempotencyKey("k1"), owner).Return(nil),
		store.EXPECT().Complete(gomock.Any(), "principal:u1", kernel.IdempotencyKey("k1"), owner, gomock.Any()).Return(boom),
		store.EXPECT().Release(gomock.Any(), "principal:u1", kernel.IdempotencyKey("k1"), owner).Return(nil),
	)
	_, err := svc.Run(context.Background(), req, func(context.Context) (idempotency.Response, error) {
		return idempotency.Response{Status: http.StatusCreated}, nil
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
	store.EXPECT().Hold(gomock.Any(), gomock.Any(), gomock.Any(), gomock.Any()).Return(nil)
	store.EXPECT().Release(gomock.Any(), gomock.Any(), gomock.Any(), gomock.Any()).Return(nil)
	out, err := svc.Run(context.Background(), idempotency.Request{Scope: "s", Key: "k"}, func(context.Context) (idempotency.Response, error) {
		return idempotency.Response{Status: http.StatusBadRequest, Rejected: true}, nil
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
	store.EXPECT().Hold(gomock.Any(), "s", kernel.IdempotencyKey("k"), gomock.Any()).Return(nil)
	store.EXPECT().Release(gomock.Any(), "s", kernel.IdempotencyKey("k"), gomock.Any()).Return(nil)
	defer func() {
		if recover() == nil {
			t.Fatal("the panic was swallowed")
		}
	}()
	_, _ = svc.Run(context.Background(), idempotency.Request{Scope: "s", Key: "k"}, func(context.Context) (idempotency.Response, error) {
		panic("handler bug")
	})
}

// A claim taken over before the request got to hold it (its lease ran out first) is not run: the
// client is told the key is in use, and the new owner's claim is not released.
func TestAClaimTakenOverBeforeItRunsIsNotRun(t *testing.T) {
	ctrl := gomock.NewController(t)
	store := mocks.NewMockStore(ctrl)
	clock := kernel.NewFakeClock(time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC))
	svc := idempotency.NewService(direct{store}, direct{store}, clock, 24*time.Hour, time.Minute)
	store.EXPECT().Claim(gomock.Any(), gomock.Any(), gomock.Any()).Return(idempotency.Record{}, true, nil)
	store.EXPECT().Hold(gomock.Any(), "s", kernel.IdempotencyKey("k"), gomock.Any()).Return(idempotency.ErrNotOwner)
	store.EXPECT().Release(gomock.Any(), "s", kernel.IdempotencyKey("k"), gomock.Any()).Return(nil) // a no-op for another owner
	_, err := svc.Run(context.Background(), idempotency.Request{Scope: "s", Key: "k"}, func(context.Context) (idempotency.Response, error) {
		t.Fatal("a request that lost its claim ran")
		return idempotency.Response{}, nil
	})
	if !errors.Is(err, idempotency.ErrKeyInUse) {
		t.Fatalf("err = %v, want IDEMPOTENCY_KEY_IN_USE", err)
	}
}

// sameOwner matches the owner token of the claim, whatever it is.
type sameOwner struct{ token string }

func (o *sameOwner) Matches(x any) bool { return x == o.token }
func (o *sameOwner) String() string     { return "the claim's owner " + o.token }
