package notificationlog_test

import (
	"context"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/jupang/jupang/adapters/notificationlog"
	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/notification"
)

func TestAnnounceWritesOneLineWithTheCustomersText(t *testing.T) {
	core, logs := observer.New(zap.InfoLevel)
	a := notificationlog.New(zap.New(core))
	n := notification.New("user-1", "refund.completed", kernel.LocaleJA,
		errs.Text{KO: "환불 완료", EN: "Refund completed", JA: "返金完了"}, errs.Text{KO: "본문", EN: "body", JA: "本文"},
		"refund:r1:completed", map[string]string{"refundId": "r1"}, time.Now())
	ctx := kernel.WithRequest(context.Background(), kernel.Request{TraceID: "trace-1"})
	a.Announce(ctx, n)
	entries := logs.All()
	if len(entries) != 1 {
		t.Fatalf("%d log lines", len(entries))
	}
	got := entries[0].ContextMap()
	for k, want := range map[string]string{"traceId": "trace-1", "notificationId": n.ID, "userId": "user-1",
		"type": "refund.completed", "locale": "ja", "title": "返金完了", "body": "本文"} {
		if got[k] != want {
			t.Errorf("%s = %v, want %q", k, got[k], want)
		}
	}
	if entries[0].LoggerName != "notification" {
		t.Errorf("logger %q", entries[0].LoggerName)
	}
}
