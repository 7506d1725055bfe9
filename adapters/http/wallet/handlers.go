// Package wallethttp is the HTTP edge of the customer's wallet on the storefront: the balance and
// the ledger (policy CustomerOwnData: a customer sees only their own).
package wallethttp

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/jupang/jupang/adapters/http/server"
	"github.com/jupang/jupang/adapters/moneyfmt"
	"github.com/jupang/jupang/core/access"
	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/wallet"
)

// Routes are the wallet endpoints of the storefront.
func Routes(svc *wallet.Service) []server.Route {
	h := &handlers{svc: svc}
	return []server.Route{
		{Method: http.MethodGet, Path: "/v1/wallet/balance", Policy: access.CustomerOwnData, Handler: h.balance},
		{Method: http.MethodGet, Path: "/v1/wallet/transactions", Policy: access.CustomerOwnData, Handler: h.transactions},
	}
}

type handlers struct{ svc *wallet.Service }

type balanceJSON struct {
	Balance   moneyfmt.Amount `json:"balance"`
	UpdatedAt time.Time       `json:"updatedAt"`
}

func (h *handlers) balance(c *fiber.Ctx) error {
	req := server.Request(c)
	w, err := h.svc.Balance(server.Ctx(c), req.Principal.ID)
	if err != nil {
		return err
	}
	return c.JSON(balanceJSON{Balance: moneyfmt.JSON(kernel.NewMoney(w.Balance, w.Currency), req.Locale), UpdatedAt: w.UpdatedAt})
}

type entryJSON struct {
	ID           string          `json:"id"`
	Type         string          `json:"type"`
	Amount       moneyfmt.Amount `json:"amount"`
	BalanceAfter moneyfmt.Amount `json:"balanceAfter"`
	OrderID      *string         `json:"orderId"`
	RefundID     *string         `json:"refundId"`
	CreatedAt    time.Time       `json:"createdAt"`
}

type entryPage struct {
	Items      []entryJSON `json:"items"`
	NextCursor *string     `json:"nextCursor"`
}

func orNull(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (h *handlers) transactions(c *fiber.Ctx) error {
	req := server.Request(c)
	f := wallet.TransactionFilter{Type: wallet.Type(c.Query("type")), Cursor: c.Query("cursor")}
	if raw := c.Query("limit"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 {
			var v errs.Validation
			v.Check(false, "limit", errs.FieldOutOfRange, "must be 1..100")
			return v.Err()
		}
		f.Limit = n
	}
	page, err := h.svc.Transactions(server.Ctx(c), req.Principal.ID, f)
	if err != nil {
		return err
	}
	out := entryPage{Items: make([]entryJSON, len(page.Items)), NextCursor: orNull(page.NextCursor)}
	for i, e := range page.Items {
		out.Items[i] = entryJSON{ID: e.ID, Type: string(e.Type), Amount: moneyfmt.JSON(kernel.NewMoney(e.Amount, e.Currency), req.Locale),
			BalanceAfter: moneyfmt.JSON(kernel.NewMoney(e.BalanceAfter, e.Currency), req.Locale), OrderID: orNull(e.OrderID),
			RefundID: orNull(e.RefundID), CreatedAt: e.CreatedAt}
	}
	return c.JSON(out)
}
