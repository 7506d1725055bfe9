package cart

// Operation names a cart use case, for metrics.
type Operation string

// The cart operations metrics count.
const (
	OpGet        Operation = "get"
	OpSetItem    Operation = "set_item"
	OpRemoveItem Operation = "remove_item"
	OpMerge      Operation = "merge"
)

// Recorder counts what carts do; the wiring backs it with Prometheus counters. Operation gets the
// use case's error (nil on success).
type Recorder interface {
	Operation(op Operation, err error)
	MergeAdjusted(reason AdjustmentReason)
	Swept(carts int)
}

// NopRecorder records nothing.
type NopRecorder struct{}

// Operation implements Recorder.
func (NopRecorder) Operation(Operation, error) {}

// MergeAdjusted implements Recorder.
func (NopRecorder) MergeAdjusted(AdjustmentReason) {}

// Swept implements Recorder.
func (NopRecorder) Swept(int) {}
