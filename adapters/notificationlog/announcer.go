// Package notificationlog announces customers' notifications as log lines: the dev stand-in for
// the push or e-mail channel a production deployment would put behind notification.Announcer.
package notificationlog

import (
	"context"

	"go.uber.org/zap"

	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/notification"
)

// Announcer writes one log line per announced notification.
type Announcer struct{ log *zap.Logger }

// New returns an Announcer writing to log.
func New(log *zap.Logger) Announcer { return Announcer{log: log.Named("notification")} }

// Announce implements notification.Announcer.
func (a Announcer) Announce(ctx context.Context, n notification.Notification) {
	a.log.Info("notification sent",
		zap.String("traceId", kernel.RequestFrom(ctx).TraceID),
		zap.String("notificationId", n.ID), zap.String("userId", n.UserID), zap.String("type", n.Type),
		zap.String("locale", string(n.Locale)), zap.String("title", n.Title), zap.String("body", n.Body),
		zap.Any("data", n.Data))
}
