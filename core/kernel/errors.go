package kernel

import "github.com/jupang/jupang/core/errs"

// Errors of the shared value types and request headers.
var (
	// ErrInvalidMarket is returned for an X-Market value other than KR, US or JP.
	ErrInvalidMarket = errs.New(errs.Invalid, "INVALID_MARKET", errs.Text{
		KO: "X-Market 값은 KR, US, JP 중 하나여야 합니다.",
		EN: "X-Market must be one of KR, US, JP.",
		JA: "X-Market には KR、US、JP のいずれかを指定してください。",
	})
	// ErrUnknownCurrency is returned for a currency code Jupang does not trade in.
	ErrUnknownCurrency = errs.New(errs.Invalid, "UNKNOWN_CURRENCY", errs.Text{
		KO: "지원하지 않는 통화입니다.",
		EN: "Unknown currency.",
		JA: "対応していない通貨です。",
	})
	// ErrCurrencyMismatch is a programming error: arithmetic across currencies.
	ErrCurrencyMismatch = errs.New(errs.Internal, "CURRENCY_MISMATCH", errs.Text{
		KO: "서로 다른 통화의 금액은 함께 계산할 수 없습니다.",
		EN: "Money in different currencies cannot be combined.",
		JA: "異なる通貨の金額を合わせて計算することはできません。",
	})
	// ErrInvalidRate is returned for a rate that is not a positive decimal.
	ErrInvalidRate = errs.New(errs.Invalid, "INVALID_FX_RATE", errs.Text{
		KO: "환율은 0보다 큰 숫자여야 합니다.",
		EN: "An exchange rate must be a positive decimal.",
		JA: "為替レートには正の数を指定してください。",
	})
	// ErrInvalidCursor is returned for a paging cursor the server did not issue.
	ErrInvalidCursor = errs.New(errs.Invalid, "INVALID_CURSOR", errs.Text{
		KO: "페이지 커서가 올바르지 않습니다.",
		EN: "The cursor is not valid.",
		JA: "ページのカーソルが正しくありません。",
	})
	ErrInvalidIdempotencyKey = errs.New(errs.Invalid, "INVALID_IDEMPOTENCY_KEY", errs.Text{
		KO: "Idempotency-Key는 출력 가능한 ASCII 문자 1~255자여야 합니다.",
		EN: "Idempotency-Key must be 1–255 printable ASCII characters.",
		JA: "Idempotency-Key には 1〜255 文字の印字可能な ASCII 文字を指定してください。",
	})
	ErrIdempotencyKeyRequired = errs.New(errs.Invalid, "IDEMPOTENCY_KEY_REQUIRED", errs.Text{
		KO: "이 요청에는 Idempotency-Key 헤더가 필요합니다.",
		EN: "This operation requires an Idempotency-Key header.",
		JA: "この操作には Idempotency-Key ヘッダーが必要です。",
	})
	ErrInvalidSessionID = errs.New(errs.Invalid, "INVALID_SESSION_ID", errs.Text{
		KO: "X-Session-Id는 영문자, 숫자, _, -로 이루어진 16~128자여야 합니다.",
		EN: "X-Session-Id must be 16–128 characters of A-Z, a-z, 0-9, _ or -.",
		JA: "X-Session-Id には英数字、_、- からなる 16〜128 文字を指定してください。",
	})
	ErrSessionRequired = errs.New(errs.Invalid, "SESSION_ID_REQUIRED", errs.Text{
		KO: "비회원 요청에는 X-Session-Id 헤더가 필요합니다.",
		EN: "This operation requires an X-Session-Id header for guests.",
		JA: "ゲストの場合、この操作には X-Session-Id ヘッダーが必要です。",
	})
)

// Field codes for inputs of the shared value types (a header, or a market or price in a body).
var (
	FieldInvalidMarket = errs.NewFieldCode("INVALID_MARKET", errs.Text{
		KO: "마켓은 KR, US, JP 중 하나여야 합니다.",
		EN: "The market must be one of KR, US, JP.",
		JA: "マーケットには KR、US、JP のいずれかを指定してください。",
	})
	FieldCurrencyMismatch = errs.NewFieldCode("CURRENCY_MISMATCH", errs.Text{
		KO: "마켓의 통화로 입력해야 합니다.",
		EN: "The amount must be in the market's currency.",
		JA: "マーケットの通貨で指定してください。",
	})
	FieldInvalidCursor = errs.NewFieldCode("INVALID_CURSOR", errs.Text{
		KO: "이 조회 조건으로 발급된 커서가 아닙니다.",
		EN: "The cursor was not issued for this query.",
		JA: "この検索条件で発行されたカーソルではありません。",
	})
	FieldInvalidIdempotencyKey = errs.NewFieldCode("INVALID_IDEMPOTENCY_KEY", errs.Text{
		KO: "출력 가능한 ASCII 문자 1~255자로 입력해 주세요.",
		EN: "Use 1–255 printable ASCII characters.",
		JA: "1〜255 文字の印字可能な ASCII 文字で指定してください。",
	})
	FieldInvalidSessionID = errs.NewFieldCode("INVALID_SESSION_ID", errs.Text{
		KO: "영문자, 숫자, _, -로 이루어진 16~128자로 입력해 주세요.",
		EN: "Use 16–128 characters of A-Z, a-z, 0-9, _ or -.",
		JA: "英数字、_、- からなる 16〜128 文字で指定してください。",
	})
)

// Codes lists every code the kernel declares.
func Codes() errs.Codes {
	return errs.Codes{
		Area: "kernel",
		Errors: []*errs.Error{ErrInvalidMarket, ErrUnknownCurrency, ErrCurrencyMismatch, ErrInvalidRate, ErrInvalidCursor,
			ErrInvalidIdempotencyKey, ErrIdempotencyKeyRequired, ErrInvalidSessionID, ErrSessionRequired},
		Fields: []errs.FieldCode{FieldInvalidMarket, FieldCurrencyMismatch, FieldInvalidCursor, FieldInvalidIdempotencyKey,
			FieldInvalidSessionID},
	}
}
