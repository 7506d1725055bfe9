package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/jupang/jupang/core/errs"
)

// DecodeJSON reads the request body into dst strictly: JSON media type, no unknown fields, no
// duplicate keys, exactly one value. Any failure is 400 VALIDATION_FAILED (415 for another media
// type) with field errors, and marks the request as rejected before execution for idempotency.
func DecodeJSON(c *fiber.Ctx, dst any) error {
	err := decodeJSON(c.Get(fiber.HeaderContentType), c.Body(), dst)
	if err != nil {
		c.Locals(localsRejected, true)
	}
	return err
}

func decodeJSON(contentType string, body []byte, dst any) error {
	if contentType != "" {
		mt, _, err := mime.ParseMediaType(contentType)
		if err != nil || !(mt == fiber.MIMEApplicationJSON || strings.HasSuffix(mt, "+json")) {
			return errs.ErrUnsupportedMedia
		}
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return errs.ErrValidation.WithField("body", "REQUIRED", "a JSON body is required")
	}
	if err := checkDuplicateKeys(body); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errs.ErrValidation.WithField("body", "MALFORMED_JSON", "unexpected data after the JSON value")
	}
	return nil
}

func jsonError(err error) error {
	var syntax *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return errMalformed
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			field = "body"
		}
		return errs.ErrValidation.WithField(field, "INVALID_TYPE", fmt.Sprintf("must be %s", typeErr.Type.String()))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return errs.ErrValidation.WithField(field, "UNKNOWN_FIELD", "this field is not accepted")
	}
	return errs.ErrValidation.WithField("body", "MALFORMED_JSON", err.Error())
}

// maxJSONDepth bounds nesting, so a hostile body cannot make the duplicate-key walk recurse deeply.
const maxJSONDepth = 32

var errMalformed = errs.ErrValidation.WithField("body", "MALFORMED_JSON", "the body is not valid JSON")

// checkDuplicateKeys walks the token stream and rejects an object that names a key twice, which
// encoding/json would silently resolve to the last value.
func checkDuplicateKeys(body []byte) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	return walkValue(dec, "", 0)
}

func walkValue(dec *json.Decoder, path string, depth int) error {
	if depth > maxJSONDepth {
		return errs.ErrValidation.WithField("body", "MALFORMED_JSON", "the body is nested too deeply")
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
			if seen[key] {
				return errs.ErrValidation.WithField(joinPath(path, key), "DUPLICATE_KEY", "this key appears more than once")
			}
			seen[key] = true
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

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}
