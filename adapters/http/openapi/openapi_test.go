package openapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/jupang/jupang/adapters/http/openapi"
	"github.com/jupang/jupang/adapters/http/openapi/openapitest"
	"github.com/jupang/jupang/adapters/http/server"
	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/i18n"
	"github.com/jupang/jupang/core/idempotency"
	"github.com/jupang/jupang/core/kernel"
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

// TestProblemCatalogListsEveryPlatformCode: the code table in the Problem schema names every
// platform code with the status the server sends for it, and every code has catalog texts.
func TestProblemCatalogListsEveryPlatformCode(t *testing.T) {
	doc, _, err := openapitest.Load("storefront")
	if err != nil {
		t.Fatal(err)
	}
	table := doc.Components.Schemas["Problem"].Value.Properties["code"].Value.Description
	rows := map[string]string{}
	for _, m := range regexp.MustCompile("(?m)^\\| `([A-Z_]+)` \\| (\\d{3}) \\|").FindAllStringSubmatch(table, -1) {
		rows[m[1]] = m[2]
	}
	platform := []*errs.Error{
		errs.ErrInternal, errs.ErrValidation, errs.ErrNotFound, errs.ErrMethodNotAllowed, errs.ErrBodyTooLarge,
		errs.ErrUnsupportedMedia, errs.ErrUnauthenticated, errs.ErrForbidden, errs.ErrRateLimited, errs.ErrUnavailable,
		errs.ErrVersionConflict, errs.ErrInvalidTransition, errs.ErrURITooLong, errs.ErrHeadersTooLarge, errs.ErrNotImplemented,
		kernel.ErrInvalidMarket, kernel.ErrInvalidCursor, kernel.ErrUnknownCurrency, kernel.ErrCurrencyMismatch, kernel.ErrInvalidRate,
		kernel.ErrInvalidIdempotencyKey, kernel.ErrIdempotencyKeyRequired, kernel.ErrInvalidSessionID, kernel.ErrSessionRequired,
		idempotency.ErrKeyReused, idempotency.ErrKeyInUse,
	}
	catalog := i18n.New(i18n.Builtin())
	for _, e := range platform {
		if got, want := rows[e.Code], fmt.Sprint(server.StatusOf(e)); got != want {
			t.Errorf("%s: the table says %q, the server sends %s", e.Code, got, want)
		}
		if _, ok := catalog.Lookup(e.Code); !ok {
			t.Errorf("%s has no catalog texts", e.Code)
		}
		delete(rows, e.Code)
	}
	if len(rows) > 0 {
		t.Errorf("the table lists codes that are not platform codes: %v", rows)
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
