// Package notificationhttp is the customer's notifications on the storefront.
package notificationhttp

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/jupang/jupang/adapters/http/server"
	"github.com/jupang/jupang/core/access"
	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/notification"
)

// Routes are GET /v1/users/me/notifications.
func Routes(svc *notification.Service) []server.Route {
	h := &handlers{svc: svc}
	return []server.Route{
		{Method: http.MethodGet, Path: "/v1/users/me/notifications", Policy: access.CustomerOwnData, Handler: h.list},
	}
}

type handlers struct{ svc *notification.Service }

type notificationJSON struct {
	ID        string            `json:"id"`
	Type      string            `json:"type"`
	Title     string            `json:"title"`
	Body      string            `json:"body"`
	Data      map[string]string `json:"data"`
	ReadAt    *time.Time        `json:"readAt"`
	CreatedAt time.Time         `json:"createdAt"`
}

type listJSON struct {
	Items      []notificationJSON `json:"items"`
	NextCursor *string            `json:"nextCursor"`
}

func (h *handlers) list(c *fiber.Ctx) error {
	limit := 0
	if s := c.Query("limit"); s != "" {
		n, err := strconv.Atoi(s)
		var v errs.Validation
		if !v.Check(err == nil && n >= 1 && n <= 100, "limit", errs.FieldOutOfRange, "must be 1..100") {
			return v.Err()
		}
		limit = n
	}
	page, err := h.svc.List(server.Ctx(c), server.Request(c).Principal.ID, c.Query("cursor"), limit)
	if err != nil {
		return err
	}
	out := listJSON{Items: make([]notificationJSON, len(page.Items))}
	for i, n := range page.Items {
		data := n.Data
		if data == nil {
			data = map[string]string{}
		}
		out.Items[i] = notificationJSON{ID: n.ID, Type: n.Type, Title: n.Title, Body: n.Body, Data: data, ReadAt: n.ReadAt, CreatedAt: n.CreatedAt}
	}
	if page.NextCursor != "" {
		out.NextCursor = &page.NextCursor
	}
	return c.JSON(out)
}
