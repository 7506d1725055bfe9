package kernel

import (
	"encoding/base64"
	"encoding/json"
)

// EncodeCursor turns a keyset position into an opaque token.
func EncodeCursor(position any) string {
	b, err := json.Marshal(position)
	if err != nil {
		panic(err) // positions are plain structs; failure is a programming error
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeCursor reads a token made by EncodeCursor into position. An empty token leaves position untouched.
func DecodeCursor(token string, position any) error {
	if token == "" {
		return nil
	}
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return ErrInvalidCursor.WithField("cursor", FieldInvalidCursor.Code, "not a cursor this server issued")
	}
	if err := json.Unmarshal(b, position); err != nil {
		return ErrInvalidCursor.WithField("cursor", FieldInvalidCursor.Code, "not a cursor this server issued")
	}
	return nil
}

// Page is one page of a keyset-paginated list.
type Page[T any] struct {
	Items      []T
	NextCursor string // empty on the last page
}
