// Package inventoryhttp is the HTTP edge of inventory administration on the admin binary: stock
// adjustments (stock-takes of up to 1,000 lines), the audit trail, a SKU's detail and the stock list.
// Inventory staff and admins may call it (policy AdminInventory).
package inventoryhttp

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/jupang/jupang/adapters/http/server"
	"github.com/jupang/jupang/core/access"
	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/inventory"
)

// Routes are the inventory administration endpoints of the admin binary.
func Routes(svc *inventory.Service) []server.Route {
	h := &handlers{svc: svc}
	return []server.Route{
		{Method: http.MethodGet, Path: "/v1/admin/inventory", Policy: access.AdminInventory, Handler: h.list},
		{Method: http.MethodPost, Path: "/v1/admin/inventory/adjustments", Policy: access.AdminInventory,
			Idempotency: server.IdempotencyRequired, Handler: h.adjust},
		{Method: http.MethodGet, Path: "/v1/admin/inventory/audits", Policy: access.AdminInventory, Handler: h.audits},
		{Method: http.MethodGet, Path: "/v1/admin/inventory/skus/:skuId", Policy: access.AdminInventory, Handler: h.sku},
	}
}

type handlers struct{ svc *inventory.Service }

type adjustmentLineJSON struct {
	SKUID           string  `json:"skuId"`
	Delta           *int    `json:"delta,omitempty"`
	SetOnHand       *int    `json:"setOnHand,omitempty"`
	Reason          string  `json:"reason"`
	Note            *string `json:"note,omitempty"`
	ExpectedVersion *int    `json:"expectedVersion,omitempty"`
}

type adjustmentRequest struct {
	Adjustments []adjustmentLineJSON `json:"adjustments"`
}

type levelJSON struct {
	SKUID             string    `json:"skuId"`
	ProductID         string    `json:"productId"`
	OnHand            int       `json:"onHand"`
	Reserved          int       `json:"reserved"`
	Available         int       `json:"available"`
	Version           int       `json:"version"`
	LowStockThreshold int       `json:"lowStockThreshold"`
	LowStock          bool      `json:"lowStock"`
	UpdatedAt         time.Time `json:"updatedAt"`
}

func level(l inventory.Level) levelJSON {
	return levelJSON{SKUID: l.SKUID, ProductID: l.ProductID, OnHand: l.OnHand, Reserved: l.Reserved, Available: l.Available(),
		Version: l.Version, LowStockThreshold: l.Threshold(), LowStock: l.IsLow(), UpdatedAt: l.UpdatedAt}
}

type adjustedJSON struct {
	SKUID     string `json:"skuId"`
	OnHand    int    `json:"onHand"`
	Reserved  int    `json:"reserved"`
	Available int    `json:"available"`
	Version   int    `json:"version"`
}

type adjustmentResponse struct {
	BatchID string         `json:"batchId"`
	Items   []adjustedJSON `json:"items"`
}

func (h *handlers) adjust(c *fiber.Ctx) error {
	var req adjustmentRequest
	if err := server.DecodeJSON(c, &req); err != nil {
		return err
	}
	lines := make([]inventory.AdjustmentLine, len(req.Adjustments))
	for i, l := range req.Adjustments {
		lines[i] = inventory.AdjustmentLine{SKUID: strings.ToLower(l.SKUID), Delta: l.Delta, SetOnHand: l.SetOnHand,
			Reason: inventory.AdjustmentReason(l.Reason), ExpectedVersion: l.ExpectedVersion}
		if l.Note != nil {
			lines[i].Note = *l.Note
		}
	}
	res, err := h.svc.Adjust(server.Ctx(c), server.Request(c).Principal.ID, lines)
	if err != nil {
		return err
	}
	out := adjustmentResponse{BatchID: res.BatchID, Items: make([]adjustedJSON, len(res.Levels))}
	for i, l := range res.Levels {
		out.Items[i] = adjustedJSON{SKUID: l.SKUID, OnHand: l.OnHand, Reserved: l.Reserved, Available: l.Available(), Version: l.Version}
	}
	return c.JSON(out)
}

type countsJSON struct {
	OnHand   int `json:"onHand"`
	Reserved int `json:"reserved"`
}

type auditJSON struct {
	ID               string     `json:"id"`
	SKUID            string     `json:"skuId"`
	Reason           string     `json:"reason"`
	AdjustmentReason *string    `json:"adjustmentReason"`
	DeltaOnHand      int        `json:"deltaOnHand"`
	DeltaReserved    int        `json:"deltaReserved"`
	Before           countsJSON `json:"before"`
	After            countsJSON `json:"after"`
	Version          int        `json:"version"`
	ActorID          *string    `json:"actorId"`
	OrderID          *string    `json:"orderId"`
	BatchID          *string    `json:"batchId"`
	Note             string     `json:"note"`
	TraceID          string     `json:"traceId"`
	CreatedAt        time.Time  `json:"createdAt"`
}

func orNull(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func audit(a inventory.Audit) auditJSON {
	return auditJSON{ID: a.ID, SKUID: a.SKUID, Reason: string(a.Reason), AdjustmentReason: orNull(string(a.AdjustmentReason)),
		DeltaOnHand: a.DeltaOnHand(), DeltaReserved: a.DeltaReserved(),
		Before: countsJSON{OnHand: a.Before.OnHand, Reserved: a.Before.Reserved},
		After:  countsJSON{OnHand: a.After.OnHand, Reserved: a.After.Reserved}, Version: a.VersionAfter,
		ActorID: orNull(a.ActorID), OrderID: orNull(a.OrderID), BatchID: orNull(a.BatchID), Note: a.Note, TraceID: a.TraceID,
		CreatedAt: a.CreatedAt}
}

func audits(as []inventory.Audit) []auditJSON {
	out := make([]auditJSON, len(as))
	for i, a := range as {
		out[i] = audit(a)
	}
	return out
}

type auditPage struct {
	Items      []auditJSON `json:"items"`
	NextCursor *string     `json:"nextCursor"`
}

// queryParams reads the query parameters the handler knows into one validation.
type queryParams struct {
	c *fiber.Ctx
	v errs.Validation
}

func (q *queryParams) time(name string) time.Time {
	raw := q.c.Query(name)
	if raw == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, raw)
	q.v.Check(err == nil, name, errs.FieldInvalidFormat, "must be an RFC 3339 date-time")
	return t.UTC()
}

func (q *queryParams) int(name string) int {
	raw := q.c.Query(name)
	if raw == "" {
		return 0
	}
	n, err := strconv.Atoi(raw)
	q.v.Check(err == nil && n > 0, name, errs.FieldOutOfRange, "must be a positive integer")
	return n
}

func (q *queryParams) bool(name string) bool {
	switch q.c.Query(name) {
	case "", "false":
		return false
	case "true":
		return true
	}
	q.v.Check(false, name, errs.FieldInvalidValue, "must be true or false")
	return false
}

func (h *handlers) audits(c *fiber.Ctx) error {
	q := &queryParams{c: c}
	f := inventory.AuditFilter{AuditQuery: inventory.AuditQuery{
		SKUID: strings.ToLower(c.Query("skuId")), ActorID: strings.ToLower(c.Query("actor")), Reason: inventory.Reason(c.Query("reason")),
		OrderID: strings.ToLower(c.Query("orderId")), From: q.time("from"), To: q.time("to"), Limit: q.int("limit"),
	}, Cursor: c.Query("cursor")}
	if err := q.v.Err(); err != nil {
		return err
	}
	page, err := h.svc.Audits(server.Ctx(c), f)
	if err != nil {
		return err
	}
	return c.JSON(auditPage{Items: audits(page.Items), NextCursor: orNull(page.NextCursor)})
}

type skuDetailJSON struct {
	levelJSON
	Audits []auditJSON `json:"audits"`
}

func (h *handlers) sku(c *fiber.Ctx) error {
	d, err := h.svc.SKU(server.Ctx(c), strings.ToLower(c.Params("skuId")))
	if err != nil {
		return err
	}
	return c.JSON(skuDetailJSON{levelJSON: level(d.Level), Audits: audits(d.Audits)})
}

type levelPage struct {
	Items      []levelJSON `json:"items"`
	NextCursor *string     `json:"nextCursor"`
}

func (h *handlers) list(c *fiber.Ctx) error {
	q := &queryParams{c: c}
	f := inventory.LevelFilter{LowStock: q.bool("lowStock"), ProductID: strings.ToLower(c.Query("productId")),
		Cursor: c.Query("cursor"), Limit: q.int("limit")}
	if err := q.v.Err(); err != nil {
		return err
	}
	page, err := h.svc.ListLevels(server.Ctx(c), f)
	if err != nil {
		return err
	}
	out := levelPage{Items: make([]levelJSON, len(page.Items)), NextCursor: orNull(page.NextCursor)}
	for i, l := range page.Items {
		out.Items[i] = level(l)
	}
	return c.JSON(out)
}
