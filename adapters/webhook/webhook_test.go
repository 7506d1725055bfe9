package webhook_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/jupang/jupang/adapters/auth"
	"github.com/jupang/jupang/adapters/memory"
	"github.com/jupang/jupang/adapters/webhook"
	"github.com/jupang/jupang/core/identity"
	"github.com/jupang/jupang/core/integration"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/partner"
)

// received is one request an endpoint got.
type received struct {
	ID        string `json:"id"`
	Timestamp string `json:"timestamp"`
	Signature string `json:"signature"`
	Body      string `json:"body"`
}

// endpoint is a local webhook receiver answering status after delay.
type endpoint struct {
	*httptest.Server
	mu     sync.Mutex
	got    []received
	status int
	delay  time.Duration
}

func newEndpoint(t *testing.T, status int) *endpoint {
	e := &endpoint{status: status}
	e.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		e.mu.Lock()
		e.got = append(e.got, received{ID: r.Header.Get("webhook-id"), Timestamp: r.Header.Get("webhook-timestamp"),
			Signature: r.Header.Get("webhook-signature"), Body: string(body)})
		status, delay := e.status, e.delay
		e.mu.Unlock()
		time.Sleep(delay)
		w.WriteHeader(status)
	}))
	t.Cleanup(e.Close)
	return e
}

func (e *endpoint) received() []received {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]received(nil), e.got...)
}

type world struct {
	store  *memory.Store
	ids    *identity.Service
	pusher *partner.Pusher
}

func newWorld(t *testing.T, policy partner.URLPolicy, opts partner.PushOptions) *world {
	t.Helper()
	store := memory.NewStore()
	keys, err := auth.GenerateKeySet()
	if err != nil {
		t.Fatal(err)
	}
	hasher, err := auth.NewArgon2id(auth.Argon2Params{Time: 1, MemoryKiB: 64, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	ids, err := identity.NewService(memory.NewUnitOfWork(store, memory.IdentityStores), hasher, auth.NewSigner(keys, "test"),
		kernel.SystemClock{}, identity.Options{})
	if err != nil {
		t.Fatal(err)
	}
	opts.Policy = policy
	return &world{store: store, ids: ids, pusher: partner.NewPusher(memory.NewUnitOfWork(store, memory.PartnerStores), ids, nil,
		webhook.NewSender(policy), kernel.SystemClock{}, opts)}
}

func (w *world) partnerWithHook(t *testing.T, name, url string) partner.Webhook {
	t.Helper()
	if _, err := w.ids.RegisterClient(context.Background(), identity.ClientInput{ClientID: name, Name: name,
		Secret: "partner-secret-0123", HMACKey: []byte("hmac-key-of-" + name), CertSubject: name}); err != nil {
		t.Fatal(err)
	}
	hook, err := w.pusher.Register(context.Background(), name, url)
	if err != nil {
		t.Fatal(err)
	}
	return hook
}

func (w *world) publish(t *testing.T, n int) []string {
	t.Helper()
	var ids []string
	err := memory.NewUnitOfWork(w.store, memory.IdentityStores).Do(context.Background(), func(ctx context.Context, st identity.Stores) error {
		for i := range n {
			ev, err := integration.NewEvent(ctx, kernel.SystemClock{}, "jupang.orders.v1", "order.paid", "o-"+strconv.Itoa(i),
				"orders/"+strconv.Itoa(i), map[string]any{"orderId": i, "note": "주문 ✓"})
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

// verifyWithStandardWebhooks checks messages with the standardwebhooks npm package (testdata/verify),
// an implementation independent of this repository's signing code.
func verifyWithStandardWebhooks(t *testing.T, secret string, msgs []received) map[string]bool {
	t.Helper()
	dir, err := filepath.Abs("testdata/verify")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "standardwebhooks")); err != nil {
		install := exec.Command("npm", "ci", "--no-audit", "--no-fund", "--prefix", dir)
		if out, err := install.CombinedOutput(); err != nil {
			t.Fatalf("npm ci in %s (Node.js and npm are required for this test): %v\n%s", dir, err, out)
		}
	}
	input, err := json.Marshal(map[string]any{"secret": secret, "messages": msgs})
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "messages.json")
	if err := os.WriteFile(file, input, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("node", filepath.Join(dir, "verify.mjs"), file).Output()
	if err != nil {
		t.Fatalf("node verify.mjs: %v", err)
	}
	var results []struct {
		ID    string
		OK    bool
		Error string
	}
	if err := json.Unmarshal(out, &results); err != nil {
		t.Fatalf("verifier output %q: %v", out, err)
	}
	verdicts := map[string]bool{}
	for _, r := range results {
		verdicts[r.ID] = r.OK
		if !r.OK {
			t.Logf("standardwebhooks refused %s: %s", r.ID, r.Error)
		}
	}
	return verdicts
}

func TestDeliveriesVerifyWithTheStandardWebhooksLibrary(t *testing.T) {
	w := newWorld(t, partner.URLPolicy{AllowPrivate: true}, partner.PushOptions{})
	ep := newEndpoint(t, http.StatusNoContent)
	hook := w.partnerWithHook(t, "hooked", ep.URL+"/hooks/jupang")
	ids := w.publish(t, 3)
	res, err := w.pusher.PushDue(context.Background(), hook)
	if err != nil || res.Sent != 3 {
		t.Fatalf("push = %+v, %v", res, err)
	}
	got := ep.received()
	if len(got) != 3 {
		t.Fatalf("the endpoint got %d requests, want 3", len(got))
	}
	verdicts := verifyWithStandardWebhooks(t, hook.SigningSecret(), got)
	for i, m := range got {
		if m.ID != ids[i] || !verdicts[m.ID] {
			t.Errorf("message %d: id %s (want %s), verified %v", i, m.ID, ids[i], verdicts[m.ID])
		}
		var ev map[string]any
		if err := json.Unmarshal([]byte(m.Body), &ev); err != nil || ev["id"] != m.ID || ev["specversion"] != "1.0" {
			t.Errorf("body is not the CloudEvent: %s", m.Body)
		}
	}
	// The verifier is not vacuous: a changed body, another secret's signature and an old
	// timestamp are refused.
	tampered := got[0]
	tampered.ID, tampered.Body = "tampered", tampered.Body+" "
	wrongKey := got[1]
	wrongKey.ID, wrongKey.Signature = "wrong-key", partner.SignWebhook([]byte("another-secret-0123456789abcdef"), got[1].ID,
		time.Now(), []byte(got[1].Body))
	stale := got[2]
	stale.ID = "stale"
	old := time.Now().Add(-time.Hour)
	stale.Timestamp, stale.Signature = strconv.FormatInt(old.Unix(), 10), partner.SignWebhook(hook.Secret, "stale", old, []byte(stale.Body))
	for id, ok := range verifyWithStandardWebhooks(t, hook.SigningSecret(), []received{tampered, wrongKey, stale}) {
		if ok {
			t.Errorf("standardwebhooks accepted the %s message", id)
		}
	}
}

func TestTheSenderRefusesPrivateAddressesOutsideDev(t *testing.T) {
	ep := newEndpoint(t, http.StatusNoContent)
	// The name resolves to the loopback: checked at connect time, not only when registered.
	for _, url := range []string{ep.URL + "/x", "http://localhost:" + ep.URL[len("http://127.0.0.1:"):] + "/x"} {
		_, err := webhook.NewSender(partner.URLPolicy{}).Send(context.Background(), url, nil, []byte("{}"))
		if !errors.Is(err, webhook.ErrAddressNotAllowed) {
			t.Errorf("%s: err = %v, want the address refused", url, err)
		}
	}
	if n := len(ep.received()); n != 0 {
		t.Fatalf("the loopback endpoint was reached %d times", n)
	}
	if status, err := webhook.NewSender(partner.URLPolicy{AllowPrivate: true}).Send(context.Background(), ep.URL, nil, []byte("{}")); err != nil || status != http.StatusNoContent {
		t.Fatalf("dev policy: %d, %v", status, err)
	}
}

func TestRedirectsAreNotFollowed(t *testing.T) {
	target := newEndpoint(t, http.StatusNoContent)
	redirect := httptest.NewServer(http.RedirectHandler(target.URL, http.StatusTemporaryRedirect))
	t.Cleanup(redirect.Close)
	status, err := webhook.NewSender(partner.URLPolicy{AllowPrivate: true}).Send(context.Background(), redirect.URL, nil, []byte("{}"))
	if err != nil || status != http.StatusTemporaryRedirect || len(target.received()) != 0 {
		t.Fatalf("status %d, %v; the redirect target got %d requests", status, err, len(target.received()))
	}
}

// A partner whose endpoint hangs and fails does not delay another's deliveries, and is disabled
// after failing DisableAfter times in a row.
func TestASlowFailingEndpointBlocksNobodyAndIsDisabled(t *testing.T) {
	w := newWorld(t, partner.URLPolicy{AllowPrivate: true}, partner.PushOptions{Timeout: 300 * time.Millisecond, DisableAfter: 3,
		Backoff: integration.Backoff{Base: 20 * time.Millisecond, Max: 40 * time.Millisecond}})
	slow := newEndpoint(t, http.StatusInternalServerError)
	slow.delay = time.Second
	fast := newEndpoint(t, http.StatusOK)
	slowHook := w.partnerWithHook(t, "slow-partner", slow.URL)
	w.partnerWithHook(t, "fast-partner", fast.URL)
	d := webhook.NewDispatcher(w.pusher, w.store.FeedWakeups(), zap.NewNop())
	d.Refresh, d.Idle = 50*time.Millisecond, 50*time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { d.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	ids := w.publish(t, 20)
	deadline := time.Now().Add(5 * time.Second)
	for len(fast.received()) < len(ids) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := len(fast.received()); n != len(ids) {
		t.Fatalf("the fast partner got %d of %d events while the slow one hung", n, len(ids))
	}
	for time.Now().Before(deadline.Add(5 * time.Second)) {
		hooks, err := w.pusher.Webhooks(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range hooks {
			if h.ID == slowHook.ID && h.Status == partner.WebhookDisabled {
				if h.ConsecutiveFailures != 3 || h.LastError != "timed out" {
					t.Fatalf("disabled webhook: %+v", h)
				}
				if n := len(slow.received()); n != 3 {
					t.Fatalf("the failing endpoint got %d requests, want one per failure (3)", n)
				}
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("the failing webhook was never disabled")
}
