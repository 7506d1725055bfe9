package catalog

import (
	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/i18n"
)

// Errors of the catalog area. Bad query parameters are errs.ErrValidation with field errors, and a
// cursor the server did not issue is kernel.ErrInvalidCursor.
var (
	ErrProductNotFound  = errs.New(errs.NotFound, "PRODUCT_NOT_FOUND", "The product was not found.")
	ErrCategoryNotFound = errs.New(errs.NotFound, "CATEGORY_NOT_FOUND", "The category was not found.")
	ErrBrandNotFound    = errs.New(errs.NotFound, "BRAND_NOT_FOUND", "The brand was not found.")
	ErrSlugTaken        = errs.New(errs.Conflict, "SLUG_TAKEN", "This slug is already used.")
	ErrSKUCodeTaken     = errs.New(errs.Conflict, "SKU_CODE_TAKEN", "This SKU code is already used.")
	ErrRateExists       = errs.New(errs.Conflict, "FX_RATE_EXISTS", "A rate for this currency already takes effect at that instant.")
	ErrPriceUnavailable = errs.New(errs.FailedPrecondition, "PRICE_UNAVAILABLE",
		"No exchange rate is set for this market's currency, so the price cannot be computed.")
)

// Messages are the catalog's error texts in every supported language.
var Messages = i18n.Messages{
	"PRODUCT_NOT_FOUND": {
		KO: "상품을 찾을 수 없습니다.",
		EN: "The product was not found.",
		JA: "商品が見つかりません。",
	},
	"CATEGORY_NOT_FOUND": {
		KO: "카테고리를 찾을 수 없습니다.",
		EN: "The category was not found.",
		JA: "カテゴリが見つかりません。",
	},
	"BRAND_NOT_FOUND": {
		KO: "브랜드를 찾을 수 없습니다.",
		EN: "The brand was not found.",
		JA: "ブランドが見つかりません。",
	},
	"SLUG_TAKEN": {
		KO: "이미 사용 중인 슬러그입니다.",
		EN: "This slug is already used.",
		JA: "このスラッグはすでに使用されています。",
	},
	"SKU_CODE_TAKEN": {
		KO: "이미 사용 중인 SKU 코드입니다.",
		EN: "This SKU code is already used.",
		JA: "このSKUコードはすでに使用されています。",
	},
	"FX_RATE_EXISTS": {
		KO: "이 통화에는 같은 시각에 적용되는 환율이 이미 있습니다.",
		EN: "A rate for this currency already takes effect at that instant.",
		JA: "この通貨には同じ時刻から適用される為替レートがすでにあります。",
	},
	"PRICE_UNAVAILABLE": {
		KO: "이 마켓의 통화 환율이 설정되지 않아 가격을 계산할 수 없습니다.",
		EN: "No exchange rate is set for this market's currency, so the price cannot be computed.",
		JA: "このマーケットの通貨の為替レートが設定されていないため、価格を計算できません。",
	},
}
