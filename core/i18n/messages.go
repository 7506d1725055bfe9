package i18n

import "maps"

// Builtin returns a copy of the built-in messages: the platform codes of core/errs, the kernel's
// codes, and the codes the idempotency layer and the business areas share with the edge.
func Builtin() Messages {
	m := make(Messages, len(platformMessages)+len(kernelMessages)+len(areaMessages))
	maps.Copy(m, platformMessages)
	maps.Copy(m, kernelMessages)
	maps.Copy(m, areaMessages)
	return m
}

// platformMessages covers the platform-wide codes declared in core/errs.
var platformMessages = Messages{
	"INTERNAL": {
		KO: "예기치 못한 오류가 발생했습니다. 잠시 후 다시 시도해 주세요.",
		EN: "An unexpected error occurred. Please try again later.",
		JA: "予期しないエラーが発生しました。しばらくしてから再度お試しください。",
	},
	"VALIDATION_FAILED": {
		KO: "요청 내용이 올바르지 않습니다.",
		EN: "The request is not valid.",
		JA: "リクエストの内容が正しくありません。",
	},
	"NOT_FOUND": {
		KO: "요청한 리소스를 찾을 수 없습니다.",
		EN: "The resource was not found.",
		JA: "指定されたリソースが見つかりません。",
	},
	"METHOD_NOT_ALLOWED": {
		KO: "이 리소스에서 허용되지 않는 메서드입니다.",
		EN: "The method is not allowed on this resource.",
		JA: "このリソースでは許可されていないメソッドです。",
	},
	"BODY_TOO_LARGE": {
		KO: "요청 본문이 너무 큽니다.",
		EN: "The request body is too large.",
		JA: "リクエスト本文が大きすぎます。",
	},
	"URI_TOO_LONG": {
		KO: "요청 URI가 너무 깁니다.",
		EN: "The request URI is too long.",
		JA: "リクエストURIが長すぎます。",
	},
	"HEADERS_TOO_LARGE": {
		KO: "요청 헤더가 너무 큽니다.",
		EN: "The request headers are too large.",
		JA: "リクエストヘッダーが大きすぎます。",
	},
	"METHOD_NOT_IMPLEMENTED": {
		KO: "이 서버에서 지원하지 않는 요청 메서드입니다.",
		EN: "The request method is not supported by this server.",
		JA: "このサーバーではサポートされていないリクエストメソッドです。",
	},
	"UNAUTHENTICATED": {
		KO: "인증이 필요합니다. 로그인한 후 다시 시도해 주세요.",
		EN: "Authentication is required.",
		JA: "認証が必要です。ログインしてから再度お試しください。",
	},
	"FORBIDDEN": {
		KO: "이 작업을 수행할 권한이 없습니다.",
		EN: "You are not allowed to do this.",
		JA: "この操作を行う権限がありません。",
	},
	"RATE_LIMITED": {
		KO: "요청이 너무 많습니다. 잠시 후 다시 시도해 주세요.",
		EN: "Too many requests. Please try again later.",
		JA: "リクエストが多すぎます。しばらくしてから再度お試しください。",
	},
	"SERVICE_UNAVAILABLE": {
		KO: "일시적으로 서비스를 이용할 수 없습니다. 잠시 후 다시 시도해 주세요.",
		EN: "The service is temporarily unavailable. Please try again later.",
		JA: "サービスを一時的にご利用いただけません。しばらくしてから再度お試しください。",
	},
	"VERSION_CONFLICT": {
		KO: "다른 사용자가 먼저 변경했습니다. 최신 내용을 확인한 후 다시 시도해 주세요.",
		EN: "The resource was changed by someone else. Reload it and try again.",
		JA: "他のユーザーによって変更されています。最新の内容を確認してから再度お試しください。",
	},
	"INVALID_STATE_TRANSITION": {
		KO: "현재 상태에서는 요청한 상태로 변경할 수 없습니다.",
		EN: "That state change is not allowed.",
		JA: "現在の状態からは指定された状態に変更できません。",
	},
}

// kernelMessages covers the codes declared in core/kernel (markets, money, paging, request headers).
var kernelMessages = Messages{
	"INVALID_MARKET": {
		KO: "X-Market 값은 KR, US, JP 중 하나여야 합니다.",
		EN: "X-Market must be one of KR, US, JP.",
		JA: "X-Market には KR、US、JP のいずれかを指定してください。",
	},
	"UNKNOWN_CURRENCY": {
		KO: "지원하지 않는 통화입니다.",
		EN: "Unknown currency.",
		JA: "対応していない通貨です。",
	},
	"CURRENCY_MISMATCH": {
		KO: "서로 다른 통화의 금액은 함께 계산할 수 없습니다.",
		EN: "Money in different currencies cannot be combined.",
		JA: "異なる通貨の金額を合わせて計算することはできません。",
	},
	"INVALID_FX_RATE": {
		KO: "환율은 0보다 큰 숫자여야 합니다.",
		EN: "An exchange rate must be a positive decimal.",
		JA: "為替レートには正の数を指定してください。",
	},
	"INVALID_CURSOR": {
		KO: "페이지 커서가 올바르지 않습니다.",
		EN: "The cursor is not valid.",
		JA: "ページのカーソルが正しくありません。",
	},
	"INVALID_IDEMPOTENCY_KEY": {
		KO: "Idempotency-Key는 출력 가능한 ASCII 문자 1~255자여야 합니다.",
		EN: "Idempotency-Key must be 1–255 printable ASCII characters.",
		JA: "Idempotency-Key には 1〜255 文字の印字可能な ASCII 文字を指定してください。",
	},
	"IDEMPOTENCY_KEY_REQUIRED": {
		KO: "이 요청에는 Idempotency-Key 헤더가 필요합니다.",
		EN: "This operation requires an Idempotency-Key header.",
		JA: "この操作には Idempotency-Key ヘッダーが必要です。",
	},
	"INVALID_SESSION_ID": {
		KO: "X-Session-Id는 영문자, 숫자, _, -로 이루어진 16~128자여야 합니다.",
		EN: "X-Session-Id must be 16–128 characters of A-Z, a-z, 0-9, _ or -.",
		JA: "X-Session-Id には英数字、_、- からなる 16〜128 文字を指定してください。",
	},
	"SESSION_ID_REQUIRED": {
		KO: "비회원 요청에는 X-Session-Id 헤더가 필요합니다.",
		EN: "This operation requires an X-Session-Id header for guests.",
		JA: "ゲストの場合、この操作には X-Session-Id ヘッダーが必要です。",
	},
}

// areaMessages covers codes of the idempotency layer, the JSON decoder at the edge, storage
// adapters and the business areas. An area may later move its entries into its own Messages map.
var areaMessages = Messages{
	// Idempotency (core/idempotency).
	"IDEMPOTENCY_KEY_REUSED": {
		KO: "이 Idempotency-Key는 이미 다른 요청에 사용되었습니다.",
		EN: "This Idempotency-Key was already used for a different request.",
		JA: "この Idempotency-Key はすでに別のリクエストで使用されています。",
	},
	"IDEMPOTENCY_KEY_IN_USE": {
		KO: "같은 Idempotency-Key로 보낸 요청을 아직 처리하고 있습니다. 잠시 후 다시 시도해 주세요.",
		EN: "A request with this Idempotency-Key is still being processed. Please try again shortly.",
		JA: "同じ Idempotency-Key のリクエストを処理中です。しばらくしてから再度お試しください。",
	},

	// Request decoding and storage.
	"UNSUPPORTED_MEDIA_TYPE": {
		KO: "요청 본문은 JSON 형식이어야 합니다.",
		EN: "The request body must be JSON.",
		JA: "リクエスト本文は JSON 形式である必要があります。",
	},
	"MALFORMED_JSON": {
		KO: "요청 본문이 올바른 JSON 형식이 아닙니다.",
		EN: "The request body is not valid JSON.",
		JA: "リクエスト本文が正しい JSON 形式ではありません。",
	},
	"UNKNOWN_FIELD": {
		KO: "요청에 알 수 없는 필드가 포함되어 있습니다.",
		EN: "The request contains an unknown field.",
		JA: "リクエストに不明なフィールドが含まれています。",
	},
	"DUPLICATE_KEY": {
		KO: "같은 값을 가진 항목이 이미 있습니다.",
		EN: "An item with the same key already exists.",
		JA: "同じキーを持つデータがすでに存在します。",
	},

	// Identity.

	// Catalog, carts and inventory.
	"OUT_OF_STOCK": {
		KO: "재고가 부족합니다.",
		EN: "Not enough stock is available.",
		JA: "在庫が不足しています。",
	},
	"PURCHASE_LIMIT_EXCEEDED": {
		KO: "이 상품의 구매 가능 수량을 초과했습니다.",
		EN: "The purchase limit for this product was exceeded.",
		JA: "この商品の購入可能数を超えています。",
	},
	"NEGATIVE_STOCK": {
		KO: "재고는 0보다 적을 수 없습니다.",
		EN: "Stock cannot go below zero.",
		JA: "在庫数を 0 未満にすることはできません。",
	},
	"SELF_APPROVAL_FORBIDDEN": {
		KO: "본인이 요청한 건은 직접 승인할 수 없습니다.",
		EN: "You cannot approve your own request.",
		JA: "ご自身の申請を承認することはできません。",
	},

	// Coupons.
	"COUPON_SOLD_OUT": {
		KO: "쿠폰이 모두 소진되었습니다.",
		EN: "This coupon has run out.",
		JA: "このクーポンは配布上限に達しました。",
	},
	"COUPON_ALREADY_CLAIMED": {
		KO: "이미 받은 쿠폰입니다.",
		EN: "You have already claimed this coupon.",
		JA: "このクーポンはすでに取得済みです。",
	},
	"COUPON_EXPIRED": {
		KO: "사용 기간이 지난 쿠폰입니다.",
		EN: "This coupon has expired.",
		JA: "このクーポンは有効期限が切れています。",
	},
	"COUPON_NOT_ACTIVE": {
		KO: "현재 사용할 수 없는 쿠폰입니다.",
		EN: "This coupon is not active.",
		JA: "このクーポンは現在ご利用いただけません。",
	},
}
