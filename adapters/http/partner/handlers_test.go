package partnerhttp_test

import (
	"context"
	"errors"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/jupang/jupang/adapters/http/handlertest"
	partnerhttp "github.com/jupang/jupang/adapters/http/partner"
	"github.com/jupang/jupang/adapters/http/rbactest"
	"github.com/jupang/jupang/adapters/memory"
	"github.com/jupang/jupang/adapters/seed"
	"github.com/jupang/jupang/core/identity"
	"github.com/jupang/jupang/core/integration"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/partner"
)

// testCertificate is how these tests say which client certificate a request came with: app.Test
// has no TLS, so the routes read it from this header instead of the handshake. The real handshake
// is tested in apps/internal/e2e.
const testCertificate = "X-Test-Client-Certificate"

func testPeer(c *fiber.Ctx) []string {
	if v := c.Get(testCertificate); v != "" {
		return strings.Split(v, ",")
	}
	return nil
}

type env struct {
	kit     *handlertest.Env
	feed    *partner.Feed
	partner *handlertest.Client
	admin   *handlertest.Client
	demo    identity.Client
}

const lease = 30 * time.Second

func newEnv(t *testing.T, policy partner.URLPolicy) *env {
	t.Helper()
	kit := handlertest.New(t)
	tx := memory.NewUnitOfWork(kit.Store, memory.PartnerStores)
	feed := partner.NewFeed(tx, kit.Store.FeedWakeups(), kit.Identity, kit.Clock, partner.FeedOptions{Lease: lease, MaxAttempts: 3})
	gate := partner.NewGatekeeper(kit.Identity, tx, kit.Clock)
	pusher := partner.NewPusher(tx, kit.Identity, dns{"hooks.partner.example": "93.184.216.34"}, nil, kit.Clock, partner.PushOptions{Policy: policy})
	demo, err := kit.Identity.Client(context.Background(), seed.PartnerClientID)
	if err != nil {
		t.Fatal(err)
	}
	return &env{kit: kit, feed: feed, demo: demo,
		partner: kit.Server(t, "partner", partnerhttp.Routes(feed, gate, testPeer)),
		admin:   kit.Server(t, "admin", partnerhttp.AdminRoutes(feed, pusher, kit.Identity))}
}

type dns map[string]string

func (d dns) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if a, ok := d[host]; ok {
		return []netip.Addr{netip.MustParseAddr(a)}, nil
	}
	return nil, errors.New("no such host")
}

// publish commits n events of typ through the outbox, as a business transaction does.
func (e *env) publish(t *testing.T, typ string, n int) []string {
	t.Helper()
	var ids []string
	err := memory.NewUnitOfWork(e.kit.Store, memory.IdentityStores).Do(context.Background(), func(ctx context.Context, st identity.Stores) error {
		for i := range n {
			ev, err := integration.NewEvent(ctx, e.kit.Clock, "jupang.orders.v1", typ, "order-"+strconv.Itoa(i), "orders/"+strconv.Itoa(i), map[string]int{"n": i})
			if err != nil {
				return err
			}
			ids = append(ids, ev.ID)
			if err := st.Outbox.Append(ctx, ev); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// signer is a partner's credentials as a client holds them.
type signer struct {
	token, cert string
	key         []byte
	nonces      int
}

func (e *env) demoSigner(t *testing.T) *signer {
	return &signer{token: e.partner.Token(t, kernel.RoleExternal), cert: seed.PartnerClientID, key: []byte(seed.PartnerHMACKey)}
}

// another registers a second partner, B.
func (e *env) another(t *testing.T) (identity.Client, *signer) {
	t.Helper()
	c, err := e.kit.Identity.RegisterClient(context.Background(), identity.ClientInput{ClientID: "partner-b", Name: "Partner B",
		Secret: "partner-b-secret-0123", HMACKey: []byte("partner-b-hmac-key"), CertSubject: "partner-b"})
	if err != nil {
		t.Fatal(err)
	}
	return c, &signer{token: e.partner.TokenAs(t, kernel.RoleExternal, c.ID), cert: "partner-b", key: []byte("partner-b-hmac-key")}
}

type signed struct {
	ts    string
	nonce string
	sig   string
}

// sign returns the request options of a correctly signed request, at the env's clock.
func (s *signer) sign(e *env, method, target, body string) signed {
	s.nonces++
	ts := strconv.FormatInt(e.kit.Clock.Now().Unix(), 10)
	return signed{ts: ts, nonce: "nonce-" + strconv.Itoa(s.nonces) + "-" + kernel.NewID()[24:],
		sig: partner.Sign(s.key, ts, method, target, []byte(body))}
}

func (s *signer) opts(sg signed, body string) []handlertest.RequestOption {
	opts := []handlertest.RequestOption{handlertest.Bearer(s.token), handlertest.Header(testCertificate, s.cert),
		handlertest.Header(partner.HeaderTimestamp, sg.ts), handlertest.Header(partner.HeaderNonce, sg.nonce),
		handlertest.Header(partner.HeaderSignature, sg.sig)}
	if body != "" {
		opts = append(opts, handlertest.JSON(body))
	}
	return opts
}

func (s *signer) do(t *testing.T, e *env, method, target, body string) handlertest.Response {
	t.Helper()
	return e.partner.Do(t, method, target, s.opts(s.sign(e, method, target, body), body)...)
}

func wantProblem(t *testing.T, r handlertest.Response, status int, code string) {
	t.Helper()
	r.Want(t, status)
	if p := r.Problem(t); p.Code != code {
		t.Fatalf("code = %s, want %s: %s", p.Code, code, r.Raw)
	}
}

func eventIDs(t *testing.T, r handlertest.Response) []string {
	t.Helper()
	var ids []string
	for _, it := range r.Items(t) {
		ev, _ := it["event"].(map[string]any)
		id, _ := ev["id"].(string)
		ids = append(ids, id)
	}
	return ids
}

func ackBody(ids ...string) string { return `{"eventIds":["` + strings.Join(ids, `","`) + `"]}` }

func TestPullLeaseAckRetry(t *testing.T) {
	e := newEnv(t, partner.URLPolicy{AllowPrivate: true})
	a := e.demoSigner(t)
	ids := e.publish(t, "order.paid", 3)

	r := a.do(t, e, http.MethodGet, "/v1/integrations/events/pull?max=2", "").Want(t, http.StatusOK)
	first := eventIDs(t, r)
	if len(first) != 2 || r.Body["leaseSeconds"] != 30.0 || r.Items(t)[0]["attempt"] != 1.0 {
		t.Fatalf("pull: %s", r.Raw)
	}
	ev := r.Items(t)[0]["event"].(map[string]any)
	if ev["specversion"] != "1.0" || ev["type"] != "order.paid" || ev["source"] != integration.Source || ev["data"] == nil {
		t.Fatalf("not a CloudEvent: %v", ev)
	}

	t.Run("lease expiry: redelivered with the same id, attempt 2", func(t *testing.T) {
		rest := eventIDs(t, a.do(t, e, http.MethodGet, "/v1/integrations/events/pull", "").Want(t, http.StatusOK))
		if len(rest) != 1 || rest[0] != ids[2] {
			t.Fatalf("the third event: %v", rest)
		}
		e.kit.Clock.Advance(lease)
		again := a.do(t, e, http.MethodGet, "/v1/integrations/events/pull", "").Want(t, http.StatusOK)
		got := eventIDs(t, again)
		if len(got) != 3 || again.Items(t)[0]["attempt"] != 2.0 || !sameSet(got, ids) {
			t.Fatalf("after the lease: %s", again.Raw)
		}
	})

	t.Run("double ack: 200 both times, the second changes nothing", func(t *testing.T) {
		r := a.do(t, e, http.MethodPost, "/v1/integrations/events/ack", ackBody(ids[0], ids[1])).Want(t, http.StatusOK)
		if r.Body["acked"] != 2.0 || r.Body["alreadyAcked"] != 0.0 {
			t.Fatalf("ack: %s", r.Raw)
		}
		r = a.do(t, e, http.MethodPost, "/v1/integrations/events/ack", ackBody(ids[0], ids[1])).Want(t, http.StatusOK)
		if r.Body["acked"] != 0.0 || r.Body["alreadyAcked"] != 2.0 {
			t.Fatalf("second ack: %s", r.Raw)
		}
	})

	t.Run("another partner's event is 404 and nothing is acked", func(t *testing.T) {
		b, bs := e.another(t)
		theirs := e.publish(t, "order.paid", 1) // both partners get it: B's copy is B's own
		r := bs.do(t, e, http.MethodPost, "/v1/integrations/events/ack", ackBody(theirs[0], ids[2]))
		wantProblem(t, r, http.StatusNotFound, "EVENT_NOT_FOUND")
		if missing, _ := r.Body["eventIds"].([]any); len(missing) != 1 || missing[0] != ids[2] {
			t.Fatalf("eventIds = %v", r.Body["eventIds"])
		}
		if got := eventIDs(t, bs.do(t, e, http.MethodGet, "/v1/integrations/events/pull", "")); len(got) != 1 || got[0] != theirs[0] {
			t.Fatalf("B's own event was acked by the refused request: %v (B is %s)", got, b.ClientID)
		}
	})

	t.Run("retry: due again after the delay; an acked event is 409", func(t *testing.T) {
		a.do(t, e, http.MethodPost, "/v1/integrations/events/retry", `{"eventIds":["`+ids[2]+`"],"delaySeconds":5}`).Want(t, http.StatusOK)
		e.kit.Clock.Advance(5 * time.Second)
		got := eventIDs(t, a.do(t, e, http.MethodGet, "/v1/integrations/events/pull?types=order.paid", ""))
		if !contains(got, ids[2]) {
			t.Fatalf("retried event not redelivered: %v", got)
		}
		wantProblem(t, a.do(t, e, http.MethodPost, "/v1/integrations/events/retry", `{"eventIds":["`+ids[0]+`"]}`),
			http.StatusConflict, "EVENT_ALREADY_ACKED")
		wantProblem(t, a.do(t, e, http.MethodPost, "/v1/integrations/events/retry", `{"eventIds":["`+ids[1]+`"],"delaySeconds":3601}`),
			http.StatusBadRequest, "VALIDATION_FAILED")
	})

	t.Run("bad parameters are 400", func(t *testing.T) {
		for _, q := range []string{"max=0", "max=501", "waitSeconds=31", "types=Order.Paid"} {
			wantProblem(t, a.do(t, e, http.MethodGet, "/v1/integrations/events/pull?"+q, ""), http.StatusBadRequest, "VALIDATION_FAILED")
		}
		wantProblem(t, a.do(t, e, http.MethodPost, "/v1/integrations/events/ack", `{"eventIds":["not-a-uuid"]}`), http.StatusBadRequest, "VALIDATION_FAILED")
		wantProblem(t, a.do(t, e, http.MethodPost, "/v1/integrations/events/ack", `{"eventIds":[]}`), http.StatusBadRequest, "VALIDATION_FAILED")
	})
}

// The partner-auth cases of issue 13 that app.Test can reach; the TLS handshake cases (no
// certificate, another CA, expired) are in apps/internal/e2e.
func TestPartnerAuthentication(t *testing.T) {
	e := newEnv(t, partner.URLPolicy{AllowPrivate: true})
	a := e.demoSigner(t)
	_, b := e.another(t)
	const pull = "/v1/integrations/events/pull"
	get := func(s *signer, sg signed, mutate ...func(*[]handlertest.RequestOption)) handlertest.Response {
		opts := s.opts(sg, "")
		for _, m := range mutate {
			m(&opts)
		}
		return e.partner.Do(t, http.MethodGet, pull, opts...)
	}
	header := func(k, v string) func(*[]handlertest.RequestOption) {
		return func(o *[]handlertest.RequestOption) { *o = append(*o, handlertest.Header(k, v)) }
	}

	t.Run("a signed request with the partner's certificate and token is admitted", func(t *testing.T) {
		get(a, a.sign(e, http.MethodGet, pull, "")).Want(t, http.StatusOK)
	})
	t.Run("no token: 401", func(t *testing.T) {
		sg := a.sign(e, http.MethodGet, pull, "")
		wantProblem(t, e.partner.Do(t, http.MethodGet, pull, handlertest.Header(testCertificate, a.cert),
			handlertest.Header(partner.HeaderTimestamp, sg.ts), handlertest.Header(partner.HeaderNonce, sg.nonce),
			handlertest.Header(partner.HeaderSignature, sg.sig)), http.StatusUnauthorized, "UNAUTHENTICATED")
	})
	t.Run("no client certificate: 401", func(t *testing.T) {
		wantProblem(t, get(a, a.sign(e, http.MethodGet, pull, ""), header(testCertificate, "")), http.StatusUnauthorized, "CLIENT_CERTIFICATE_REQUIRED")
	})
	t.Run("A's certificate with B's token: 403", func(t *testing.T) {
		wantProblem(t, get(b, a.sign(e, http.MethodGet, pull, ""), header(testCertificate, a.cert)), http.StatusForbidden, "CERTIFICATE_MISMATCH")
	})
	t.Run("A's certificate with B's token and B's HMAC key: 403", func(t *testing.T) {
		wantProblem(t, get(b, b.sign(e, http.MethodGet, pull, ""), header(testCertificate, a.cert)), http.StatusForbidden, "CERTIFICATE_MISMATCH")
	})
	t.Run("A's certificate and token signed with B's HMAC key: 401 (the signature does not verify)", func(t *testing.T) {
		wantProblem(t, get(a, b.sign(e, http.MethodGet, pull, "")), http.StatusUnauthorized, "INVALID_SIGNATURE")
	})
	t.Run("bad signature: 401", func(t *testing.T) {
		sg := a.sign(e, http.MethodGet, pull+"?max=1", "") // signed for another target
		wantProblem(t, get(a, sg), http.StatusUnauthorized, "INVALID_SIGNATURE")
		sg = a.sign(e, http.MethodGet, pull, "")
		sg.sig = "v1=" + strings.Repeat("0", 64)
		wantProblem(t, get(a, sg), http.StatusUnauthorized, "INVALID_SIGNATURE")
		body := `{"eventIds":["` + kernel.NewID() + `"]}`
		sg = a.sign(e, http.MethodPost, "/v1/integrations/events/ack", body)
		wantProblem(t, e.partner.Do(t, http.MethodPost, "/v1/integrations/events/ack", a.opts(sg, `{"eventIds":["`+kernel.NewID()+`"]}`)...),
			http.StatusUnauthorized, "INVALID_SIGNATURE") // the body was changed after signing
	})
	t.Run("stale timestamp: 401, either way; 300 s is still fresh", func(t *testing.T) {
		for _, skew := range []time.Duration{-301 * time.Second, 301 * time.Second} {
			sg := a.sign(e, http.MethodGet, pull, "")
			ts := strconv.FormatInt(e.kit.Clock.Now().Add(skew).Unix(), 10)
			sg.ts, sg.sig = ts, partner.Sign(a.key, ts, http.MethodGet, pull, nil)
			wantProblem(t, get(a, sg), http.StatusUnauthorized, "STALE_TIMESTAMP")
		}
		sg := a.sign(e, http.MethodGet, pull, "")
		ts := strconv.FormatInt(e.kit.Clock.Now().Add(-300*time.Second).Unix(), 10)
		sg.ts, sg.sig = ts, partner.Sign(a.key, ts, http.MethodGet, pull, nil)
		get(a, sg).Want(t, http.StatusOK)
	})
	t.Run("reused nonce: 401", func(t *testing.T) {
		sg := a.sign(e, http.MethodGet, pull, "")
		get(a, sg).Want(t, http.StatusOK)
		wantProblem(t, get(a, sg), http.StatusUnauthorized, "NONCE_REUSED")
		e.kit.Clock.Advance(200 * time.Second) // still inside the window of its timestamp
		sg.ts = strconv.FormatInt(e.kit.Clock.Now().Unix(), 10)
		sg.sig = partner.Sign(a.key, sg.ts, http.MethodGet, pull, nil)
		wantProblem(t, get(a, sg), http.StatusUnauthorized, "NONCE_REUSED")
	})
	t.Run("a refused request does not spend its nonce", func(t *testing.T) {
		sg := a.sign(e, http.MethodGet, pull, "")
		good := sg.sig
		sg.sig = "v1=" + strings.Repeat("ab", 32)
		wantProblem(t, get(a, sg), http.StatusUnauthorized, "INVALID_SIGNATURE")
		sg.sig = good
		get(a, sg).Want(t, http.StatusOK)
	})
	t.Run("missing signature headers: 401 naming the header", func(t *testing.T) {
		for _, h := range []string{partner.HeaderTimestamp, partner.HeaderNonce, partner.HeaderSignature} {
			r := get(a, a.sign(e, http.MethodGet, pull, ""), header(h, ""))
			wantProblem(t, r, http.StatusUnauthorized, "SIGNATURE_REQUIRED")
			if f := r.Problem(t).Fields(); f[h] != "REQUIRED" {
				t.Errorf("%s: fields %v", h, f)
			}
		}
	})
	t.Run("key rotation: old and new key both verify during the grace, then only the new", func(t *testing.T) {
		admin := e.admin.Token(t, kernel.RoleAdmin)
		r := e.admin.Post(t, "/v1/admin/integrations/partners/"+seed.PartnerClientID+"/hmac-keys", handlertest.Bearer(admin),
			handlertest.JSON(`{"graceSeconds":600}`)).Want(t, http.StatusCreated)
		secret, _ := r.Body["secret"].(string)
		old := a.key
		get(a, a.sign(e, http.MethodGet, pull, "")).Want(t, http.StatusOK)
		a.key = []byte(secret)
		get(a, a.sign(e, http.MethodGet, pull, "")).Want(t, http.StatusOK)
		e.kit.Clock.Advance(601 * time.Second)
		get(a, a.sign(e, http.MethodGet, pull, "")).Want(t, http.StatusOK)
		a.key = old
		wantProblem(t, get(a, a.sign(e, http.MethodGet, pull, "")), http.StatusUnauthorized, "INVALID_SIGNATURE")
		wantProblem(t, e.admin.Post(t, "/v1/admin/integrations/partners/nobody/hmac-keys", handlertest.Bearer(admin), handlertest.JSON(`{}`)),
			http.StatusNotFound, "CLIENT_NOT_FOUND")
	})
}

func TestDashboardAndDeadLetters(t *testing.T) {
	e := newEnv(t, partner.URLPolicy{AllowPrivate: true})
	a := e.demoSigner(t)
	admin := handlertest.Bearer(e.admin.Token(t, kernel.RoleAdmin))
	ids := e.publish(t, "order.paid", 2)
	for range 3 { // MaxAttempts is 3 in this env
		a.do(t, e, http.MethodGet, "/v1/integrations/events/pull", "").Want(t, http.StatusOK)
		e.kit.Clock.Advance(lease)
	}
	if got := eventIDs(t, a.do(t, e, http.MethodGet, "/v1/integrations/events/pull", "")); len(got) != 0 {
		t.Fatalf("dead deliveries were pulled: %v", got)
	}
	r := e.admin.Get(t, "/v1/admin/integrations/feed", admin).Want(t, http.StatusOK)
	var stats struct {
		Partners []struct {
			ClientID string
			Topics   []struct {
				Topic                 string
				Pending, Leased, Dead int
			}
		}
	}
	r.Decode(t, &stats)
	if len(stats.Partners) != 1 || stats.Partners[0].ClientID != seed.PartnerClientID || len(stats.Partners[0].Topics) != 1 ||
		stats.Partners[0].Topics[0].Dead != 2 || stats.Partners[0].Topics[0].Topic != "jupang.orders.v1" {
		t.Fatalf("stats: %s", r.Raw)
	}
	dead := e.admin.Get(t, "/v1/admin/integrations/feed/dead?clientId="+seed.PartnerClientID, admin).Want(t, http.StatusOK)
	if got := dead.Items(t); len(got) != 2 || got[0]["attempt"] != 3.0 {
		t.Fatalf("dead letters: %s", dead.Raw)
	}
	e.admin.Post(t, "/v1/admin/integrations/feed/dead/retry", admin,
		handlertest.JSON(`{"clientId":"`+seed.PartnerClientID+`","eventIds":["`+ids[0]+`"]}`)).Want(t, http.StatusOK)
	got := a.do(t, e, http.MethodGet, "/v1/integrations/events/pull", "").Want(t, http.StatusOK)
	if ids2 := eventIDs(t, got); len(ids2) != 1 || ids2[0] != ids[0] || got.Items(t)[0]["attempt"] != 1.0 {
		t.Fatalf("a retried dead letter is delivered again with fresh attempts: %s", got.Raw)
	}
	wantProblem(t, e.admin.Post(t, "/v1/admin/integrations/feed/dead/retry", admin,
		handlertest.JSON(`{"clientId":"`+seed.PartnerClientID+`","eventIds":["`+ids[0]+`"]}`)), http.StatusConflict, "EVENT_NOT_DEAD")

	page := e.admin.Get(t, partnerhttp.DashboardPath).Want(t, http.StatusOK)
	if !strings.Contains(page.Header.Get("Content-Type"), "text/html") || !strings.Contains(page.Text(), "/v1/admin/integrations/feed/dead/retry") {
		t.Fatalf("dashboard page: %s", page.Header)
	}
}

func TestWebhooksAdmin(t *testing.T) {
	e := newEnv(t, partner.URLPolicy{}) // production policy
	admin := handlertest.Bearer(e.admin.Token(t, kernel.RoleAdmin))
	for _, url := range []string{"http://hooks.partner.example/x", "https://127.0.0.1/x", "https://169.254.169.254/latest/meta-data",
		"https://[::1]/x", "https://10.0.0.8/x", "https://unknown.example/x"} {
		r := e.admin.Post(t, "/v1/admin/integrations/webhooks", admin, handlertest.JSON(`{"clientId":"partner-demo","url":"`+url+`"}`))
		wantProblem(t, r, http.StatusBadRequest, "WEBHOOK_URL_NOT_ALLOWED")
		if r.Problem(t).Fields()["url"] != "URL_NOT_ALLOWED" {
			t.Errorf("%s: %s", url, r.Raw)
		}
	}
	r := e.admin.Post(t, "/v1/admin/integrations/webhooks", admin,
		handlertest.JSON(`{"clientId":"partner-demo","url":"https://hooks.partner.example/jupang"}`)).Want(t, http.StatusCreated)
	id, _ := r.Body["id"].(string)
	if secret, _ := r.Body["secret"].(string); !strings.HasPrefix(secret, "whsec_") || r.Body["status"] != "ACTIVE" {
		t.Fatalf("created: %s", r.Raw)
	}
	wantProblem(t, e.admin.Post(t, "/v1/admin/integrations/webhooks", admin,
		handlertest.JSON(`{"clientId":"partner-demo","url":"https://hooks.partner.example/again"}`)), http.StatusConflict, "WEBHOOK_ALREADY_REGISTERED")
	wantProblem(t, e.admin.Post(t, "/v1/admin/integrations/webhooks", admin,
		handlertest.JSON(`{"clientId":"nobody","url":"https://hooks.partner.example/x"}`)), http.StatusNotFound, "CLIENT_NOT_FOUND")
	list := e.admin.Get(t, "/v1/admin/integrations/webhooks", admin).Want(t, http.StatusOK)
	if items := list.Items(t); len(items) != 1 || items[0]["id"] != id || items[0]["secret"] != nil {
		t.Fatalf("list: %s", list.Raw)
	}
	e.admin.Do(t, http.MethodDelete, "/v1/admin/integrations/webhooks/"+id, admin).Want(t, http.StatusNoContent)
	wantProblem(t, e.admin.Do(t, http.MethodDelete, "/v1/admin/integrations/webhooks/"+id, admin), http.StatusNotFound, "WEBHOOK_NOT_FOUND")
}

func TestRBAC(t *testing.T) {
	e := newEnv(t, partner.URLPolicy{AllowPrivate: true})
	for _, c := range []*handlertest.Client{e.partner, e.admin} {
		rbactest.Sweep(t, c.Server(), c.Token, rbactest.Options{})
	}
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !contains(b, x) {
			return false
		}
	}
	return true
}

func contains(s []string, x string) bool {
	for _, y := range s {
		if y == x {
			return true
		}
	}
	return false
}
