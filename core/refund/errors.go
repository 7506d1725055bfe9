package refund

import (
	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/order"
)

// Errors of the refunds area. Units or an amount beyond what was paid is the orders area's
// REFUND_EXCEEDS_PAID (422); an order that takes no refund (not delivered, or refunded in full) is
// the platform's INVALID_STATE_TRANSITION (409); someone else's order is ORDER_NOT_FOUND (404).
var (
	ErrRefundNotFound = errs.New(errs.NotFound, "REFUND_NOT_FOUND", errs.Text{
		KO: "환불을 찾을 수 없습니다.",
		EN: "The refund was not found.",
		JA: "返金が見つかりません。",
	})
	// ErrRefundKeyTaken: a second refund of the customer with one Idempotency-Key; the service
	// answers with the first instead.
	ErrRefundKeyTaken = errs.New(errs.Conflict, "REFUND_ALREADY_REQUESTED", errs.Text{
		KO: "이 Idempotency-Key로 이미 환불이 요청되었습니다.",
		EN: "A refund was already requested with this Idempotency-Key.",
		JA: "この Idempotency-Key ではすでに返金が申請されています。",
	})
	ErrExceedsPaid = order.ErrRefundExceedsPaid
)

// FieldDuplicateLine is an order line named twice in one refund.
var FieldDuplicateLine = errs.NewFieldCode("DUPLICATE_ORDER_ITEM", errs.Text{
	KO: "같은 주문 상품을 한 번만 지정해 주세요.",
	EN: "Name each order item once.",
	JA: "同じ注文商品は一度だけ指定してください。",
})

// Codes lists every code the refunds area declares.
func Codes() errs.Codes {
	return errs.Codes{Area: "refund", Errors: []*errs.Error{ErrRefundNotFound, ErrRefundKeyTaken},
		Fields: []errs.FieldCode{FieldDuplicateLine}}
}

// Notification texts (ko/en/ja) of the refunds area.
var (
	completedTitle = errs.Text{KO: "환불이 완료되었습니다.", EN: "Your refund is complete.", JA: "返金が完了しました。"}
	completedBody  = errs.Text{KO: "환불 금액이 지갑에 적립되었습니다.", EN: "The refund was credited to your wallet.",
		JA: "返金額はウォレットに入金されました。"}
	rejectedTitle = errs.Text{KO: "환불 요청이 거절되었습니다.", EN: "Your refund request was declined.", JA: "返金の申請は承認されませんでした。"}
	rejectedBody  = errs.Text{KO: "자세한 내용은 고객센터에 문의해 주세요.", EN: "Please contact customer support for details.",
		JA: "詳しくはカスタマーサポートにお問い合わせください。"}
)
