package wiring

import (
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
