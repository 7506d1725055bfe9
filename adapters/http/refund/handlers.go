// Package refundhttp is the HTTP edge of the refunds area: a customer's refund requests on the
// storefront, the staff's approvals and rejections on the admin binary.
package refundhttp

import (
	"context"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/jupang/jupang/adapters/http/server"
	"github.com/jupang/jupang/adapters/moneyfmt"
	"github.com/jupang/jupang/core/access"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/refund"
)

// StorefrontRoutes are the customer's refund endpoints.
func StorefrontRoutes(svc *refund.Service) []server.Route {
	h := &handlers{svc: svc}
	return []server.Route{
		{Method: http.MethodPost, Path: "/v1/wallet/refunds", Policy: access.CustomerOwnData, Idempotency: server.IdempotencyRequired, Handler: h.request},
		{Method: http.MethodGet, Path: "/v1/wallet/refunds/:id", Policy: access.CustomerOwnData, Handler: h.get},
	}
}

// AdminRoutes are the staff's refund decisions.
func AdminRoutes(svc *refund.Service) []server.Route {
	h := &handlers{svc: svc}
	return []server.Route{
		{Method: http.MethodPost, Path: "/v1/admin/refunds/:id/approve", Policy: access.RefundReview, Handler: h.approve},
		{Method: http.MethodPost, Path: "/v1/admin/refunds/:id/reject", Policy: access.RefundReview, Handler: h.reject},
	}
}

type handlers struct{ svc *refund.Service }

type itemRequest struct {
	OrderItemID string `json:"orderItemId"`
	Quantity    int    `json:"quantity"`
}

type requestBody struct {
	OrderID string        `json:"orderId"`
	Items   []itemRequest `json:"items"`
	Reason  string        `json:"reason"`
	Restock bool          `json:"restock"`
}

func (h *handlers) request(c *fiber.Ctx) error {
	var in requestBody
	if err := server.DecodeJSON(c, &in); err != nil {
		return err
	}
	r := refund.RequestInput{OrderID: in.OrderID, Reason: in.Reason, Restock: in.Restock}
	for _, it := range in.Items {
		r.Items = append(r.Items, refund.ItemInput{OrderItemID: it.OrderItemID, Quantity: it.Quantity})
	}
	out, err := h.svc.Request(server.Ctx(c), r)
	if err != nil {
		return err
	}
	c.Location("/v1/wallet/refunds/" + out.ID)
	return c.Status(http.StatusAccepted).JSON(refundOut(out, server.Request(c).Locale))
}

func (h *handlers) get(c *fiber.Ctx) error {
	r, err := h.svc.Get(server.Ctx(c), c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(refundOut(r, server.Request(c).Locale))
}

type decisionBody struct {
	Note string `json:"note"`
}

func (h *handlers) approve(c *fiber.Ctx) error { return h.decide(c, h.svc.Approve) }

func (h *handlers) reject(c *fiber.Ctx) error { return h.decide(c, h.svc.Reject) }

func (h *handlers) decide(c *fiber.Ctx, fn func(ctx context.Context, id, staffID, note string) (refund.Refund, error)) error {
	var in decisionBody
	if len(c.Body()) > 0 {
		if err := server.DecodeJSON(c, &in); err != nil {
			return err
		}
	}
	req := server.Request(c)
	r, err := fn(server.Ctx(c), c.Params("id"), req.Principal.ID, in.Note)
	if err != nil {
		return err
	}
	return c.JSON(refundOut(r, req.Locale))
}

// Wire shapes (SPEC "Shapes": Refund, plus its lines and decision).

type itemJSON struct {
	OrderItemID string          `json:"orderItemId"`
	SKUID       string          `json:"skuId"`
	Quantity    int             `json:"quantity"`
	Amount      moneyfmt.Amount `json:"amount"`
}

type refundJSON struct {
	ID           string          `json:"id"`
	OrderID      string          `json:"orderId"`
	Status       string          `json:"status"`
	Amount       moneyfmt.Amount `json:"amount"`
	WalletCredit moneyfmt.Amount `json:"walletCredit"`
	Reason       string          `json:"reason"`
	Restock      bool            `json:"restock"`
	AutoApproved bool            `json:"autoApproved"`
	Items        []itemJSON      `json:"items"`
	DecisionNote *string         `json:"decisionNote"`
	DecidedAt    *time.Time      `json:"decidedAt"`
	CompletedAt  *time.Time      `json:"completedAt"`
	CreatedAt    time.Time       `json:"createdAt"`
}

func refundOut(r refund.Refund, l kernel.Locale) refundJSON {
	m := func(a int64) moneyfmt.Amount { return moneyfmt.JSON(kernel.NewMoney(a, r.Currency), l) }
	out := refundJSON{ID: r.ID, OrderID: r.OrderID, Status: string(r.Status), Amount: m(r.Amount),
		WalletCredit: moneyfmt.JSON(kernel.NewMoney(r.AmountKRW, kernel.KRW), l), Reason: r.Reason, Restock: r.Restock,
		AutoApproved: r.AutoApproved, Items: make([]itemJSON, len(r.Items)), DecidedAt: r.DecidedAt, CompletedAt: r.CompletedAt,
		CreatedAt: r.CreatedAt}
	if r.DecisionNote != "" {
		out.DecisionNote = &r.DecisionNote
	}
	for i, it := range r.Items {
		out.Items[i] = itemJSON{OrderItemID: it.OrderItemID, SKUID: it.SKUID, Quantity: it.Quantity, Amount: m(it.Amount)}
	}
	return out
}
