// Package core_test holds the dependency rule of the house: core/ is plain Go. It is a test, not
// a linter setting, so that `make test` enforces it on every machine without a linter installed.
package core_test

import (
	"go/build"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// forbidden maps an import path prefix to why core/ must not import it.
var forbidden = map[string]string{
	"github.com/gofiber":                  "HTTP belongs in adapters/http",
	"github.com/valyala/fasthttp":         "HTTP belongs in adapters/http",
	"github.com/jmoiron/sqlx":             "SQL belongs in adapters/postgres",
	"github.com/jackc/pgx":                "SQL belongs in adapters/postgres",
	"github.com/segmentio/kafka-go":       "Kafka belongs in adapters/kafka",
	"github.com/spf13/viper":              "config belongs in apps/",
	"go.uber.org/zap":                     "logging belongs at the edges",
	"github.com/google/wire":              "wiring belongs in apps/",
	"github.com/prometheus":               "metrics belong in adapters",
	"go.opentelemetry.io":                 "tracing belongs in adapters",
	"github.com/jupang/jupang/adapters":   "core must not depend on adapters (dependency rule)",
	"github.com/jupang/jupang/apps":       "core must not depend on apps (dependency rule)",
	"github.com/jupang/jupang/loadtest":   "core must not depend on load scenarios",
	"github.com/jupang/jupang/migrations": "core must not depend on the SQL schema",
}

// TestCoreImportsNoFrameworks reads the imports of every file under core/, tests included and the
// soak build tag on, and fails on any import the rule forbids.
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
		for _, imports := range [][]string{pkg.Imports, pkg.TestImports, pkg.XTestImports} {
			for _, path := range imports {
				if why, bad := forbiddenImport(path); bad {
					t.Errorf("core/%s imports %s: %s", dir, path, why)
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

func forbiddenImport(path string) (string, bool) {
	for prefix, why := range forbidden {
		if path == prefix || strings.HasPrefix(path, prefix+"/") {
			return why, true
		}
	}
	return "", false
}
