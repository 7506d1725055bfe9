// Package tracing holds what the binaries' tracing needs beyond the OpenTelemetry SDK.
package tracing

import (
	"context"
	"encoding/binary"
	"math/rand/v2"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/embedded"
)

// IDs returns the tracer of a process that exports no spans: it gives every span the ids and the
// sampling decision the SDK with sampler would, so trace ids on responses, traceparent headers and
// log lines are as with the SDK, but records nothing. The SDK would build, fill and end a span per
// request and per SQL statement only to drop it: about a tenth of a cached read's CPU
// (docs/catalog-read-path.md).
func IDs(sampler sdktrace.Sampler) trace.Tracer { return idTracer{sampler: sampler} }

// Records reports whether what is put on tracer's spans is kept; building a span's attributes is
// worth it only then.
func Records(tracer trace.Tracer) bool {
	_, idsOnly := tracer.(idTracer)
	return !idsOnly
}

type idTracer struct {
	embedded.Tracer
	sampler sdktrace.Sampler
}

// Start continues the trace of the span in ctx (or starts one), with a fresh span id.
func (t idTracer) Start(ctx context.Context, name string, opts ...trace.SpanStartOption) (context.Context, trace.Span) {
	var kind trace.SpanKind
	if len(opts) > 0 {
		cfg := trace.NewSpanStartConfig(opts...)
		if cfg.NewRoot() {
			ctx = trace.ContextWithSpanContext(ctx, trace.SpanContext{})
		}
		kind = cfg.SpanKind()
	}
	parent := trace.SpanContextFromContext(ctx)
	tid := parent.TraceID()
	if !tid.IsValid() {
		tid = newTraceID()
	}
	res := t.sampler.ShouldSample(sdktrace.SamplingParameters{ParentContext: ctx, TraceID: tid, Name: name, Kind: kind})
	flags := parent.TraceFlags() &^ trace.FlagsSampled
	if res.Decision == sdktrace.RecordAndSample {
		flags |= trace.FlagsSampled
	}
	ctx = trace.ContextWithSpanContext(ctx, trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: tid, SpanID: newSpanID(), TraceFlags: flags, TraceState: res.Tracestate,
	}))
	return ctx, trace.SpanFromContext(ctx)
}

func newTraceID() (id trace.TraceID) {
	for !id.IsValid() {
		binary.BigEndian.PutUint64(id[:8], rand.Uint64()) //nolint:gosec // ids, not secrets (as the SDK's)
		binary.BigEndian.PutUint64(id[8:], rand.Uint64()) //nolint:gosec
	}
	return id
}

func newSpanID() (id trace.SpanID) {
	for !id.IsValid() {
		binary.BigEndian.PutUint64(id[:], rand.Uint64()) //nolint:gosec // ids, not secrets (as the SDK's)
	}
	return id
}
