package cart

import (
	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/inventory"
)

// Errors of the carts area. OutOfStock and PurchaseLimitExceeded build the two a client acts on
// (with the available amount, or the limit); the orders area reuses them when it places an order.
var (
	// ErrOutOfStock is the inventory area's OUT_OF_STOCK: one code, declared once, wherever stock runs out.
	ErrOutOfStock            = inventory.ErrOutOfStock
	ErrPurchaseLimitExceeded = errs.New(errs.FailedPrecondition, "PURCHASE_LIMIT_EXCEEDED", errs.Text{
		KO: "이 상품의 구매 한도를 넘었습니다.",
		EN: "The purchase limit for this product is exceeded.",
		JA: "この商品の購入上限を超えています。",
	})
	// ErrSKUNotFound is the inventory area's SKU_NOT_FOUND.
	ErrSKUNotFound  = inventory.ErrSKUNotFound
	ErrItemNotFound = errs.New(errs.NotFound, "CART_ITEM_NOT_FOUND", errs.Text{
		KO: "장바구니 항목을 찾을 수 없습니다.",
		EN: "The cart item was not found.",
		JA: "カートの商品が見つかりません。",
	})
	ErrCartNotFound = errs.New(errs.NotFound, "CART_NOT_FOUND", errs.Text{
		KO: "장바구니를 찾을 수 없습니다.",
		EN: "The cart was not found.",
		JA: "カートが見つかりません。",
	})
	ErrSessionMismatch = errs.New(errs.Forbidden, "CART_SESSION_MISMATCH", errs.Text{
		KO: "요청한 세션이 현재 세션(X-Session-Id)과 다릅니다.",
		EN: "The session to merge is not the caller's own session (X-Session-Id).",
		JA: "指定されたセッションが現在のセッション（X-Session-Id）と一致しません。",
	})
	ErrCouponNotUsable = errs.New(errs.FailedPrecondition, "CART_COUPON_NOT_USABLE", errs.Text{
		KO: "이 쿠폰은 장바구니에 사용할 수 없습니다.",
		EN: "This coupon cannot be used on the cart.",
		JA: "このクーポンはカートに使用できません。",
	})
)

// OutOfStock is ErrOutOfStock telling the client how many units are available ("available").
func OutOfStock(available int) *errs.Error {
	return ErrOutOfStock.WithExtra("available", max(0, available))
}

// PurchaseLimitExceeded is ErrPurchaseLimitExceeded telling the client the limit it ran into
// ("limit": units per order, or per customer counting past orders).
func PurchaseLimitExceeded(limit int) *errs.Error {
	return ErrPurchaseLimitExceeded.WithExtra("limit", limit)
}

// Codes are the carts area's error codes, for the message catalog.
func Codes() errs.Codes {
	return errs.Codes{Area: "cart", Errors: []*errs.Error{
		ErrPurchaseLimitExceeded, ErrItemNotFound, ErrCartNotFound,
		ErrSessionMismatch, ErrCouponNotUsable,
	}}
}
