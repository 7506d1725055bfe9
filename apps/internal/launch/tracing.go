package launch

import (
	"sync"

	"github.com/jackc/pgx/v5"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/jupang/jupang/adapters/postgres"
	"github.com/jupang/jupang/adapters/tracing"
)

// unexported remembers the sampler of each provider NewTracerProvider built without an exporter,
// so Tracer can hand out an ids-only tracer (tracing.IDs) for it (the SDK does not say whether a provider exports).
var unexported sync.Map // *sdktrace.TracerProvider → sdktrace.Sampler

// tracerFor is tp's tracer: ids only (tracing.IDs) when tp exports nothing, else the SDK's.
func tracerFor(tp *sdktrace.TracerProvider) trace.Tracer {
	if s, ok := unexported.Load(tp); ok {
		return tracing.IDs(s.(sdktrace.Sampler))
	}
	return tp.Tracer("github.com/jupang/jupang")
}

// QueryTracer is the pgx tracer of a pool: one span per SQL statement, or none (nil) when tracer
// records nothing, since a statement's span would then be only cost.
func QueryTracer(tracer trace.Tracer) pgx.QueryTracer {
	if !tracing.Records(tracer) {
		return nil
	}
	return postgres.NewQueryTracer(tracer)
}
