package errs

// FieldCode says what is wrong with one input field (errors[].code of a problem), with its texts.
type FieldCode struct {
	Code string
	Text Text
}

// NewFieldCode declares a field code with its texts; areas call it once per code at package level
// and list it in their Codes.
func NewFieldCode(code string, text Text) FieldCode { return FieldCode{Code: code, Text: text} }

// At returns the field error "field has code c", with an English message for developers.
func (c FieldCode) At(field, message string) *FieldError {
	return &FieldError{Field: field, Code: c.Code, Message: message}
}

// Codes is everything one package declares: its error codes and its field codes. Each package
// that declares codes has a function Codes returning them; the message catalog is built from
// those lists (see core/i18n).
type Codes struct {
	Area   string // who declares them ("platform", "kernel", "catalog", …), for test failures
	Errors []*Error
	Fields []FieldCode
}

// Platform-wide error codes; areas declare their own in their errors.go.
var (
	ErrInternal = New(Internal, "INTERNAL", Text{
		KO: "예기치 못한 오류가 발생했습니다. 잠시 후 다시 시도해 주세요.",
		EN: "An unexpected error occurred. Please try again later.",
		JA: "予期しないエラーが発生しました。しばらくしてから再度お試しください。",
	})
	ErrValidation = New(Invalid, "VALIDATION_FAILED", Text{
		KO: "요청 내용이 올바르지 않습니다.",
		EN: "The request is not valid.",
		JA: "リクエストの内容が正しくありません。",
	})
	ErrNotFound = New(NotFound, "NOT_FOUND", Text{
		KO: "요청한 리소스를 찾을 수 없습니다.",
		EN: "The resource was not found.",
		JA: "指定されたリソースが見つかりません。",
	})
	ErrMethodNotAllowed = New(MethodNotAllowed, "METHOD_NOT_ALLOWED", Text{
		KO: "이 리소스에서 허용되지 않는 메서드입니다.",
		EN: "The method is not allowed on this resource.",
		JA: "このリソースでは許可されていないメソッドです。",
	})
	ErrBodyTooLarge = New(TooLarge, "BODY_TOO_LARGE", Text{
		KO: "요청 본문이 너무 큽니다.",
		EN: "The request body is too large.",
		JA: "リクエスト本文が大きすぎます。",
	})
	ErrUnsupportedMedia = New(UnsupportedMedia, "UNSUPPORTED_MEDIA_TYPE", Text{
		KO: "요청 본문은 JSON 형식이어야 합니다.",
		EN: "The request body must be JSON.",
		JA: "リクエスト本文は JSON 形式である必要があります。",
	})
	ErrURITooLong = New(URITooLong, "URI_TOO_LONG", Text{
		KO: "요청 URI가 너무 깁니다.",
		EN: "The request URI is too long.",
		JA: "リクエストURIが長すぎます。",
	})
	ErrHeadersTooLarge = New(HeadersTooLarge, "HEADERS_TOO_LARGE", Text{
		KO: "요청 헤더가 너무 큽니다.",
		EN: "The request headers are too large.",
		JA: "リクエストヘッダーが大きすぎます。",
	})
	ErrNotImplemented = New(NotImplemented, "METHOD_NOT_IMPLEMENTED", Text{
		KO: "이 서버에서 지원하지 않는 요청 메서드입니다.",
		EN: "The request method is not supported by this server.",
		JA: "このサーバーではサポートされていないリクエストメソッドです。",
	})
	ErrUnauthenticated = New(Unauthenticated, "UNAUTHENTICATED", Text{
		KO: "인증이 필요합니다. 로그인한 후 다시 시도해 주세요.",
		EN: "Authentication is required.",
		JA: "認証が必要です。ログインしてから再度お試しください。",
	})
	ErrForbidden = New(Forbidden, "FORBIDDEN", Text{
		KO: "이 작업을 수행할 권한이 없습니다.",
		EN: "You are not allowed to do this.",
		JA: "この操作を行う権限がありません。",
	})
	ErrRateLimited = New(RateLimited, "RATE_LIMITED", Text{
		KO: "요청이 너무 많습니다. 잠시 후 다시 시도해 주세요.",
		EN: "Too many requests. Please try again later.",
		JA: "リクエストが多すぎます。しばらくしてから再度お試しください。",
	})
	ErrUnavailable = New(Unavailable, "SERVICE_UNAVAILABLE", Text{
		KO: "일시적으로 서비스를 이용할 수 없습니다. 잠시 후 다시 시도해 주세요.",
		EN: "The service is temporarily unavailable. Please try again later.",
		JA: "サービスを一時的にご利用いただけません。しばらくしてから再度お試しください。",
	})
	ErrOverloaded = New(Unavailable, "OVERLOADED", Text{
		KO: "요청이 몰려 지금은 처리할 수 없습니다. 잠시 후 다시 시도해 주세요.",
		EN: "Too many requests are in progress right now. Please try again shortly.",
		JA: "リクエストが集中しているため、現在は処理できません。しばらくしてから再度お試しください。",
	})
	ErrVersionConflict = New(Conflict, "VERSION_CONFLICT", Text{
		KO: "다른 사용자가 먼저 변경했습니다. 최신 내용을 확인한 후 다시 시도해 주세요.",
		EN: "The resource was changed by someone else. Reload it and try again.",
		JA: "他のユーザーによって変更されています。最新の内容を確認してから再度お試しください。",
	})
	ErrInvalidTransition = New(Conflict, "INVALID_STATE_TRANSITION", Text{
		KO: "현재 상태에서는 요청한 상태로 변경할 수 없습니다.",
		EN: "That state change is not allowed.",
		JA: "現在の状態からは指定された状態に変更できません。",
	})
)

// Field codes every area shares. An area declares only the codes that say something about its own
// rules (INVALID_EMAIL, UNKNOWN_CATEGORY, …).
var (
	FieldRequired = NewFieldCode("REQUIRED", Text{
		KO: "필수 항목입니다.",
		EN: "This field is required.",
		JA: "必須項目です。",
	})
	FieldInvalidType = NewFieldCode("INVALID_TYPE", Text{
		KO: "값의 자료형이 올바르지 않습니다.",
		EN: "The value has the wrong type.",
		JA: "値の型が正しくありません。",
	})
	FieldInvalidValue = NewFieldCode("INVALID_VALUE", Text{
		KO: "허용되지 않는 값입니다.",
		EN: "The value is not one of the allowed values.",
		JA: "指定できない値です。",
	})
	FieldInvalidFormat = NewFieldCode("INVALID_FORMAT", Text{
		KO: "값의 형식이 올바르지 않습니다.",
		EN: "The value is not in the expected format.",
		JA: "値の形式が正しくありません。",
	})
	FieldInvalidID = NewFieldCode("INVALID_ID", Text{
		KO: "ID 형식이 올바르지 않습니다.",
		EN: "The id is not valid.",
		JA: "IDの形式が正しくありません。",
	})
	FieldInvalidText = NewFieldCode("INVALID_TEXT", Text{
		KO: "한 줄의 일반 텍스트로 입력해 주세요.",
		EN: "Enter plain text on one line.",
		JA: "1行のテキストで入力してください。",
	})
	FieldInvalidLength = NewFieldCode("INVALID_LENGTH", Text{
		KO: "값의 길이가 허용 범위를 벗어났습니다.",
		EN: "The value is too short or too long.",
		JA: "値の長さが許容範囲外です。",
	})
	FieldTooLong = NewFieldCode("TOO_LONG", Text{
		KO: "입력한 값이 너무 깁니다.",
		EN: "The value is too long.",
		JA: "入力された値が長すぎます。",
	})
	FieldOutOfRange = NewFieldCode("OUT_OF_RANGE", Text{
		KO: "값이 허용 범위를 벗어났습니다.",
		EN: "The value is outside the allowed range.",
		JA: "値が許容範囲外です。",
	})
	FieldNegative = NewFieldCode("NEGATIVE", Text{
		KO: "음수는 입력할 수 없습니다.",
		EN: "The value must not be negative.",
		JA: "負の値は指定できません。",
	})
	FieldDuplicate = NewFieldCode("DUPLICATE", Text{
		KO: "중복된 값입니다.",
		EN: "The value appears more than once.",
		JA: "値が重複しています。",
	})

	// The edge's own: request decoding, request headers, readiness.

	FieldMalformedJSON = NewFieldCode("MALFORMED_JSON", Text{
		KO: "요청 본문이 올바른 JSON 형식이 아닙니다.",
		EN: "The request body is not valid JSON.",
		JA: "リクエスト本文が正しい JSON 形式ではありません。",
	})
	FieldUnknownField = NewFieldCode("UNKNOWN_FIELD", Text{
		KO: "요청에 알 수 없는 필드가 포함되어 있습니다.",
		EN: "The request contains an unknown field.",
		JA: "リクエストに不明なフィールドが含まれています。",
	})
	FieldDuplicateField = NewFieldCode("DUPLICATE_FIELD", Text{
		KO: "같은 필드가 두 번 이상 들어 있습니다.",
		EN: "The same field appears more than once.",
		JA: "同じフィールドが複数回含まれています。",
	})
	FieldUnsupportedEncoding = NewFieldCode("UNSUPPORTED_ENCODING", Text{
		KO: "압축된 요청 본문은 받지 않습니다.",
		EN: "Compressed request bodies are not accepted.",
		JA: "圧縮されたリクエスト本文は受け付けていません。",
	})
	FieldUnreachable = NewFieldCode("UNREACHABLE", Text{
		KO: "의존 서비스가 응답하지 않습니다.",
		EN: "The dependency did not answer.",
		JA: "依存先のサービスが応答しません。",
	})
	FieldMalformedRequest = NewFieldCode("MALFORMED_REQUEST", Text{
		KO: "올바른 HTTP/1.1 요청이 아닙니다.",
		EN: "The request is not valid HTTP/1.1.",
		JA: "有効な HTTP/1.1 リクエストではありません。",
	})
	FieldShuttingDown = NewFieldCode("SHUTTING_DOWN", Text{
		KO: "이 인스턴스는 종료 중입니다. 다른 인스턴스를 이용해 주세요.",
		EN: "This instance is shutting down; use another.",
		JA: "このインスタンスは終了処理中です。別のインスタンスをご利用ください。",
	})
)

// PlatformCodes lists the codes declared here.
func PlatformCodes() Codes {
	return Codes{
		Area: "platform",
		Errors: []*Error{ErrInternal, ErrValidation, ErrNotFound, ErrMethodNotAllowed, ErrBodyTooLarge,
			ErrUnsupportedMedia, ErrUnauthenticated, ErrForbidden, ErrRateLimited, ErrUnavailable,
			ErrOverloaded, ErrVersionConflict, ErrInvalidTransition, ErrURITooLong, ErrHeadersTooLarge, ErrNotImplemented},
		Fields: []FieldCode{FieldRequired, FieldInvalidType, FieldInvalidValue, FieldInvalidFormat, FieldInvalidID,
			FieldInvalidText, FieldInvalidLength, FieldTooLong, FieldOutOfRange, FieldNegative, FieldDuplicate,
			FieldMalformedJSON, FieldUnknownField, FieldDuplicateField, FieldUnsupportedEncoding, FieldUnreachable,
			FieldMalformedRequest, FieldShuttingDown},
	}
}
