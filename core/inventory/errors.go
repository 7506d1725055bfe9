package inventory

import "github.com/jupang/jupang/core/errs"

// Errors of the inventory area.
var (
	// ErrOutOfStock: a reservation asked for more than is available; carries "skuId" and "available".
	ErrOutOfStock = errs.New(errs.Conflict, "OUT_OF_STOCK", errs.Text{
		KO: "재고가 부족합니다.",
		EN: "There is not enough stock.",
		JA: "在庫が不足しています。",
	})
	// ErrNegativeStock: an adjustment would leave on-hand units below zero or below the reserved
	// units; carries "skuId", "onHand" and "reserved".
	ErrNegativeStock = errs.New(errs.Conflict, "NEGATIVE_STOCK", errs.Text{
		KO: "조정 후 재고가 0 또는 예약 수량보다 적어집니다.",
		EN: "The adjustment would leave stock below zero or below the reserved units.",
		JA: "調整後の在庫が0または引当数を下回ります。",
	})
	// ErrSKUNotFound: no inventory row for the SKU; carries "skuId".
	ErrSKUNotFound = errs.New(errs.NotFound, "SKU_NOT_FOUND", errs.Text{
		KO: "상품 옵션(SKU)을 찾을 수 없습니다.",
		EN: "The SKU was not found.",
		JA: "SKUが見つかりません。",
	})
	// ErrStockOpened: the SKU already has an inventory row, so it cannot be opened again.
	ErrStockOpened = errs.New(errs.Conflict, "STOCK_ALREADY_OPENED", errs.Text{
		KO: "이 SKU의 재고는 이미 등록되어 있습니다.",
		EN: "This SKU's stock has already been opened.",
		JA: "このSKUの在庫はすでに登録されています。",
	})
	// ErrStockMismatch: an order gave back more units than it holds (released or sold more than it
	// reserved); carries "skuId". A bug in the caller, never a client's fault.
	ErrStockMismatch = errs.New(errs.Internal, "STOCK_MISMATCH", errs.Text{
		KO: "재고 수량이 주문과 일치하지 않습니다.",
		EN: "The stock does not match the order.",
		JA: "在庫数が注文と一致しません。",
	})
)

// Field codes of adjustment requests (besides the platform's REQUIRED, OUT_OF_RANGE, TOO_LONG, …).
var (
	FieldDeltaOrSetOnHand = errs.NewFieldCode("DELTA_OR_SET_ON_HAND", errs.Text{
		KO: "delta와 setOnHand 중 정확히 하나를 지정해야 합니다.",
		EN: "Give exactly one of delta and setOnHand.",
		JA: "deltaとsetOnHandのどちらか一方だけを指定してください。",
	})
	FieldInvalidReason = errs.NewFieldCode("INVALID_REASON", errs.Text{
		KO: "허용되지 않는 사유입니다.",
		EN: "This reason is not allowed.",
		JA: "この理由は使用できません。",
	})
	FieldTooManyLines = errs.NewFieldCode("TOO_MANY_LINES", errs.Text{
		KO: "한 번에 조정할 수 있는 줄 수를 넘었습니다.",
		EN: "There are more lines than one request may carry.",
		JA: "一度に調整できる行数を超えています。",
	})
)

// Codes lists every code the inventory area declares.
func Codes() errs.Codes {
	return errs.Codes{Area: "inventory",
		Errors: []*errs.Error{ErrOutOfStock, ErrNegativeStock, ErrSKUNotFound, ErrStockOpened, ErrStockMismatch},
		Fields: []errs.FieldCode{FieldDeltaOrSetOnHand, FieldInvalidReason, FieldTooManyLines}}
}

// ErrStockChanged is what Stock.Apply returns when a change no longer fits its row (or the row is
// gone): the operations lock their SKUs and check first, so it means the lock was not held. It is
// never shown as such: the operation fails with a conflict naming "skuId".
var ErrStockChanged = errs.ErrVersionConflict.WithMessage("the stock changed under the operation")
