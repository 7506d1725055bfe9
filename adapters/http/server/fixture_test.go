package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/jupang/jupang/adapters/http/openapi"
	"github.com/jupang/jupang/adapters/http/server"
	"github.com/jupang/jupang/adapters/memory"
	"github.com/jupang/jupang/adapters/postgres"
	"github.com/jupang/jupang/adapters/postgres/pgtest"
	"github.com/jupang/jupang/core/access"
	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/i18n"
	"github.com/jupang/jupang/core/idempotency"
	"github.com/jupang/jupang/core/integration"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/uow"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// binary is the binary the test server is built like.
const binary = "storefront"

var epoch = time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)

// outboxStores is what the test handlers write through, as a use case's Stores would be.
type outboxStores struct{ Outbox integration.Outbox }

// backend is one storage adapter: the idempotency service and an outbox on the same database.
type backend struct {
	name   string
	idem   *idempotency.Service
	outbox uow.UnitOfWork[outboxStores]
	reader integration.OutboxReader
	clock  *kernel.FakeClock
	// race runs a unit of work that fails the way this adapter reports a lost deadlock whenever
	// lose says so (PostgreSQL: a real 40P01 from the server).
	race func(ctx context.Context, lose func() bool) error
}

func memoryBackend(*testing.T) backend {
	store := memory.NewStore()
	clock := kernel.NewFakeClock(epoch)
	return backend{
		name: "memory",
		idem: idempotency.NewService(memory.NewKeysUnitOfWork(store), memory.NewUnitOfWork(store, memory.IdempotencyStores),
			clock, 24*time.Hour, time.Minute),
		outbox: memory.NewUnitOfWork(store, func(tx *memory.Tx) outboxStores { return outboxStores{memory.NewOutbox(tx)} }),
		reader: memory.NewOutboxReader(store),
		clock:  clock,
		race: func(ctx context.Context, lose func() bool) error {
			return memory.NewUnitOfWork(store, memory.NewOutbox).Do(ctx, func(context.Context, *memory.Outbox) error {
				if lose() {
					return fmt.Errorf("deadlock: %w", uow.ErrRetry)
				}
				return nil
			})
		},
	}
}

func postgresBackend(t *testing.T) backend {
	db := pgtest.DB(t)
	clock := kernel.NewFakeClock(epoch)
	u := postgres.NewUnitOfWork(db, postgres.IdempotencyStores)
	return backend{
		name:   "postgres",
		idem:   idempotency.NewService(postgres.NewAutocommitUnitOfWork(db, postgres.IdempotencyStores), u, clock, 24*time.Hour, time.Minute),
		outbox: postgres.NewUnitOfWork(db, func(q postgres.Querier) outboxStores { return outboxStores{postgres.NewOutbox(q)} }),
		reader: postgres.NewOutboxReader(db),
		clock:  clock,
		race: func(ctx context.Context, lose func() bool) error {
			return postgres.NewUnitOfWork(db, func(q postgres.Querier) postgres.Querier { return q }).Do(ctx,
				func(ctx context.Context, q postgres.Querier) error {
					if !lose() {
						return nil
					}
					_, err := q.ExecContext(ctx, `DO $$ BEGIN RAISE EXCEPTION 'deadlock detected' USING ERRCODE = '40P01'; END $$`)
					return err
				})
		},
	}
}

var backends = []func(*testing.T) backend{memoryBackend, postgresBackend}

// eventsOf lists the outbox events of topic.
func (b backend) eventsOf(t *testing.T, topic string) []integration.OutboxEntry {
	t.Helper()
	entries, err := b.reader.List(context.Background(), integration.OutboxPending, 100000)
	if err != nil {
		t.Fatal(err)
	}
	return slices.DeleteFunc(entries, func(e integration.OutboxEntry) bool { return e.Topic != topic })
}

// events counts the outbox events of topic.
func (b backend) events(t *testing.T, topic string) int { return len(b.eventsOf(t, topic)) }

// fakeAuth accepts tokens "<Role>.<id>", so each test says who calls in the header itself.
type fakeAuth struct{}

func (fakeAuth) Authenticate(_ context.Context, bearer string) (kernel.Principal, error) {
	role, id, ok := strings.Cut(bearer, ".")
	if !ok || id == "" || !slices.Contains(kernel.AllRoles, kernel.Role(role)) {
		return kernel.Principal{}, errs.ErrUnauthenticated
	}
	return kernel.Principal{ID: id, Roles: []kernel.Role{kernel.Role(role)}, Audience: kernel.AudienceStorefront}, nil
}

// fakeLimiter refuses the coupon-claim class and lets everything else through.
type fakeLimiter struct{}

func (fakeLimiter) Take(_ context.Context, class server.RateClass, _ string) server.RateDecision {
	if class == server.RateCouponClaim {
		return server.RateDecision{Allowed: false, Limit: 5, Remaining: 0, Reset: 10 * time.Second, RetryAfter: 2500 * time.Millisecond}
	}
	return server.RateDecision{Allowed: true, Limit: 100, Remaining: 99, Reset: time.Second}
}

// errOutOfStock stands for a business area's error with details for the client.
var errOutOfStock = errs.New(errs.Conflict, "OUT_OF_STOCK", errs.Text{
	KO: "재고가 부족합니다.", EN: "Not enough stock is available.", JA: "在庫が不足しています。"})

// fixture is a server built like the storefront binary, with test routes next to the platform ones.
type fixture struct {
	srv      *server.Server
	backend  backend
	logs     *observer.ObservedLogs
	spans    *tracetest.SpanRecorder
	registry *prometheus.Registry
	messages *i18n.Catalog
	ready    atomic.Value // error of the readiness check (nil: ready)

	orders atomic.Int64 // executions of the order handler
	raced  sync.Map     // topics whose order has already lost its one race
	// When set, the order handler signals entered and waits for gate before answering.
	entered chan struct{}
	gate    chan struct{}
}

func newFixture(t *testing.T, b backend, options ...func(*server.Config)) *fixture {
	t.Helper()
	core, logs := observer.New(zap.DebugLevel)
	spans := tracetest.NewSpanRecorder()
	f := &fixture{
		backend: b, logs: logs, spans: spans, registry: prometheus.NewRegistry(),
		messages: i18n.New(errs.Codes{Area: "fixture", Errors: []*errs.Error{errOutOfStock}}),
	}
	f.ready.Store(readiness{})
	doc, err := openapi.Document(binary)
	if err != nil {
		t.Fatal(err)
	}
	docs, err := openapi.DocsHTML(binary)
	if err != nil {
		t.Fatal(err)
	}
	cfg := server.Config{
		Name: binary, Audience: kernel.AudienceStorefront,
		Logger:      zap.New(core),
		Tracer:      sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans)).Tracer("test"),
		Metrics:     server.NewMetrics(f.registry),
		Messages:    f.messages,
		Auth:        fakeAuth{},
		Limiter:     fakeLimiter{},
		Idempotency: b.idem,
		Readiness: []server.ReadinessCheck{{Name: "database", Check: func(context.Context) error {
			return f.ready.Load().(readiness).err
		}}},
		OpenAPI:    doc,
		DocsHTML:   docs,
		DocsPolicy: openapi.DocsContentSecurityPolicy(),
	}
	for _, option := range options {
		option(&cfg)
	}
	f.srv, err = server.New(cfg, f.routes())
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// readiness wraps the check's answer so atomic.Value always stores one type.
type readiness struct{ err error }

// echo is what GET /v1/test/echo/:id answers: the request facts core received.
type echo struct {
	ID             string `json:"id"`
	Market         string `json:"market"`
	Locale         string `json:"locale"`
	SessionID      string `json:"sessionId"`
	IdempotencyKey string `json:"idempotencyKey"`
	Principal      string `json:"principal"`
	TraceID        string `json:"traceId"`
	TraceParent    string `json:"traceParent"`
}

// widget is the body of POST /v1/test/widgets.
type widget struct {
	Name     string   `json:"name"`
	Quantity int      `json:"quantity"`
	Tags     []string `json:"tags,omitempty"`
	Options  *struct {
		Color string `json:"color"`
	} `json:"options,omitempty"`
}

// order is the body of the idempotent test routes: what the handler should do, and the topic its
// outbox event goes to (unique per test, so tests count their own events).
type order struct {
	Outcome string `json:"outcome"` // created | out_of_stock | fail | panic | lose_race_once
	Topic   string `json:"topic"`
}

func (f *fixture) routes() []server.Route {
	get := func(path string, policy access.Policy, h fiber.Handler) server.Route {
		return server.Route{Method: http.MethodGet, Path: path, Policy: policy, Handler: h}
	}
	return []server.Route{
		get("/v1/test/echo/:id", access.CatalogRead, func(c *fiber.Ctx) error {
			r := server.Request(c)
			principal := ""
			if !r.Principal.IsGuest() {
				principal = r.Principal.ID
			}
			return c.JSON(echo{ID: c.Params("id"), Market: string(r.Market), Locale: string(r.Locale),
				SessionID: string(r.SessionID), IdempotencyKey: string(r.IdempotencyKey), Principal: principal,
				TraceID: r.TraceID, TraceParent: r.TraceParent})
		}),
		{Method: http.MethodPost, Path: "/v1/test/widgets", Policy: access.Carts, Handler: func(c *fiber.Ctx) error {
			var w widget
			if err := server.DecodeJSON(c, &w); err != nil {
				return err
			}
			return c.Status(http.StatusCreated).JSON(w)
		}},
		{Method: http.MethodPost, Path: "/v1/test/orders", Policy: access.Carts, Idempotency: server.IdempotencyRequired, Handler: f.createOrder},
		{Method: http.MethodPost, Path: "/v1/test/notes", Policy: access.Carts, Handler: f.createOrder},
		{Method: http.MethodPost, Path: "/v1/test/guarded", Policy: access.Carts, Idempotency: server.IdempotencyRequired,
			Guard: func(c *fiber.Ctx) error {
				if c.Get("X-Test-Pass") != "yes" {
					return errs.ErrUnauthenticated
				}
				return c.Next()
			}, Handler: f.createOrder},
		get("/v1/test/panic", access.Public, func(*fiber.Ctx) error { panic("handler exploded at fixture_test.go") }),
		get("/v1/test/out-of-stock", access.Public, func(*fiber.Ctx) error {
			return errOutOfStock.WithExtra("available", 3).WithRetryAfter(30 * time.Second)
		}),
		get("/v1/test/unavailable", access.Public, func(*fiber.Ctx) error { return errs.ErrUnavailable }),
		get("/v1/test/slow", access.Public, waitForDeadline),
		{Method: http.MethodPost, Path: "/v1/test/slow", Policy: access.Carts, Handler: waitForDeadline},
		get("/v1/test/failure", access.Public, func(*fiber.Ctx) error {
			return errs.ErrInternal.Wrap(errors.New("connection refused"))
		}),
		get("/v1/test/client", access.Public, func(c *fiber.Ctx) error {
			return c.JSON(fiber.Map{"clientAddress": server.Request(c).ClientAddress, "ip": c.IP()})
		}),
		get("/v1/test/mine", access.CustomerOwnData, func(c *fiber.Ctx) error { return c.JSON(fiber.Map{"ok": true}) }),
		{Method: http.MethodPost, Path: "/v1/test/coupons/claim", Policy: access.CustomerOwnData, RateClass: server.RateCouponClaim,
			Handler: func(c *fiber.Ctx) error { return c.SendStatus(http.StatusNoContent) }},
	}
}

// waitForDeadline stands for a handler stuck on something slow: it waits for its request's
// deadline and returns what the context says, or fails when no deadline comes.
func waitForDeadline(c *fiber.Ctx) error {
	ctx := server.Ctx(c)
	if _, ok := ctx.Deadline(); !ok {
		return errs.ErrInternal.Wrap(errors.New("the request has no deadline"))
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(5 * time.Second):
		return errs.ErrInternal.Wrap(errors.New("the request outlived its deadline"))
	}
}

// createOrder appends an outbox event through a nested unit of work, as a use case does, then
// answers as the body asks — after its effects, so the tests see whether they were kept.
func (f *fixture) createOrder(c *fiber.Ctx) error {
	var in order
	if err := server.DecodeJSON(c, &in); err != nil {
		return err
	}
	n := f.orders.Add(1)
	if f.entered != nil {
		f.entered <- struct{}{}
		<-f.gate
	}
	ctx := server.Ctx(c)
	id := kernel.NewID()
	err := f.backend.outbox.Do(ctx, func(ctx context.Context, s outboxStores) error {
		e, err := integration.NewEvent(ctx, f.backend.clock, in.Topic, "test.ordered", id, "orders/"+id, in)
		if err != nil {
			return err
		}
		return s.Outbox.Append(ctx, e)
	})
	if err != nil {
		return err
	}
	// What an execution wrote to the response must not survive into a rerun's answer.
	c.Set("X-Execution-"+strconv.FormatInt(n, 10), "written")
	switch in.Outcome {
	case "lose_race_once": // the use case loses a deadlock race the first time this topic is ordered
		if err := f.backend.race(ctx, func() bool { _, raced := f.raced.LoadOrStore(in.Topic, true); return !raced }); err != nil {
			return err
		}
	case "out_of_stock":
		return errOutOfStock.WithExtra("available", 0)
	case "fail":
		return errs.ErrInternal
	case "panic":
		panic("order handler exploded")
	}
	c.Location("/v1/test/orders/" + id)
	c.Set(fiber.HeaderETag, `"v1-`+id+`"`)
	return c.Status(http.StatusCreated).JSON(fiber.Map{"id": id, "execution": n})
}

// call is one request to the fixture.
type call struct {
	method, path string
	header       map[string]string
	body         string
	// declaredLength, when set, sends only the headers, announcing a body of this many bytes: the
	// server must refuse it from Content-Length alone, before reading it.
	declaredLength int
}

// do sends c through the Fiber app (no timeout: concurrent tests queue on the database).
func (f *fixture) do(t testing.TB, c call) (*http.Request, answer, []byte) {
	t.Helper()
	if c.declaredLength > 0 {
		return f.doOverTCP(t, c)
	}
	var body io.Reader = http.NoBody
	if c.body != "" {
		body = strings.NewReader(c.body)
	}
	req := httptest.NewRequest(c.method, c.path, body)
	for k, v := range c.header {
		req.Header.Set(k, v)
	}
	if c.body != "" && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := f.srv.App().Test(req, -1)
	if err != nil {
		t.Fatalf("%s %s: %v", c.method, c.path, err)
	}
	a, raw := read(t, resp)
	// The request as the document validator should see it.
	sent := httptest.NewRequest(c.method, c.path, nil)
	sent.Header = req.Header.Clone()
	return sent, a, raw
}

// answer is a response already read and closed: what the tests look at, with http.Response's
// field names, and the response itself for the document validator.
type answer struct {
	StatusCode int
	Header     http.Header
	response   *http.Response
}

func read(t testing.TB, resp *http.Response) (answer, []byte) {
	t.Helper()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if err := resp.Body.Close(); err != nil {
		t.Fatal(err)
	}
	return answer{StatusCode: resp.StatusCode, Header: resp.Header, response: resp}, raw
}

// problemOf decodes a problem body, failing the test when it is not one.
func problemOf(t testing.TB, body []byte) map[string]any {
	t.Helper()
	var p map[string]any
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("not a JSON problem: %v: %s", err, body)
	}
	return p
}

// fieldErrors lists a problem's errors as "field:CODE".
func fieldErrors(p map[string]any) []string {
	list, _ := p["errors"].([]any)
	out := make([]string, 0, len(list))
	for _, e := range list {
		m, _ := e.(map[string]any)
		out = append(out, fmt.Sprintf("%v:%v", m["field"], m["code"]))
	}
	return out
}

// doOverTCP sends c's headers to a real listener and reads the answer. Fiber's app.Test cannot
// show a response fasthttp wrote for a request it refused while reading it (413).
func (f *fixture) doOverTCP(t testing.TB, c call) (*http.Request, answer, []byte) {
	t.Helper()
	addr := f.listen(t)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close() }()
	req := httptest.NewRequest(c.method, c.path, nil)
	for k, v := range c.header {
		req.Header.Set(k, v)
	}
	req.Header.Set("Content-Type", "application/json")
	var head strings.Builder
	fmt.Fprintf(&head, "%s %s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n", c.method, c.path, addr, c.declaredLength)
	_ = req.Header.Write(&head)
	head.WriteString("\r\n")
	if _, err := io.WriteString(conn, head.String()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), req)
	if err != nil {
		t.Fatal(err)
	}
	a, raw := read(t, resp)
	return req, a, raw
}
