package partner

import "github.com/jupang/jupang/core/errs"

// Errors of the partner feed and of partner request checks. A request without valid credentials is
// 401; one whose credentials belong to someone else is 403. Bad parameters are VALIDATION_FAILED.
var (
	// ErrEventNotFound: an event id that is not one of the caller's deliveries (another partner's
	// events are as unknown as ones that do not exist). Extra "eventIds" lists them.
	ErrEventNotFound = errs.New(errs.NotFound, "EVENT_NOT_FOUND", errs.Text{
		KO: "이 파트너에게 전달된 이벤트가 아닌 항목이 있습니다.",
		EN: "One or more events are not deliveries of this partner.",
		JA: "このパートナーへの配信ではないイベントが含まれています。",
	})
	// ErrEventAlreadyAcked: a retry of an acknowledged delivery. Extra "eventIds" lists them.
	ErrEventAlreadyAcked = errs.New(errs.Conflict, "EVENT_ALREADY_ACKED", errs.Text{
		KO: "확인 처리된 이벤트는 다시 전달되지 않습니다.",
		EN: "Acknowledged events are not delivered again.",
		JA: "確認済みのイベントは再配信されません。",
	})
	// ErrEventNotDead: an operator's dead-letter retry of a delivery that is not dead.
	ErrEventNotDead = errs.New(errs.Conflict, "EVENT_NOT_DEAD", errs.Text{
		KO: "대시보드에서는 실패 처리된 전달만 다시 시도할 수 있습니다.",
		EN: "Only dead deliveries can be retried from the dashboard.",
		JA: "ダッシュボードから再試行できるのは配信失敗となったものだけです。",
	})
	ErrWebhookNotFound = errs.New(errs.NotFound, "WEBHOOK_NOT_FOUND", errs.Text{
		KO: "웹훅을 찾을 수 없습니다.",
		EN: "The webhook was not found.",
		JA: "Webhookが見つかりません。",
	})
	ErrWebhookExists = errs.New(errs.Conflict, "WEBHOOK_ALREADY_REGISTERED", errs.Text{
		KO: "이 파트너에게는 이미 웹훅이 있습니다. 먼저 삭제해 주세요.",
		EN: "This partner already has a webhook; delete it first.",
		JA: "このパートナーにはすでにWebhookがあります。先に削除してください。",
	})
	ErrWebhookURLNotAllowed = errs.New(errs.Invalid, "WEBHOOK_URL_NOT_ALLOWED", errs.Text{
		KO: "웹훅은 https를 사용하고 공인 주소를 가리켜야 합니다.",
		EN: "Webhooks must use https and point to a public address.",
		JA: "Webhookはhttpsを使用し、公開アドレスを指す必要があります。",
	})
	ErrCertificateRequired = errs.New(errs.Unauthenticated, "CLIENT_CERTIFICATE_REQUIRED", errs.Text{
		KO: "파트너 CA가 발급한 클라이언트 인증서가 필요합니다.",
		EN: "A client certificate issued by the partner CA is required.",
		JA: "パートナーCAが発行したクライアント証明書が必要です。",
	})
	ErrCertificateMismatch = errs.New(errs.Forbidden, "CERTIFICATE_MISMATCH", errs.Text{
		KO: "클라이언트 인증서가 토큰의 클라이언트와 일치하지 않습니다.",
		EN: "The client certificate does not belong to the client of the token.",
		JA: "クライアント証明書がトークンのクライアントのものではありません。",
	})
	ErrClientDisabled = errs.New(errs.Forbidden, "CLIENT_DISABLED", errs.Text{
		KO: "이 파트너 클라이언트는 비활성화되었습니다.",
		EN: "This partner client is disabled.",
		JA: "このパートナークライアントは無効化されています。",
	})
	ErrSignatureRequired = errs.New(errs.Unauthenticated, "SIGNATURE_REQUIRED", errs.Text{
		KO: "X-Jupang-Timestamp, X-Jupang-Nonce, X-Jupang-Signature 헤더로 요청에 서명해야 합니다.",
		EN: "The request must be signed (X-Jupang-Timestamp, X-Jupang-Nonce, X-Jupang-Signature).",
		JA: "X-Jupang-Timestamp、X-Jupang-Nonce、X-Jupang-Signatureヘッダーでリクエストに署名する必要があります。",
	})
	ErrInvalidSignature = errs.New(errs.Unauthenticated, "INVALID_SIGNATURE", errs.Text{
		KO: "요청 서명이 올바르지 않습니다.",
		EN: "The request signature is not valid.",
		JA: "リクエストの署名が正しくありません。",
	})
	ErrStaleTimestamp = errs.New(errs.Unauthenticated, "STALE_TIMESTAMP", errs.Text{
		KO: "요청 시각이 서버 시각과 300초 넘게 차이 납니다.",
		EN: "The request timestamp is more than 300 seconds from the server's clock.",
		JA: "リクエストのタイムスタンプがサーバーの時刻と300秒以上ずれています。",
	})
	ErrNonceReused = errs.New(errs.Unauthenticated, "NONCE_REUSED", errs.Text{
		KO: "이미 사용된 논스입니다. 요청마다 새 논스로 서명해 주세요.",
		EN: "This nonce was already used; sign every request with a new one.",
		JA: "このノンスはすでに使用されています。リクエストごとに新しいノンスで署名してください。",
	})
)

// Field codes of the feed, request signatures and webhooks (besides the platform's).
var (
	FieldInvalidEventType = errs.NewFieldCode("INVALID_EVENT_TYPE", errs.Text{
		KO: "order.paid와 같은 이벤트 유형을 쉼표로 구분해 입력해 주세요.",
		EN: "Enter event types such as order.paid, separated by commas.",
		JA: "order.paidのようなイベントタイプをカンマ区切りで入力してください。",
	})
	FieldTooManyItems = errs.NewFieldCode("TOO_MANY_ITEMS", errs.Text{
		KO: "항목이 너무 많습니다.",
		EN: "There are too many items.",
		JA: "項目が多すぎます。",
	})
	FieldInvalidTimestamp = errs.NewFieldCode("INVALID_TIMESTAMP", errs.Text{
		KO: "유닉스 시간(초)으로 입력해 주세요.",
		EN: "Enter unix time in whole seconds.",
		JA: "UNIX時間（秒）で入力してください。",
	})
	FieldInvalidNonce = errs.NewFieldCode("INVALID_NONCE", errs.Text{
		KO: "논스는 영문자, 숫자, '-', '_', '.', '~'로 된 8~128자여야 합니다.",
		EN: "The nonce must be 8–128 characters of letters, digits, '-', '_', '.' or '~'.",
		JA: "ノンスは英数字と「-」「_」「.」「~」からなる8～128文字にしてください。",
	})
	FieldURLNotAllowed = errs.NewFieldCode("URL_NOT_ALLOWED", errs.Text{
		KO: "허용되지 않는 URL입니다.",
		EN: "This URL is not allowed.",
		JA: "このURLは許可されていません。",
	})
)

// Codes lists every code the partner area declares.
func Codes() errs.Codes {
	return errs.Codes{
		Area: "partner",
		Errors: []*errs.Error{ErrEventNotFound, ErrEventAlreadyAcked, ErrEventNotDead, ErrWebhookNotFound, ErrWebhookExists,
			ErrWebhookURLNotAllowed, ErrCertificateRequired, ErrCertificateMismatch, ErrClientDisabled, ErrSignatureRequired,
			ErrInvalidSignature, ErrStaleTimestamp, ErrNonceReused},
		Fields: []errs.FieldCode{FieldInvalidEventType, FieldTooManyItems, FieldInvalidTimestamp, FieldInvalidNonce,
			FieldURLNotAllowed},
	}
}
