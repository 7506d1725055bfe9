package openapi

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"html/template"
	"maps"
	"regexp"
	"slices"
	"strings"
)

// The /docs page is rendered from the merged document when it is first asked for, with its styles
// inline: it must work offline, so it loads no script, font or stylesheet from anywhere.

// docsStyle is the page's only style sheet, inline; DocsContentSecurityPolicy allows it by hash.
const docsStyle = `
body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1d232a;display:flex}
nav{width:22rem;flex:none;height:100vh;overflow:auto;position:sticky;top:0;background:#f4f6f8;padding:1rem;box-sizing:border-box;font-size:13px}
nav ul{list-style:none;padding:0;margin:0 0 1rem}nav a{color:inherit;text-decoration:none}nav a:hover{text-decoration:underline}
main{padding:1rem 2rem;max-width:70rem;min-width:0}
article{border-top:1px solid #dde2e6;padding:.5rem 0 1rem}
.method{display:inline-block;min-width:4.2em;font:bold 12px monospace;text-transform:uppercase;color:#fff;background:#58636e;border-radius:3px;padding:1px 4px;text-align:center}
.get{background:#1f7a4d}.post{background:#1d5fa8}.put,.patch{background:#a86a12}.delete{background:#b3261e}
code{font:13px monospace;background:#eef1f4;padding:0 3px;border-radius:3px}
table{border-collapse:collapse;margin:.3rem 0 .8rem;font-size:14px}th,td{border:1px solid #dde2e6;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f4f6f8}td p{margin:0 0 .3em}td p:last-child{margin:0}.req{color:#b3261e;font-weight:bold}
`

// DocsContentSecurityPolicy is the Content-Security-Policy of the /docs page: nothing may load or
// run but the page's own style sheet, the page may not be framed, and it submits no forms.
func DocsContentSecurityPolicy() string {
	sum := sha256.Sum256([]byte(docsStyle))
	return "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) +
		"'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
}

// docsPage is what the template shows.
type docsPage struct {
	Style          template.CSS
	Title, Version string
	Description    template.HTML
	Groups         []docsGroup
	Schemas        []docsSchema
}

type docsGroup struct {
	Tag         string
	Description template.HTML
	Operations  []docsOperation
}

type docsOperation struct {
	Anchor, Method, Path, Summary string
	Description                   template.HTML
	Security                      string
	Parameters                    []docsParameter
	Body                          *docsBody
	Responses                     []docsResponse
}

type docsParameter struct {
	Name, In    string
	Required    bool
	Schema      typeRef
	Description template.HTML
}

type docsBody struct {
	Required    bool
	Description template.HTML
	Content     []docsContent
}

type docsContent struct {
	MediaType string
	Schema    typeRef
}

type docsResponse struct {
	Status      string
	Description template.HTML
	Content     []docsContent
	Headers     []string
}

type docsSchema struct {
	Name        string
	Description template.HTML
	Type        typeRef
	Properties  []docsParameter // In unused
}

// typeRef is a schema in a few words, linking to the named schema it is (or is an array of).
type typeRef struct {
	Text, Anchor string
}

var docsTemplate = template.Must(template.New("docs").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>{{.Style}}</style></head>
<body>
<nav><strong>{{.Title}}</strong>
{{range .Groups}}<h4>{{.Tag}}</h4><ul>{{range .Operations}}<li><a href="#{{.Anchor}}"><span class="method {{.Method}}">{{.Method}}</span> {{.Path}}</a></li>{{end}}</ul>{{end}}
<h4><a href="#schemas">Schemas</a></h4><ul>{{range .Schemas}}<li><a href="#schema-{{.Name}}">{{.Name}}</a></li>{{end}}</ul>
</nav>
<main>
<h1>{{.Title}}</h1><p>Version {{.Version}} · machine-readable: <a href="openapi.json">openapi.json</a></p>
{{.Description}}
{{range .Groups}}<section><h2>{{.Tag}}</h2>{{.Description}}
{{range .Operations}}<article id="{{.Anchor}}">
<h3><span class="method {{.Method}}">{{.Method}}</span> <code>{{.Path}}</code> {{.Summary}}</h3>
{{.Description}}
{{if .Security}}<p><strong>Authorization:</strong> {{.Security}}</p>{{end}}
{{if .Parameters}}<h4>Parameters</h4><table><tr><th>name</th><th>in</th><th>schema</th><th>description</th></tr>
{{range .Parameters}}<tr><td><code>{{.Name}}</code>{{if .Required}} <span class="req">required</span>{{end}}</td><td>{{.In}}</td><td>{{template "type" .Schema}}</td><td>{{.Description}}</td></tr>
{{end}}</table>{{end}}
{{with .Body}}<h4>Request body{{if .Required}} <span class="req">required</span>{{end}}</h4>{{.Description}}
<table>{{range .Content}}<tr><td>{{.MediaType}}</td><td>{{template "type" .Schema}}</td></tr>{{end}}</table>{{end}}
<h4>Responses</h4><table><tr><th>status</th><th>description</th><th>body</th><th>headers</th></tr>
{{range .Responses}}<tr><td>{{.Status}}</td><td>{{.Description}}</td><td>{{range .Content}}{{.MediaType}}: {{template "type" .Schema}}<br>{{end}}</td><td>{{range .Headers}}<code>{{.}}</code> {{end}}</td></tr>
{{end}}</table>
</article>{{end}}</section>{{end}}
<section id="schemas"><h2>Schemas</h2>
{{range .Schemas}}<article id="schema-{{.Name}}"><h3>{{.Name}}</h3><p>{{template "type" .Type}}</p>{{.Description}}
{{if .Properties}}<table><tr><th>property</th><th>schema</th><th>description</th></tr>
{{range .Properties}}<tr><td><code>{{.Name}}</code>{{if .Required}} <span class="req">required</span>{{end}}</td><td>{{template "type" .Schema}}</td><td>{{.Description}}</td></tr>
{{end}}</table>{{end}}</article>{{end}}
</section>
</main></body></html>
{{define "type"}}{{if .Anchor}}<a href="#{{.Anchor}}">{{.Text}}</a>{{else}}{{.Text}}{{end}}{{end}}`))

func renderDocs(doc object) ([]byte, error) {
	r := docsRenderer{doc: doc}
	info, _ := doc["info"].(object)
	page := docsPage{
		Style:       docsStyle,
		Title:       str(info, "title"),
		Version:     str(info, "version"),
		Description: markdown(str(info, "description")),
		Groups:      r.groups(),
		Schemas:     r.schemas(),
	}
	var buf bytes.Buffer
	if err := docsTemplate.Execute(&buf, page); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

type docsRenderer struct{ doc object }

// groups lists the operations by their first tag, in the document's tag order, untagged last.
func (r docsRenderer) groups() []docsGroup {
	var groups []docsGroup
	index := map[string]int{}
	tags, _ := r.doc["tags"].([]any)
	for _, t := range tags {
		tag, _ := t.(object)
		index[str(tag, "name")] = len(groups)
		groups = append(groups, docsGroup{Tag: str(tag, "name"), Description: markdown(str(tag, "description"))})
	}
	paths, _ := r.doc["paths"].(object)
	for _, path := range slices.Sorted(maps.Keys(paths)) {
		item, _ := paths[path].(object)
		for _, method := range methods {
			op, ok := item[method].(object)
			if !ok {
				continue
			}
			tag := "other"
			if tags, _ := op["tags"].([]any); len(tags) > 0 {
				tag = fmt.Sprint(tags[0])
			}
			i, ok := index[tag]
			if !ok {
				i, index[tag] = len(groups), len(groups)
				groups = append(groups, docsGroup{Tag: tag})
			}
			groups[i].Operations = append(groups[i].Operations, r.operation(method, path, item, op))
		}
	}
	return slices.DeleteFunc(groups, func(g docsGroup) bool { return len(g.Operations) == 0 })
}

var nonAnchor = regexp.MustCompile(`[^A-Za-z0-9]+`)

func (r docsRenderer) operation(method, path string, item, op object) docsOperation {
	o := docsOperation{
		Anchor:      "op-" + method + "-" + strings.Trim(nonAnchor.ReplaceAllString(path, "-"), "-"),
		Method:      method,
		Path:        path,
		Summary:     str(op, "summary"),
		Description: markdown(str(op, "description")),
	}
	if reqs, ok := op["security"].([]any); ok {
		var names []string
		for _, req := range reqs {
			schemes, _ := req.(object)
			if len(schemes) == 0 {
				names = append(names, "none")
			}
			names = append(names, slices.Sorted(maps.Keys(schemes))...)
		}
		o.Security = strings.Join(names, " or ")
	}
	params, _ := item["parameters"].([]any)
	opParams, _ := op["parameters"].([]any)
	for _, p := range append(slices.Clone(params), opParams...) {
		param := r.resolve(p)
		o.Parameters = append(o.Parameters, docsParameter{
			Name: str(param, "name"), In: str(param, "in"), Required: param["required"] == true,
			Schema: r.typeOf(param["schema"]), Description: markdown(str(param, "description")),
		})
	}
	if body := r.resolve(op["requestBody"]); body != nil {
		o.Body = &docsBody{Required: body["required"] == true, Description: markdown(str(body, "description")),
			Content: r.content(body)}
	}
	responses, _ := op["responses"].(object)
	for _, status := range slices.Sorted(maps.Keys(responses)) {
		resp := r.resolve(responses[status])
		headers, _ := resp["headers"].(object)
		o.Responses = append(o.Responses, docsResponse{Status: status, Description: markdown(str(resp, "description")),
			Content: r.content(resp), Headers: slices.Sorted(maps.Keys(headers))})
	}
	return o
}

func (r docsRenderer) content(holder object) []docsContent {
	content, _ := holder["content"].(object)
	var out []docsContent
	for _, mt := range slices.Sorted(maps.Keys(content)) {
		media, _ := content[mt].(object)
		out = append(out, docsContent{MediaType: mt, Schema: r.typeOf(media["schema"])})
	}
	return out
}

func (r docsRenderer) schemas() []docsSchema {
	components, _ := r.doc["components"].(object)
	schemas, _ := components["schemas"].(object)
	var out []docsSchema
	for _, name := range slices.Sorted(maps.Keys(schemas)) {
		schema, _ := schemas[name].(object)
		s := docsSchema{Name: name, Description: markdown(str(schema, "description")), Type: r.typeOf(schema)}
		required, _ := schema["required"].([]any)
		props, _ := schema["properties"].(object)
		for _, prop := range slices.Sorted(maps.Keys(props)) {
			p := r.resolve(props[prop])
			s.Properties = append(s.Properties, docsParameter{Name: prop, Required: slices.Contains(required, any(prop)),
				Schema: r.typeOf(props[prop]), Description: markdown(str(p, "description"))})
		}
		out = append(out, s)
	}
	return out
}

// resolve follows a local $ref ("#/components/parameters/X"); other values are returned as they are.
func (r docsRenderer) resolve(v any) object {
	obj, _ := v.(object)
	for range 10 { // a chain of references, bounded against cycles
		ref, ok := obj["$ref"].(string)
		if !ok {
			return obj
		}
		var cur any = r.doc
		for _, seg := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
			seg = strings.NewReplacer("~1", "/", "~0", "~").Replace(seg)
			m, _ := cur.(object)
			cur = m[seg]
		}
		obj, _ = cur.(object)
	}
	return obj
}

// typeOf describes a schema in a few words: a named schema, "array of X", a type with its format
// or allowed values, or the alternatives of oneOf/anyOf.
func (r docsRenderer) typeOf(v any) typeRef {
	schema, _ := v.(object)
	if ref, ok := schema["$ref"].(string); ok {
		name := ref[strings.LastIndex(ref, "/")+1:]
		if strings.HasPrefix(ref, "#/components/schemas/") {
			return typeRef{Text: name, Anchor: "schema-" + name}
		}
		return typeRef{Text: name}
	}
	for _, key := range []string{"oneOf", "anyOf", "allOf"} {
		if alts, ok := schema[key].([]any); ok {
			var parts []string
			for _, alt := range alts {
				parts = append(parts, r.typeOf(alt).Text)
			}
			sep := map[string]string{"oneOf": " | ", "anyOf": " | ", "allOf": " & "}[key]
			return typeRef{Text: strings.Join(parts, sep)}
		}
	}
	if c, ok := schema["const"]; ok {
		return typeRef{Text: fmt.Sprintf("%q", fmt.Sprint(c))}
	}
	text := fmt.Sprint(schema["type"])
	if types, ok := schema["type"].([]any); ok {
		var names []string
		for _, t := range types {
			names = append(names, fmt.Sprint(t))
		}
		text = strings.Join(names, " | ")
	} else if schema["type"] == nil {
		text = "any"
	}
	if text == "array" {
		item := r.typeOf(schema["items"])
		return typeRef{Text: "array of " + item.Text, Anchor: item.Anchor}
	}
	if f := str(schema, "format"); f != "" {
		text += " (" + f + ")"
	}
	if enum, ok := schema["enum"].([]any); ok {
		var values []string
		for _, e := range enum {
			values = append(values, fmt.Sprint(e))
		}
		text += ": " + strings.Join(values, ", ")
	}
	text += bounds(schema, "minimum", "maximum", "") + bounds(schema, "minLength", "maxLength", "length ")
	if p := str(schema, "pattern"); p != "" {
		text += " matching " + p
	}
	if d, ok := schema["default"]; ok {
		text += fmt.Sprintf(", default %v", d)
	}
	return typeRef{Text: text}
}

// bounds describes a schema's limits, e.g. " 1–100", " ≥ 0" or " length ≤ 255".
func bounds(schema object, minKey, maxKey, label string) string {
	lo, hasLo := schema[minKey]
	hi, hasHi := schema[maxKey]
	switch {
	case hasLo && hasHi:
		return fmt.Sprintf(" %s%v–%v", label, lo, hi)
	case hasLo:
		return fmt.Sprintf(" %s≥ %v", label, lo)
	case hasHi:
		return fmt.Sprintf(" %s≤ %v", label, hi)
	}
	return ""
}

func str(obj object, key string) string {
	s, _ := obj[key].(string)
	return s
}

// markdown renders the little Markdown the fragments use — paragraphs, "- " lists, pipe tables,
// `code` and **bold** — and escapes everything else. It is no full CommonMark renderer, and need not be.
func markdown(text string) template.HTML {
	var b strings.Builder
	blocks := strings.Split(strings.TrimSpace(strings.ReplaceAll(text, "\r\n", "\n")), "\n\n")
	for _, block := range blocks {
		lines := strings.Split(strings.TrimSpace(block), "\n")
		switch {
		case lines[0] == "":
		case strings.HasPrefix(lines[0], "|"):
			b.WriteString("<table>")
			for i, line := range lines {
				if i == 1 && strings.Trim(line, "|-: ") == "" {
					continue // the header separator row
				}
				cell := "td"
				if i == 0 {
					cell = "th"
				}
				b.WriteString("<tr>")
				for _, c := range strings.Split(strings.Trim(strings.TrimSpace(line), "|"), "|") {
					fmt.Fprintf(&b, "<%s>%s</%s>", cell, inline(strings.TrimSpace(c)), cell)
				}
				b.WriteString("</tr>")
			}
			b.WriteString("</table>")
		case strings.HasPrefix(lines[0], "- "):
			b.WriteString("<ul>")
			var item []string
			flush := func() {
				if len(item) > 0 {
					fmt.Fprintf(&b, "<li>%s</li>", inline(strings.Join(item, " ")))
				}
				item = nil
			}
			for _, line := range lines {
				if rest, ok := strings.CutPrefix(line, "- "); ok {
					flush()
					line = rest
				}
				item = append(item, strings.TrimSpace(line))
			}
			flush()
			b.WriteString("</ul>")
		default:
			fmt.Fprintf(&b, "<p>%s</p>", inline(strings.Join(lines, " ")))
		}
	}
	return template.HTML(b.String()) //nolint:gosec // built from escaped text only
}

var (
	codeSpan = regexp.MustCompile("`([^`]+)`")
	boldSpan = regexp.MustCompile(`\*\*([^*]+)\*\*`)
)

// inline escapes text, then marks up `code` and **bold**; the markup is added after escaping, so
// nothing from the text can become a tag.
func inline(text string) string {
	s := template.HTMLEscapeString(text)
	s = codeSpan.ReplaceAllString(s, "<code>$1</code>")
	return boldSpan.ReplaceAllString(s, "<strong>$1</strong>")
}
