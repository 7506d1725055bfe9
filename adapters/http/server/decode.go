package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"reflect"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/jupang/jupang/core/errs"
)

// DecodeJSON reads the request body into dst strictly: JSON media type, valid UTF-8, field names
// exactly as declared (no unknown fields, none in another letter case), no duplicate keys, exactly
// one non-null value. Any failure is 400 VALIDATION_FAILED (415
// for another media type) with field errors, and marks the request as rejected before execution,
// so an idempotency key used with it stays free for the corrected request.
func DecodeJSON(c *fiber.Ctx, dst any) error {
	err := decodeJSON(c.Get(fiber.HeaderContentType), c.Request().Body(), dst)
	if err != nil {
		c.Locals(localsRejected, true)
	}
	return err
}

// Field error codes of the decoder.
const (
	codeRequired      = "REQUIRED"
	codeMalformedJSON = "MALFORMED_JSON"
	codeUnknownField  = "UNKNOWN_FIELD"
	codeDuplicate     = "DUPLICATE_FIELD"
	codeInvalidType   = "INVALID_TYPE"
)

// maxJSONDepth bounds nesting, so a hostile body cannot make the duplicate-key walk recurse deeply.
const maxJSONDepth = 32

var (
	errBodyRequired = errs.ErrValidation.WithField("body", codeRequired, "a JSON body is required")
	errMalformed    = errs.ErrValidation.WithField("body", codeMalformedJSON, "the body is not one valid JSON value")
	errTooDeep      = errs.ErrValidation.WithField("body", codeMalformedJSON, "the body is nested too deeply")
)

func decodeJSON(contentType string, body []byte, dst any) error {
	if contentType != "" {
		mt, _, err := mime.ParseMediaType(contentType)
		if err != nil || mt != fiber.MIMEApplicationJSON && !strings.HasSuffix(mt, "+json") {
			return errs.ErrUnsupportedMedia
		}
	}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || bytes.Equal(trimmed, []byte("null")) {
		return errBodyRequired
	}
	// Syntax first, over the whole body: the decoder stops at the first value and at the first type
	// mismatch, so "000" or "{} {}" would otherwise be reported as something else or not at all.
	// encoding/json would silently replace invalid UTF-8 with U+FFFD, storing text the client never sent.
	if !json.Valid(body) || !utf8.Valid(body) {
		return errMalformed
	}
	if err := checkKeys(body, dst); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	return nil
}

// jsonError turns a decoding error of a syntactically valid body into a field error.
func jsonError(err error) error {
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			field = "body"
		}
		return errs.ErrValidation.WithField(field, codeInvalidType, "must be "+jsonType(typeErr.Type))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		// encoding/json reports unknown fields only through this message.
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return errs.ErrValidation.WithField(joinPath("", field), codeUnknownField, "this field is not accepted")
	}
	return errMalformed.Wrap(err)
}

// jsonType names the JSON type a Go type decodes from, so field errors never show Go type names.
func jsonType(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer in range"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Slice, reflect.Array:
		return "an array"
	}
	return "an object"
}

// checkKeys walks the token stream and rejects an object that names a key twice (encoding/json
// would silently keep the last value) and, where dst's type says which members an object has, a
// key that is not exactly one of its field names: encoding/json would match "Email", "EMAIL" or
// "ſtatus" to the fields email and status, ignoring case under Unicode folding, which the
// contract's strict bodies do not allow.
func checkKeys(body []byte, dst any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	return walkValue(dec, "", 0, reflect.TypeOf(dst))
}

// walkValue checks one value against t, the Go type it decodes into; nil means any member is accepted.
func walkValue(dec *json.Decoder, path string, depth int, t reflect.Type) error {
	if depth > maxJSONDepth {
		return errTooDeep
	}
	tok, err := dec.Token()
	if err != nil {
		return errMalformed
	}
	delim, ok := tok.(json.Delim)
	if !ok {
		return nil
	}
	t = decodedType(t)
	switch delim {
	case '{':
		seen := map[string]bool{}
		for dec.More() {
			keyTok, err := dec.Token()
			if err != nil {
				return errMalformed
			}
			key, _ := keyTok.(string)
			if seen[key] {
				return errs.ErrValidation.WithField(joinPath(path, key), codeDuplicate, "this key appears more than once")
			}
			seen[key] = true
			member, known := memberType(t, key)
			if !known {
				return errs.ErrValidation.WithField(joinPath(path, key), codeUnknownField, "this field is not accepted")
			}
			if err := walkValue(dec, joinPath(path, key), depth+1, member); err != nil {
				return err
			}
		}
	case '[':
		var elem reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			elem = t.Elem()
		}
		for i := 0; dec.More(); i++ {
			if err := walkValue(dec, fmt.Sprintf("%s[%d]", path, i), depth+1, elem); err != nil {
				return err
			}
		}
	}
	if _, err := dec.Token(); err != nil { // the closing delimiter
		return errMalformed
	}
	return nil
}

var jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()

// decodedType is t without pointers, or nil when t decodes itself (json.Unmarshaler) or takes anything.
func decodedType(t reflect.Type) reflect.Type {
	for t != nil && t.Kind() == reflect.Pointer {
		if t.Implements(jsonUnmarshaler) {
			return nil
		}
		t = t.Elem()
	}
	if t == nil || t.Kind() == reflect.Interface || reflect.PointerTo(t).Implements(jsonUnmarshaler) {
		return nil
	}
	return t
}

// memberType is the type of object member key in t: a struct's field of exactly that JSON name, a
// map's element (any key), or nil for a type that accepts anything.
func memberType(t reflect.Type, key string) (reflect.Type, bool) {
	switch {
	case t == nil:
		return nil, true
	case t.Kind() == reflect.Map:
		return t.Elem(), true
	case t.Kind() == reflect.Struct:
		f, ok := jsonFields(t)[key]
		return f, ok
	}
	return nil, true // a type mismatch, which the decoder reports
}

var fieldCache sync.Map // reflect.Type → map[string]reflect.Type

// jsonFields maps the JSON names of a struct's fields, as encoding/json names them (the tag's name,
// else the Go name; embedded structs' fields promoted), to their types.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	if cached, ok := fieldCache.Load(t); ok {
		return cached.(map[string]reflect.Type)
	}
	fields := map[string]reflect.Type{}
	for _, f := range reflect.VisibleFields(t) {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || f.Anonymous && name == "" { // an embedded struct's fields are listed themselves
			continue
		}
		switch name {
		case "-":
			continue
		case "":
			name = f.Name
		}
		if _, shadowed := fields[name]; !shadowed || len(f.Index) == 1 {
			fields[name] = f.Type
		}
	}
	fieldCache.Store(t, fields)
	return fields
}

// joinPath names a member for field errors: "items[0].sku"; an empty key is shown as "".
func joinPath(path, key string) string {
	if key == "" {
		key = `""`
	}
	if path == "" {
		return key
	}
	return path + "." + key
}
