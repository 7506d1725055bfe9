package openapi

import (
	"encoding/json"
	"strings"
	"testing"
	"testing/fstest"
)

// platformStub is the smallest platform fragment the merge rules need.
const platformStub = `
openapi: 3.1.0
info: {title: Jupang API, version: "1"}
security: [{bearerAuth: []}]
tags: [{name: platform}]
paths:
  /healthz:
    get:
      x-binaries: [storefront, admin, partner]
      responses: {"200": {description: up}}
components:
  schemas:
    Problem: {type: object}
`

func mergeFragments(t *testing.T, binary string, files map[string]string) (object, error) {
	t.Helper()
	fsys := fstest.MapFS{}
	for name, body := range files {
		fsys[name] = &fstest.MapFile{Data: []byte(body)}
	}
	return merge(fsys, binary)
}

func TestMergeKeepsTheBinarysOperations(t *testing.T) {
	doc, err := mergeFragments(t, "admin", map[string]string{
		"platform.yaml": platformStub,
		"orders.yaml": `
openapi: 3.1.0
info: {title: orders, version: "1"}
tags: [{name: orders}, {name: platform}]
paths:
  /v1/orders/{id}:
    parameters: [{name: id, in: path, required: true, schema: {type: string}}]
    get:
      x-binaries: [storefront]
      responses: {"404": {$ref: "platform.yaml#/components/responses/NotFound"}}
    delete:
      x-binaries: [admin]
      responses:
        "200":
          description: cancelled
          content: {application/json: {schema: {$ref: "#/components/schemas/Order"}}}
        default: {$ref: "./platform.yaml#/components/schemas/Problem"}
  /v1/storefront-only:
    post:
      x-binaries: [storefront]
      responses: {"201": {description: made}}
components:
  schemas:
    Order: {type: object}
    Problem: {type: object}
`,
	})
	if err != nil {
		t.Fatal(err)
	}
	paths := doc["paths"].(object)
	if _, ok := paths["/v1/storefront-only"]; ok {
		t.Error("a path with no admin operation is in the admin document")
	}
	item := paths["/v1/orders/{id}"].(object)
	if _, ok := item["get"]; ok {
		t.Error("a storefront operation is in the admin document")
	}
	del := item["delete"].(object)
	if _, ok := del["x-binaries"]; ok {
		t.Error("x-binaries is left in the merged document")
	}
	if item["parameters"] == nil {
		t.Error("the path's parameters are lost")
	}
	raw, _ := json.Marshal(doc)
	if strings.Contains(string(raw), "platform.yaml") {
		t.Errorf("a reference into platform.yaml survived: %s", raw)
	}
	if !strings.Contains(string(raw), `"$ref":"#/components/schemas/Problem"`) {
		t.Errorf("./platform.yaml reference not localised: %s", raw)
	}
	schemas := doc["components"].(object)["schemas"].(object)
	if schemas["Order"] == nil || schemas["Problem"] == nil {
		t.Errorf("components = %v", schemas)
	}
	if tags := doc["tags"].([]any); len(tags) != 2 || tags[0].(object)["name"] != "platform" {
		t.Errorf("tags = %v, want platform then orders, once each", tags)
	}
	if title := doc["info"].(object)["title"]; title != "Jupang API (admin)" {
		t.Errorf("title = %v", title)
	}
	if doc["security"] == nil {
		t.Error("platform.yaml's top-level security is lost")
	}
}

// A binary's document keeps only the components its operations use, directly, through other
// components, or by naming a security scheme.
func TestMergeDropsComponentsTheBinaryDoesNotUse(t *testing.T) {
	doc, err := mergeFragments(t, "partner", map[string]string{
		"platform.yaml": platformStub,
		"feed.yaml": `
openapi: 3.1.0
info: {title: feed, version: "1"}
paths:
  /v1/feed:
    get:
      x-binaries: [partner]
      security: [{clientBasic: []}]
      responses: {"200": {description: ok, content: {application/json: {schema: {$ref: "#/components/schemas/Page"}}}}}
  /v1/carts:
    get:
      x-binaries: [storefront]
      responses: {"200": {description: ok, content: {application/json: {schema: {$ref: "#/components/schemas/Cart"}}}}}
components:
  securitySchemes:
    bearerAuth: {type: http, scheme: bearer}
    clientBasic: {type: http, scheme: basic}
    unusedScheme: {type: http, scheme: digest}
  schemas:
    Page: {type: object, properties: {items: {type: array, items: {$ref: "#/components/schemas/Event"}}}}
    Event: {type: object}
    Cart: {type: object, properties: {line: {$ref: "#/components/schemas/Line"}}}
    Line: {type: object}
  headers:
    Unused: {schema: {type: string}}
`,
	})
	if err != nil {
		t.Fatal(err)
	}
	components := doc["components"].(object)
	schemas := components["schemas"].(object)
	for _, want := range []string{"Page", "Event"} {
		if schemas[want] == nil {
			t.Errorf("schema %s, used by the partner's operation, was dropped", want)
		}
	}
	for _, gone := range []string{"Cart", "Line", "Problem"} {
		if schemas[gone] != nil {
			t.Errorf("schema %s, used by no partner operation, is kept", gone)
		}
	}
	schemes := components["securitySchemes"].(object)
	if schemes["clientBasic"] == nil || schemes["bearerAuth"] == nil || schemes["unusedScheme"] != nil {
		t.Errorf("security schemes = %v, want those named by an operation or the document", schemes)
	}
	if _, ok := components["headers"]; ok {
		t.Error("an empty section is kept")
	}
}

func TestMergeRefusesWhatWouldChangeMeaning(t *testing.T) {
	op := func(binaries string) string {
		return `
openapi: 3.1.0
info: {title: a, version: "1"}
paths:
  /v1/a:
    get:
      ` + binaries + `
      responses: {"200": {description: ok}}
`
	}
	tests := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"no x-binaries", map[string]string{"a.yaml": op("")}, "x-binaries must list"},
		{"empty x-binaries", map[string]string{"a.yaml": op("x-binaries: []")}, "x-binaries must list"},
		{"unknown binary", map[string]string{"a.yaml": op("x-binaries: [storefront, backoffice]")}, "unknown binary"},
		{"an operation defined twice", map[string]string{"a.yaml": op("x-binaries: [storefront]"), "b.yaml": op("x-binaries: [storefront]")}, "already defined"},
		{"a component defined differently", map[string]string{"a.yaml": "openapi: 3.1.0\ninfo: {title: a, version: '1'}\ncomponents: {schemas: {Problem: {type: string}}}\n"}, "components.schemas.Problem differs"},
		{"a reference outside the fragments", map[string]string{"a.yaml": "openapi: 3.1.0\ninfo: {title: a, version: '1'}\ncomponents: {schemas: {X: {$ref: 'other.yaml#/X'}}}\n"}, "outside the fragments"},
		{"top-level security", map[string]string{"a.yaml": "openapi: 3.1.0\ninfo: {title: a, version: '1'}\nsecurity: [{bearerAuth: []}]\n"}, "top-level security"},
		{"OpenAPI 3.0", map[string]string{"a.yaml": "openapi: 3.0.3\ninfo: {title: a, version: '1'}\n"}, "want a 3.1.x document"},
		{"an unknown top-level member", map[string]string{"a.yaml": "openapi: 3.1.0\ninfo: {title: a, version: '1'}\npath: {}\n"}, `unknown top-level member "path"`},
		{"a duplicate YAML key", map[string]string{"a.yaml": "openapi: 3.1.0\ninfo: {title: a, version: '1'}\ninfo: {title: b, version: '1'}\n"}, `key "info" appears twice`},
		{"a YAML merge key", map[string]string{"a.yaml": "openapi: 3.1.0\ninfo: {title: a, version: '1'}\nx-a: &a {b: 1}\nx-c: {<<: *a}\n"}, "merge keys"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.files["platform.yaml"] = platformStub
			_, err := mergeFragments(t, "storefront", tt.files)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("merge = %v, want an error saying %q", err, tt.want)
			}
		})
	}
	if _, err := mergeFragments(t, "storefront", map[string]string{"a.yaml": op("x-binaries: [storefront]")}); err == nil ||
		!strings.Contains(err.Error(), "platform.yaml is missing") {
		t.Errorf("merge without platform.yaml = %v", err)
	}
	if _, err := merge(fragments, "backoffice"); err == nil || !strings.Contains(err.Error(), "unknown binary") {
		t.Errorf("merge for an unknown binary = %v", err)
	}
}

func TestMergeAcceptsIdenticalComponentsAndYAMLDetails(t *testing.T) {
	doc, err := mergeFragments(t, "storefront", map[string]string{
		"platform.yaml": platformStub,
		"a.yaml": `
openapi: 3.1.0
info: {title: a, version: "1"}
paths:
  /v1/a:
    get:
      x-binaries: [storefront]
      responses:
        200: &ok {description: ok, content: {application/json: {examples: {day: {value: 2026-11-26}}}}}
        201: *ok
components:
  schemas:
    Problem: {type: object}
`,
	})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"200":{`, `"201":{`, `"value":"2026-11-26"`} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("%s lacks %s", raw, want)
		}
	}
}
