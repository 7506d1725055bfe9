package wiring

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/jupang/jupang/adapters/http/openapi/openapitest"
	"github.com/jupang/jupang/adapters/http/server"
)

// TestEveryCodeIsTranslatedAndCatalogued walks every code the binaries' message catalog is built
// from: each has well-formed ko/en/ja texts and one declaration (Check), each is in a code table of
// the OpenAPI documents with the status the server sends, and the tables list no undeclared code.
func TestEveryCodeIsTranslatedAndCatalogued(t *testing.T) {
	messages := Messages()
	if err := messages.Check(); err != nil {
		t.Error(err)
	}
	documented, err := openapitest.Codes()
	if err != nil {
		t.Fatal(err)
	}
	errorCodes, fieldCodes := map[string]bool{}, map[string]bool{}
	for _, set := range messages.Declared() {
		for _, e := range set.Errors {
			errorCodes[e.Code] = true
			switch status, ok := documented.Errors[e.Code]; {
			case !ok:
				t.Errorf("%s: error code %s is in no code table of the OpenAPI documents", set.Area, e.Code)
			case status != server.StatusOf(e):
				t.Errorf("%s: the OpenAPI documents give %s status %d; the server sends %d", set.Area, e.Code, status, server.StatusOf(e))
			}
		}
		for _, f := range set.Fields {
			fieldCodes[f.Code] = true
			if !documented.Fields[f.Code] {
				t.Errorf("%s: field code %s is in no field code table of the OpenAPI documents", set.Area, f.Code)
			}
		}
	}
	for code := range documented.Errors {
		if !errorCodes[code] {
			t.Errorf("the OpenAPI documents list error code %s, which no Codes list declares", code)
		}
	}
	for code := range documented.Fields {
		if !fieldCodes[code] {
			t.Errorf("the OpenAPI documents list field code %s, which no Codes list declares", code)
		}
	}
}

// TestEveryCodeInTheSourceIsListed reads the module's Go source (tests aside), so that a code cannot
// escape the test above: every errs.New and errs.NewFieldCode must be in a Codes list that Messages
// uses, and a field code written as text (WithField, a FieldError literal) must be a listed one.
func TestEveryCodeInTheSourceIsListed(t *testing.T) {
	errorCodes, fieldCodes := map[string]bool{}, map[string]bool{}
	for _, set := range Messages().Declared() {
		for _, e := range set.Errors {
			errorCodes[e.Code] = true
		}
		for _, f := range set.Fields {
			fieldCodes[f.Code] = true
		}
	}
	src := scanSource(t, "../../..")
	if len(src.declaredErrors) < len(errorCodes) || len(src.usedFields) == 0 {
		t.Fatalf("the scan found %d error declarations and %d field codes as text; it is not reading the source",
			len(src.declaredErrors), len(src.usedFields))
	}
	for _, c := range src.declaredErrors {
		if !errorCodes[c.code] {
			t.Errorf("%s: error code %s is declared but in no Codes list of messages.Catalog", c.at, c.code)
		}
	}
	for _, c := range src.declaredFields {
		if !fieldCodes[c.code] {
			t.Errorf("%s: field code %s is declared but in no Codes list of messages.Catalog", c.at, c.code)
		}
	}
	for _, c := range src.usedFields {
		if !fieldCodes[c.code] {
			t.Errorf("%s: field code %q is not declared; declare it with errs.NewFieldCode and list it", c.at, c.code)
		}
	}
}

type codeAt struct{ code, at string }

type sourceCodes struct {
	declaredErrors, declaredFields, usedFields []codeAt
}

// scanSource parses every non-test Go file under root. Code arguments must be string literals (or,
// where a field error is made outside package errs, a string constant of the package or a declared
// FieldCode's .Code); anything else is reported, so the scan never silently misses a code.
func scanSource(t *testing.T, root string) sourceCodes {
	t.Helper()
	fset := token.NewFileSet()
	packages := map[string][]*ast.File{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		packages[filepath.Dir(path)] = append(packages[filepath.Dir(path)], f)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var out sourceCodes
	for _, files := range packages {
		consts := map[string]string{} // the package's string constants
		for _, f := range files {
			for _, decl := range f.Decls {
				if gen, ok := decl.(*ast.GenDecl); ok && gen.Tok == token.CONST {
					for _, spec := range gen.Specs {
						vs := spec.(*ast.ValueSpec)
						for i, name := range vs.Names {
							if i < len(vs.Values) {
								if s, ok := stringLit(vs.Values[i]); ok {
									consts[name.Name] = s
								}
							}
						}
					}
				}
			}
		}
		for _, f := range files {
			inErrs := f.Name.Name == "errs"
			record := func(list *[]codeAt, e ast.Expr, allowIndirect bool) {
				at := fset.Position(e.Pos()).String()
				if s, ok := stringLit(e); ok {
					*list = append(*list, codeAt{s, at})
					return
				}
				if id, ok := e.(*ast.Ident); ok && allowIndirect && consts[id.Name] != "" {
					*list = append(*list, codeAt{consts[id.Name], at})
					return
				}
				if sel, ok := e.(*ast.SelectorExpr); ok && allowIndirect && sel.Sel.Name == "Code" {
					return // a declared FieldCode's code, which the compiler checks
				}
				t.Errorf("%s: cannot tell which code this is; write it as a literal or a declared FieldCode's .Code", at)
			}
			ast.Inspect(f, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.CallExpr:
					switch callee := name(n.Fun, inErrs); {
					case callee == "errs.New" && len(n.Args) == 3:
						record(&out.declaredErrors, n.Args[1], false)
					case callee == "errs.NewFieldCode" && len(n.Args) == 2:
						record(&out.declaredFields, n.Args[0], false)
					case callee == "WithField" && len(n.Args) == 3 && !inErrs:
						record(&out.usedFields, n.Args[1], true)
					}
				case *ast.CompositeLit: // package errs itself builds field errors from FieldCodes
					if name(n.Type, inErrs) == "errs.FieldError" && !inErrs {
						for _, elt := range n.Elts {
							if kv, ok := elt.(*ast.KeyValueExpr); ok && isIdent(kv.Key, "Code") {
								record(&out.usedFields, kv.Value, true)
							}
						}
					}
				}
				return true
			})
		}
	}
	return out
}

// name names a call's function or a literal's type: "errs.New" (also for New inside package errs),
// "errs.FieldError", or a method's bare name ("WithField").
func name(e ast.Expr, inErrs bool) string {
	switch e := e.(type) {
	case *ast.Ident:
		if inErrs {
			return "errs." + e.Name
		}
		return e.Name
	case *ast.SelectorExpr:
		if isIdent(e.X, "errs") {
			return "errs." + e.Sel.Name
		}
		return e.Sel.Name
	}
	return ""
}

func isIdent(e ast.Expr, name string) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == name
}

func stringLit(e ast.Expr) (string, bool) {
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(lit.Value)
	return s, err == nil
}
