package catalog

import "github.com/jupang/jupang/core/errs"

// Errors of the catalog area. Bad query parameters are errs.ErrValidation with field errors, and a
// cursor the server did not issue is kernel.ErrInvalidCursor.
var (
	ErrProductNotFound = errs.New(errs.NotFound, "PRODUCT_NOT_FOUND", errs.Text{
		KO: "상품을 찾을 수 없습니다.",
		EN: "The product was not found.",
		JA: "商品が見つかりません。",
	})
	ErrCategoryNotFound = errs.New(errs.NotFound, "CATEGORY_NOT_FOUND", errs.Text{
		KO: "카테고리를 찾을 수 없습니다.",
		EN: "The category was not found.",
		JA: "カテゴリが見つかりません。",
	})
	ErrBrandNotFound = errs.New(errs.NotFound, "BRAND_NOT_FOUND", errs.Text{
		KO: "브랜드를 찾을 수 없습니다.",
		EN: "The brand was not found.",
		JA: "ブランドが見つかりません。",
	})
	ErrSlugTaken = errs.New(errs.Conflict, "SLUG_TAKEN", errs.Text{
		KO: "이미 사용 중인 슬러그입니다.",
		EN: "This slug is already used.",
		JA: "このスラッグはすでに使用されています。",
	})
	ErrSKUCodeTaken = errs.New(errs.Conflict, "SKU_CODE_TAKEN", errs.Text{
		KO: "이미 사용 중인 SKU 코드입니다.",
		EN: "This SKU code is already used.",
		JA: "このSKUコードはすでに使用されています。",
	})
	ErrRateExists = errs.New(errs.Conflict, "FX_RATE_EXISTS", errs.Text{
		KO: "이 통화에는 같은 시각에 적용되는 환율이 이미 있습니다.",
		EN: "A rate for this currency already takes effect at that instant.",
		JA: "この通貨には同じ時刻から適用される為替レートがすでにあります。",
	})
	ErrPriceUnavailable = errs.New(errs.FailedPrecondition, "PRICE_UNAVAILABLE", errs.Text{
		KO: "이 마켓의 통화 환율이 설정되지 않아 가격을 계산할 수 없습니다.",
		EN: "No exchange rate is set for this market's currency, so the price cannot be computed.",
		JA: "このマーケットの通貨の為替レートが設定されていないため、価格を計算できません。",
	})
)

// Field codes of the catalog's inputs (besides the platform's REQUIRED, INVALID_ID, NEGATIVE, …).
var (
	FieldInvalidStatus = errs.NewFieldCode("INVALID_STATUS", errs.Text{
		KO: "상품 상태는 ACTIVE, HIDDEN, DRAFT 중 하나여야 합니다.",
		EN: "The status must be ACTIVE, HIDDEN or DRAFT.",
		JA: "ステータスには ACTIVE、HIDDEN、DRAFT のいずれかを指定してください。",
	})
	FieldUnsupportedLocale = errs.NewFieldCode("UNSUPPORTED_LOCALE", errs.Text{
		KO: "지원하는 언어는 ko, en, ja뿐입니다.",
		EN: "Only ko, en and ja are supported.",
		JA: "対応している言語は ko、en、ja のみです。",
	})
	FieldNegativePrice = errs.NewFieldCode("NEGATIVE_PRICE", errs.Text{
		KO: "옵션 가격은 0보다 작을 수 없습니다.",
		EN: "The option's price must not be negative.",
		JA: "オプションの価格を負の値にすることはできません。",
	})
	FieldCycle = errs.NewFieldCode("CYCLE", errs.Text{
		KO: "카테고리는 자기 자신을 상위 카테고리로 가질 수 없습니다.",
		EN: "A category cannot be its own parent.",
		JA: "カテゴリを自身の親にすることはできません。",
	})
	FieldInvalidPath = errs.NewFieldCode("INVALID_PATH", errs.Text{
		KO: "카테고리 경로가 상위 카테고리와 맞지 않습니다.",
		EN: "The category path does not match its parent.",
		JA: "カテゴリのパスが親カテゴリと一致しません。",
	})
	FieldInvalidCurrency = errs.NewFieldCode("INVALID_CURRENCY", errs.Text{
		KO: "환율의 통화는 USD 또는 JPY여야 합니다.",
		EN: "The rate's currency must be USD or JPY.",
		JA: "為替レートの通貨には USD または JPY を指定してください。",
	})
	FieldInvalidRate = errs.NewFieldCode("INVALID_RATE", errs.Text{
		KO: "환율은 소수점 이하 10자리 이내의 양수여야 합니다.",
		EN: "The rate must be a positive decimal with at most 10 decimals.",
		JA: "為替レートには小数点以下10桁以内の正の数を指定してください。",
	})
	FieldInvalidWindow = errs.NewFieldCode("INVALID_WINDOW", errs.Text{
		KO: "종료 시각은 시작 시각보다 뒤여야 합니다.",
		EN: "The end must be after the start.",
		JA: "終了日時は開始日時より後にしてください。",
	})
	FieldUnknownCategory = errs.NewFieldCode("UNKNOWN_CATEGORY", errs.Text{
		KO: "해당 카테고리가 없습니다.",
		EN: "No category has this id or slug.",
		JA: "該当するカテゴリがありません。",
	})
	FieldUnknownBrand = errs.NewFieldCode("UNKNOWN_BRAND", errs.Text{
		KO: "해당 브랜드가 없습니다.",
		EN: "No brand has this id.",
		JA: "該当するブランドがありません。",
	})
	FieldUnknownProduct = errs.NewFieldCode("UNKNOWN_PRODUCT", errs.Text{
		KO: "해당 상품이 없습니다.",
		EN: "No product has this id.",
		JA: "該当する商品がありません。",
	})
	FieldUnknownSKU = errs.NewFieldCode("UNKNOWN_SKU", errs.Text{
		KO: "상품에 해당 옵션이 없습니다.",
		EN: "The product has no such option.",
		JA: "商品に該当するオプションがありません。",
	})
	FieldSKURemoved = errs.NewFieldCode("SKU_REMOVED", errs.Text{
		KO: "옵션은 삭제할 수 없습니다. 대신 비활성화해 주세요.",
		EN: "Options cannot be removed; deactivate them instead.",
		JA: "オプションは削除できません。代わりに無効にしてください。",
	})
	FieldSKUOfAnotherProduct = errs.NewFieldCode("SKU_OF_ANOTHER_PRODUCT", errs.Text{
		KO: "다른 상품의 옵션입니다.",
		EN: "The option belongs to another product.",
		JA: "別の商品のオプションです。",
	})
	FieldSKUCodeTaken = errs.NewFieldCode("SKU_CODE_TAKEN", errs.Text{
		KO: "다른 옵션이 이미 사용 중인 SKU 코드입니다.",
		EN: "Another option already uses this SKU code.",
		JA: "このSKUコードは別のオプションで使用されています。",
	})
	FieldSlugTaken = errs.NewFieldCode("SLUG_TAKEN", errs.Text{
		KO: "이미 사용 중인 슬러그입니다.",
		EN: "This slug is already used.",
		JA: "このスラッグはすでに使用されています。",
	})
	FieldInvalidLine = errs.NewFieldCode("INVALID_LINE", errs.Text{
		KO: "주문 항목은 서로 다른 옵션이어야 하며 수량은 1~999개여야 합니다.",
		EN: "Each line must be a distinct option with 1 to 999 units.",
		JA: "注文明細はそれぞれ別のオプションで、数量は1〜999にしてください。",
	})
)

// Codes lists every code the catalog area declares.
func Codes() errs.Codes {
	return errs.Codes{
		Area: "catalog",
		Errors: []*errs.Error{ErrProductNotFound, ErrCategoryNotFound, ErrBrandNotFound, ErrSlugTaken, ErrSKUCodeTaken,
			ErrRateExists, ErrPriceUnavailable},
		Fields: []errs.FieldCode{FieldInvalidStatus, FieldUnsupportedLocale, FieldNegativePrice, FieldCycle,
			FieldInvalidPath, FieldInvalidCurrency, FieldInvalidRate, FieldInvalidWindow, FieldUnknownCategory,
			FieldUnknownBrand, FieldUnknownProduct, FieldUnknownSKU, FieldSKURemoved, FieldSKUOfAnotherProduct,
			FieldSKUCodeTaken, FieldSlugTaken, FieldInvalidLine},
	}
}
