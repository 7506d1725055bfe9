// Package openapitest checks real HTTP exchanges against a binary's OpenAPI document, so handler
// tests prove the document tells the truth:
//
//	resp, _ := srv.App().Test(req, -1)
//	body, _ := io.ReadAll(resp.Body)
//	openapitest.Validate(t, "storefront", req, reqBody, resp, body)
package openapitest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/jupang/jupang/adapters/http/openapi"
	"github.com/jupang/jupang/adapters/http/server"
)

// loaded is a binary's document ready for validation.
type loaded struct {
	doc    *openapi3.T
	router routers.Router
	err    error
}

var cache sync.Map // binary → func() loaded

func init() {
	// kin-openapi decodes no HTML; /docs answers with it, and its schema is a plain string.
	openapi3filter.RegisterBodyDecoder("text/html", openapi3filter.PlainBodyDecoder)
}

// Load returns binary's document as kin-openapi loaded and validated it, with Servers removed so
// requests to any host are routed.
func Load(binary string) (*openapi3.T, routers.Router, error) {
	once, _ := cache.LoadOrStore(binary, sync.OnceValue(func() loaded {
		raw, err := openapi.Document(binary)
		if err != nil {
			return loaded{err: err}
		}
		doc, err := openapi3.NewLoader().LoadFromData(raw)
		if err != nil {
			return loaded{err: fmt.Errorf("load the %s document: %w", binary, err)}
		}
		if err := doc.Validate(context.Background()); err != nil {
			return loaded{err: fmt.Errorf("the %s document is invalid: %w", binary, err)}
		}
		doc.Servers = nil
		router, err := gorillamux.NewRouter(doc)
		if err != nil {
			return loaded{err: err}
		}
		return loaded{doc: doc, router: router}
	}))
	l := once.(func() loaded)()
	return l.doc, l.router, l.err
}

// Validate checks one exchange against binary's document. The response must match its operation's
// documented status, headers and body. The request is checked too when the server accepted it (a
// status below 400), so an operation cannot take input its document refuses; error responses are
// usually answers to requests made invalid on purpose. A response for a path the document does not
// describe may only be a 404 or 405 problem.
//
// req is the request as sent and reqBody its body (req.Body is replaced); respBody is the body
// read from resp.
func Validate(t testing.TB, binary string, req *http.Request, reqBody []byte, resp *http.Response, respBody []byte) {
	t.Helper()
	_, router, err := Load(binary)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	route, params, err := router.FindRoute(req)
	if err != nil {
		if resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusMethodNotAllowed {
			t.Fatalf("%s %s: no operation in the %s document (%v), yet the answer was %d", req.Method, req.URL.Path, binary, err, resp.StatusCode)
		}
		ValidateProblem(t, binary, resp, respBody)
		return
	}
	input := &openapi3filter.RequestValidationInput{
		Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true},
	}
	if resp.StatusCode < 400 {
		req.Body = io.NopCloser(bytes.NewReader(reqBody))
		if err := openapi3filter.ValidateRequest(ctx, input); err != nil {
			t.Errorf("%s %s: the request does not match the %s document: %v", req.Method, req.URL.Path, binary, err)
		}
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: input,
		Status:                 resp.StatusCode,
		Header:                 resp.Header,
		Body:                   io.NopCloser(bytes.NewReader(respBody)),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		t.Errorf("%s %s → %d: the response does not match the %s document: %v\nbody: %s", req.Method, req.URL.Path, resp.StatusCode, binary, err, respBody)
	}
}

var traceID = regexp.MustCompile(`^[0-9a-f]{32}$`)

// ValidateProblem checks an error response against the Problem schema of binary's document and
// the headers every error carries, for answers no operation describes (unknown paths, test routes).
func ValidateProblem(t testing.TB, binary string, resp *http.Response, body []byte) {
	t.Helper()
	doc, _, err := Load(binary)
	if err != nil {
		t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, server.ProblemContentType) {
		t.Errorf("Content-Type = %q, want %s", ct, server.ProblemContentType)
	}
	if id := resp.Header.Get(server.HeaderTraceID); !traceID.MatchString(id) {
		t.Errorf("X-Trace-Id = %q", id)
	}
	if resp.Header.Get("Content-Language") == "" {
		t.Error("no Content-Language")
	}
	schema := doc.Components.Schemas["Problem"]
	if schema == nil {
		t.Fatal("the document has no Problem schema")
	}
	var value any
	if err := json.Unmarshal(body, &value); err != nil {
		t.Fatalf("problem body is not JSON: %v: %s", err, body)
	}
	if err := schema.Value.VisitJSON(value, openapi3.EnableJSONSchema2020(), openapi3.MultiErrors()); err != nil {
		t.Errorf("problem body does not match the Problem schema: %v\nbody: %s", err, body)
	}
}

// CheckRoutes fails t unless routes and the operations of binary's document are the same set:
// every route documented, every documented operation served. Fiber's ":id" is OpenAPI's "{id}".
func CheckRoutes(t testing.TB, binary string, routes []server.Route) {
	t.Helper()
	doc, _, err := Load(binary)
	if err != nil {
		t.Fatal(err)
	}
	served := map[string]bool{}
	for _, r := range routes {
		served[r.Method+" "+openAPIPath(r.Path)] = true
	}
	documented := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented[method+" "+path] = true
		}
	}
	for op := range served {
		if !documented[op] {
			t.Errorf("%s is served but not in the %s document", op, binary)
		}
	}
	for op := range documented {
		if !served[op] {
			t.Errorf("%s is in the %s document but not served", op, binary)
		}
	}
}

// openAPIPath turns a Fiber pattern into an OpenAPI path template.
func openAPIPath(pattern string) string {
	segs := strings.Split(pattern, "/")
	for i, s := range segs {
		if name, ok := strings.CutPrefix(s, ":"); ok {
			segs[i] = "{" + name + "}"
		}
	}
	return strings.Join(segs, "/")
}

// Catalogued are the codes the code tables of the documents list: error codes with the status
// their table gives, and field codes.
type Catalogued struct {
	Errors map[string]int
	Fields map[string]bool
}

// Codes collects the code tables of every binary's document. A code table is a Markdown table in
// any description whose header is "| code | status | meaning |" (error codes) or
// "| field code | meaning |" (field codes), with one code per row written as `CODE`.
func Codes() (Catalogued, error) {
	c := Catalogued{Errors: map[string]int{}, Fields: map[string]bool{}}
	for _, binary := range openapi.Binaries {
		raw, err := openapi.Document(binary)
		if err != nil {
			return c, err
		}
		var doc any
		if err := json.Unmarshal(raw, &doc); err != nil {
			return c, err
		}
		if err := c.collect(doc); err != nil {
			return c, fmt.Errorf("the %s document: %w", binary, err)
		}
	}
	return c, nil
}

var codeCell = regexp.MustCompile("^`([A-Z][A-Z0-9_]*)`$")

// collect reads the code tables of every description under v.
func (c Catalogued) collect(v any) error {
	switch v := v.(type) {
	case map[string]any:
		for _, child := range v {
			if err := c.collect(child); err != nil {
				return err
			}
		}
	case []any:
		for _, child := range v {
			if err := c.collect(child); err != nil {
				return err
			}
		}
	case string:
		for _, block := range strings.Split(v, "\n\n") {
			if err := c.table(strings.Split(strings.TrimSpace(block), "\n")); err != nil {
				return err
			}
		}
	}
	return nil
}

// table reads one Markdown block if it is a code table.
func (c Catalogued) table(lines []string) error {
	header := cells(lines[0])
	isErrors := slices.Equal(header, []string{"code", "status", "meaning"})
	if !isErrors && !slices.Equal(header, []string{"field code", "meaning"}) || len(lines) < 2 {
		return nil
	}
	for _, line := range lines[2:] {
		row := cells(line)
		m := codeCell.FindStringSubmatch(row[0])
		if m == nil || len(row) != len(header) {
			return fmt.Errorf("code table row %q: want %d cells, the first a `CODE`", line, len(header))
		}
		if !isErrors {
			c.Fields[m[1]] = true
			continue
		}
		status, err := strconv.Atoi(row[1])
		if err != nil || status < 400 || status > 599 {
			return fmt.Errorf("code table row %q: %q is no error status", line, row[1])
		}
		if other, ok := c.Errors[m[1]]; ok && other != status {
			return fmt.Errorf("code table row %q: another table gives %s status %d", line, m[1], other)
		}
		c.Errors[m[1]] = status
	}
	return nil
}

func cells(line string) []string {
	parts := strings.Split(strings.Trim(strings.TrimSpace(line), "|"), "|")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts
}
