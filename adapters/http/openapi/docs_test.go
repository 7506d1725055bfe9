package openapi

import (
	"crypto/sha256"
	"encoding/base64"
	"regexp"
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

// The policy's style hash is the hash of the one inline style sheet the page has, so a browser
// applies it; the page has no script, and nothing else the policy would block.
func TestDocsPolicyAllowsExactlyThePageStyle(t *testing.T) {
	page, err := DocsHTML("storefront")
	if err != nil {
		t.Fatal(err)
	}
	html := string(page)
	styles := regexp.MustCompile(`(?s)<style>(.*?)</style>`).FindAllStringSubmatch(html, -1)
	if len(styles) != 1 {
		t.Fatalf("%d inline style sheets, want 1", len(styles))
	}
	sum := sha256.Sum256([]byte(styles[0][1]))
	if want := "style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"; !strings.Contains(DocsContentSecurityPolicy(), want) {
		t.Fatalf("policy %q does not allow the page's style (%s)", DocsContentSecurityPolicy(), want)
	}
	for _, banned := range []string{"<script", "<link", "<img", "<iframe", " style=", "<form"} {
		if strings.Contains(html, banned) {
			t.Errorf("the page has %s, which the policy blocks", banned)
		}
	}
}
