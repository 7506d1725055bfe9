// Package partnerhttp is the HTTP edge of the partner feed: the pull, ack and retry endpoints of
// the partner binary behind the certificate and signature checks of SPEC §9, and the operators'
// dashboard, dead letters, webhooks and key rotation on the admin binary.
package partnerhttp

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/jupang/jupang/adapters/http/server"
	"github.com/jupang/jupang/core/access"
	"github.com/jupang/jupang/core/integration"
	"github.com/jupang/jupang/core/partner"
)

// PeerNames returns the identities of the verified client certificate of a request (subject CN and
// SANs); none when it came without one. TLSPeer is the production source.
type PeerNames func(c *fiber.Ctx) []string

// TLSPeer reads the leaf of the chain the TLS handshake verified against the partner CA. A
// certificate the server did not verify (no chain) names nobody.
func TLSPeer(c *fiber.Ctx) []string {
	st := c.Context().TLSConnectionState()
	if st == nil || len(st.VerifiedChains) == 0 || len(st.VerifiedChains[0]) == 0 {
		return nil
	}
	leaf := st.VerifiedChains[0][0]
	names := []string{}
	if leaf.Subject.CommonName != "" {
		names = append(names, leaf.Subject.CommonName)
	}
	names = append(names, leaf.DNSNames...)
	for _, u := range leaf.URIs {
		names = append(names, u.String())
	}
	return names
}

// Routes are the partner binary's feed endpoints. Every one passes the gatekeeper first.
func Routes(feed *partner.Feed, gate *partner.Gatekeeper, peer PeerNames) []server.Route {
	h := &feedHandlers{feed: feed}
	guard := signatureGuard(gate, peer)
	return []server.Route{
		{Method: http.MethodGet, Path: "/v1/integrations/events/pull", Policy: access.PartnerIntegrations, Guard: guard, Handler: h.pull},
		{Method: http.MethodPost, Path: "/v1/integrations/events/ack", Policy: access.PartnerIntegrations, Guard: guard, Handler: h.ack},
		{Method: http.MethodPost, Path: "/v1/integrations/events/retry", Policy: access.PartnerIntegrations, Guard: guard, Handler: h.retry},
	}
}

// signatureGuard admits a request whose certificate, signature and nonce the gatekeeper accepts.
func signatureGuard(gate *partner.Gatekeeper, peer PeerNames) fiber.Handler {
	return func(c *fiber.Ctx) error {
		err := gate.Admit(server.Ctx(c), partner.SignedRequest{
			CertificateNames: peer(c), Method: c.Method(), Target: c.OriginalURL(), Body: c.Request().Body(),
			Timestamp: c.Get(partner.HeaderTimestamp), Nonce: c.Get(partner.HeaderNonce), Signature: c.Get(partner.HeaderSignature),
		})
		if err != nil {
			return err
		}
		return c.Next()
	}
}

type feedHandlers struct{ feed *partner.Feed }

// pulledItem is one leased event of a pull.
type pulledItem struct {
	Attempt        int             `json:"attempt"`
	LeaseExpiresAt time.Time       `json:"leaseExpiresAt"`
	Event          json.RawMessage `json:"event"`
}

type pullResponse struct {
	Items        []pulledItem `json:"items"`
	LeaseSeconds int          `json:"leaseSeconds"`
}

func (h *feedHandlers) pull(c *fiber.Ctx) error {
	items, err := h.feed.Pull(server.Ctx(c), partner.PullParams{Max: c.Query("max"), WaitSeconds: c.Query("waitSeconds"), Types: c.Query("types")})
	if err != nil {
		return err
	}
	out := pullResponse{Items: make([]pulledItem, len(items)), LeaseSeconds: int(h.feed.LeaseDuration() / time.Second)}
	for i, it := range items {
		ev, err := integration.CloudEvent(it.Event)
		if err != nil {
			return err
		}
		out.Items[i] = pulledItem{Attempt: it.Attempt, LeaseExpiresAt: it.LeaseUntil, Event: ev}
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(out)
}

type ackRequest struct {
	EventIDs []string `json:"eventIds"`
}

type ackResponse struct {
	Acked        int `json:"acked"`
	AlreadyAcked int `json:"alreadyAcked"`
}

func (h *feedHandlers) ack(c *fiber.Ctx) error {
	var in ackRequest
	if err := server.DecodeJSON(c, &in); err != nil {
		return err
	}
	res, err := h.feed.Ack(server.Ctx(c), in.EventIDs)
	if err != nil {
		return err
	}
	return c.JSON(ackResponse{Acked: res.Acked, AlreadyAcked: res.AlreadyAcked})
}

type retryRequest struct {
	EventIDs     []string `json:"eventIds"`
	DelaySeconds int      `json:"delaySeconds"`
}

type retryResponse struct {
	Retried int `json:"retried"`
}

func (h *feedHandlers) retry(c *fiber.Ctx) error {
	var in retryRequest
	if err := server.DecodeJSON(c, &in); err != nil {
		return err
	}
	n, err := h.feed.Retry(server.Ctx(c), in.EventIDs, in.DelaySeconds)
	if err != nil {
		return err
	}
	return c.JSON(retryResponse{Retried: n})
}
