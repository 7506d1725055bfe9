// Package core_test holds the dependency rule of the house: core/ is plain Go. It is a test, not
// a linter setting, so that `make test` enforces it on every machine without a linter installed.
package core_test

import (
	"go/build"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// allowed are the only imports outside the standard library core/ may use (ARCHITECTURE: core is
// plain Go): an allowlist, so a new framework cannot slip in under a name nobody thought to forbid.
var allowed = []string{"github.com/google/uuid", "golang.org/x/text", "github.com/jupang/jupang/core"}

// allowedInTests are also allowed in core's test files: gomock and the generated mocks.
var allowedInTests = []string{"go.uber.org/mock", "github.com/jupang/jupang/mocks"}

// TestCoreImportsNoFrameworks reads the imports of every file under core/, tests included and the
// soak build tag on, and fails on any import the rule does not allow.
func TestCoreImportsNoFrameworks(t *testing.T) {
	ctx := build.Default
	ctx.BuildTags = append(ctx.BuildTags, "soak")
	checked := 0
	err := filepath.WalkDir(".", func(dir string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		pkg, err := ctx.ImportDir(dir, 0)
		if _, none := err.(*build.NoGoError); none {
			return nil
		}
		if err != nil {
			return err
		}
		checked++
		for i, imports := range [][]string{pkg.Imports, pkg.TestImports, pkg.XTestImports} {
			for _, path := range imports {
				if !allowedImport(path, i > 0) {
					t.Errorf("core/%s imports %s: core is plain Go (the standard library, %s; in tests also %s)",
						dir, path, strings.Join(allowed, ", "), strings.Join(allowedInTests, ", "))
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 15 { // the walk must have seen the areas, or the rule checked nothing
		t.Fatalf("checked only %d packages under core/", checked)
	}
}

func allowedImport(path string, inTest bool) bool {
	if first, _, _ := strings.Cut(path, "/"); !strings.Contains(first, ".") {
		return true // the standard library
	}
	list := allowed
	if inTest {
		list = append(slices.Clone(allowed), allowedInTests...)
	}
	return slices.ContainsFunc(list, func(prefix string) bool { return path == prefix || strings.HasPrefix(path, prefix+"/") })
}

// TestTheRuleRefusesWhatCoreMustNotImport: the rule itself, on imports core must never have.
func TestTheRuleRefusesWhatCoreMustNotImport(t *testing.T) {
	for _, path := range []string{"github.com/gofiber/fiber/v2", "github.com/jmoiron/sqlx", "go.uber.org/zap",
		"github.com/jupang/jupang/adapters/postgres", "github.com/jupang/jupang/apps/internal/config",
		"github.com/jupang/jupang/corex", "golang.org/x/sync/errgroup", "go.uber.org/mock/gomock"} {
		if allowedImport(path, false) {
			t.Errorf("%s is allowed in core", path)
		}
	}
	for _, path := range []string{"context", "net/http", "github.com/google/uuid", "golang.org/x/text/language",
		"github.com/jupang/jupang/core/kernel"} {
		if !allowedImport(path, false) {
			t.Errorf("%s is refused in core", path)
		}
	}
	if !allowedImport("go.uber.org/mock/gomock", true) {
		t.Error("gomock is refused in core's tests")
	}
}
