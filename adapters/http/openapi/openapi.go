// Package openapi builds the OpenAPI 3.1 document of each Jupang binary from the fragments the
// business areas write, and renders it as a self-contained HTML page for /docs.
//
// # Fragments
//
// Each area writes adapters/http/openapi/<area>.yaml, a complete OpenAPI 3.1 document. Every
// operation (under paths or webhooks) says which binaries serve it:
//
//	x-binaries: [storefront, admin]
//
// A fragment uses the shared parts of platform.yaml (Problem, Money, FieldError, the common
// parameters, headers and error responses) through references into that file, which keep the
// fragment loadable on its own and are rewritten to local references when merging:
//
//	$ref: "platform.yaml#/components/responses/NotFound"
//
// # Code tables
//
// Error codes are catalogued in Markdown tables in descriptions: "| code | status | meaning |" for
// error codes and "| field code | meaning |" for field codes, one `CODE` per row. platform.yaml holds
// the platform's (schemas Problem and FieldError); each area's fragment holds its own in the
// description of its tag. A test in apps/internal/wiring checks the tables against every code the
// Go source declares (openapitest.Codes reads them).
//
// # Merging
//
// Document(binary) keeps the operations that list the binary (without their x-binaries), and every
// component of every fragment. info, servers and top-level security come from platform.yaml.
// Anything that cannot be merged without changing a fragment's meaning is an error naming the
// fragment: an operation without x-binaries or with an unknown binary, the same operation or a
// different definition of the same component in two fragments, a reference to a file that is not a
// fragment, top-level security outside platform.yaml.
package openapi

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"reflect"
	"slices"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"
)

//go:embed *.yaml
var fragments embed.FS

// platformFragment provides the document-wide parts (info, servers, security) of every document.
const platformFragment = "platform.yaml"

// Binaries are the HTTP binaries a document can be built for; x-binaries may name only these.
var Binaries = []string{"storefront", "admin", "partner", "worker"}

// methods are the operation keys of a path item (OpenAPI 3.1).
var methods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// built is the document and docs page of one binary, made once.
type built struct {
	doc, html []byte
	err       error
}

var cache sync.Map // binary → func() built (sync.OnceValue)

func build(binary string) built {
	once, _ := cache.LoadOrStore(binary, sync.OnceValue(func() built {
		doc, err := merge(fragments, binary)
		if err != nil {
			return built{err: err}
		}
		raw, err := json.Marshal(doc)
		if err != nil {
			return built{err: err}
		}
		html, err := renderDocs(doc)
		return built{doc: raw, html: html, err: err}
	}))
	return once.(func() built)()
}

// Document returns the OpenAPI 3.1 JSON document of binary, built once from the embedded fragments.
func Document(binary string) ([]byte, error) {
	b := build(binary)
	return slices.Clone(b.doc), b.err
}

// DocsHTML returns the /docs page of binary: a self-contained HTML rendering of Document(binary).
func DocsHTML(binary string) ([]byte, error) {
	b := build(binary)
	return slices.Clone(b.html), b.err
}

// object is a decoded JSON/YAML mapping.
type object = map[string]any

// merge builds the document of binary from the fragments in fsys.
func merge(fsys fs.FS, binary string) (object, error) {
	if !slices.Contains(Binaries, binary) {
		return nil, fmt.Errorf("openapi: unknown binary %q (want one of %s)", binary, strings.Join(Binaries, ", "))
	}
	names, err := fs.Glob(fsys, "*.yaml")
	if err != nil {
		return nil, err
	}
	if !slices.Contains(names, platformFragment) {
		return nil, fmt.Errorf("openapi: %s is missing", platformFragment)
	}
	// platform.yaml first, so its tags come first; the others in name order, for a stable document.
	names = append([]string{platformFragment}, slices.DeleteFunc(names, func(n string) bool { return n == platformFragment })...)
	m := merger{binary: binary, fragments: names, doc: object{}}
	for _, name := range names {
		raw, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		frag, err := decodeYAML(raw)
		if err != nil {
			return nil, fmt.Errorf("openapi: %s: %w", name, err)
		}
		if err := m.add(name, frag); err != nil {
			return nil, fmt.Errorf("openapi: %s: %w", name, err)
		}
	}
	pruneComponents(m.doc)
	return m.doc, nil
}

// pruneComponents drops the components no operation of the document uses, directly or through
// other components: fragments declare what all binaries need, and a binary's document lists only
// its own.
func pruneComponents(doc object) {
	components, _ := doc["components"].(object)
	used := map[string]bool{} // "section/name"
	var visit func(v any)
	visit = func(v any) {
		switch v := v.(type) {
		case object:
			for key, child := range v {
				if ref, ok := child.(string); ok && key == "$ref" {
					name := strings.TrimPrefix(ref, "#/components/")
					if section, comp, ok := strings.Cut(name, "/"); ok && !used[name] {
						used[name] = true
						defs, _ := components[section].(object)
						visit(defs[comp])
					}
					continue
				}
				if key == "security" {
					markSchemes(child, used)
				}
				visit(child)
			}
		case []any:
			for _, child := range v {
				visit(child)
			}
		}
	}
	markSchemes(doc["security"], used)
	visit(doc["paths"])
	visit(doc["webhooks"])
	for section, defs := range components {
		defs, _ := defs.(object)
		for name := range defs {
			if !used[section+"/"+name] {
				delete(defs, name)
			}
		}
		if len(defs) == 0 {
			delete(components, section)
		}
	}
}

// markSchemes marks the security schemes a list of security requirements names.
func markSchemes(requirements any, used map[string]bool) {
	list, _ := requirements.([]any)
	for _, r := range list {
		req, _ := r.(object)
		for scheme := range req {
			used["securitySchemes/"+scheme] = true
		}
	}
}

type merger struct {
	binary    string
	fragments []string
	doc       object
}

// documentWide are the top-level members taken from platform.yaml alone.
var documentWide = []string{"openapi", "info", "servers", "security", "externalDocs", "jsonSchemaDialect"}

func (m *merger) add(name string, frag object) error {
	if v, _ := frag["openapi"].(string); !strings.HasPrefix(v, "3.1.") {
		return fmt.Errorf("openapi: %q, want a 3.1.x document", frag["openapi"])
	}
	if err := m.localizeRefs(frag); err != nil {
		return err
	}
	for key := range frag {
		switch {
		case slices.Contains(documentWide, key), key == "paths", key == "webhooks", key == "components", key == "tags",
			strings.HasPrefix(key, "x-"):
		default:
			return fmt.Errorf("unknown top-level member %q", key)
		}
	}
	if name == platformFragment {
		for _, key := range documentWide {
			if v, ok := frag[key]; ok {
				m.doc[key] = v
			}
		}
		if info, ok := m.doc["info"].(object); ok {
			info = maps.Clone(info)
			info["title"] = fmt.Sprintf("%s (%s)", info["title"], m.binary)
			m.doc["info"] = info
		}
	} else if _, ok := frag["security"]; ok {
		return fmt.Errorf("top-level security would not survive the merge; put it on each operation")
	}
	for _, section := range []string{"paths", "webhooks"} {
		if err := m.addOperations(section, frag); err != nil {
			return err
		}
	}
	if err := m.addComponents(frag); err != nil {
		return err
	}
	return m.addTags(frag)
}

// addOperations merges the operations of section ("paths" or "webhooks") that binary serves.
func (m *merger) addOperations(section string, frag object) error {
	items, err := member[object](frag, section)
	if err != nil || items == nil {
		return err
	}
	for _, path := range slices.Sorted(maps.Keys(items)) {
		item, ok := items[path].(object)
		if !ok {
			return fmt.Errorf("%s %q is not an object", section, path)
		}
		kept := object{}
		for _, method := range methods {
			op, ok := item[method].(object)
			if !ok {
				continue
			}
			serves, err := servedBy(op, m.binary)
			if err != nil {
				return fmt.Errorf("%s %s: %w", strings.ToUpper(method), path, err)
			}
			if serves {
				op = maps.Clone(op)
				delete(op, "x-binaries")
				kept[method] = op
			}
		}
		if len(kept) == 0 {
			continue
		}
		out, _ := m.doc[section].(object)
		if out == nil {
			out = object{}
			m.doc[section] = out
		}
		merged, _ := out[path].(object)
		if merged == nil {
			merged = object{}
			out[path] = merged
		}
		for key, v := range item {
			if slices.Contains(methods, key) {
				if _, ok := kept[key]; !ok {
					continue
				}
				if _, dup := merged[key]; dup {
					return fmt.Errorf("%s %s is already defined by another fragment", strings.ToUpper(key), path)
				}
				v = kept[key]
			} else if prev, dup := merged[key]; dup && !reflect.DeepEqual(prev, v) {
				return fmt.Errorf("%s %q: %s differs from another fragment's", section, path, key)
			}
			merged[key] = v
		}
	}
	return nil
}

// servedBy checks an operation's x-binaries and says whether binary is among them.
func servedBy(op object, binary string) (bool, error) {
	list, ok := op["x-binaries"].([]any)
	if !ok || len(list) == 0 {
		return false, fmt.Errorf("x-binaries must list the binaries serving the operation")
	}
	serves := false
	for _, b := range list {
		name, _ := b.(string)
		if !slices.Contains(Binaries, name) {
			return false, fmt.Errorf("x-binaries: unknown binary %v", b)
		}
		serves = serves || name == binary
	}
	return serves, nil
}

func (m *merger) addComponents(frag object) error {
	sections, err := member[object](frag, "components")
	if err != nil || sections == nil {
		return err
	}
	out, _ := m.doc["components"].(object)
	if out == nil {
		out = object{}
		m.doc["components"] = out
	}
	for _, section := range slices.Sorted(maps.Keys(sections)) {
		defs, err := member[object](sections, section)
		if err != nil {
			return fmt.Errorf("components: %w", err)
		}
		merged, _ := out[section].(object)
		if merged == nil {
			merged = object{}
			out[section] = merged
		}
		for name, def := range defs {
			if prev, dup := merged[name]; dup && !reflect.DeepEqual(prev, def) {
				return fmt.Errorf("components.%s.%s differs from another fragment's; reference %s instead", section, name, platformFragment)
			}
			merged[name] = def
		}
	}
	return nil
}

// addTags appends the tags not declared yet, in fragment order.
func (m *merger) addTags(frag object) error {
	tags, err := member[[]any](frag, "tags")
	if err != nil {
		return err
	}
	out, _ := m.doc["tags"].([]any)
	for _, t := range tags {
		tag, _ := t.(object)
		if tag == nil || tag["name"] == nil {
			return fmt.Errorf("a tag without a name")
		}
		if !slices.ContainsFunc(out, func(have any) bool { return have.(object)["name"] == tag["name"] }) {
			out = append(out, tag)
		}
	}
	if len(out) > 0 {
		m.doc["tags"] = out
	}
	return nil
}

// localizeRefs rewrites references into fragments ("platform.yaml#/components/...") to references
// into the merged document ("#/components/..."), and refuses references to anything else outside it.
func (m *merger) localizeRefs(v any) error {
	switch v := v.(type) {
	case object:
		for key, child := range v {
			if ref, ok := child.(string); ok && key == "$ref" {
				file, pointer, _ := strings.Cut(ref, "#")
				if file != "" && !slices.Contains(m.fragments, strings.TrimPrefix(file, "./")) {
					return fmt.Errorf("$ref %q points outside the fragments", ref)
				}
				v[key] = "#" + pointer
				continue
			}
			if err := m.localizeRefs(child); err != nil {
				return err
			}
		}
	case []any:
		for _, child := range v {
			if err := m.localizeRefs(child); err != nil {
				return err
			}
		}
	}
	return nil
}

// member returns obj[key] as a T, nil when absent, an error when of another type.
func member[T any](obj object, key string) (T, error) {
	var zero T
	v, ok := obj[key]
	if !ok || v == nil {
		return zero, nil
	}
	t, ok := v.(T)
	if !ok {
		return zero, fmt.Errorf("%s has the wrong type", key)
	}
	return t, nil
}

// decodeYAML turns a YAML document into JSON-ready values. It walks the node tree itself because
// a generic decode would give non-string keys (status codes like 200) that JSON cannot encode.
func decodeYAML(raw []byte) (object, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(raw, &root); err != nil {
		return nil, err
	}
	if len(root.Content) != 1 {
		return nil, fmt.Errorf("want exactly one YAML document")
	}
	v, err := nodeValue(root.Content[0])
	if err != nil {
		return nil, err
	}
	obj, ok := v.(object)
	if !ok {
		return nil, fmt.Errorf("the document is not a mapping")
	}
	return obj, nil
}

func nodeValue(n *yaml.Node) (any, error) {
	switch n.Kind {
	case yaml.AliasNode:
		return nodeValue(n.Alias)
	case yaml.MappingNode:
		obj := make(object, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			key := n.Content[i].Value
			if key == "<<" {
				return nil, fmt.Errorf("line %d: YAML merge keys are not supported", n.Content[i].Line)
			}
			if _, dup := obj[key]; dup {
				return nil, fmt.Errorf("line %d: key %q appears twice", n.Content[i].Line, key)
			}
			v, err := nodeValue(n.Content[i+1])
			if err != nil {
				return nil, err
			}
			obj[key] = v
		}
		return obj, nil
	case yaml.SequenceNode:
		list := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := nodeValue(c)
			if err != nil {
				return nil, err
			}
			list = append(list, v)
		}
		return list, nil
	case yaml.ScalarNode:
		if n.Tag == "!!timestamp" { // a date in an example stays the text it was written as
			return n.Value, nil
		}
		var v any
		if err := n.Decode(&v); err != nil {
			return nil, fmt.Errorf("line %d: %w", n.Line, err)
		}
		return v, nil
	}
	return nil, fmt.Errorf("line %d: unsupported YAML node", n.Line)
}
