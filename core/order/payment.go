package order

import (
	"context"
	"time"

	"github.com/jupang/jupang/core/kernel"
)

// Method is how the customer pays the part of an order the wallet does not cover.
type Method string

// Payment methods: WALLET pays everything from the wallet; CARD pays the rest (Total - walletAmount)
// with a card token.
const (
	MethodWallet Method = "WALLET"
	MethodCard   Method = "CARD"
)

// CardStatus is the state of an order's card payment (payments.status).
type CardStatus string

// Card payment states. A payment still owed an answer by the gateway, or owed a refund, has a
// NextAttemptAt: the card-payments job picks it up then.
const (
	CardPending       CardStatus = "PENDING"        // to send, or sent and not final yet
	CardApproved      CardStatus = "APPROVED"       // charged; the order is PAID
	CardDeclined      CardStatus = "DECLINED"       // refused; the order is CANCELLED
	CardExpired       CardStatus = "EXPIRED"        // the order was cancelled at its deadline; the gateway is still asked until final
	CardCancelled     CardStatus = "CANCELLED"      // the customer cancelled before a final answer; asked likewise
	CardRefundPending CardStatus = "REFUND_PENDING" // charged for an order that no longer wants it: to refund
	CardRefunded      CardStatus = "REFUNDED"       // given back through the gateway
)

// Payment is how an order is paid, as shown to its customer: amounts and a masked card.
type Payment struct {
	Method       Method
	WalletAmount int64 // in the order currency
	Card         *CardPayment
}

// CardPayment is the card part of an order. The token is the gateway's single-use reference to
// the card; Jupang never sees a card number, and keeps only the brand and last four digits.
type CardPayment struct {
	ID            string
	Amount        int64 // in the order currency
	Token         string
	Status        CardStatus
	Brand         string // e.g. VISA, once the gateway told
	Last4         string
	GatewayRef    string
	FailureCode   string
	Attempts      int
	NextAttemptAt *time.Time // nil: nothing more to ask the gateway
	ApprovedAt    *time.Time
}

// Masked returns the card as shown to people: "VISA •••• 4242", or "" before the gateway told.
func (c CardPayment) Masked() string {
	if c.Last4 == "" {
		return ""
	}
	brand := c.Brand
	if brand == "" {
		brand = "CARD"
	}
	return brand + " •••• " + c.Last4
}

// ChargeStatus is the gateway's answer about one charge.
type ChargeStatus string

// Gateway answers. Processing is not final: ask again later.
const (
	ChargeApproved   ChargeStatus = "APPROVED"
	ChargeDeclined   ChargeStatus = "DECLINED"
	ChargeProcessing ChargeStatus = "PROCESSING"
	ChargeNotFound   ChargeStatus = "NOT_FOUND" // the gateway never received a charge for the order
	ChargeRefunded   ChargeStatus = "REFUNDED"
)

// Charge is the gateway's view of the charge of one order.
type Charge struct {
	OrderID     string
	Reference   string
	Status      ChargeStatus
	Amount      kernel.Money
	Brand       string
	Last4       string
	FailureCode string
}

// Final reports whether the gateway will not change its answer any more (short of a refund).
func (c Charge) Final() bool { return c.Status != ChargeProcessing }

// ChargeRequest asks the gateway to charge Amount on the card behind Token for an order.
type ChargeRequest struct {
	OrderID string
	Amount  kernel.Money
	Token   string
}

// PaymentGateway is the card processor. It is called only outside units of work: no row lock is
// held across a network call. Every method is idempotent by order id, so a job that crashed or
// timed out between asking and recording may simply ask again.
type PaymentGateway interface {
	// Charge charges the order's card part once: a second call for the same order returns the
	// first call's charge (as it is now). An error means the answer was lost: ask again later.
	Charge(ctx context.Context, r ChargeRequest) (Charge, error)
	// Lookup returns what the gateway knows of the order's charge (ChargeNotFound if none).
	Lookup(ctx context.Context, orderID string) (Charge, error)
	// Refund gives the order's approved charge back in full; refunding it again is a no-op.
	Refund(ctx context.Context, orderID string) (Charge, error)
}

// Test card tokens of the mock gateway (adapters/payment). Any other token is declined as unknown.
const (
	TokenApprove = "tok_approve" // approved at once
	TokenDecline = "tok_decline" // declined at once (CARD_DECLINED)
	TokenTimeout = "tok_timeout" // approved, but the first answer is lost (the caller times out)
	TokenLate    = "tok_late"    // processing; approved only after the gateway's late delay
)
