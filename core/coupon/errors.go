package coupon

import "github.com/jupang/jupang/core/errs"

// Errors of the coupon area (SPEC §4). Bad input is errs.ErrValidation with field errors.
var (
	ErrNotFound = errs.New(errs.NotFound, "COUPON_NOT_FOUND", errs.Text{
		KO: "쿠폰을 찾을 수 없습니다.",
		EN: "The coupon was not found.",
		JA: "クーポンが見つかりません。",
	})
	ErrUserCouponNotFound = errs.New(errs.NotFound, "USER_COUPON_NOT_FOUND", errs.Text{
		KO: "보유한 쿠폰을 찾을 수 없습니다.",
		EN: "You have no such coupon.",
		JA: "お持ちのクーポンが見つかりません。",
	})
	ErrSoldOut = errs.New(errs.Conflict, "COUPON_SOLD_OUT", errs.Text{
		KO: "쿠폰이 모두 소진되었습니다.",
		EN: "This coupon has run out.",
		JA: "このクーポンは配布上限に達しました。",
	})
	ErrAlreadyClaimed = errs.New(errs.Conflict, "COUPON_ALREADY_CLAIMED", errs.Text{
		KO: "이미 받을 수 있는 만큼 이 쿠폰을 받았습니다.",
		EN: "You have already claimed this coupon as many times as allowed.",
		JA: "このクーポンはすでに受け取れる上限まで受け取っています。",
	})
	ErrExpired = errs.New(errs.FailedPrecondition, "COUPON_EXPIRED", errs.Text{
		KO: "쿠폰의 사용 기간이 지났습니다.",
		EN: "This coupon has expired.",
		JA: "このクーポンは有効期限が切れています。",
	})
	ErrNotActive = errs.New(errs.FailedPrecondition, "COUPON_NOT_ACTIVE", errs.Text{
		KO: "지금은 이 쿠폰을 받을 수 없습니다.",
		EN: "This coupon cannot be claimed right now.",
		JA: "現在このクーポンは受け取れません。",
	})
	ErrCodeTaken = errs.New(errs.Conflict, "COUPON_CODE_TAKEN", errs.Text{
		KO: "이미 사용 중인 쿠폰 코드입니다.",
		EN: "This coupon code is already used.",
		JA: "このクーポンコードはすでに使用されています。",
	})
	ErrNotUsable = errs.New(errs.FailedPrecondition, "COUPON_NOT_APPLICABLE", errs.Text{
		KO: "이 쿠폰은 현재 주문에 사용할 수 없습니다.",
		EN: "This coupon cannot be applied to this order.",
		JA: "このクーポンは現在のご注文には使用できません。",
	})
)

// Field codes of the coupon area's inputs.
var (
	FieldInvalidCode = errs.NewFieldCode("INVALID_COUPON_CODE", errs.Text{
		KO: "쿠폰 코드는 영문, 숫자, _, - 로 된 3~40자여야 합니다.",
		EN: "A coupon code is 3 to 40 letters, digits, _ or -.",
		JA: "クーポンコードは英数字、_、- からなる3〜40文字にしてください。",
	})
	FieldPercentOver100 = errs.NewFieldCode("PERCENT_OVER_100", errs.Text{
		KO: "할인율은 1~100 사이여야 합니다.",
		EN: "A percentage must be between 1 and 100.",
		JA: "割引率は1〜100の範囲で指定してください。",
	})
	FieldInvalidWindow = errs.NewFieldCode("INVALID_VALIDITY_WINDOW", errs.Text{
		KO: "사용 종료 시각은 시작 시각보다 뒤여야 합니다.",
		EN: "validUntil must be after validFrom.",
		JA: "有効期間の終了日時は開始日時より後にしてください。",
	})
	FieldBelowIssued = errs.NewFieldCode("BELOW_ISSUED", errs.Text{
		KO: "총 수량은 이미 발급된 수량보다 적을 수 없습니다.",
		EN: "The total must not be below the coupons already issued.",
		JA: "総数量を発行済みの数量より少なくすることはできません。",
	})
	FieldInvalidStatus = errs.NewFieldCode("INVALID_COUPON_STATUS", errs.Text{
		KO: "쿠폰 상태는 DRAFT, ACTIVE, PAUSED, ARCHIVED 중 하나여야 합니다.",
		EN: "The status must be DRAFT, ACTIVE, PAUSED or ARCHIVED.",
		JA: "ステータスには DRAFT、ACTIVE、PAUSED、ARCHIVED のいずれかを指定してください。",
	})
	FieldInvalidUserStatus = errs.NewFieldCode("INVALID_USER_COUPON_STATUS", errs.Text{
		KO: "상태는 AVAILABLE, USED, EXPIRED, CANCELLED 중 하나여야 합니다.",
		EN: "The status must be AVAILABLE, USED, EXPIRED or CANCELLED.",
		JA: "ステータスには AVAILABLE、USED、EXPIRED、CANCELLED のいずれかを指定してください。",
	})
	FieldInvalidType = errs.NewFieldCode("INVALID_COUPON_TYPE", errs.Text{
		KO: "쿠폰 종류는 PERCENT 또는 FIXED여야 합니다.",
		EN: "The type must be PERCENT or FIXED.",
		JA: "クーポンの種類には PERCENT または FIXED を指定してください。",
	})
	FieldUnsupportedLocale = errs.NewFieldCode("UNSUPPORTED_NAME_LOCALE", errs.Text{
		KO: "쿠폰 이름은 ko, en, ja로만 입력할 수 있습니다.",
		EN: "Coupon names are given in ko, en and ja only.",
		JA: "クーポン名は ko、en、ja のみで指定できます。",
	})
	FieldOneOf = errs.NewFieldCode("ONE_OF_CODE_OR_USER_COUPON", errs.Text{
		KO: "code와 userCouponId 중 하나만 입력해 주세요.",
		EN: "Give exactly one of code and userCouponId.",
		JA: "code と userCouponId のどちらか一方だけを指定してください。",
	})
)

// Reasons a coupon does not apply, as answered by POST /v1/coupons/validate (reasons[].code). They
// are declared as field codes so the message catalog and the OpenAPI tables list them.
var (
	ReasonBelowMinimum = errs.NewFieldCode("BELOW_MINIMUM_ORDER", errs.Text{
		KO: "주문 금액이 쿠폰의 최소 주문 금액보다 적습니다.",
		EN: "The order is below the coupon's minimum amount.",
		JA: "ご注文金額がクーポンの最低注文金額に達していません。",
	})
	ReasonWrongMarket = errs.NewFieldCode("WRONG_MARKET", errs.Text{
		KO: "이 마켓에서는 사용할 수 없는 쿠폰입니다.",
		EN: "This coupon cannot be used in this market.",
		JA: "このマーケットでは使用できないクーポンです。",
	})
	ReasonNotTargeted = errs.NewFieldCode("NOT_TARGETED", errs.Text{
		KO: "쿠폰을 적용할 수 있는 상품이 없습니다.",
		EN: "No item is one the coupon applies to.",
		JA: "クーポンの対象となる商品がありません。",
	})
	ReasonExpired = errs.NewFieldCode("EXPIRED", errs.Text{
		KO: "쿠폰의 사용 기간이 지났습니다.",
		EN: "The coupon has expired.",
		JA: "クーポンの有効期限が切れています。",
	})
	ReasonNotYetValid = errs.NewFieldCode("NOT_YET_VALID", errs.Text{
		KO: "아직 사용 기간이 시작되지 않은 쿠폰입니다.",
		EN: "The coupon's validity has not started yet.",
		JA: "まだ有効期間が始まっていないクーポンです。",
	})
	ReasonAlreadyUsed = errs.NewFieldCode("ALREADY_USED", errs.Text{
		KO: "이미 사용한 쿠폰입니다.",
		EN: "The coupon has already been used.",
		JA: "すでに使用済みのクーポンです。",
	})
	ReasonCancelled = errs.NewFieldCode("CANCELLED", errs.Text{
		KO: "취소된 쿠폰입니다.",
		EN: "The coupon was cancelled.",
		JA: "取り消されたクーポンです。",
	})
	ReasonNotActive = errs.NewFieldCode("NOT_ACTIVE", errs.Text{
		KO: "지금은 사용할 수 없는 쿠폰입니다.",
		EN: "The coupon is not active right now.",
		JA: "現在は使用できないクーポンです。",
	})
	ReasonNotClaimed = errs.NewFieldCode("NOT_CLAIMED", errs.Text{
		KO: "받지 않은 쿠폰입니다. 먼저 쿠폰을 받아 주세요.",
		EN: "You have not claimed this coupon.",
		JA: "まだ受け取っていないクーポンです。先にクーポンを受け取ってください。",
	})
	ReasonEmptyOrder = errs.NewFieldCode("EMPTY_ORDER", errs.Text{
		KO: "주문할 상품이 없습니다.",
		EN: "There is nothing to order.",
		JA: "注文する商品がありません。",
	})
)

// Codes lists every code the coupon area declares.
func Codes() errs.Codes {
	return errs.Codes{
		Area: "coupon",
		Errors: []*errs.Error{ErrNotFound, ErrUserCouponNotFound, ErrSoldOut, ErrAlreadyClaimed, ErrExpired,
			ErrNotActive, ErrCodeTaken, ErrNotUsable},
		Fields: []errs.FieldCode{FieldInvalidCode, FieldPercentOver100, FieldInvalidWindow, FieldBelowIssued,
			FieldInvalidStatus, FieldInvalidUserStatus, FieldInvalidType, FieldUnsupportedLocale, FieldOneOf,
			ReasonBelowMinimum, ReasonWrongMarket, ReasonNotTargeted, ReasonExpired, ReasonNotYetValid,
			ReasonAlreadyUsed, ReasonCancelled, ReasonNotActive, ReasonNotClaimed, ReasonEmptyOrder},
	}
}
