package order

import (
	"github.com/jupang/jupang/core/coupon"
	"github.com/jupang/jupang/core/errs"
)

// Errors of the orders area. A move the state machine refuses is the platform's
// errs.ErrInvalidTransition (409 INVALID_STATE_TRANSITION); stock, limits, the wallet and coupons
// answer with their own areas' codes.
var (
	ErrOrderNotFound = errs.New(errs.NotFound, "ORDER_NOT_FOUND", errs.Text{
		KO: "주문을 찾을 수 없습니다.",
		EN: "The order was not found.",
		JA: "注文が見つかりません。",
	})
	ErrCartEmpty = errs.New(errs.FailedPrecondition, "CART_EMPTY", errs.Text{
		KO: "장바구니가 비어 있어 주문할 수 없습니다.",
		EN: "The cart is empty, so there is nothing to order.",
		JA: "カートが空のため、注文できません。",
	})
	ErrOrderKeyTaken = errs.New(errs.Conflict, "ORDER_ALREADY_PLACED", errs.Text{
		KO: "이 Idempotency-Key로 이미 주문이 접수되었습니다.",
		EN: "An order was already placed with this Idempotency-Key.",
		JA: "この Idempotency-Key ではすでに注文が受け付けられています。",
	})
	// ErrRefundExceedsPaid: a refund would give back more than was paid for a line (units) or for
	// the order (amount), counting the refunds already completed or in review.
	ErrRefundExceedsPaid = errs.New(errs.FailedPrecondition, "REFUND_EXCEEDS_PAID", errs.Text{
		KO: "환불 요청이 결제된 수량 또는 금액을 초과합니다.",
		EN: "The refund would exceed the units or the amount that were paid.",
		JA: "返金の申請が支払い済みの数量または金額を超えています。",
	})
)

// Field codes of the orders area's inputs (besides the platform's REQUIRED, TOO_LONG, …).
var (
	FieldInvalidPostalCode = errs.NewFieldCode("INVALID_POSTAL_CODE", errs.Text{
		KO: "우편번호 형식이 이 마켓에 맞지 않습니다.",
		EN: "The postal code does not have this market's format.",
		JA: "郵便番号がこのマーケットの形式と一致しません。",
	})
	FieldInvalidRegion = errs.NewFieldCode("INVALID_REGION", errs.Text{
		KO: "주(州)는 CA와 같은 두 글자 코드여야 합니다.",
		EN: "The state must be a two-letter code such as CA.",
		JA: "州は CA のような2文字のコードで指定してください。",
	})
	FieldCountryNotServed = errs.NewFieldCode("COUNTRY_NOT_SERVED", errs.Text{
		KO: "이 마켓은 해당 국가로 배송하지 않습니다.",
		EN: "This market does not deliver to that country.",
		JA: "このマーケットはその国へは配送していません。",
	})
	FieldNoShippingAddress = errs.NewFieldCode("NO_SHIPPING_ADDRESS", errs.Text{
		KO: "배송지를 입력하거나 기본 배송지를 등록해 주세요.",
		EN: "Give a shipping address, or save a default address first.",
		JA: "配送先を入力するか、既定の配送先を登録してください。",
	})
	FieldWalletAboveTotal = errs.NewFieldCode("WALLET_AMOUNT_ABOVE_TOTAL", errs.Text{
		KO: "지갑 결제 금액이 주문 총액보다 클 수 없습니다.",
		EN: "The wallet amount cannot exceed the order total.",
		JA: "ウォレットでの支払額は注文合計を超えることはできません。",
	})
	FieldInvalidPaymentMethod = errs.NewFieldCode("INVALID_PAYMENT_METHOD", errs.Text{
		KO: "결제 수단은 WALLET 또는 CARD여야 합니다.",
		EN: "The payment method must be WALLET or CARD.",
		JA: "支払い方法には WALLET または CARD を指定してください。",
	})
	FieldNotFulfilmentState = errs.NewFieldCode("NOT_FULFILMENT_STATE", errs.Text{
		KO: "배송 단계는 PREPARING, SHIPPED, DELIVERED 중 하나여야 합니다.",
		EN: "The state must be PREPARING, SHIPPED or DELIVERED.",
		JA: "配送ステータスには PREPARING、SHIPPED、DELIVERED のいずれかを指定してください。",
	})
	FieldInvalidOrderStatus = errs.NewFieldCode("INVALID_ORDER_STATUS", errs.Text{
		KO: "알 수 없는 주문 상태입니다.",
		EN: "This is not an order status.",
		JA: "不明な注文ステータスです。",
	})
)

// Codes lists every code the orders area declares.
func Codes() errs.Codes {
	return errs.Codes{Area: "order",
		Errors: []*errs.Error{ErrOrderNotFound, ErrCartEmpty, ErrOrderKeyTaken, ErrRefundExceedsPaid},
		Fields: []errs.FieldCode{FieldInvalidPostalCode, FieldInvalidRegion, FieldCountryNotServed, FieldNoShippingAddress,
			FieldWalletAboveTotal, FieldInvalidPaymentMethod, FieldNotFulfilmentState, FieldInvalidOrderStatus}}
}

// ErrCouponNotApplicable is the coupons area's COUPON_NOT_APPLICABLE (one code, declared once): a user
// coupon that cannot be used on this order; it carries "reasons".
var ErrCouponNotApplicable = coupon.ErrNotUsable
