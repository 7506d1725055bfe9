// Package couponhttp is the HTTP edge of the coupon area: claims, validation and the customer's own
// coupons on the storefront; the coupon administration on the admin binary.
package couponhttp

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/jupang/jupang/adapters/http/server"
	"github.com/jupang/jupang/adapters/moneyfmt"
	"github.com/jupang/jupang/core/access"
	"github.com/jupang/jupang/core/catalog"
	"github.com/jupang/jupang/core/coupon"
	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/kernel"
)

// Handlers serve the coupon endpoints.
type Handlers struct {
	svc       *coupon.Service
	admission *Admission
	cart      *coupon.CartValidation // nil: only validation against items
}

// NewHandlers returns the coupon handlers; claims go through admission; cart may be nil.
func NewHandlers(svc *coupon.Service, admission *Admission, cart *coupon.CartValidation) *Handlers {
	return &Handlers{svc: svc, admission: admission, cart: cart}
}

// StorefrontRoutes are the customer's coupon endpoints.
func StorefrontRoutes(h *Handlers) []server.Route {
	return []server.Route{
		{Method: http.MethodPost, Path: "/v1/coupons/validate", Policy: access.CustomerOwnData, Handler: h.validate},
		{Method: http.MethodPost, Path: "/v1/coupons/:code/claim", Policy: access.CustomerOwnData, RateClass: server.RateCouponClaim,
			Guard: h.claimGuard, Handler: h.claim},
		{Method: http.MethodGet, Path: "/v1/users/me/coupons", Policy: access.CustomerOwnData, Handler: h.myCoupons},
		{Method: http.MethodGet, Path: "/v1/users/me/coupons/:id/history", Policy: access.CustomerOwnData, Handler: h.history},
	}
}

// AdminRoutes are the coupon administration endpoints (Marketing, Admin).
func AdminRoutes(h *Handlers) []server.Route {
	return []server.Route{
		{Method: http.MethodPost, Path: "/v1/admin/coupons", Policy: access.AdminCoupons, Handler: h.create},
		{Method: http.MethodGet, Path: "/v1/admin/coupons", Policy: access.AdminCoupons, Handler: h.list},
		{Method: http.MethodGet, Path: "/v1/admin/coupons/:id", Policy: access.AdminCoupons, Handler: h.get},
		{Method: http.MethodPatch, Path: "/v1/admin/coupons/:id", Policy: access.AdminCoupons, Handler: h.patch},
		{Method: http.MethodGet, Path: "/v1/admin/coupons/:id/stats", Policy: access.AdminCoupons, Handler: h.stats},
		{Method: http.MethodPost, Path: "/v1/admin/coupons/:id/user-coupons/:userCouponId/cancel", Policy: access.AdminCoupons, Handler: h.cancel},
	}
}

// claimGuard answers a claim of a coupon this instance knows is sold out at once, without a
// database round trip or an admission slot, unless the request carries an Idempotency-Key (its
// stored outcome, if any, must win); every other claim goes through admission.
func (h *Handlers) claimGuard(c *fiber.Ctx) error {
	if server.Request(c).IdempotencyKey == "" && h.svc.SoldOut().Latched(c.Params("code"), time.Now()) {
		_, err := h.svc.Claim(server.Ctx(c), server.Request(c).Principal.ID, c.Params("code")) // answered from the latch
		if err != nil {
			return err
		}
	}
	if h.admission == nil {
		return c.Next()
	}
	return h.admission.Guard(c)
}

func (h *Handlers) claim(c *fiber.Ctx) error {
	req := server.Request(c)
	uc, err := h.svc.Claim(server.Ctx(c), req.Principal.ID, c.Params("code"))
	if err != nil {
		return err
	}
	return c.Status(http.StatusCreated).JSON(userCouponOf(uc))
}

type userCouponJSON struct {
	ID        string     `json:"id"`
	CouponID  string     `json:"couponId"`
	Code      string     `json:"code"`
	Status    string     `json:"status"`
	ClaimNo   int        `json:"claimNo"`
	ClaimedAt time.Time  `json:"claimedAt"`
	ExpiresAt time.Time  `json:"expiresAt"`
	UsedAt    *time.Time `json:"usedAt"`
	OrderID   *string    `json:"orderId"`
}

func userCouponOf(uc coupon.UserCoupon) userCouponJSON {
	out := userCouponJSON{ID: uc.ID, CouponID: uc.CouponID, Code: uc.Code, Status: string(uc.Status), ClaimNo: uc.ClaimNo,
		ClaimedAt: uc.ClaimedAt, ExpiresAt: uc.ExpiresAt, UsedAt: uc.UsedAt}
	if uc.UsedOrderID != "" {
		id := uc.UsedOrderID
		out.OrderID = &id
	}
	return out
}

// pageLimit reads limit (1–100, default 20).
func pageLimit(c *fiber.Ctx) (int, error) {
	raw := c.Query("limit")
	if raw == "" {
		return 20, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 || n > 100 {
		return 0, errs.ErrValidation.WithField("limit", errs.FieldOutOfRange.Code, "1 to 100")
	}
	return n, nil
}

func (h *Handlers) myCoupons(c *fiber.Ctx) error {
	status, err := coupon.ParseUserStatus("status", c.Query("status"))
	if err != nil {
		return err
	}
	limit, err := pageLimit(c)
	if err != nil {
		return err
	}
	page, err := h.svc.MyCoupons(server.Ctx(c), server.Request(c).Principal.ID, status, c.Query("cursor"), limit)
	if err != nil {
		return err
	}
	out := struct {
		Items      []userCouponJSON `json:"items"`
		NextCursor *string          `json:"nextCursor"`
	}{Items: make([]userCouponJSON, len(page.Items))}
	for i, uc := range page.Items {
		out.Items[i] = userCouponOf(uc)
	}
	if page.NextCursor != "" {
		out.NextCursor = &page.NextCursor
	}
	return c.JSON(out)
}

type historyJSON struct {
	From    *string   `json:"from"`
	To      string    `json:"to"`
	Reason  string    `json:"reason"`
	OrderID *string   `json:"orderId"`
	By      string    `json:"by"` // customer, staff or system
	At      time.Time `json:"at"`
}

func (h *Handlers) history(c *fiber.Ctx) error {
	me := server.Request(c).Principal.ID
	entries, err := h.svc.History(server.Ctx(c), me, c.Params("id"))
	if err != nil {
		return err
	}
	out := struct {
		Items []historyJSON `json:"items"`
	}{Items: make([]historyJSON, len(entries))}
	for i, e := range entries {
		j := historyJSON{To: string(e.To), Reason: e.Reason, At: e.At, By: "system"}
		if e.From != "" {
			from := string(e.From)
			j.From = &from
		}
		if e.OrderID != "" {
			id := e.OrderID
			j.OrderID = &id
		}
		switch e.ActorID {
		case "":
		case me:
			j.By = "customer"
		default:
			j.By = "staff"
		}
		out.Items[i] = j
	}
	return c.JSON(out)
}

type itemJSON struct {
	ProductID string `json:"productId"`
	SKUID     string `json:"skuId"`
	Quantity  int    `json:"quantity"`
}

type validateRequest struct {
	Code         string     `json:"code"`
	UserCouponID string     `json:"userCouponId"`
	Cart         string     `json:"cart"`
	Items        []itemJSON `json:"items"`
}

type reasonJSON struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func textIn(t errs.Text, l kernel.Locale) string {
	switch l {
	case kernel.LocaleKO:
		return t.KO
	case kernel.LocaleJA:
		return t.JA
	}
	return t.EN
}

func (h *Handlers) validate(c *fiber.Ctx) error {
	var in validateRequest
	if err := server.DecodeJSON(c, &in); err != nil {
		return err
	}
	req := server.Request(c)
	input := coupon.ValidateInput{Code: in.Code, UserCouponID: in.UserCouponID}
	switch {
	case in.Cart != "" && in.Items != nil, in.Cart == "" && in.Items == nil:
		return errs.ErrValidation.WithField("items", errs.FieldRequired.Code, `give either cart: "current" or items`)
	case in.Cart != "" && in.Cart != "current":
		return errs.ErrValidation.WithField("cart", errs.FieldInvalidValue.Code, `the only cart is "current"`)
	case in.Cart == "current" && h.cart == nil:
		return errs.ErrValidation.WithField("cart", errs.FieldInvalidValue.Code, "this server validates against items only")
	case in.Cart == "":
		input.Items = make([]coupon.Item, len(in.Items))
		for i, it := range in.Items {
			input.Items[i] = coupon.Item{ProductID: it.ProductID, SKUID: it.SKUID, Quantity: it.Quantity}
		}
	}
	var v coupon.Verdict
	var err error
	if in.Cart == "current" {
		v, err = h.cart.Validate(server.Ctx(c), req, input)
	} else {
		v, err = h.svc.Validate(server.Ctx(c), req.Principal.ID, req.Market, input)
	}
	if err != nil {
		return err
	}
	out := struct {
		Valid        bool            `json:"valid"`
		Discount     moneyfmt.Amount `json:"discount"`
		Reasons      []reasonJSON    `json:"reasons"`
		Code         string          `json:"code"`
		UserCouponID *string         `json:"userCouponId"`
	}{Valid: v.Valid, Discount: moneyfmt.JSON(v.Discount, req.Locale), Reasons: []reasonJSON{}, Code: v.Coupon.Code}
	for _, r := range v.Reasons {
		out.Reasons = append(out.Reasons, reasonJSON{Code: r.Code, Message: textIn(r.Text, req.Locale)})
	}
	if v.UserCouponID != "" {
		out.UserCouponID = &v.UserCouponID
	}
	c.Set(fiber.HeaderContentLanguage, string(req.Locale))
	return c.JSON(out)
}

// Admin wire shapes.

type namesJSON struct {
	KO string `json:"ko"`
	EN string `json:"en"`
	JA string `json:"ja"`
}

func (n namesJSON) localized() catalog.Localized {
	return catalog.Localized{kernel.LocaleKO: n.KO, kernel.LocaleEN: n.EN, kernel.LocaleJA: n.JA}
}

type targetsJSON struct {
	Markets     []string `json:"markets"`
	CategoryIDs []string `json:"categoryIds"`
	ProductIDs  []string `json:"productIds"`
}

func (t *targetsJSON) targets() coupon.Targets {
	if t == nil {
		return coupon.Targets{}
	}
	out := coupon.Targets{CategoryIDs: t.CategoryIDs, ProductIDs: t.ProductIDs}
	for _, m := range t.Markets {
		out.Markets = append(out.Markets, kernel.Market(m))
	}
	return out
}

type createRequest struct {
	Code           string       `json:"code"`
	Name           namesJSON    `json:"name"`
	Type           string       `json:"type"`
	Value          int64        `json:"value"`
	MaxDiscount    *int64       `json:"maxDiscount"`
	MinOrderAmount *int64       `json:"minOrderAmount"`
	ValidFrom      time.Time    `json:"validFrom"`
	ValidUntil     time.Time    `json:"validUntil"`
	ValidDays      *int         `json:"validDays"`
	TotalQuantity  *int         `json:"totalQuantity"`
	PerUserLimit   *int         `json:"perUserLimit"`
	Targets        *targetsJSON `json:"targets"`
	Status         string       `json:"status"`
}

type couponJSON struct {
	ID             string      `json:"id"`
	Version        int         `json:"version"`
	Code           string      `json:"code"`
	Name           namesJSON   `json:"name"`
	Type           string      `json:"type"`
	Value          int64       `json:"value"`
	MaxDiscount    *int64      `json:"maxDiscount"`
	MinOrderAmount int64       `json:"minOrderAmount"`
	ValidFrom      time.Time   `json:"validFrom"`
	ValidUntil     time.Time   `json:"validUntil"`
	ValidDays      *int        `json:"validDays"`
	TotalQuantity  *int        `json:"totalQuantity"`
	Issued         int         `json:"issued"`
	Remaining      *int        `json:"remaining"`
	PerUserLimit   int         `json:"perUserLimit"`
	Targets        targetsJSON `json:"targets"`
	Status         string      `json:"status"`
	CreatedAt      time.Time   `json:"createdAt"`
	UpdatedAt      time.Time   `json:"updatedAt"`
}

func couponOf(c coupon.Coupon) couponJSON {
	out := couponJSON{ID: c.ID, Version: c.Version, Code: c.Code,
		Name: namesJSON{KO: c.Name[kernel.LocaleKO], EN: c.Name[kernel.LocaleEN], JA: c.Name[kernel.LocaleJA]},
		Type: string(c.Type), Value: c.Value, MaxDiscount: c.MaxDiscount, MinOrderAmount: c.MinOrderAmount,
		ValidFrom: c.ValidFrom, ValidUntil: c.ValidUntil, ValidDays: c.ValidDays, TotalQuantity: c.TotalQuantity,
		Issued: c.Issued, Remaining: c.Remaining(), PerUserLimit: c.PerUserLimit, Status: string(c.Status),
		CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt,
		Targets: targetsJSON{Markets: []string{}, CategoryIDs: nonNil(c.Targets.CategoryIDs), ProductIDs: nonNil(c.Targets.ProductIDs)}}
	for _, m := range c.Targets.Markets {
		out.Targets.Markets = append(out.Targets.Markets, string(m))
	}
	return out
}

func nonNil(xs []string) []string {
	if xs == nil {
		return []string{}
	}
	return xs
}

func etag(version int) string { return `"` + strconv.Itoa(version) + `"` }

func (h *Handlers) create(c *fiber.Ctx) error {
	var in createRequest
	if err := server.DecodeJSON(c, &in); err != nil {
		return err
	}
	def := coupon.Coupon{Code: in.Code, Name: in.Name.localized(), Type: coupon.Type(in.Type), Value: in.Value,
		MaxDiscount: in.MaxDiscount, ValidFrom: in.ValidFrom, ValidUntil: in.ValidUntil, ValidDays: in.ValidDays,
		TotalQuantity: in.TotalQuantity, PerUserLimit: 1, Targets: in.Targets.targets(), Status: coupon.Status(in.Status)}
	if in.MinOrderAmount != nil {
		def.MinOrderAmount = *in.MinOrderAmount
	}
	if in.PerUserLimit != nil {
		def.PerUserLimit = *in.PerUserLimit
	}
	made, err := h.svc.Create(server.Ctx(c), server.Request(c).Principal.ID, def)
	if err != nil {
		return err
	}
	c.Location("/v1/admin/coupons/" + made.ID)
	c.Set(fiber.HeaderETag, etag(made.Version))
	return c.Status(http.StatusCreated).JSON(couponOf(made))
}

func (h *Handlers) get(c *fiber.Ctx) error {
	got, err := h.svc.Get(server.Ctx(c), c.Params("id"))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderETag, etag(got.Version))
	return c.JSON(couponOf(got))
}

func (h *Handlers) list(c *fiber.Ctx) error {
	status, err := coupon.ParseStatus("status", c.Query("status"))
	if err != nil {
		return err
	}
	limit, err := pageLimit(c)
	if err != nil {
		return err
	}
	page, err := h.svc.List(server.Ctx(c), status, c.Query("cursor"), limit)
	if err != nil {
		return err
	}
	out := struct {
		Items      []couponJSON `json:"items"`
		NextCursor *string      `json:"nextCursor"`
	}{Items: make([]couponJSON, len(page.Items))}
	for i, it := range page.Items {
		out.Items[i] = couponOf(it)
	}
	if page.NextCursor != "" {
		out.NextCursor = &page.NextCursor
	}
	return c.JSON(out)
}

// optional is a PATCH member that may be null: Set says it was present.
type optional[T any] struct {
	Set   bool
	Value *T
}

func (o *optional[T]) UnmarshalJSON(b []byte) error {
	o.Set = true
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		o.Value = nil
		return nil
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	o.Value = &v
	return nil
}

type patchRequest struct {
	Name           *namesJSON      `json:"name"`
	Type           *string         `json:"type"`
	Value          *int64          `json:"value"`
	MaxDiscount    optional[int64] `json:"maxDiscount"`
	MinOrderAmount *int64          `json:"minOrderAmount"`
	ValidFrom      *time.Time      `json:"validFrom"`
	ValidUntil     *time.Time      `json:"validUntil"`
	ValidDays      optional[int]   `json:"validDays"`
	TotalQuantity  optional[int]   `json:"totalQuantity"`
	PerUserLimit   *int            `json:"perUserLimit"`
	Targets        *targetsJSON    `json:"targets"`
	Status         *string         `json:"status"`
}

// ifMatch reads the expected version from If-Match: "3", W/"3" or 3.
func ifMatch(c *fiber.Ctx) (int, error) {
	raw := strings.TrimSpace(c.Get(fiber.HeaderIfMatch))
	if raw == "" {
		return 0, errs.ErrValidation.WithField("If-Match", errs.FieldRequired.Code, "send the coupon's ETag (its version)")
	}
	v, err := strconv.Atoi(strings.Trim(strings.TrimPrefix(raw, "W/"), `"`))
	if err != nil || v < 1 {
		return 0, errs.ErrValidation.WithField("If-Match", errs.FieldInvalidFormat.Code, `an ETag such as "3"`)
	}
	return v, nil
}

func (h *Handlers) patch(c *fiber.Ctx) error {
	version, err := ifMatch(c)
	if err != nil {
		c.Locals("jupang.rejected", true)
		return err
	}
	var in patchRequest
	if err := server.DecodeJSON(c, &in); err != nil {
		return err
	}
	p := coupon.Patch{Value: in.Value, MinOrderAmount: in.MinOrderAmount, ValidFrom: in.ValidFrom, ValidUntil: in.ValidUntil,
		PerUserLimit:  in.PerUserLimit,
		MaxDiscount:   coupon.Optional[int64]{Set: in.MaxDiscount.Set, Value: in.MaxDiscount.Value},
		ValidDays:     coupon.Optional[int]{Set: in.ValidDays.Set, Value: in.ValidDays.Value},
		TotalQuantity: coupon.Optional[int]{Set: in.TotalQuantity.Set, Value: in.TotalQuantity.Value}}
	if in.Name != nil {
		p.Name = in.Name.localized()
	}
	if in.Type != nil {
		t := coupon.Type(*in.Type)
		p.Type = &t
	}
	if in.Targets != nil {
		t := in.Targets.targets()
		p.Targets = &t
	}
	if in.Status != nil {
		s := coupon.Status(*in.Status)
		p.Status = &s
	}
	got, err := h.svc.Update(server.Ctx(c), server.Request(c).Principal.ID, c.Params("id"), version, p)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderETag, etag(got.Version))
	return c.JSON(couponOf(got))
}

type cancelRequest struct {
	Reason string `json:"reason"`
}

// cancel withdraws a customer's unused coupon; the answer is the user coupon, now CANCELLED.
func (h *Handlers) cancel(c *fiber.Ctx) error {
	var in cancelRequest
	if err := server.DecodeJSON(c, &in); err != nil {
		return err
	}
	uc, err := h.svc.Cancel(server.Ctx(c), server.Request(c).Principal.ID, c.Params("id"), c.Params("userCouponId"), in.Reason)
	if err != nil {
		return err
	}
	return c.JSON(userCouponOf(uc))
}

type hourJSON struct {
	Hour  time.Time `json:"hour"`
	Count int       `json:"count"`
}

func (h *Handlers) stats(c *fiber.Ctx) error {
	st, err := h.svc.Stats(server.Ctx(c), c.Params("id"))
	if err != nil {
		return err
	}
	l := server.Request(c).Locale
	out := struct {
		CouponID       string            `json:"couponId"`
		Issued         int               `json:"issued"`
		Remaining      *int              `json:"remaining"`
		Available      int               `json:"available"`
		Used           int               `json:"used"`
		Expired        int               `json:"expired"`
		Cancelled      int               `json:"cancelled"`
		RedemptionRate float64           `json:"redemptionRate"`
		DiscountGiven  []moneyfmt.Amount `json:"discountGiven"`
		ClaimsPerHour  []hourJSON        `json:"claimsPerHour"`
	}{CouponID: st.Coupon.ID, Issued: st.Issued, Remaining: st.Remaining, Available: st.Available, Used: st.Used,
		Expired: st.Expired, Cancelled: st.Cancelled, RedemptionRate: st.RedemptionRate,
		DiscountGiven: []moneyfmt.Amount{}, ClaimsPerHour: make([]hourJSON, len(st.ClaimsPerHour))}
	for _, m := range st.DiscountGiven {
		out.DiscountGiven = append(out.DiscountGiven, moneyfmt.JSON(m, l))
	}
	for i, hc := range st.ClaimsPerHour {
		out.ClaimsPerHour[i] = hourJSON{Hour: hc.Hour, Count: hc.Count}
	}
	c.Set(fiber.HeaderContentLanguage, string(l))
	return c.JSON(out)
}
