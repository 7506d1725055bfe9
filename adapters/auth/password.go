// Package auth holds the adapters of the identity area that talk cryptography: argon2id password
// hashing, Ed25519 signing keys and their JWKS, JWT access tokens (sign and verify), the
// server.Authenticator of each binary, and the server.RateLimiter.
package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Argon2Params are the argon2id cost parameters. Verify reads them from each stored hash, so
// raising them later keeps old hashes working.
type Argon2Params struct {
	Time      uint32 // passes
	MemoryKiB uint32
	Threads   uint8
}

// DefaultArgon2Params follow OWASP's argon2id minimum (19 MiB, 2 passes, 1 lane): about 20–40 ms.
var DefaultArgon2Params = Argon2Params{Time: 2, MemoryKiB: 19 * 1024, Threads: 1}

// Argon2id hashes passwords in the PHC string format: $argon2id$v=19$m=..,t=..,p=..$salt$hash.
// It implements identity.PasswordHasher.
type Argon2id struct {
	params Argon2Params
}

const (
	argonSaltLen = 16
	argonKeyLen  = 32
	// Bounds on parameters read back from a stored hash, so a corrupt row cannot exhaust memory.
	maxArgonMemoryKiB = 1 << 20
	maxArgonTime      = 16
)

// NewArgon2id returns a hasher with p.
func NewArgon2id(p Argon2Params) (*Argon2id, error) {
	if p.Time == 0 || p.Threads == 0 || p.MemoryKiB < 8*uint32(p.Threads) || p.MemoryKiB > maxArgonMemoryKiB || p.Time > maxArgonTime {
		return nil, fmt.Errorf("auth: invalid argon2id parameters %+v", p)
	}
	return &Argon2id{params: p}, nil
}

// Hash returns the encoded hash of password with a fresh salt.
func (a *Argon2id) Hash(password string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, a.params.Time, a.params.MemoryKiB, a.params.Threads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, a.params.MemoryKiB, a.params.Time,
		a.params.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

var errBadHash = errors.New("auth: malformed argon2id hash")

// Verify reports whether password matches encoded, comparing in constant time.
func (a *Argon2id) Verify(encoded, password string) (bool, error) {
	p, salt, want, err := parseArgon2id(encoded)
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.MemoryKiB, p.Threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

func parseArgon2id(encoded string) (Argon2Params, []byte, []byte, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return Argon2Params{}, nil, nil, errBadHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return Argon2Params{}, nil, nil, errBadHash
	}
	var p Argon2Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.MemoryKiB, &p.Time, &p.Threads); err != nil {
		return Argon2Params{}, nil, nil, errBadHash
	}
	if p.Time == 0 || p.Threads == 0 || p.MemoryKiB < 8*uint32(p.Threads) || p.MemoryKiB > maxArgonMemoryKiB || p.Time > maxArgonTime {
		return Argon2Params{}, nil, nil, errBadHash
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil || len(salt) < 8 {
		return Argon2Params{}, nil, nil, errBadHash
	}
	key, err := b64.DecodeString(parts[5])
	if err != nil || len(key) < 16 || len(key) > 64 {
		return Argon2Params{}, nil, nil, errBadHash
	}
	return p, salt, key, nil
}
