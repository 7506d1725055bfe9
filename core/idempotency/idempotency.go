// Package idempotency implements Stripe-style idempotent requests: the first request with a key
// runs; its outcome is stored in the same transaction as its effects; a retry with the same key and
// the same request gets the stored outcome back; the same key with a different request is refused.
package idempotency

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"time"

	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/uow"
)

// State of a stored key.
type State string

// A key is IN_PROGRESS while its first request runs, then COMPLETED with the stored response.
const (
	InProgress State = "IN_PROGRESS"
	Completed  State = "COMPLETED"
)

// Record is one idempotency key and what it produced.
type Record struct {
	Scope       string // whose key it is: "user:<id>", "session:<sid>", "client:<id>", "ip:<addr>"
	Key         kernel.IdempotencyKey
	Fingerprint string // hash of method, path and body
	State       State
	Response    Response
	LockedUntil time.Time // an IN_PROGRESS claim past this is abandoned and may be taken over
	ExpiresAt   time.Time
	CreatedAt   time.Time
}

// Response is the stored outcome replayed to retries.
type Response struct {
	Status      int
	ContentType string
	Body        []byte
	// Rejected marks a request refused before it reached its use case (a malformed body): like a
	// 5xx it is not stored, so the client may fix the request and retry with the same key.
	Rejected bool
}

// Storable reports whether an outcome may be stored: successes and business answers (4xx) are;
// failures of the server (5xx) and requests rejected before execution are not.
func (r Response) Storable() bool { return !r.Rejected && r.Status >= 200 && r.Status < 500 }

// Store keeps idempotency records. Implementations must make Claim atomic per (scope, key).
type Store interface {
	// Claim inserts rec as IN_PROGRESS unless a live record exists; then it returns that record and false.
	// A record that expired, or an IN_PROGRESS claim whose lock ran out, is replaced.
	Claim(ctx context.Context, rec Record, now time.Time) (existing Record, claimed bool, err error)
	// Complete stores the response of a claimed key.
	Complete(ctx context.Context, scope string, key kernel.IdempotencyKey, resp Response) error
	// Release forgets a claimed key whose request failed, so the client can retry it.
	Release(ctx context.Context, scope string, key kernel.IdempotencyKey) error
	// DeleteExpired removes up to limit records that expired before now and says how many it removed.
	DeleteExpired(ctx context.Context, now time.Time, limit int) (int, error)
}

// Stores is what the idempotency use cases need inside a transaction.
type Stores struct {
	Keys Store
}

// Errors a client can get from the idempotency layer.
var (
	ErrKeyReused = errs.New(errs.FailedPrecondition, "IDEMPOTENCY_KEY_REUSED", errs.Text{
		KO: "이 Idempotency-Key는 이미 다른 요청에 사용되었습니다.",
		EN: "This Idempotency-Key was already used for a different request.",
		JA: "この Idempotency-Key はすでに別のリクエストで使用されています。",
	})
	ErrKeyInUse = errs.New(errs.Conflict, "IDEMPOTENCY_KEY_IN_USE", errs.Text{
		KO: "같은 Idempotency-Key로 보낸 요청을 아직 처리하고 있습니다. 잠시 후 다시 시도해 주세요.",
		EN: "A request with this Idempotency-Key is still being processed. Please try again shortly.",
		JA: "同じ Idempotency-Key のリクエストを処理中です。しばらくしてから再度お試しください。",
	})
)

// Codes lists every code the idempotency layer declares.
func Codes() errs.Codes {
	return errs.Codes{Area: "idempotency", Errors: []*errs.Error{ErrKeyReused, ErrKeyInUse}}
}

// Request identifies one attempt.
type Request struct {
	Scope  string
	Key    kernel.IdempotencyKey
	Method string
	Path   string
	Body   []byte
}

// Fingerprint hashes what makes two requests "the same request".
func (r Request) Fingerprint() string {
	h := sha256.New()
	h.Write([]byte(r.Method))
	h.Write([]byte{0})
	h.Write([]byte(r.Path))
	h.Write([]byte{0})
	h.Write(r.Body)
	return hex.EncodeToString(h.Sum(nil))
}

// Service runs requests idempotently.
type Service struct {
	claims  uow.UnitOfWork[Stores] // short transactions that claim, release and sweep keys
	effects uow.UnitOfWork[Stores] // wraps the request, so its effects and its record commit together
	clock   kernel.Clock
	ttl     time.Duration // how long an outcome is replayed (24 h)
	lease   time.Duration // how long a running first request holds its key before it counts as abandoned
}

// NewService builds the service; ttl is the replay window, lease the in-flight lock. claims and
// effects may be the same unit of work; they are separate so an adapter whose transactions serialize
// (the in-memory one) can still show a running request's claim to concurrent retries.
func NewService(claims, effects uow.UnitOfWork[Stores], clock kernel.Clock, ttl, lease time.Duration) *Service {
	return &Service{claims: claims, effects: effects, clock: clock, ttl: ttl, lease: lease}
}

// errNotStored rolls back a request whose outcome must not be stored (a 5xx).
var errNotStored = errors.New("idempotency: outcome not storable")

// Outcome says how a request was answered.
type Outcome struct {
	Response Response
	Replayed bool
}

// Run executes run once per (scope, key). run is called inside a unit of work, so the effects of the
// use cases it calls and the stored outcome commit together; it returns the response to send.
func (s *Service) Run(ctx context.Context, req Request, run func(ctx context.Context) Response) (Outcome, error) {
	now := s.clock.Now()
	fingerprint := req.Fingerprint()
	claim := Record{Scope: req.Scope, Key: req.Key, Fingerprint: fingerprint, State: InProgress,
		LockedUntil: now.Add(s.lease), ExpiresAt: now.Add(s.ttl), CreatedAt: now}

	var existing Record
	var claimed bool
	err := s.claims.Do(ctx, func(ctx context.Context, st Stores) error {
		var err error
		existing, claimed, err = st.Keys.Claim(ctx, claim, now)
		return err
	})
	if err != nil {
		return Outcome{}, err
	}
	if !claimed {
		switch {
		case existing.Fingerprint != fingerprint:
			return Outcome{}, ErrKeyReused
		case existing.State == InProgress:
			wait := existing.LockedUntil.Sub(now)
			if wait < time.Second {
				wait = time.Second
			}
			return Outcome{}, ErrKeyInUse.WithRetryAfter(wait)
		default:
			return Outcome{Response: existing.Response, Replayed: true}, nil
		}
	}

	resp, err := s.execute(ctx, req, run)
	if err != nil && !errors.Is(err, errNotStored) {
		return Outcome{}, err
	}
	return Outcome{Response: resp}, nil
}

// execute runs the request in a unit of work that ends by storing its response. When that does not
// happen (a 5xx, a rejected body, an error, a panic) nothing was committed and the claim is released,
// so a corrected retry can run.
func (s *Service) execute(ctx context.Context, req Request, run func(ctx context.Context) Response) (resp Response, err error) {
	stored := false
	defer func() {
		if stored {
			return
		}
		// A failure here leaves the claim to expire with its lock.
		_ = s.claims.Do(context.WithoutCancel(ctx), func(ctx context.Context, st Stores) error {
			return st.Keys.Release(ctx, req.Scope, req.Key)
		})
	}()
	err = s.effects.Do(ctx, func(ctx context.Context, st Stores) error {
		resp = run(ctx)
		if !resp.Storable() {
			return errNotStored
		}
		return st.Keys.Complete(ctx, req.Scope, req.Key, resp)
	})
	stored = err == nil
	return resp, err
}

// Sweep deletes expired records in batches; the worker calls it periodically.
func (s *Service) Sweep(ctx context.Context, batch int) (int, error) {
	var total int
	for {
		var n int
		err := s.claims.Do(ctx, func(ctx context.Context, st Stores) error {
			var err error
			n, err = st.Keys.DeleteExpired(ctx, s.clock.Now(), batch)
			return err
		})
		total += n
		if err != nil || n < batch {
			return total, err
		}
	}
}
