// Package idempotency implements Stripe-style idempotent requests: the first request with a key
// runs; its outcome is stored in the same transaction as its effects; a retry with the same key and
// the same request gets the stored outcome back; the same key with a different request is refused.
package idempotency

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/url"
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
	Fingerprint string // hash of method, path, query and body
	State       State
	// Owner is a token of the request that made the claim: only it may hold, complete or release
	// the claim, so a request that outlived its lease cannot touch the claim of the one after it.
	Owner       string
	Response    Response
	LockedUntil time.Time // an IN_PROGRESS claim past this is abandoned and may be taken over
	ExpiresAt   time.Time
	CreatedAt   time.Time
}

// Live reports whether the record still decides how its key is answered at now: a stored outcome
// within its replay window, or a claim within its lease.
func (r Record) Live(now time.Time) bool {
	return r.ExpiresAt.After(now) && (r.State == Completed || r.LockedUntil.After(now))
}

// Response is the stored outcome replayed to retries.
type Response struct {
	Status      int
	ContentType string
	// Headers are the response headers a replay repeats (the edge chooses them: Location, ETag, …).
	Headers map[string]string
	Body    []byte
	// Rejected marks a request refused before it reached its use case (a malformed body): like a
	// 5xx it is not stored, so the client may fix the request and retry with the same key.
	Rejected bool
}

// Storable reports whether an outcome may be stored: successes and business answers (4xx) are;
// failures of the server (5xx) and requests rejected before execution are not.
func (r Response) Storable() bool { return !r.Rejected && r.Status >= 200 && r.Status < 500 }

// Store keeps idempotency records. Implementations must make Claim atomic per (scope, key).
type Store interface {
	// Claim inserts rec as IN_PROGRESS, owned by rec.Owner, unless a live record exists; then it
	// returns that record and false. A record that expired, or an IN_PROGRESS claim whose lock ran
	// out, is replaced; but while the request holding that claim still runs (see Hold), Claim waits
	// for it to end and decides then, so an overrunning request and its retry never run together.
	Claim(ctx context.Context, rec Record, now time.Time) (existing Record, claimed bool, err error)
	// Hold locks owner's claim until the unit of work Hold runs in ends; ErrNotOwner when owner no
	// longer holds the key.
	Hold(ctx context.Context, scope string, key kernel.IdempotencyKey, owner string) error
	// Complete stores the response of owner's claim; ErrNotOwner when owner no longer holds the key.
	Complete(ctx context.Context, scope string, key kernel.IdempotencyKey, owner string, resp Response) error
	// Release forgets owner's claim, whose request failed, so the client can retry it; the claim of
	// another owner is left alone.
	Release(ctx context.Context, scope string, key kernel.IdempotencyKey, owner string) error
	// DeleteExpired removes up to limit records that expired before now and says how many it removed.
	DeleteExpired(ctx context.Context, now time.Time, limit int) (int, error)
}

// Stores is what the idempotency use cases need inside a transaction.
type Stores struct {
	Keys Store
}

// ErrNotOwner says a claim is no longer the caller's: it was taken over after its lease ran out.
var ErrNotOwner = errors.New("idempotency: the key is claimed by another request")

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
	Query  string // the raw query string, without "?"
	Body   []byte
}

// Fingerprint hashes what makes two requests "the same request": method, path, the query's
// parameters in any order, and the body's JSON value however it is spaced or its keys are ordered
// (a body that is not JSON counts byte for byte). Stripe compares parameters the same way.
func (r Request) Fingerprint() string {
	h := sha256.New()
	for _, part := range [][]byte{[]byte(r.Method), []byte(r.Path), canonicalQuery(r.Query), canonicalJSON(r.Body)} {
		h.Write(part)
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// canonicalQuery sorts the parameters by name (values of one name keep their order, which can
// matter) and normalises their escaping.
func canonicalQuery(raw string) []byte {
	values, err := url.ParseQuery(raw)
	if err != nil {
		return []byte(raw)
	}
	return []byte(values.Encode())
}

// canonicalJSON re-encodes a JSON body with sorted object keys and no insignificant space. Numbers
// keep their text (1 and 1.0 differ, as they may to a use case).
func canonicalJSON(body []byte) []byte {
	if !json.Valid(body) {
		return body
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return body
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return body
	}
	return out.Bytes()
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
// use cases it calls and the stored outcome commit together; it returns the response to send, or an
// error that ends the request unstored. An error marked uow.ErrRetry (a lost deadlock race) goes out
// to the unit of work, which runs run again: run must therefore act only through the database.
func (s *Service) Run(ctx context.Context, req Request, run func(ctx context.Context) (Response, error)) (Outcome, error) {
	now := s.clock.Now()
	fingerprint := req.Fingerprint()
	claim := Record{Scope: req.Scope, Key: req.Key, Fingerprint: fingerprint, State: InProgress, Owner: kernel.NewID(),
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
			return Outcome{}, inUse(existing.LockedUntil.Sub(now))
		default:
			return Outcome{Response: existing.Response, Replayed: true}, nil
		}
	}

	// Whatever deadline the caller set, the request must not outlive its claim.
	ctx, cancel := context.WithTimeout(ctx, s.lease)
	defer cancel()
	resp, err := s.execute(ctx, req, claim.Owner, run)
	if err != nil && !errors.Is(err, errNotStored) {
		return Outcome{}, err
	}
	return Outcome{Response: resp}, nil
}

// inUse is the answer while another request holds the key: retry once its lease may have run out.
func inUse(wait time.Duration) error {
	return ErrKeyInUse.WithRetryAfter(max(wait, time.Second))
}

// execute runs the request in a unit of work that first holds its claim and ends by storing its
// response. When that does not happen (a 5xx, a rejected body, an error, a panic) nothing was
// committed and the claim is released, so a corrected retry can run.
func (s *Service) execute(ctx context.Context, req Request, owner string, run func(ctx context.Context) (Response, error)) (resp Response, err error) {
	stored := false
	defer func() {
		if stored {
			return
		}
		// A failure here leaves the claim to expire with its lock.
		_ = s.claims.Do(context.WithoutCancel(ctx), func(ctx context.Context, st Stores) error {
			return st.Keys.Release(ctx, req.Scope, req.Key, owner)
		})
	}()
	err = s.effects.Do(ctx, func(ctx context.Context, st Stores) error {
		if err := st.Keys.Hold(ctx, req.Scope, req.Key, owner); err != nil {
			if errors.Is(err, ErrNotOwner) { // taken over before this request got to run
				return inUse(s.lease)
			}
			return err
		}
		var runErr error
		if resp, runErr = run(ctx); runErr != nil {
			return runErr
		}
		if !resp.Storable() {
			return errNotStored
		}
		return st.Keys.Complete(ctx, req.Scope, req.Key, owner, resp)
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
