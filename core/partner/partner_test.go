package partner

import (
	"context"
	"encoding/base64"
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/identity"
	"github.com/jupang/jupang/core/kernel"
)

var t0 = time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)

func TestDeliveryLifecycle(t *testing.T) {
	d := Delivery{Status: Pending, VisibleAt: t0}
	if !d.Due(t0) || d.Due(t0.Add(-time.Second)) {
		t.Fatal("a pending delivery is due from its VisibleAt on")
	}
	d = d.Lease(t0, t0.Add(time.Minute), 2)
	if d.Status != Leased || d.Attempt != 1 || !d.VisibleAt.Equal(t0.Add(time.Minute)) || d.Due(t0.Add(59*time.Second)) {
		t.Fatalf("leased = %+v", d)
	}
	if !d.Due(t0.Add(time.Minute)) {
		t.Fatal("an expired lease is due again")
	}
	d = d.Lease(t0.Add(time.Minute), t0.Add(2*time.Minute), 2)
	if d.Attempt != 2 || d.Status != Leased {
		t.Fatalf("second lease = %+v", d)
	}
	dead := d.Lease(t0.Add(2*time.Minute), t0.Add(3*time.Minute), 2)
	if dead.Status != Dead || dead.Attempt != 2 || dead.Due(t0.Add(time.Hour)) {
		t.Fatalf("after max attempts = %+v, want DEAD with 2 attempts", dead)
	}
	revived, err := dead.Redeliver(t0.Add(time.Hour))
	if err != nil || revived.Status != Pending || revived.Attempt != 0 || revived.LeaseUntil != nil {
		t.Fatalf("a retried dead delivery starts over: %+v, %v", revived, err)
	}
	acked := d.Ack(t0.Add(90 * time.Second))
	if acked.Status != Acked || !acked.AckedAt.Equal(t0.Add(90*time.Second)) || acked.Due(t0.Add(time.Hour)) {
		t.Fatalf("acked = %+v", acked)
	}
	if again := acked.Ack(t0.Add(time.Hour)); !again.AckedAt.Equal(*acked.AckedAt) {
		t.Fatal("a second ack changes nothing")
	}
	if _, err := acked.Redeliver(t0); !errors.Is(err, ErrEventAlreadyAcked) {
		t.Fatalf("redeliver acked: %v", err)
	}
}

func TestSubscribes(t *testing.T) {
	for _, c := range []struct {
		subs []string
		typ  string
		want bool
	}{
		{nil, "order.paid", true},
		{[]string{"order.paid"}, "order.paid", true},
		{[]string{"order.paid"}, "order.cancelled", false},
		{[]string{"order.*"}, "order.cancelled", true},
		{[]string{"order.*"}, "orders.paid", false},
		{[]string{"order*"}, "order.paid", false}, // only "<prefix>.*" is a pattern
		{[]string{"coupon.claimed", "inventory.*"}, "inventory.changed", true},
	} {
		if got := Subscribes(c.subs, c.typ); got != c.want {
			t.Errorf("Subscribes(%q, %q) = %v", c.subs, c.typ, got)
		}
	}
}

func TestPullParams(t *testing.T) {
	q, err := PullParams{}.parse()
	if err != nil || q.max != DefaultBatch || q.wait != 0 || q.types != nil {
		t.Fatalf("defaults = %+v, %v", q, err)
	}
	q, err = PullParams{Max: "500", WaitSeconds: "30", Types: "order.paid, coupon.claimed,order.paid"}.parse()
	if err != nil || q.max != 500 || q.wait != 30*time.Second || len(q.types) != 2 {
		t.Fatalf("q = %+v, %v", q, err)
	}
	for _, p := range []PullParams{{Max: "0"}, {Max: "501"}, {Max: "x"}, {WaitSeconds: "31"}, {WaitSeconds: "-1"},
		{Types: "Order.Paid"}, {Types: "order..paid"}, {Types: "order.paid,"}} {
		if _, err := p.parse(); !errors.Is(err, errs.ErrValidation) {
			t.Errorf("%+v: err = %v", p, err)
		}
	}
}

// The expected signature was computed with openssl, independently of this package:
//
//	printf '1764147600\nPOST\n/v1/integrations/events/ack\n<sha256 hex of body>' | openssl dgst -sha256 -hmac partner-demo-hmac-key
func TestSignKnownAnswer(t *testing.T) {
	body := []byte(`{"eventIds":["0190b7a4-1c2d-7e3f-8a9b-0c1d2e3f4a5b"]}`)
	got := Sign([]byte("partner-demo-hmac-key"), "1764147600", "POST", "/v1/integrations/events/ack", body)
	if want := "v1=403183e9a913d90cf41137049912665557e8b2631bf36638c358ad604b8d6e8e"; got != want {
		t.Fatalf("Sign = %s, want %s", got, want)
	}
}

// The vector of the Standard Webhooks specification's examples.
func TestSignWebhookKnownAnswer(t *testing.T) {
	secret, _ := base64.StdEncoding.DecodeString("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	got := SignWebhook(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", time.Unix(1614265330, 0), []byte(`{"test": 2432232314}`))
	if want := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; got != want {
		t.Fatalf("SignWebhook = %s, want %s", got, want)
	}
}

func TestURLPolicy(t *testing.T) {
	prod := URLPolicy{}
	for _, s := range []string{"127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1",
		"0.0.0.0", "255.255.255.255", "224.0.0.1", "::1", "fe80::1", "fd00::1", "::ffff:10.0.0.1", "::ffff:127.0.0.1",
		"64:ff9b::a00:1", "2002:a00:1::", "::"} {
		if prod.AllowsAddr(netip.MustParseAddr(s)) {
			t.Errorf("prod allows %s", s)
		}
	}
	for _, s := range []string{"8.8.8.8", "1.1.1.1", "2606:4700:4700::1111"} {
		if !prod.AllowsAddr(netip.MustParseAddr(s)) {
			t.Errorf("prod refuses %s", s)
		}
	}
	ctx := context.Background()
	dns := fakeResolver{"hooks.partner.example": {"93.184.216.34"}, "rebind.example": {"93.184.216.34", "10.0.0.7"},
		"localhost": {"127.0.0.1"}}
	for _, raw := range []string{"http://hooks.partner.example/x", "https://user:pw@hooks.partner.example/x",
		"https://hooks.partner.example/x#frag", "https://127.0.0.1/x", "https://[::1]:8443/x", "https://169.254.169.254/latest",
		"https://localhost/x", "https://rebind.example/x", "https://nowhere.example/x", "ftp://hooks.partner.example/x",
		"/relative", "https://hooks.partner.example:0/x", "https://0x7f000001/x"} {
		if _, err := prod.Check(ctx, dns, raw); !errors.Is(err, ErrWebhookURLNotAllowed) {
			t.Errorf("prod accepts %q: %v", raw, err)
		}
	}
	if u, err := prod.Check(ctx, dns, "https://hooks.partner.example/jupang?x=1"); err != nil || u != "https://hooks.partner.example/jupang?x=1" {
		t.Errorf("prod refuses a public https URL: %q, %v", u, err)
	}
	dev := URLPolicy{AllowPrivate: true}
	if _, err := dev.Check(ctx, dns, "http://127.0.0.1:9999/hook"); err != nil {
		t.Errorf("dev refuses a local http URL: %v", err)
	}
}

type fakeResolver map[string][]string

func (r fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	var out []netip.Addr
	for _, s := range r[host] {
		out = append(out, netip.MustParseAddr(s))
	}
	if len(out) == 0 {
		return nil, errors.New("no such host")
	}
	return out, nil
}

func TestHub(t *testing.T) {
	h := NewHub()
	a, cancelA := h.Subscribe("a")
	b, cancelB := h.Subscribe("b")
	defer cancelB()
	h.Notify("a")
	h.Notify("a") // coalesces
	select {
	case <-a:
	default:
		t.Fatal("a was not woken")
	}
	select {
	case <-a:
		t.Fatal("signals coalesce")
	case <-b:
		t.Fatal("b was woken by a's notification")
	default:
	}
	cancelA()
	h.Notify("a") // nobody listens: no panic, no block
	h.Close()
	if _, open := <-b; open {
		t.Fatal("Close closes subscriptions")
	}
	late, _ := h.Subscribe("c")
	if _, open := <-late; open {
		t.Fatal("a subscription after Close is closed")
	}
}

func TestCheckNonceAndTimestamp(t *testing.T) {
	now := time.Unix(1764147600, 0)
	for raw, ok := range map[string]bool{"1764147600": true, "1764147300": true, "1764147900": true, "1764147299": false,
		"1764147901": false, "": false, "-1": false, "1e9": false, "17641476000000": false} {
		if _, err := checkTimestamp(raw, now); (err == nil) != ok {
			t.Errorf("timestamp %q: %v", raw, err)
		}
	}
	for n, ok := range map[string]bool{"abcdefgh": true, "abc": false, "0190b7a4-1c2d_7e3f.8a9b~": true, "has space1": false,
		"ünïcode123": false, string(make([]byte, 129)): false} {
		if err := checkNonce(n); (err == nil) != ok {
			t.Errorf("nonce %q: %v", n, err)
		}
	}
}

func TestVerifiesWithEitherKeyDuringRotation(t *testing.T) {
	old, cur := []byte("old-key-0123456789"), []byte("new-key-0123456789")
	r := SignedRequest{Method: "GET", Target: "/v1/integrations/events/pull?max=1", Timestamp: "1764147600"}
	keys := []identity.HMACKey{{Secret: cur}, {Secret: old}}
	for _, k := range [][]byte{old, cur} {
		r.Signature = Sign(k, r.Timestamp, r.Method, r.Target, nil)
		if !verifies(keys, r) {
			t.Errorf("a signature by %s does not verify", k)
		}
	}
	r.Signature = Sign([]byte("another-partner-key"), r.Timestamp, r.Method, r.Target, nil)
	if verifies(keys, r) {
		t.Error("another key verifies")
	}
	r.Signature = Sign(cur, r.Timestamp, r.Method, "/v1/integrations/events/pull?max=2", nil)
	if verifies(keys, r) {
		t.Error("a signature of another target verifies")
	}
	for _, bad := range []string{"", "v1=", "v2=" + Sign(cur, r.Timestamp, r.Method, r.Target, nil)[3:], "v1=zz"} {
		r.Signature = bad
		if verifies(keys, r) {
			t.Errorf("%q verifies", bad)
		}
	}
}

func TestCallerMustBeAPartner(t *testing.T) {
	f := &Feed{}
	if _, err := f.Pull(context.Background(), PullParams{}); !errors.Is(err, errs.ErrUnauthenticated) {
		t.Fatalf("guest: %v", err)
	}
	ctx := kernel.WithRequest(context.Background(), kernel.Request{Principal: kernel.Principal{ID: kernel.NewID(), Roles: []kernel.Role{kernel.RoleAdmin}}})
	if _, err := f.Ack(ctx, []string{kernel.NewID()}); !errors.Is(err, errs.ErrForbidden) {
		t.Fatalf("admin: %v", err)
	}
}
