package pgtest

import (
	"context"
	"testing"

	"github.com/jupang/jupang/adapters/postgres"
)

// Another creates one more migrated database for this test only (cloned from the same template as
// DB) and drops it when the test ends. Use it for a test that needs empty tables of its own, or two
// databases at once (a primary and a replica). It returns the handle and its URL.
func Another(t testing.TB) (*postgres.DB, string) {
	t.Helper()
	db, closePool, name, err := create(context.Background())
	if err != nil {
		t.Fatalf("pgtest: PostgreSQL is required for this test (set %s): %v", AdminURLEnv, err)
	}
	t.Cleanup(func() {
		closePool()
		if err := drop(context.Background(), name); err != nil {
			t.Errorf("pgtest: drop %s: %v", name, err)
		}
	})
	return db, withDatabase(AdminURL(), name)
}
