package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// maxTracedStatement bounds the SQL text kept on a span; arguments are never recorded (they can be PII).
const maxTracedStatement = 500

// QueryTracer makes one OpenTelemetry client span per SQL statement.
type QueryTracer struct{ tracer trace.Tracer }

// NewQueryTracer returns a pgx tracer that reports to tracer.
func NewQueryTracer(tracer trace.Tracer) *QueryTracer { return &QueryTracer{tracer: tracer} }

// TraceQueryStart implements pgx.QueryTracer.
func (t *QueryTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	stmt := data.SQL
	if len(stmt) > maxTracedStatement {
		stmt = stmt[:maxTracedStatement]
	}
	ctx, _ = t.tracer.Start(ctx, "db.query", trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attribute.String("db.system", "postgresql"), attribute.String("db.statement", stmt)))
	return ctx
}

// TraceQueryEnd implements pgx.QueryTracer.
func (t *QueryTracer) TraceQueryEnd(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryEndData) {
	span := trace.SpanFromContext(ctx)
	if data.Err != nil {
		span.RecordError(data.Err)
		span.SetStatus(codes.Error, "query failed")
	}
	span.End()
}
