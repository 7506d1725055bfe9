// Package carthttp is the HTTP edge of the carts: the current cart of a customer or a guest
// session, setting and removing its lines, and merging a guest cart at sign-in. The storefront
// serves them.
package carthttp

import (
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/jupang/jupang/adapters/http/server"
	"github.com/jupang/jupang/adapters/moneyfmt"
	"github.com/jupang/jupang/core/access"
	"github.com/jupang/jupang/core/cart"
	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/kernel"
)

// Handlers serve the cart routes.
type Handlers struct{ svc *cart.Service }

// NewHandlers returns the cart handlers on svc.
func NewHandlers(svc *cart.Service) *Handlers { return &Handlers{svc: svc} }

// Routes are the cart endpoints of the storefront. Guests and customers use the current cart
// (guests by X-Session-Id); only a signed-in customer merges.
func Routes(h *Handlers) []server.Route {
	return []server.Route{
		{Method: http.MethodGet, Path: "/v1/carts/current", Policy: access.Carts, Handler: h.current},
		{Method: http.MethodPut, Path: "/v1/carts/current/items", Policy: access.Carts, Handler: h.setItem},
		{Method: http.MethodDelete, Path: "/v1/carts/current/items/:itemId", Policy: access.Carts, Handler: h.removeItem},
		{Method: http.MethodPost, Path: "/v1/carts/merge", Policy: access.CustomerOwnData, Handler: h.merge},
		{Method: http.MethodPut, Path: "/v1/carts/current/coupon", Policy: access.CustomerOwnData, Handler: h.applyCoupon},
		{Method: http.MethodDelete, Path: "/v1/carts/current/coupon", Policy: access.CustomerOwnData, Handler: h.removeCoupon},
	}
}

type applyCouponRequest struct {
	UserCouponID string `json:"userCouponId"`
}

// applyCoupon is PUT /v1/carts/current/coupon: the coupons area decides whether the coupon can be
// used now (USER_COUPON_NOT_FOUND, COUPON_NOT_APPLICABLE otherwise).
func (h *Handlers) applyCoupon(c *fiber.Ctx) error {
	var in applyCouponRequest
	if err := server.DecodeJSON(c, &in); err != nil {
		return err
	}
	if !kernel.IsID(in.UserCouponID) {
		return errs.ErrValidation.WithField("userCouponId", errs.FieldInvalidID.Code, "must be a UUID")
	}
	req := server.Request(c)
	v, err := h.svc.ApplyCoupon(server.Ctx(c), req, in.UserCouponID)
	if err != nil {
		return err
	}
	return c.JSON(cartOf(v, req.Locale))
}

func (h *Handlers) removeCoupon(c *fiber.Ctx) error {
	req := server.Request(c)
	v, err := h.svc.RemoveCoupon(server.Ctx(c), req)
	if err != nil {
		return err
	}
	return c.JSON(cartOf(v, req.Locale))
}

func (h *Handlers) current(c *fiber.Ctx) error {
	req := server.Request(c)
	v, err := h.svc.Current(server.Ctx(c), req)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderVary, "Accept-Language, X-Market")
	return c.JSON(cartOf(v, req.Locale))
}

type setItemRequest struct {
	SKUID    string `json:"skuId"`
	Quantity *int   `json:"quantity"`
}

func (h *Handlers) setItem(c *fiber.Ctx) error {
	var in setItemRequest
	if err := server.DecodeJSON(c, &in); err != nil {
		return err
	}
	if in.Quantity == nil {
		return errs.ErrValidation.WithField("quantity", errs.FieldRequired.Code, "must be set")
	}
	req := server.Request(c)
	v, err := h.svc.SetItem(server.Ctx(c), req, in.SKUID, *in.Quantity)
	if err != nil {
		return err
	}
	return c.JSON(cartOf(v, req.Locale))
}

func (h *Handlers) removeItem(c *fiber.Ctx) error {
	req := server.Request(c)
	v, err := h.svc.RemoveItem(server.Ctx(c), req, c.Params("itemId"))
	if err != nil {
		return err
	}
	return c.JSON(cartOf(v, req.Locale))
}

type mergeRequest struct {
	SessionID string `json:"sessionId"`
}

func (h *Handlers) merge(c *fiber.Ctx) error {
	var in mergeRequest
	if err := server.DecodeJSON(c, &in); err != nil {
		return err
	}
	req := server.Request(c)
	res, err := h.svc.Merge(server.Ctx(c), req, in.SessionID)
	if err != nil {
		return err
	}
	out := mergeJSON{cartJSON: cartOf(res.Cart, req.Locale), Adjustments: make([]adjustmentJSON, len(res.Adjustments))}
	for i, a := range res.Adjustments {
		out.Adjustments[i] = adjustmentJSON{SKUID: a.SKUID, Requested: a.Requested, Applied: a.Applied, Reason: string(a.Reason)}
	}
	return c.JSON(out)
}

// Wire shapes (SPEC "Shapes": Cart).

type itemJSON struct {
	ID                string            `json:"id"`
	SKUID             string            `json:"skuId"`
	ProductID         string            `json:"productId"`
	Name              string            `json:"name"`
	Attributes        map[string]string `json:"attributes"`
	UnitPrice         *moneyfmt.Amount  `json:"unitPrice"`
	ListPrice         *moneyfmt.Amount  `json:"listPrice"`
	Quantity          int               `json:"quantity"`
	LineTotal         *moneyfmt.Amount  `json:"lineTotal"`
	CouponShare       moneyfmt.Amount   `json:"couponShare"`
	Availability      string            `json:"availability"`
	AvailableQuantity int               `json:"availableQuantity"`
}

type totalsJSON struct {
	Subtotal       moneyfmt.Amount `json:"subtotal"`
	ItemDiscount   moneyfmt.Amount `json:"itemDiscount"`
	CouponDiscount moneyfmt.Amount `json:"couponDiscount"`
	ShippingFee    moneyfmt.Amount `json:"shippingFee"`
	EstimatedTax   moneyfmt.Amount `json:"estimatedTax"`
	TaxIncluded    bool            `json:"taxIncluded"`
	Total          moneyfmt.Amount `json:"total"`
}

type couponJSON struct {
	UserCouponID string   `json:"userCouponId"`
	Code         string   `json:"code"`
	Applied      bool     `json:"applied"`
	Reasons      []string `json:"reasons"`
}

type cartJSON struct {
	ID         *string     `json:"id"`
	Status     string      `json:"status"`
	Market     string      `json:"market"`
	Currency   string      `json:"currency"`
	Items      []itemJSON  `json:"items"`
	CouponCode *string     `json:"couponCode"`
	Coupon     *couponJSON `json:"coupon"`
	Totals     totalsJSON  `json:"totals"`
	ExpiresAt  *time.Time  `json:"expiresAt"`
	UpdatedAt  *time.Time  `json:"updatedAt"`
}

type adjustmentJSON struct {
	SKUID     string `json:"skuId"`
	Requested int    `json:"requested"`
	Applied   int    `json:"applied"`
	Reason    string `json:"reason"`
}

// mergeJSON is the customer's cart with the merge's adjustments next to its fields.
type mergeJSON struct {
	cartJSON
	Adjustments []adjustmentJSON `json:"adjustments"`
}

func cartOf(v cart.View, l kernel.Locale) cartJSON {
	money := func(m kernel.Money) moneyfmt.Amount { return moneyfmt.JSON(m, l) }
	t := v.Totals
	out := cartJSON{Status: string(v.Status), Market: string(v.Market), Currency: v.Market.Currency().Code, Items: make([]itemJSON, len(v.Items)),
		Totals: totalsJSON{Subtotal: money(t.Subtotal), ItemDiscount: money(t.ItemDiscount), CouponDiscount: money(t.CouponDiscount),
			ShippingFee: money(t.ShippingFee), EstimatedTax: money(t.EstimatedTax), TaxIncluded: t.TaxIncluded, Total: money(t.Total)}}
	if v.ID != "" {
		out.ID = &v.ID
		updated := v.UpdatedAt.UTC()
		out.UpdatedAt = &updated
	}
	if !v.ExpiresAt.IsZero() && v.ID != "" {
		exp := v.ExpiresAt.UTC()
		out.ExpiresAt = &exp
	}
	for i, it := range v.Items {
		j := itemJSON{ID: it.ID, SKUID: it.SKUID, ProductID: it.ProductID, Name: it.Name, Attributes: it.Attributes, Quantity: it.Quantity,
			CouponShare: money(it.CouponShare), Availability: string(it.Availability), AvailableQuantity: it.Available}
		if j.Attributes == nil {
			j.Attributes = map[string]string{}
		}
		if it.Priced {
			unit, list, line := money(it.UnitPrice), money(it.ListPrice), money(it.LineTotal)
			j.UnitPrice, j.ListPrice, j.LineTotal = &unit, &list, &line
		}
		out.Items[i] = j
	}
	if v.CouponCode != "" {
		out.CouponCode = &v.CouponCode
		reasons := make([]string, len(v.Coupon.Reasons))
		for i, r := range v.Coupon.Reasons {
			reasons[i] = string(r)
		}
		out.Coupon = &couponJSON{UserCouponID: v.UserCouponID, Code: v.CouponCode, Applied: v.Coupon.Applied, Reasons: reasons}
	}
	return out
}
