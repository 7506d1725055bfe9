package launch

import (
	"context"
	"testing"

	"go.opentelemetry.io/otel/sdk/trace"

	"github.com/jupang/jupang/adapters/tracing"
	"github.com/jupang/jupang/apps/internal/config"
)

// TestTracerRecordsOnlyWhatIsExported: without tracing.otlp_endpoint the process tracer gives ids
// only and the pools trace no SQL statement; with one, spans are recorded (for the exporter) and
// every statement has its span.
func TestTracerRecordsOnlyWhatIsExported(t *testing.T) {
	for _, endpoint := range []string{"", "127.0.0.1:4317"} {
		tp, shutdown, err := NewTracerProvider(context.Background(), config.Tracing{OTLPEndpoint: endpoint, SampleRatio: 1}, "test")
		if err != nil {
			t.Fatal(err)
		}
		tracer := Tracer(tp)
		exported := endpoint != ""
		if tracing.Records(tracer) != exported || (QueryTracer(tracer) != nil) != exported {
			t.Errorf("endpoint %q: records %v, SQL traced %v; want %v", endpoint, tracing.Records(tracer), QueryTracer(tracer) != nil, exported)
		}
		_, span := tracer.Start(context.Background(), "GET")
		if !span.SpanContext().IsValid() || !span.SpanContext().IsSampled() || span.IsRecording() != exported {
			t.Errorf("endpoint %q: span %+v recording %v", endpoint, span.SpanContext(), span.IsRecording())
		}
		shutdown()
		if _, stillIDs := unexported.Load(tp); stillIDs {
			t.Error("a shut-down provider is still remembered")
		}
	}
	if !tracing.Records(Tracer(trace.NewTracerProvider())) {
		t.Error("a provider NewTracerProvider did not build is taken for an ids-only one")
	}
}
