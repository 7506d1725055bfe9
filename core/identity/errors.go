package identity

import (
	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/i18n"
)

// Errors of the identity area. The OAuth ones (INVALID_GRANT, INVALID_CLIENT, ...) are rendered by the
// token endpoint in RFC 6749 form; the others are problem+json like every other error.
var (
	ErrEmailTaken = errs.New(errs.Conflict, "EMAIL_TAKEN", "This email address is already registered.")
	// ErrInvalidGrant: wrong credentials, or a refresh token that is unknown, expired, revoked or reused.
	ErrInvalidGrant = errs.New(errs.Invalid, "INVALID_GRANT", "The credentials or the refresh token are invalid, expired or revoked.")
	// ErrInvalidClient: partner client authentication failed.
	ErrInvalidClient = errs.New(errs.Unauthenticated, "INVALID_CLIENT", "Client authentication failed.")
	// ErrUnsupportedGrantType: this binary does not offer that grant.
	ErrUnsupportedGrantType = errs.New(errs.Invalid, "UNSUPPORTED_GRANT_TYPE", "This grant type is not supported here.")
	// ErrUnsupportedTokenType: only refresh tokens can be revoked; access tokens simply expire.
	ErrUnsupportedTokenType = errs.New(errs.Invalid, "UNSUPPORTED_TOKEN_TYPE", "Only refresh tokens can be revoked; access tokens expire on their own.")
	ErrUserNotFound         = errs.New(errs.NotFound, "USER_NOT_FOUND", "The user was not found.")
	ErrClientNotFound       = errs.New(errs.NotFound, "CLIENT_NOT_FOUND", "The client was not found.")
	ErrClientIDTaken        = errs.New(errs.Conflict, "CLIENT_ID_TAKEN", "This client id is already registered.")
	// ErrRefreshTokenNotFound is what stores answer for an unknown hash; clients see INVALID_GRANT.
	ErrRefreshTokenNotFound = errs.New(errs.NotFound, "REFRESH_TOKEN_NOT_FOUND", "The refresh token was not found.")
	// ErrTooManyAttempts is the sign-in guard against password guessing (platform code RATE_LIMITED).
	// It names no account: an unknown address is throttled exactly like a known one.
	ErrTooManyAttempts = errs.ErrRateLimited.WithMessage("Too many sign-in attempts. Try again later.")
)

// Messages are the identity area's texts in every supported language: error codes and the field
// error codes of sign-up.
var Messages = i18n.Messages{
	"EMAIL_TAKEN": {
		KO: "이미 가입된 이메일 주소입니다.",
		EN: "This email address is already registered.",
		JA: "このメールアドレスはすでに登録されています。",
	},
	"INVALID_CREDENTIALS": {
		KO: "이메일 또는 비밀번호가 올바르지 않습니다.",
		EN: "The email address or password is incorrect.",
		JA: "メールアドレスまたはパスワードが正しくありません。",
	},
	"INVALID_GRANT": {
		KO: "인증 정보 또는 갱신 토큰이 올바르지 않거나 만료되었거나 폐기되었습니다.",
		EN: "The credentials or the refresh token are invalid, expired or revoked.",
		JA: "認証情報またはリフレッシュトークンが正しくないか、期限切れか、失効しています。",
	},
	"INVALID_CLIENT": {
		KO: "클라이언트 인증에 실패했습니다.",
		EN: "Client authentication failed.",
		JA: "クライアント認証に失敗しました。",
	},
	"UNSUPPORTED_GRANT_TYPE": {
		KO: "이곳에서는 지원하지 않는 인증 방식입니다.",
		EN: "This grant type is not supported here.",
		JA: "ここではサポートされていないグラントタイプです。",
	},
	"UNSUPPORTED_TOKEN_TYPE": {
		KO: "갱신 토큰만 폐기할 수 있습니다. 액세스 토큰은 자동으로 만료됩니다.",
		EN: "Only refresh tokens can be revoked; access tokens expire on their own.",
		JA: "失効できるのはリフレッシュトークンのみです。アクセストークンは自動的に期限切れになります。",
	},
	"USER_NOT_FOUND": {
		KO: "사용자를 찾을 수 없습니다.",
		EN: "The user was not found.",
		JA: "ユーザーが見つかりません。",
	},
	"CLIENT_NOT_FOUND": {
		KO: "클라이언트를 찾을 수 없습니다.",
		EN: "The client was not found.",
		JA: "クライアントが見つかりません。",
	},
	"CLIENT_ID_TAKEN": {
		KO: "이미 등록된 클라이언트 ID입니다.",
		EN: "This client id is already registered.",
		JA: "このクライアントIDはすでに登録されています。",
	},
	"REFRESH_TOKEN_NOT_FOUND": {
		KO: "갱신 토큰을 찾을 수 없습니다.",
		EN: "The refresh token was not found.",
		JA: "リフレッシュトークンが見つかりません。",
	},
	// Field error codes of sign-up.
	"REQUIRED": {
		KO: "필수 항목입니다.",
		EN: "This field is required.",
		JA: "必須項目です。",
	},
	"INVALID_EMAIL": {
		KO: "이메일 주소 형식이 올바르지 않습니다.",
		EN: "The email address is not valid.",
		JA: "メールアドレスの形式が正しくありません。",
	},
	"INVALID_PASSWORD": {
		KO: "비밀번호에 사용할 수 없는 문자가 포함되어 있습니다.",
		EN: "The password contains characters that cannot be used.",
		JA: "パスワードに使用できない文字が含まれています。",
	},
	"PASSWORD_TOO_SHORT": {
		KO: "비밀번호는 10자 이상이어야 합니다.",
		EN: "The password must be at least 10 characters long.",
		JA: "パスワードは10文字以上で入力してください。",
	},
	"PASSWORD_TOO_LONG": {
		KO: "비밀번호는 256자 이하여야 합니다.",
		EN: "The password must be at most 256 characters long.",
		JA: "パスワードは256文字以内で入力してください。",
	},
	"INVALID_TEXT": {
		KO: "한 줄의 일반 텍스트로 입력해 주세요.",
		EN: "Enter plain text on one line.",
		JA: "1行のテキストで入力してください。",
	},
	"TOO_LONG": {
		KO: "입력한 값이 너무 깁니다.",
		EN: "The value is too long.",
		JA: "入力された値が長すぎます。",
	},
	"INVALID_PHONE": {
		KO: "전화번호 형식이 올바르지 않습니다.",
		EN: "The phone number is not valid.",
		JA: "電話番号の形式が正しくありません。",
	},
	"INVALID_COUNTRY": {
		KO: "국가 코드는 KR과 같은 ISO 3166-1 두 글자 코드여야 합니다.",
		EN: "The country must be a two-letter ISO 3166-1 code such as KR.",
		JA: "国コードはKRのようなISO 3166-1の2文字コードで入力してください。",
	},
	"INVALID_CLIENT_ID": {
		KO: "클라이언트 ID 형식이 올바르지 않습니다.",
		EN: "The client id is not valid.",
		JA: "クライアントIDの形式が正しくありません。",
	},
	"INVALID_ROLE": {
		KO: "부여할 수 없는 역할입니다.",
		EN: "This role cannot be granted.",
		JA: "付与できないロールです。",
	},
}
