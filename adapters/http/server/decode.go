package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"reflect"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/jupang/jupang/core/errs"
)

// DecodeJSON reads the request body into dst strictly: JSON media type, valid UTF-8, no unknown
// fields, no duplicate keys, exactly one non-null value. Any failure is 400 VALIDATION_FAILED (415
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
	if err := checkDuplicateKeys(body); err != nil {
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

// checkDuplicateKeys walks the token stream and rejects an object that names a key twice, which
// encoding/json would silently resolve to the last value. Keys are compared the way encoding/json
// matches struct fields, ignoring case under Unicode folding: "email", "EMAIL" (and "ſtatus" for
// "status") would fill the same field.
func checkDuplicateKeys(body []byte) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	return walkValue(dec, "", 0)
}

func walkValue(dec *json.Decoder, path string, depth int) error {
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
	switch delim {
	case '{':
		seen := map[string]bool{}
		for dec.More() {
			keyTok, err := dec.Token()
			if err != nil {
				return errMalformed
			}
			key, _ := keyTok.(string)
			folded := foldKey(key)
			if seen[folded] {
				return errs.ErrValidation.WithField(joinPath(path, key), codeDuplicate, "this key appears more than once")
			}
			seen[folded] = true
			if err := walkValue(dec, joinPath(path, key), depth+1); err != nil {
				return err
			}
		}
	case '[':
		for i := 0; dec.More(); i++ {
			if err := walkValue(dec, fmt.Sprintf("%s[%d]", path, i), depth+1); err != nil {
				return err
			}
		}
	}
	if _, err := dec.Token(); err != nil { // the closing delimiter
		return errMalformed
	}
	return nil
}

// foldKey maps every rune to the smallest rune of its Unicode case-folding orbit, as encoding/json
// does, so two keys fold alike exactly when they would match the same struct field.
func foldKey(key string) string {
	var b strings.Builder
	for _, r := range key {
		for {
			next := unicode.SimpleFold(r)
			if next <= r {
				r = next
				break
			}
			r = next
		}
		b.WriteRune(r)
	}
	return b.String()
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
