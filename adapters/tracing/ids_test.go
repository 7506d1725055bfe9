package tracing_test

import (
	"context"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/jupang/jupang/adapters/tracing"
)

// TestIDsDecideAsTheSDK: the ids-only tracer continues a caller's trace or starts one, always with
// a fresh span id, and marks spans sampled exactly when the SDK with the same sampler would; it
// records nothing.
func TestIDsDecideAsTheSDK(t *testing.T) {
	remote := func(flags trace.TraceFlags, state string) context.Context {
		ts, err := trace.ParseTraceState(state)
		if err != nil {
			t.Fatal(err)
		}
		return trace.ContextWithRemoteSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{
			TraceID: trace.TraceID{0x4b, 0xf9, 1}, SpanID: trace.SpanID{0x00, 0xf0, 1}, TraceFlags: flags, TraceState: ts, Remote: true,
		}))
	}
	tests := []struct {
		name      string
		ratio     float64
		ctx       context.Context
		opts      []trace.SpanStartOption
		continues bool // the span is in its caller's trace
	}{
		{"a root span, ratio 1", 1, context.Background(), nil, false},
		{"a root span, ratio 0", 0, context.Background(), nil, false},
		{"a sampled caller, ratio 0", 0, remote(trace.FlagsSampled, "vendor=x"), []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindServer)}, true},
		{"an unsampled caller, ratio 1", 1, remote(0, ""), nil, true},
		{"a new root under a caller", 0, remote(trace.FlagsSampled, ""), []trace.SpanStartOption{trace.WithNewRoot()}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sampler := sdktrace.ParentBased(sdktrace.TraceIDRatioBased(tt.ratio))
			_, sdkSpan := sdktrace.NewTracerProvider(sdktrace.WithSampler(sampler)).Tracer("t").Start(tt.ctx, "GET", tt.opts...)
			ctx, span := tracing.IDs(sampler).Start(tt.ctx, "GET", tt.opts...)
			got, want := span.SpanContext(), sdkSpan.SpanContext()
			if !got.IsValid() || got.IsRemote() {
				t.Fatalf("span context %+v: want a valid local one", got)
			}
			if got.IsSampled() != want.IsSampled() || got.TraceState().String() != want.TraceState().String() {
				t.Errorf("sampled %v, tracestate %q; the SDK: %v, %q", got.IsSampled(), got.TraceState(), want.IsSampled(), want.TraceState())
			}
			parent := trace.SpanContextFromContext(tt.ctx)
			if tt.continues != (got.TraceID() == parent.TraceID()) || tt.continues != (want.TraceID() == parent.TraceID()) {
				t.Errorf("trace id %s (the SDK's %s), caller's %s: want continued %v", got.TraceID(), want.TraceID(), parent.TraceID(), tt.continues)
			}
			if got.SpanID() == parent.SpanID() {
				t.Error("the span reuses its caller's span id")
			}
			if span.IsRecording() || tracing.Records(tracing.IDs(sampler)) {
				t.Error("an ids-only span records")
			}
			if !trace.SpanContextFromContext(ctx).Equal(got) {
				t.Error("the returned context does not carry the span")
			}
		})
	}
	if !tracing.Records(sdktrace.NewTracerProvider().Tracer("t")) {
		t.Error("Records is false for the SDK's tracer")
	}
}

// TestIDsAreUnique: span and trace ids of successive root spans do not repeat.
func TestIDsAreUnique(t *testing.T) {
	tr := tracing.IDs(sdktrace.AlwaysSample())
	traces, spans := map[trace.TraceID]bool{}, map[trace.SpanID]bool{}
	for range 10_000 {
		_, span := tr.Start(context.Background(), "x")
		sc := span.SpanContext()
		if traces[sc.TraceID()] || spans[sc.SpanID()] {
			t.Fatalf("repeated id %s / %s", sc.TraceID(), sc.SpanID())
		}
		traces[sc.TraceID()], spans[sc.SpanID()] = true, true
	}
}
