package openapi

import (
	"strings"
	"testing"
)

func TestMarkdownEscapesBeforeMarkingUp(t *testing.T) {
	got := string(markdown("Use `<script>alert(1)</script>` **now** & <b>here</b>\n\n- one\n  more\n- two\n\n| a | b |\n|---|---|\n| `x` | y |"))
	for _, want := range []string{
		"<p>Use <code>&lt;script&gt;alert(1)&lt;/script&gt;</code> <strong>now</strong> &amp; &lt;b&gt;here&lt;/b&gt;</p>",
		"<ul><li>one more</li><li>two</li></ul>",
		"<table><tr><th>a</th><th>b</th></tr><tr><td><code>x</code></td><td>y</td></tr></table>",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("markdown = %s\nwant it to contain %s", got, want)
		}
	}
}

func TestDocsRenderParametersBodiesAndReferences(t *testing.T) {
	doc := object{
		"info": object{"title": "T <1>", "version": "1"},
		"paths": object{"/v1/orders/{id}": object{
			"parameters": []any{object{"$ref": "#/components/parameters/Id"}},
			"post": object{
				"tags": []any{"orders"}, "summary": "Pay", "security": []any{object{"bearerAuth": []any{}}},
				"requestBody": object{"required": true, "content": object{"application/json": object{"schema": object{"$ref": "#/components/schemas/Pay"}}}},
				"responses":   object{"201": object{"description": "paid", "headers": object{"Location": object{}}}},
			},
		}},
		"components": object{
			"parameters": object{"Id": object{"name": "id", "in": "path", "required": true, "schema": object{"type": "string", "format": "uuid"}}},
			"schemas": object{"Pay": object{"type": "object", "required": []any{"amount"}, "properties": object{
				"amount": object{"$ref": "#/components/schemas/Money"},
				"method": object{"type": "string", "enum": []any{"WALLET", "CARD"}, "default": "WALLET"},
				"count":  object{"type": "integer", "minimum": 1, "maximum": 100},
				"memo":   object{"type": "string", "maxLength": 255},
				"note":   object{"type": []any{"string", "null"}},
			}}},
		},
	}
	page, err := renderDocs(doc)
	if err != nil {
		t.Fatal(err)
	}
	html := string(page)
	for _, want := range []string{
		"<title>T &lt;1&gt;</title>", "<h2>orders</h2>", `id="op-post-v1-orders-id"`,
		"<td><code>id</code> <span class=\"req\">required</span></td><td>path</td><td>string (uuid)</td>",
		`<h4>Request body <span class="req">required</span></h4>`, `<a href="#schema-Pay">Pay</a>`,
		"<code>Location</code>", "<strong>Authorization:</strong> bearerAuth",
		"string: WALLET, CARD, default WALLET", "integer 1–100", "string length ≤ 255", "string | null", `<a href="#schema-Money">Money</a>`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
}
