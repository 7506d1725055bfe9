package partner

import (
	"context"
	"crypto/hmac"
	crand "crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/integration"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/uow"
)

// WebhookStatus says whether deliveries are pushed to a webhook.
type WebhookStatus string

// Webhook states.
const (
	WebhookActive   WebhookStatus = "ACTIVE"
	WebhookDisabled WebhookStatus = "DISABLED" // it kept failing; its deliveries wait for a pull
)

// Webhook is a partner's push endpoint. Deliveries to it follow the Standard Webhooks spec.
type Webhook struct {
	ID                  string
	ClientID            string // the client's internal id
	Partner             string // the client's public id (read from the client)
	URL                 string
	Secret              []byte // the HMAC key; shown once as "whsec_" + base64
	Status              WebhookStatus
	ConsecutiveFailures int
	LastSuccessAt       *time.Time
	LastFailureAt       *time.Time
	LastError           string
	DisabledAt          *time.Time
	CreatedBy           string // the operator's user id
	CreatedAt           time.Time
}

// SigningSecret is the secret as Standard Webhooks libraries take it.
func (w Webhook) SigningSecret() string {
	return "whsec_" + base64.StdEncoding.EncodeToString(w.Secret)
}

// succeeded records a delivered message: the failure streak ends.
func (w Webhook) succeeded(now time.Time) Webhook {
	w.ConsecutiveFailures, w.LastSuccessAt = 0, &now
	return w
}

// failed records a failed delivery; after disableAfter failures in a row the webhook is disabled.
func (w Webhook) failed(now time.Time, reason string, disableAfter int) Webhook {
	w.ConsecutiveFailures++
	w.LastFailureAt, w.LastError = &now, reason
	if w.ConsecutiveFailures >= disableAfter && w.Status == WebhookActive {
		w.Status, w.DisabledAt = WebhookDisabled, &now
	}
	return w
}

// Standard Webhooks headers.
const (
	HeaderWebhookID        = "webhook-id"
	HeaderWebhookTimestamp = "webhook-timestamp"
	HeaderWebhookSignature = "webhook-signature"
)

// SignWebhook is the webhook-signature of a message (Standard Webhooks): "v1," and the base64
// HMAC-SHA256 of "<id>.<unix seconds>.<body>" under the secret's bytes.
func SignWebhook(secret []byte, id string, ts time.Time, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(id + "." + strconv.FormatInt(ts.Unix(), 10) + "."))
	m.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// URLPolicy decides where webhooks may point. Outside dev and test (AllowPrivate false) only https
// URLs whose host resolves to public addresses are accepted, and Senders refuse to connect anywhere
// else, so a webhook cannot reach the loopback, private networks or cloud metadata (no SSRF).
type URLPolicy struct {
	AllowPrivate bool // dev and test: http, loopback and private addresses allowed
}

// blocked are the non-public ranges (RFC 6890 special-purpose registries and friends) that a
// webhook may never reach outside dev and test.
var blocked = func() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range []string{
		"0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
		"192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24",
		"203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
		"::/128", "::1/128", "64:ff9b::/96", "64:ff9b:1::/48", "100::/64", "2001::/23", "2001:db8::/32",
		"2002::/16", "fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8",
	} {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}()

// AllowsAddr reports whether a webhook may connect to a.
func (p URLPolicy) AllowsAddr(a netip.Addr) bool {
	if p.AllowPrivate {
		return a.IsValid()
	}
	a = a.Unmap() // ::ffff:10.0.0.1 is 10.0.0.1
	if !a.IsValid() || !a.IsGlobalUnicast() || a.Zone() != "" {
		return false
	}
	for _, pre := range blocked {
		if pre.Contains(a) {
			return false
		}
	}
	return true
}

var errURLNotAllowed = ErrWebhookURLNotAllowed

// Check parses a webhook URL and, outside dev and test, resolves its host: every address it
// resolves to must be allowed.
func (p URLPolicy) Check(ctx context.Context, r Resolver, raw string) (string, error) {
	bad := func(reason string) error { return errURLNotAllowed.WithField("url", FieldURLNotAllowed.Code, reason) }
	if len(raw) > 2048 {
		return "", bad("must be at most 2048 characters")
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" || u.Opaque != "" {
		return "", bad("must be an absolute URL such as https://partner.example/hooks/jupang")
	}
	switch {
	case u.Scheme != "https" && (!p.AllowPrivate || u.Scheme != "http"):
		return "", bad("must use https")
	case u.User != nil:
		return "", bad("must not carry credentials")
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return "", bad("must not have a fragment")
	}
	if port := u.Port(); port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return "", bad("has an invalid port")
		}
	}
	host := u.Hostname()
	if p.AllowPrivate {
		return u.String(), nil
	}
	if a, err := netip.ParseAddr(host); err == nil {
		if !p.AllowsAddr(a) {
			return "", bad("must not point to a loopback, private or link-local address")
		}
		return u.String(), nil
	}
	addrs, err := r.LookupNetIP(ctx, "ip", host)
	if err != nil || len(addrs) == 0 {
		return "", bad("its host does not resolve")
	}
	for _, a := range addrs {
		if !p.AllowsAddr(a) {
			return "", bad("its host resolves to a loopback, private or link-local address")
		}
	}
	return u.String(), nil
}

// PushOptions tune webhook delivery; zero values take the defaults.
type PushOptions struct {
	Timeout      time.Duration       // one request (10 s)
	PerPass      int                 // messages one pass sends at most (100)
	DisableAfter int                 // failures in a row that disable a webhook (20)
	MaxAttempts  int                 // deliveries before a delivery is dead (DefaultAttempts), shared with pulls
	Backoff      integration.Backoff // between attempts of a delivery and passes of a failing endpoint (5 s … 1 h)
	Policy       URLPolicy
	Jitter       func() float64 // [0, 1); math/rand when nil
}

func (o PushOptions) withDefaults() PushOptions {
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.PerPass <= 0 {
		o.PerPass = 100
	}
	if o.DisableAfter <= 0 {
		o.DisableAfter = 20
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = DefaultAttempts
	}
	if o.Backoff.Base <= 0 {
		o.Backoff.Base = 5 * time.Second
	}
	if o.Backoff.Max <= 0 {
		o.Backoff.Max = time.Hour
	}
	if o.Jitter == nil {
		o.Jitter = rand.Float64 //nolint:gosec // jitter, not a secret
	}
	return o
}

// Pusher registers webhooks and pushes partners' deliveries to them.
type Pusher struct {
	uow      uow.UnitOfWork[Stores]
	partners Partners
	resolver Resolver
	sender   Sender
	clock    kernel.Clock
	opts     PushOptions
}

// NewPusher returns the webhook use cases.
func NewPusher(u uow.UnitOfWork[Stores], partners Partners, resolver Resolver, sender Sender, clock kernel.Clock, opts PushOptions) *Pusher {
	return &Pusher{uow: u, partners: partners, resolver: resolver, sender: sender, clock: clock, opts: opts.withDefaults()}
}

// Register gives a partner a webhook endpoint and a fresh signing secret (returned once, in the
// Webhook). The URL must pass the policy; a partner has at most one webhook.
func (p *Pusher) Register(ctx context.Context, clientID, rawURL string) (Webhook, error) {
	c, err := p.partners.Client(ctx, clientID)
	if err != nil {
		return Webhook{}, err
	}
	u, err := p.opts.Policy.Check(ctx, p.resolver, rawURL)
	if err != nil {
		return Webhook{}, err
	}
	secret := make([]byte, 32)
	if _, err := crand.Read(secret); err != nil {
		return Webhook{}, errs.ErrInternal.Wrap(err)
	}
	w := Webhook{ID: kernel.NewID(), ClientID: c.ID, Partner: c.ClientID, URL: u, Secret: secret, Status: WebhookActive,
		CreatedBy: kernel.RequestFrom(ctx).Principal.ID, CreatedAt: p.clock.Now()}
	err = p.uow.Do(ctx, func(ctx context.Context, st Stores) error { return st.Webhooks.Create(ctx, w) })
	if err != nil {
		return Webhook{}, err
	}
	return w, nil
}

// Webhooks lists every webhook (secrets included: the edge never shows them).
func (p *Pusher) Webhooks(ctx context.Context) ([]Webhook, error) {
	var out []Webhook
	err := p.uow.Do(ctx, func(ctx context.Context, st Stores) error {
		var err error
		out, err = st.Webhooks.List(ctx)
		return err
	})
	return out, err
}

// Delete removes a webhook; its deliveries stay for pulls.
func (p *Pusher) Delete(ctx context.Context, id string) error {
	if !kernel.IsID(id) {
		return ErrWebhookNotFound
	}
	return p.uow.Do(ctx, func(ctx context.Context, st Stores) error { return st.Webhooks.Delete(ctx, id) })
}

// PushResult says what one pass for one webhook did.
type PushResult struct {
	Sent     int
	Failed   bool          // the endpoint failed; the pass stopped there
	Disabled bool          // that failure disabled the webhook
	Wait     time.Duration // when Failed: how long to leave the endpoint alone
	More     bool          // the pass stopped at PerPass: more may be due
}

// PushDue sends a webhook's due deliveries one at a time, oldest first, each leased while it is in
// flight: a 2xx acknowledges it; anything else (an error, a timeout, a redirect, another status)
// backs that delivery off exponentially with jitter, counts a failure against the webhook and
// ends the pass, so a failing endpoint gets one request per pass. After DisableAfter failures in a
// row the webhook is disabled and its deliveries wait for pulls.
func (p *Pusher) PushDue(ctx context.Context, hook Webhook) (PushResult, error) {
	var res PushResult
	for res.Sent < p.opts.PerPass {
		c, ok, err := p.claimOne(ctx, hook.ClientID)
		if err != nil || !ok {
			return res, err
		}
		reason := p.send(ctx, hook, c.Event)
		if reason == "" {
			res.Sent++
			if err := p.record(ctx, hook.ID, c.Delivery, ""); err != nil {
				return res, err
			}
			continue
		}
		if err := p.record(ctx, hook.ID, c.Delivery, reason); err != nil {
			return res, err
		}
		w, err := p.webhook(ctx, hook.ID)
		if errors.Is(err, ErrWebhookNotFound) {
			return res, nil // deleted meanwhile
		}
		if err != nil {
			return res, err
		}
		res.Failed, res.Disabled = true, w.Status == WebhookDisabled
		res.Wait = p.opts.Backoff.Delay(w.ConsecutiveFailures, p.opts.Jitter())
		return res, nil
	}
	res.More = true
	return res, nil
}

// claimOne leases the oldest due delivery of a client for one request's time.
func (p *Pusher) claimOne(ctx context.Context, clientID string) (Claimed, bool, error) {
	var out Claimed
	found := false
	err := p.uow.Do(ctx, func(ctx context.Context, st Stores) error {
		found = false
		for {
			now := p.clock.Now()
			claimed, err := st.Deliveries.ClaimDue(ctx, clientID, nil, now, 1)
			if err != nil || len(claimed) == 0 {
				return err
			}
			d := claimed[0].Delivery.Lease(now, now.Add(2*p.opts.Timeout), p.opts.MaxAttempts)
			if err := st.Deliveries.Save(ctx, []Delivery{d}); err != nil {
				return err
			}
			if d.Status == Leased {
				out, found = Claimed{Delivery: d, Event: claimed[0].Event}, true
				return nil
			}
		}
	})
	return out, found, err
}

// send posts one message and returns why it failed ("" for a 2xx).
func (p *Pusher) send(ctx context.Context, hook Webhook, e integration.Event) string {
	body, err := integration.CloudEvent(e)
	if err != nil {
		return "the event does not encode: " + err.Error()
	}
	ts := p.clock.Now()
	header := map[string]string{
		"content-type":         "application/json",
		HeaderWebhookID:        e.ID,
		HeaderWebhookTimestamp: strconv.FormatInt(ts.Unix(), 10),
		HeaderWebhookSignature: SignWebhook(hook.Secret, e.ID, ts, body),
	}
	sendCtx, cancel := context.WithTimeout(ctx, p.opts.Timeout)
	defer cancel()
	status, err := p.sender.Send(sendCtx, hook.URL, header, body)
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "timed out"
	case err != nil:
		return truncate(err.Error())
	case status < 200 || status > 299:
		return fmt.Sprintf("HTTP %d", status)
	}
	return ""
}

func truncate(s string) string {
	if len(s) > 500 {
		return s[:500]
	}
	return s
}

// record settles a pushed delivery (acknowledged when reason is empty, else backed off) and the
// webhook's failure streak, in one unit of work.
func (p *Pusher) record(ctx context.Context, hookID string, d Delivery, reason string) error {
	return p.uow.Do(ctx, func(ctx context.Context, st Stores) error {
		now := p.clock.Now()
		ds, err := st.Deliveries.Lock(ctx, d.ClientID, []string{d.EventID})
		if err != nil {
			return err
		}
		if len(ds) == 1 && ds[0].Status == Leased && ds[0].Attempt == d.Attempt { // still our lease
			next := ds[0].Ack(now)
			if reason != "" {
				next = ds[0].Failed(now.Add(p.opts.Backoff.Delay(d.Attempt, p.opts.Jitter())), reason)
			}
			if err := st.Deliveries.Save(ctx, []Delivery{next}); err != nil {
				return err
			}
		}
		w, err := st.Webhooks.Lock(ctx, hookID)
		if errors.Is(err, ErrWebhookNotFound) {
			return nil // deleted meanwhile
		}
		if err != nil {
			return err
		}
		if reason == "" {
			w = w.succeeded(now)
		} else {
			w = w.failed(now, reason, p.opts.DisableAfter)
		}
		return st.Webhooks.Save(ctx, w)
	})
}

func (p *Pusher) webhook(ctx context.Context, id string) (Webhook, error) {
	var w Webhook
	err := p.uow.Do(ctx, func(ctx context.Context, st Stores) error {
		var err error
		w, err = st.Webhooks.ByID(ctx, id)
		return err
	})
	return w, err
}
