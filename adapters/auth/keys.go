package auth

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
)

// Algorithm is the only JWS algorithm Jupang signs and accepts.
const Algorithm = "EdDSA"

// Key is one Ed25519 key pair, or a public key alone (a retired key that only verifies).
type Key struct {
	Kid     string
	Public  ed25519.PublicKey
	private ed25519.PrivateKey
}

// CanSign reports whether the key has its private half.
func (k Key) CanSign() bool { return k.private != nil }

// GenerateKey makes a fresh Ed25519 key with kid.
func GenerateKey(kid string) (Key, error) {
	if !validKid(kid) {
		return Key{}, fmt.Errorf("auth: invalid key id %q", kid)
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return Key{}, err
	}
	return Key{Kid: kid, Public: pub, private: priv}, nil
}

// PrivatePEM encodes the private key as PKCS #8 PEM, the format LoadKeySet reads.
func (k Key) PrivatePEM() ([]byte, error) {
	if !k.CanSign() {
		return nil, errors.New("auth: key has no private half")
	}
	der, err := x509.MarshalPKCS8PrivateKey(k.private)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// validKid is the key id syntax (the signing_keys.kid check). Key ids are only ever looked up in a
// map, never used as a path, URL or query.
func validKid(kid string) bool {
	if len(kid) == 0 || len(kid) > 64 {
		return false
	}
	for i := 0; i < len(kid); i++ {
		c := kid[i]
		if !isAlnum(c) && c != '.' && c != '_' && c != '-' {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// KeySet is the keys of one deployment: every published key verifies, exactly one signs. It is safe
// for concurrent use, and Rotate swaps the signer while requests run.
//
// Rotation without downtime: publish the new key first (every instance verifies with it), then let
// it sign, and drop the old key once the tokens it signed have expired (15 min). With files: add the
// new PEM to auth.keys_dir and deploy; set auth.signing_kid to it and deploy; remove the old file.
type KeySet struct {
	mu     sync.RWMutex
	keys   map[string]Key
	signer string
}

// NewKeySet returns a set in which signer signs and every key verifies.
func NewKeySet(signer Key, others ...Key) (*KeySet, error) {
	ks := &KeySet{keys: map[string]Key{}}
	for _, k := range append([]Key{signer}, others...) {
		if !validKid(k.Kid) || len(k.Public) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("auth: invalid key %q", k.Kid)
		}
		if _, dup := ks.keys[k.Kid]; dup {
			return nil, fmt.Errorf("auth: key id %q appears twice", k.Kid)
		}
		ks.keys[k.Kid] = k
	}
	if !signer.CanSign() {
		return nil, fmt.Errorf("auth: signing key %q has no private half", signer.Kid)
	}
	ks.signer = signer.Kid
	return ks, nil
}

// GenerateKeySet makes a one-key set, for the dev all-in-one binary and tests.
func GenerateKeySet() (*KeySet, error) {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, err
	}
	k, err := GenerateKey("dev-" + hex.EncodeToString(b[:]))
	if err != nil {
		return nil, err
	}
	return NewKeySet(k)
}

// LoadKeySet reads every *.pem file of dir: a PKCS #8 "PRIVATE KEY" signs and verifies, a PKIX
// "PUBLIC KEY" only verifies. The file name without .pem is the kid. signingKid names the signer;
// empty means the greatest kid that has a private key (name keys by date, e.g. 2026-11-01.pem).
// Errors name the config key auth.keys_dir.
func LoadKeySet(dir, signingKid string) (*KeySet, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.pem"))
	if err != nil {
		return nil, fmt.Errorf("auth.keys_dir: %w", err)
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("auth.keys_dir: no *.pem key in %s", dir)
	}
	slices.Sort(paths)
	var keys []Key
	for _, p := range paths {
		k, err := readKeyFile(p)
		if err != nil {
			return nil, fmt.Errorf("auth.keys_dir: %s: %w", filepath.Base(p), err)
		}
		keys = append(keys, k)
	}
	idx := -1
	for i, k := range keys {
		if k.CanSign() && (signingKid == "" || k.Kid == signingKid) {
			idx = i
		}
	}
	if idx < 0 {
		if signingKid != "" {
			return nil, fmt.Errorf("auth.signing_kid: no private key %q in %s", signingKid, dir)
		}
		return nil, fmt.Errorf("auth.keys_dir: no private key in %s", dir)
	}
	signer := keys[idx]
	return NewKeySet(signer, slices.Delete(keys, idx, idx+1)...)
}

func readKeyFile(path string) (Key, error) {
	raw, err := os.ReadFile(path) //nolint:gosec // the operator names the key directory in auth.keys_dir
	if err != nil {
		return Key{}, err
	}
	kid := strings.TrimSuffix(filepath.Base(path), ".pem")
	if !validKid(kid) {
		return Key{}, fmt.Errorf("file name must be a key id of 1–64 of [A-Za-z0-9._-]")
	}
	block, _ := pem.Decode(raw)
	if block == nil {
		return Key{}, errors.New("not PEM")
	}
	switch block.Type {
	case "PRIVATE KEY":
		parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return Key{}, err
		}
		priv, ok := parsed.(ed25519.PrivateKey)
		if !ok {
			return Key{}, errors.New("not an Ed25519 key")
		}
		return Key{Kid: kid, Public: priv.Public().(ed25519.PublicKey), private: priv}, nil
	case "PUBLIC KEY":
		parsed, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return Key{}, err
		}
		pub, ok := parsed.(ed25519.PublicKey)
		if !ok {
			return Key{}, errors.New("not an Ed25519 key")
		}
		return Key{Kid: kid, Public: pub}, nil
	}
	return Key{}, fmt.Errorf("unexpected PEM block %q", block.Type)
}

// Rotate publishes next and makes it the signer; the previous keys keep verifying until Remove.
func (ks *KeySet) Rotate(next Key) error {
	if !validKid(next.Kid) || !next.CanSign() {
		return fmt.Errorf("auth: key %q cannot sign", next.Kid)
	}
	ks.mu.Lock()
	defer ks.mu.Unlock()
	if _, dup := ks.keys[next.Kid]; dup {
		return fmt.Errorf("auth: key id %q is already published", next.Kid)
	}
	ks.keys[next.Kid] = next
	ks.signer = next.Kid
	return nil
}

// Remove stops publishing and accepting a key that no longer signs.
func (ks *KeySet) Remove(kid string) error {
	ks.mu.Lock()
	defer ks.mu.Unlock()
	if kid == ks.signer {
		return fmt.Errorf("auth: key %q still signs", kid)
	}
	delete(ks.keys, kid)
	return nil
}

// Signer returns the key that signs now.
func (ks *KeySet) Signer() Key {
	ks.mu.RLock()
	defer ks.mu.RUnlock()
	return ks.keys[ks.signer]
}

// lookup returns the public key of kid.
func (ks *KeySet) lookup(kid string) (ed25519.PublicKey, bool) {
	ks.mu.RLock()
	defer ks.mu.RUnlock()
	k, ok := ks.keys[kid]
	return k.Public, ok
}

// JWK is one public key in RFC 7517/8037 form.
type JWK struct {
	Kty string `json:"kty"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Kid string `json:"kid"`
	Alg string `json:"alg"`
	Use string `json:"use"`
}

// JWKS returns the public keys as a JSON Web Key Set, signer first.
func (ks *KeySet) JWKS() ([]byte, error) {
	ks.mu.RLock()
	kids := make([]string, 0, len(ks.keys))
	for kid := range ks.keys {
		if kid != ks.signer {
			kids = append(kids, kid)
		}
	}
	slices.Sort(kids)
	kids = append([]string{ks.signer}, kids...)
	set := struct {
		Keys []JWK `json:"keys"`
	}{}
	for _, kid := range kids {
		set.Keys = append(set.Keys, JWK{Kty: "OKP", Crv: "Ed25519", X: base64.RawURLEncoding.EncodeToString(ks.keys[kid].Public),
			Kid: kid, Alg: Algorithm, Use: "sig"})
	}
	ks.mu.RUnlock()
	return json.Marshal(set)
}
