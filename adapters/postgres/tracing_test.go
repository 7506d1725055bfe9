package postgres_test

import (
	"context"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/jupang/jupang/adapters/postgres"
	"github.com/jupang/jupang/adapters/postgres/pgtest"
)

// Every statement becomes a client span under the caller's span, with the SQL but not its arguments.
func TestQueriesAreTraced(t *testing.T) {
	recorder := tracetest.NewSpanRecorder()
	tracer := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(recorder)).Tracer("test")
	db, closeDB, err := postgres.Open(context.Background(), postgres.Config{URL: pgtest.URL(t), Tracer: postgres.NewQueryTracer(tracer)})
	if err != nil {
		t.Fatal(err)
	}
	defer closeDB()

	ctx, parent := tracer.Start(context.Background(), "request")
	var n int
	if err := db.GetContext(ctx, &n, "SELECT $1::int + 1", 41); err != nil {
		t.Fatal(err)
	}
	parent.End()
	if n != 42 {
		t.Fatalf("n = %d", n)
	}
	var query sdktrace.ReadOnlySpan
	for _, s := range recorder.Ended() {
		if s.Name() == "db.query" && s.Parent().SpanID() == parent.SpanContext().SpanID() {
			query = s
		}
	}
	if query == nil {
		t.Fatalf("no db.query span under the request span; spans: %d", len(recorder.Ended()))
	}
	if query.SpanKind() != trace.SpanKindClient || query.Parent().TraceID() != parent.SpanContext().TraceID() {
		t.Fatalf("span kind %v, trace %v", query.SpanKind(), query.Parent().TraceID())
	}
	attrs := map[string]string{}
	for _, a := range query.Attributes() {
		attrs[string(a.Key)] = a.Value.AsString()
	}
	if attrs["db.system"] != "postgresql" || attrs["db.statement"] != "SELECT $1::int + 1" {
		t.Fatalf("attributes = %v", attrs)
	}
	for _, v := range attrs {
		if v == "41" {
			t.Fatal("a query argument was recorded on the span")
		}
	}
}
