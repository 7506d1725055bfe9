package identity

import "github.com/jupang/jupang/core/errs"

// Errors of the identity area. The OAuth ones (INVALID_GRANT, INVALID_CLIENT, ...) are rendered by the
// token endpoint in RFC 6749 form; the others are problem+json like every other error.
var (
	ErrEmailTaken = errs.New(errs.Conflict, "EMAIL_TAKEN", errs.Text{
		KO: "이미 가입된 이메일 주소입니다.",
		EN: "This email address is already registered.",
		JA: "このメールアドレスはすでに登録されています。",
	})
	// ErrInvalidGrant: wrong credentials, or a refresh token that is unknown, expired, revoked or reused.
	ErrInvalidGrant = errs.New(errs.Invalid, "INVALID_GRANT", errs.Text{
		KO: "인증 정보 또는 갱신 토큰이 올바르지 않거나 만료되었거나 폐기되었습니다.",
		EN: "The credentials or the refresh token are invalid, expired or revoked.",
		JA: "認証情報またはリフレッシュトークンが正しくないか、期限切れか、失効しています。",
	})
	// ErrInvalidClient: partner client authentication failed.
	ErrInvalidClient = errs.New(errs.Unauthenticated, "INVALID_CLIENT", errs.Text{
		KO: "클라이언트 인증에 실패했습니다.",
		EN: "Client authentication failed.",
		JA: "クライアント認証に失敗しました。",
	})
	// ErrUnsupportedGrantType: this binary does not offer that grant.
	ErrUnsupportedGrantType = errs.New(errs.Invalid, "UNSUPPORTED_GRANT_TYPE", errs.Text{
		KO: "이곳에서는 지원하지 않는 인증 방식입니다.",
		EN: "This grant type is not supported here.",
		JA: "ここではサポートされていないグラントタイプです。",
	})
	// ErrUnsupportedTokenType: only refresh tokens can be revoked; access tokens simply expire.
	ErrUnsupportedTokenType = errs.New(errs.Invalid, "UNSUPPORTED_TOKEN_TYPE", errs.Text{
		KO: "갱신 토큰만 폐기할 수 있습니다. 액세스 토큰은 자동으로 만료됩니다.",
		EN: "Only refresh tokens can be revoked; access tokens expire on their own.",
		JA: "失効できるのはリフレッシュトークンのみです。アクセストークンは自動的に期限切れになります。",
	})
	ErrUserNotFound = errs.New(errs.NotFound, "USER_NOT_FOUND", errs.Text{
		KO: "사용자를 찾을 수 없습니다.",
		EN: "The user was not found.",
		JA: "ユーザーが見つかりません。",
	})
	ErrClientNotFound = errs.New(errs.NotFound, "CLIENT_NOT_FOUND", errs.Text{
		KO: "클라이언트를 찾을 수 없습니다.",
		EN: "The client was not found.",
		JA: "クライアントが見つかりません。",
	})
	ErrClientIDTaken = errs.New(errs.Conflict, "CLIENT_ID_TAKEN", errs.Text{
		KO: "이미 등록된 클라이언트 ID입니다.",
		EN: "This client id is already registered.",
		JA: "このクライアントIDはすでに登録されています。",
	})
	// ErrRefreshTokenNotFound is what stores answer for an unknown hash; clients see INVALID_GRANT.
	ErrRefreshTokenNotFound = errs.New(errs.NotFound, "REFRESH_TOKEN_NOT_FOUND", errs.Text{
		KO: "갱신 토큰을 찾을 수 없습니다.",
		EN: "The refresh token was not found.",
		JA: "リフレッシュトークンが見つかりません。",
	})
	// ErrTooManyAttempts is the sign-in guard against password guessing (platform code RATE_LIMITED).
	// It names no account: an unknown address is throttled exactly like a known one.
	ErrTooManyAttempts = errs.ErrRateLimited.WithMessage("Too many sign-in attempts. Try again later.")
)

// Field codes of sign-up, staff accounts and partner clients (besides the platform's REQUIRED,
// INVALID_TEXT and TOO_LONG).
var (
	FieldInvalidEmail = errs.NewFieldCode("INVALID_EMAIL", errs.Text{
		KO: "이메일 주소 형식이 올바르지 않습니다.",
		EN: "The email address is not valid.",
		JA: "メールアドレスの形式が正しくありません。",
	})
	FieldInvalidPassword = errs.NewFieldCode("INVALID_PASSWORD", errs.Text{
		KO: "비밀번호에 사용할 수 없는 문자가 포함되어 있습니다.",
		EN: "The password contains characters that cannot be used.",
		JA: "パスワードに使用できない文字が含まれています。",
	})
	FieldPasswordTooShort = errs.NewFieldCode("PASSWORD_TOO_SHORT", errs.Text{
		KO: "비밀번호가 너무 짧습니다.",
		EN: "The password is too short.",
		JA: "パスワードが短すぎます。",
	})
	FieldPasswordTooLong = errs.NewFieldCode("PASSWORD_TOO_LONG", errs.Text{
		KO: "비밀번호는 256자 이하여야 합니다.",
		EN: "The password must be at most 256 characters long.",
		JA: "パスワードは256文字以内で入力してください。",
	})
	FieldInvalidPhone = errs.NewFieldCode("INVALID_PHONE", errs.Text{
		KO: "전화번호 형식이 올바르지 않습니다.",
		EN: "The phone number is not valid.",
		JA: "電話番号の形式が正しくありません。",
	})
	FieldInvalidCountry = errs.NewFieldCode("INVALID_COUNTRY", errs.Text{
		KO: "국가 코드는 KR과 같은 ISO 3166-1 두 글자 코드여야 합니다.",
		EN: "The country must be a two-letter ISO 3166-1 code such as KR.",
		JA: "国コードはKRのようなISO 3166-1の2文字コードで入力してください。",
	})
	FieldInvalidClientID = errs.NewFieldCode("INVALID_CLIENT_ID", errs.Text{
		KO: "클라이언트 ID 형식이 올바르지 않습니다.",
		EN: "The client id is not valid.",
		JA: "クライアントIDの形式が正しくありません。",
	})
	FieldInvalidRole = errs.NewFieldCode("INVALID_ROLE", errs.Text{
		KO: "부여할 수 없는 역할입니다.",
		EN: "This role cannot be granted.",
		JA: "付与できないロールです。",
	})
)

// Codes lists every code the identity area declares.
func Codes() errs.Codes {
	return errs.Codes{
		Area: "identity",
		Errors: []*errs.Error{ErrEmailTaken, ErrInvalidGrant, ErrInvalidClient, ErrUnsupportedGrantType,
			ErrUnsupportedTokenType, ErrUserNotFound, ErrClientNotFound, ErrClientIDTaken, ErrRefreshTokenNotFound},
		Fields: []errs.FieldCode{FieldInvalidEmail, FieldInvalidPassword, FieldPasswordTooShort, FieldPasswordTooLong,
			FieldInvalidPhone, FieldInvalidCountry, FieldInvalidClientID, FieldInvalidRole},
	}
}
