package kernel

import "github.com/google/uuid"

// NewID returns a new time-ordered identifier (UUIDv7), so ids sort roughly by creation time
// and B-tree inserts stay local.
func NewID() string {
	return uuid.Must(uuid.NewV7()).String()
}

// IsID reports whether s is a well-formed identifier; handlers use it to answer 404 instead of
// letting a malformed id reach the database.
func IsID(s string) bool {
	_, err := uuid.Parse(s)
	return err == nil && len(s) == 36
}
