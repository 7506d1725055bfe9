package openapi_test

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/jupang/jupang/adapters/http/openapi"
	"github.com/jupang/jupang/adapters/http/openapi/openapitest"
)

// TestEveryBinaryDocumentIsValid loads each binary's document with kin-openapi and validates it
// (OpenAPI 3.1, JSON Schema 2020-12), which also proves every reference resolves.
func TestEveryBinaryDocumentIsValid(t *testing.T) {
	for _, binary := range openapi.Binaries {
		t.Run(binary, func(t *testing.T) {
			doc, _, err := openapitest.Load(binary)
			if err != nil {
				t.Fatal(err)
			}
			if !doc.IsOpenAPI31OrLater() {
				t.Errorf("openapi = %s", doc.OpenAPI)
			}
			for _, path := range []string{"/healthz", "/readyz", "/metrics"} {
				if doc.Paths.Find(path) == nil {
					t.Errorf("no %s", path)
				}
			}
			raw, _ := openapi.Document(binary)
			if bytes.Contains(raw, []byte("x-binaries")) || bytes.Contains(raw, []byte(".yaml#")) {
				t.Error("fragment bookkeeping left in the document")
			}
		})
	}
	doc, _, _ := openapitest.Load("worker")
	if doc.Paths.Find("/v1/me") != nil {
		t.Error("the worker's document has business endpoints")
	}
	if _, err := openapi.Document("backoffice"); err == nil {
		t.Error("a document for an unknown binary")
	}
}

func TestDocumentIsBuiltOnceAndCopied(t *testing.T) {
	a, err := openapi.Document("storefront")
	if err != nil {
		t.Fatal(err)
	}
	a[0] = 'X'
	b, _ := openapi.Document("storefront")
	if b[0] != '{' || !json.Valid(b) {
		t.Error("a caller's change reached the cached document")
	}
}

// TestDocsPage: the /docs page lists the binary's operations, loads nothing from elsewhere, and
// shows the document's text escaped.
func TestDocsPage(t *testing.T) {
	page, err := openapi.DocsHTML("storefront")
	if err != nil {
		t.Fatal(err)
	}
	html := string(page)
	for _, want := range []string{"<title>Jupang API (storefront)</title>", `id="op-get-healthz"`, "<code>/readyz</code>",
		`<td><code>IDEMPOTENCY_KEY_IN_USE</code></td><td>409</td>`, `id="schema-Problem"`, `<a href="#schema-FieldError">array of FieldError</a>`} {
		if !strings.Contains(html, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	for _, external := range regexp.MustCompile(`(?i)(src|href)\s*=\s*"(https?:)?//[^"]*"|<script|<link|@import|url\(`).FindAllString(html, -1) {
		t.Errorf("the page loads %s; it must work offline", external)
	}
	if strings.Contains(html, "op-get-docs") == false {
		t.Error("the storefront page lists /docs")
	}
	admin, _ := openapi.DocsHTML("admin")
	if bytes.Equal(admin, page) {
		t.Error("the admin page is the storefront page")
	}
}
