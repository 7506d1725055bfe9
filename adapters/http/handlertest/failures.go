package handlertest

import (
	"fmt"
	"runtime"
	"sync"
	"testing"
)

// Failures runs check with a testing.TB that records failures instead of failing t, and returns
// them. It is for the tests of test helpers (a validator, a sweep, this kit), which must show that
// the helper fails a test when it should. A Fatal in check ends check, as it would a test.
func Failures(t testing.TB, check func(tb testing.TB)) []string {
	t.Helper()
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() { // its own goroutine, so that Fatal's Goexit stops check and not t
		defer close(done)
		check(r)
	}()
	<-done
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.failures
}

// recorder is a testing.TB whose failures are notes. Everything else (Cleanup, TempDir, Logf…)
// goes to the real test.
type recorder struct {
	testing.TB
	mu       sync.Mutex
	failures []string
}

func (r *recorder) Helper() {}

func (r *recorder) Error(args ...any) { r.note(fmt.Sprint(args...)) }

func (r *recorder) Errorf(format string, args ...any) { r.note(fmt.Sprintf(format, args...)) }

func (r *recorder) Fatal(args ...any) {
	r.note(fmt.Sprint(args...))
	runtime.Goexit()
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.note(fmt.Sprintf(format, args...))
	runtime.Goexit()
}

func (r *recorder) Fail() { r.note("Fail") }

func (r *recorder) FailNow() {
	r.note("FailNow")
	runtime.Goexit()
}

func (r *recorder) Failed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.failures) > 0
}

func (r *recorder) note(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failures = append(r.failures, s)
}
