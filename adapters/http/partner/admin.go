package partnerhttp

import (
	_ "embed" // the dashboard page
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/jupang/jupang/adapters/http/server"
	"github.com/jupang/jupang/core/access"
	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/identity"
	"github.com/jupang/jupang/core/integration"
	"github.com/jupang/jupang/core/partner"
)

//go:embed dashboard.html
var dashboardPage []byte

// DashboardPath is the admin binary's feed dashboard page.
const DashboardPath = "/ops/integrations"

// AdminRoutes are the admin binary's partner-feed endpoints (Admin only) and the dashboard page,
// which holds no data itself: it signs the operator in and calls these endpoints.
func AdminRoutes(feed *partner.Feed, pusher *partner.Pusher, ids *identity.Service) []server.Route {
	h := &adminHandlers{feed: feed, pusher: pusher, ids: ids}
	admin := func(method, path string, handler fiber.Handler) server.Route {
		return server.Route{Method: method, Path: path, Policy: access.AdminOnly, Handler: handler}
	}
	return []server.Route{
		{Method: http.MethodGet, Path: DashboardPath, Policy: access.Public, RateClass: server.RateRead, Handler: dashboard},
		admin(http.MethodGet, "/v1/admin/integrations/feed", h.stats),
		admin(http.MethodGet, "/v1/admin/integrations/feed/dead", h.dead),
		admin(http.MethodPost, "/v1/admin/integrations/feed/dead/retry", h.retryDead),
		admin(http.MethodPost, "/v1/admin/integrations/webhooks", h.createWebhook),
		admin(http.MethodGet, "/v1/admin/integrations/webhooks", h.listWebhooks),
		admin(http.MethodDelete, "/v1/admin/integrations/webhooks/:id", h.deleteWebhook),
		admin(http.MethodPost, "/v1/admin/integrations/partners/:clientId/hmac-keys", h.rotateKey),
	}
}

func dashboard(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Send(dashboardPage)
}

type adminHandlers struct {
	feed   *partner.Feed
	pusher *partner.Pusher
	ids    *identity.Service
}

type topicStats struct {
	Topic                 string `json:"topic"`
	Pending               int    `json:"pending"`
	Leased                int    `json:"leased"`
	Acked                 int    `json:"acked"`
	Dead                  int    `json:"dead"`
	LagSeconds            int64  `json:"lagSeconds"`
	OldestEventAgeSeconds int64  `json:"oldestEventAgeSeconds"`
}

type partnerStats struct {
	ClientID string       `json:"clientId"`
	Name     string       `json:"name"`
	Webhook  *webhookView `json:"webhook"`
	Topics   []topicStats `json:"topics"`
}

type statsResponse struct {
	GeneratedAt        time.Time      `json:"generatedAt"`
	AckedWindowSeconds int            `json:"ackedWindowSeconds"`
	Partners           []partnerStats `json:"partners"`
}

// since is how long ago t was, in whole seconds (0 for none).
func since(now time.Time, t *time.Time) int64 {
	if t == nil {
		return 0
	}
	return int64(now.Sub(*t) / time.Second)
}

func (h *adminHandlers) stats(c *fiber.Ctx) error {
	ctx := server.Ctx(c)
	rows, now, err := h.feed.Stats(ctx)
	if err != nil {
		return err
	}
	hooks, err := h.pusher.Webhooks(ctx)
	if err != nil {
		return err
	}
	out := statsResponse{GeneratedAt: now, AckedWindowSeconds: int(partner.AckedWindow / time.Second), Partners: []partnerStats{}}
	index := map[string]int{}
	entry := func(clientID, name string) *partnerStats {
		i, ok := index[clientID]
		if !ok {
			i = len(out.Partners)
			index[clientID] = i
			out.Partners = append(out.Partners, partnerStats{ClientID: clientID, Name: name, Topics: []topicStats{}})
		}
		return &out.Partners[i]
	}
	for _, r := range rows {
		p := entry(r.ClientID, r.Name)
		p.Topics = append(p.Topics, topicStats{Topic: r.Topic, Pending: r.Pending, Leased: r.Leased, Acked: r.Acked, Dead: r.Dead,
			LagSeconds: since(now, r.OldestDue), OldestEventAgeSeconds: since(now, r.OldestOpen)})
	}
	for _, w := range hooks {
		v := viewOf(w)
		entry(w.Partner, w.Partner).Webhook = &v
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(out)
}

type deadItem struct {
	EventID   string          `json:"eventId"`
	Type      string          `json:"type"`
	Topic     string          `json:"topic"`
	Attempt   int             `json:"attempt"`
	LastError *string         `json:"lastError"`
	CreatedAt time.Time       `json:"createdAt"`
	Event     json.RawMessage `json:"event"`
}

type deadPage struct {
	Items      []deadItem `json:"items"`
	NextCursor *string    `json:"nextCursor"`
}

func (h *adminHandlers) dead(c *fiber.Ctx) error {
	limit := 50
	if raw := c.Query("limit"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil {
			return errs.ErrValidation.WithField("limit", errs.FieldOutOfRange.Code, "must be between 1 and 100")
		}
		limit = n
	}
	clientID := c.Query("clientId")
	if clientID == "" {
		return errs.ErrValidation.WithField("clientId", errs.FieldRequired.Code, "the partner's client id")
	}
	page, next, err := h.feed.DeadLetters(server.Ctx(c), clientID, c.Query("cursor"), limit)
	if err != nil {
		return err
	}
	out := deadPage{Items: make([]deadItem, len(page))}
	for i, d := range page {
		ev, err := integration.CloudEvent(d.Event)
		if err != nil {
			return err
		}
		out.Items[i] = deadItem{EventID: d.Delivery.EventID, Type: d.Delivery.EventType, Topic: d.Delivery.Topic,
			Attempt: d.Delivery.Attempt, LastError: optional(d.Delivery.LastError), CreatedAt: d.Delivery.CreatedAt, Event: ev}
	}
	out.NextCursor = optional(next)
	return c.JSON(out)
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

type retryDeadRequest struct {
	ClientID string   `json:"clientId"`
	EventIDs []string `json:"eventIds"`
}

func (h *adminHandlers) retryDead(c *fiber.Ctx) error {
	var in retryDeadRequest
	if err := server.DecodeJSON(c, &in); err != nil {
		return err
	}
	n, err := h.feed.RetryDead(server.Ctx(c), in.ClientID, in.EventIDs)
	if err != nil {
		return err
	}
	return c.JSON(retryResponse{Retried: n})
}

// webhookView is a webhook as operators see it: never its secret.
type webhookView struct {
	ID                  string     `json:"id"`
	ClientID            string     `json:"clientId"`
	URL                 string     `json:"url"`
	Status              string     `json:"status"`
	ConsecutiveFailures int        `json:"consecutiveFailures"`
	LastSuccessAt       *time.Time `json:"lastSuccessAt"`
	LastFailureAt       *time.Time `json:"lastFailureAt"`
	LastError           *string    `json:"lastError"`
	DisabledAt          *time.Time `json:"disabledAt"`
	CreatedAt           time.Time  `json:"createdAt"`
}

func viewOf(w partner.Webhook) webhookView {
	return webhookView{ID: w.ID, ClientID: w.Partner, URL: w.URL, Status: string(w.Status), ConsecutiveFailures: w.ConsecutiveFailures,
		LastSuccessAt: w.LastSuccessAt, LastFailureAt: w.LastFailureAt, LastError: optional(w.LastError),
		DisabledAt: w.DisabledAt, CreatedAt: w.CreatedAt}
}

type createWebhookRequest struct {
	ClientID string `json:"clientId"`
	URL      string `json:"url"`
}

// createdWebhook is the one answer that shows the signing secret.
type createdWebhook struct {
	webhookView
	Secret string `json:"secret"`
}

func (h *adminHandlers) createWebhook(c *fiber.Ctx) error {
	var in createWebhookRequest
	if err := server.DecodeJSON(c, &in); err != nil {
		return err
	}
	w, err := h.pusher.Register(server.Ctx(c), in.ClientID, in.URL)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Location("/v1/admin/integrations/webhooks")
	return c.Status(http.StatusCreated).JSON(createdWebhook{webhookView: viewOf(w), Secret: w.SigningSecret()})
}

type webhookList struct {
	Items []webhookView `json:"items"`
}

func (h *adminHandlers) listWebhooks(c *fiber.Ctx) error {
	hooks, err := h.pusher.Webhooks(server.Ctx(c))
	if err != nil {
		return err
	}
	out := webhookList{Items: make([]webhookView, len(hooks))}
	for i, w := range hooks {
		out.Items[i] = viewOf(w)
	}
	return c.JSON(out)
}

func (h *adminHandlers) deleteWebhook(c *fiber.Ctx) error {
	if err := h.pusher.Delete(server.Ctx(c), c.Params("id")); err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}

type rotateKeyRequest struct {
	GraceSeconds *int `json:"graceSeconds"` // default: a day
}

const defaultGraceSeconds = 24 * 60 * 60

type rotatedKey struct {
	Secret    string    `json:"secret"`
	CreatedAt time.Time `json:"createdAt"`
	// PreviousKeyRetiresAt is when the key this one replaced stops verifying (null: at once).
	PreviousKeyRetiresAt *time.Time `json:"previousKeyRetiresAt"`
}

func (h *adminHandlers) rotateKey(c *fiber.Ctx) error {
	var in rotateKeyRequest
	if err := server.DecodeJSON(c, &in); err != nil {
		return err
	}
	grace := defaultGraceSeconds
	if in.GraceSeconds != nil {
		grace = *in.GraceSeconds
	}
	secret, key, err := h.ids.RotateHMACKey(server.Ctx(c), c.Params("clientId"), grace)
	if err != nil {
		return err
	}
	out := rotatedKey{Secret: secret, CreatedAt: key.CreatedAt}
	if grace > 0 {
		retires := key.CreatedAt.Add(time.Duration(grace) * time.Second)
		out.PreviousKeyRetiresAt = &retires
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Status(http.StatusCreated).JSON(out)
}
