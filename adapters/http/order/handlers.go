// Package orderhttp is the HTTP edge of the orders area: checkout, a customer's orders and their
// cancellation on the storefront, and fulfilment transitions on the admin binary.
package orderhttp

import (
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/jupang/jupang/adapters/http/server"
	"github.com/jupang/jupang/adapters/moneyfmt"
	"github.com/jupang/jupang/core/access"
	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/order"
)

// StorefrontRoutes are the customer's order endpoints.
func StorefrontRoutes(svc *order.Service) []server.Route {
	h := &handlers{svc: svc}
	return []server.Route{
		{Method: http.MethodPost, Path: "/v1/orders", Policy: access.CustomerOwnData, Idempotency: server.IdempotencyRequired, Handler: h.place},
		{Method: http.MethodGet, Path: "/v1/orders", Policy: access.CustomerOwnData, Handler: h.list},
		{Method: http.MethodGet, Path: "/v1/orders/:id", Policy: access.CustomerOwnData, Handler: h.get},
		{Method: http.MethodPost, Path: "/v1/orders/:id/cancel", Policy: access.CustomerOwnData, Handler: h.cancel},
	}
}

// AdminRoutes are the staff's order endpoints.
func AdminRoutes(svc *order.Service) []server.Route {
	h := &handlers{svc: svc}
	return []server.Route{
		{Method: http.MethodPost, Path: "/v1/admin/orders/:id/transitions", Policy: access.AdminOnly, Handler: h.transition},
	}
}

type handlers struct{ svc *order.Service }

type addressJSON struct {
	Recipient  string `json:"recipient"`
	Phone      string `json:"phone,omitempty"`
	Line1      string `json:"line1"`
	Line2      string `json:"line2,omitempty"`
	City       string `json:"city"`
	Region     string `json:"region,omitempty"`
	PostalCode string `json:"postalCode"`
	Country    string `json:"country"`
}

type itemRequest struct {
	SKUID    string `json:"skuId"`
	Quantity int    `json:"quantity"`
}

type paymentRequest struct {
	Method       string `json:"method"`
	WalletAmount *int64 `json:"walletAmount"`
	CardToken    string `json:"cardToken"`
}

type placeRequest struct {
	Items           []itemRequest  `json:"items"`
	FromCart        bool           `json:"fromCart"`
	UserCouponID    string         `json:"userCouponId"`
	ShippingAddress *addressJSON   `json:"shippingAddress"`
	Payment         paymentRequest `json:"payment"`
}

func (h *handlers) place(c *fiber.Ctx) error {
	var in placeRequest
	if err := server.DecodeJSON(c, &in); err != nil {
		return err
	}
	p := order.PlaceInput{FromCart: in.FromCart, UserCouponID: in.UserCouponID,
		Payment: order.PaymentInput{Method: order.Method(in.Payment.Method), WalletAmount: in.Payment.WalletAmount, CardToken: in.Payment.CardToken}}
	for _, it := range in.Items {
		p.Items = append(p.Items, order.ItemInput{SKUID: it.SKUID, Quantity: it.Quantity})
	}
	if a := in.ShippingAddress; a != nil {
		p.ShippingAddress = &order.Address{Recipient: a.Recipient, Phone: a.Phone, Line1: a.Line1, Line2: a.Line2, City: a.City,
			Region: a.Region, PostalCode: a.PostalCode, Country: a.Country}
	}
	o, err := h.svc.Place(server.Ctx(c), p)
	if err != nil {
		return err
	}
	c.Location("/v1/orders/" + o.ID)
	return c.Status(http.StatusCreated).JSON(orderOut(o, server.Request(c).Locale))
}

func (h *handlers) get(c *fiber.Ctx) error {
	o, err := h.svc.Get(server.Ctx(c), c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(orderOut(o, server.Request(c).Locale))
}

type listJSON struct {
	Items      []orderJSON `json:"items"`
	NextCursor *string     `json:"nextCursor"`
}

func (h *handlers) list(c *fiber.Ctx) error {
	f := order.ListFilter{Status: c.Query("status"), Cursor: c.Query("cursor")}
	var v errs.Validation
	parseTime := func(name string) *time.Time {
		s := c.Query(name)
		if s == "" {
			return nil
		}
		t, err := time.Parse(time.RFC3339, s)
		if !v.Check(err == nil, name, errs.FieldInvalidFormat, "must be an RFC 3339 time such as 2026-11-26T00:00:00Z") {
			return nil
		}
		return &t
	}
	f.From, f.To = parseTime("from"), parseTime("to")
	if s := c.Query("limit"); s != "" {
		n := 0
		for _, ch := range s {
			if ch < '0' || ch > '9' || n > 1000 {
				n = -1
				break
			}
			n = n*10 + int(ch-'0')
		}
		if v.Check(n >= 1 && n <= 100, "limit", errs.FieldOutOfRange, "must be 1..100") {
			f.Limit = n
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	page, err := h.svc.List(server.Ctx(c), f)
	if err != nil {
		return err
	}
	l := server.Request(c).Locale
	out := listJSON{Items: make([]orderJSON, len(page.Items))}
	for i, o := range page.Items {
		out.Items[i] = orderOut(o, l)
	}
	if page.NextCursor != "" {
		out.NextCursor = &page.NextCursor
	}
	return c.JSON(out)
}

type cancelRequest struct {
	Reason string `json:"reason"`
}

func (h *handlers) cancel(c *fiber.Ctx) error {
	var in cancelRequest
	if err := server.DecodeJSON(c, &in); err != nil {
		return err
	}
	o, err := h.svc.Cancel(server.Ctx(c), c.Params("id"), in.Reason)
	if err != nil {
		return err
	}
	return c.JSON(orderOut(o, server.Request(c).Locale))
}

type transitionRequest struct {
	To string `json:"to"`
}

func (h *handlers) transition(c *fiber.Ctx) error {
	var in transitionRequest
	if err := server.DecodeJSON(c, &in); err != nil {
		return err
	}
	req := server.Request(c)
	o, err := h.svc.Fulfil(server.Ctx(c), c.Params("id"), order.Status(in.To), req.Principal.ID)
	if err != nil {
		return err
	}
	return c.JSON(orderOut(o, req.Locale))
}

// Wire shapes (SPEC "Shapes": Order).

type itemJSON struct {
	ID        string          `json:"id"`
	SKUID     string          `json:"skuId"`
	ProductID string          `json:"productId"`
	Name      string          `json:"name"`
	UnitPrice moneyfmt.Amount `json:"unitPrice"`
	Quantity  int             `json:"quantity"`
	Discount  moneyfmt.Amount `json:"discount"`
	LineTotal moneyfmt.Amount `json:"lineTotal"`
}

type amountsJSON struct {
	Subtotal       moneyfmt.Amount `json:"subtotal"`
	ItemDiscount   moneyfmt.Amount `json:"itemDiscount"`
	CouponDiscount moneyfmt.Amount `json:"couponDiscount"`
	ShippingFee    moneyfmt.Amount `json:"shippingFee"`
	Tax            moneyfmt.Amount `json:"tax"`
	TaxIncluded    bool            `json:"taxIncluded"`
	Total          moneyfmt.Amount `json:"total"`
	WalletPaid     moneyfmt.Amount `json:"walletPaid"`
	CardPaid       moneyfmt.Amount `json:"cardPaid"`
	WalletDebit    moneyfmt.Amount `json:"walletDebit"`
}

type cardJSON struct {
	Status string  `json:"status"`
	Masked *string `json:"masked"`
}

type paymentJSON struct {
	Method string    `json:"method"`
	Card   *cardJSON `json:"card"`
}

type timelineJSON struct {
	Status string    `json:"status"`
	At     time.Time `json:"at"`
	Reason string    `json:"reason"`
}

type orderJSON struct {
	ID              string         `json:"id"`
	Number          string         `json:"number"`
	Status          string         `json:"status"`
	Market          string         `json:"market"`
	Currency        string         `json:"currency"`
	Items           []itemJSON     `json:"items"`
	Amounts         amountsJSON    `json:"amounts"`
	UserCouponID    *string        `json:"userCouponId"`
	ShippingAddress addressJSON    `json:"shippingAddress"`
	Payment         paymentJSON    `json:"payment"`
	Timeline        []timelineJSON `json:"timeline"`
	PaymentDeadline *time.Time     `json:"paymentDeadline,omitempty"`
	CreatedAt       time.Time      `json:"createdAt"`
}

func orderOut(o order.Order, l kernel.Locale) orderJSON {
	m := func(a int64) moneyfmt.Amount { return moneyfmt.JSON(o.Money(a), l) }
	a := o.ShippingAddress
	out := orderJSON{ID: o.ID, Number: o.Number, Status: string(o.Status), Market: string(o.Market), Currency: o.Currency.Code,
		Items: make([]itemJSON, len(o.Lines)), PaymentDeadline: o.PaymentDeadline, CreatedAt: o.CreatedAt,
		ShippingAddress: addressJSON{Recipient: a.Recipient, Phone: a.Phone, Line1: a.Line1, Line2: a.Line2, City: a.City,
			Region: a.Region, PostalCode: a.PostalCode, Country: a.Country},
		Amounts: amountsJSON{Subtotal: m(o.Amounts.Subtotal), ItemDiscount: m(o.Amounts.ItemDiscount), CouponDiscount: m(o.Amounts.CouponDiscount),
			ShippingFee: m(o.Amounts.ShippingFee), Tax: m(o.Amounts.Tax), TaxIncluded: o.Amounts.TaxIncluded, Total: m(o.Amounts.Total),
			WalletPaid: m(o.Amounts.WalletPaid), CardPaid: m(o.Amounts.CardPaid),
			WalletDebit: moneyfmt.JSON(kernel.NewMoney(o.Amounts.WalletDebitKRW, kernel.KRW), l)},
		Payment: paymentJSON{Method: string(o.Payment.Method)}}
	if o.UserCouponID != "" {
		out.UserCouponID = &o.UserCouponID
	}
	for i, ln := range o.Lines {
		out.Items[i] = itemJSON{ID: ln.ID, SKUID: ln.SKUID, ProductID: ln.ProductID, Name: ln.Name, UnitPrice: m(ln.UnitPrice),
			Quantity: ln.Quantity, Discount: m(ln.Discount), LineTotal: m(ln.LineTotal)}
	}
	if c := o.Payment.Card; c != nil {
		card := &cardJSON{Status: string(c.Status)}
		if s := c.Masked(); s != "" {
			card.Masked = &s
		}
		out.Payment.Card = card
	}
	for _, e := range o.Timeline {
		out.Timeline = append(out.Timeline, timelineJSON{Status: string(e.To), At: e.At, Reason: e.Reason})
	}
	return out
}
