package wallet

import "github.com/jupang/jupang/core/errs"

// Errors of the wallet area.
var (
	// ErrInsufficientBalance: the balance does not cover a debit; carries "balance".
	ErrInsufficientBalance = errs.New(errs.Conflict, "INSUFFICIENT_BALANCE", errs.Text{
		KO: "지갑 잔액이 부족합니다.",
		EN: "The wallet balance is too low.",
		JA: "ウォレットの残高が不足しています。",
	})
	// ErrDuplicateMovement: the order was already charged (or reversed), or the refund already
	// credited; a retry that must not move money twice.
	ErrDuplicateMovement = errs.New(errs.Conflict, "WALLET_MOVEMENT_EXISTS", errs.Text{
		KO: "이 주문 또는 환불의 지갑 거래가 이미 처리되었습니다.",
		EN: "This order's or refund's wallet movement has already been made.",
		JA: "この注文または返金のウォレット取引はすでに処理されています。",
	})
	ErrWalletNotFound = errs.New(errs.NotFound, "WALLET_NOT_FOUND", errs.Text{
		KO: "지갑을 찾을 수 없습니다.",
		EN: "The wallet was not found.",
		JA: "ウォレットが見つかりません。",
	})
)

// FieldInvalidType is a transaction type filter that is not a ledger type.
var FieldInvalidType = errs.NewFieldCode("INVALID_TRANSACTION_TYPE", errs.Text{
	KO: "허용되지 않는 거래 유형입니다.",
	EN: "This transaction type does not exist.",
	JA: "この取引種別は存在しません。",
})

// Codes lists every code the wallet area declares.
func Codes() errs.Codes {
	return errs.Codes{Area: "wallet", Errors: []*errs.Error{ErrInsufficientBalance, ErrDuplicateMovement, ErrWalletNotFound},
		Fields: []errs.FieldCode{FieldInvalidType}}
}
