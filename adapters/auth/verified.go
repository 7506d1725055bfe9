package auth

import (
	"crypto/ed25519"
	"slices"
	"sync"
	"time"

	"github.com/jupang/jupang/core/kernel"
)

// verifiedCap bounds how many verified tokens an Authenticator remembers (~10 MB at most: a token
// is a few hundred bytes).
const verifiedCap = 16384

// verified remembers the tokens an Authenticator has verified, so a client sending its token again
// (every request of a session; a flash-sale client retrying after Retry-After) costs a map lookup
// instead of an Ed25519 verification and a JSON decode, which under a stampede of shed claims was
// about half of the storefront's CPU (docs/coupon-flash-sale.md). A remembered token is accepted
// only while a fresh verification would accept it: inside its time window (with Leeway) by the
// Authenticator's clock, and while its kid still names the very key that verified it, so removing
// a key from the set revokes its tokens at once. Only successes are remembered.
type verified struct {
	mu     sync.RWMutex
	tokens map[string]verifiedToken
}

type verifiedToken struct {
	principal kernel.Principal
	kid       string
	key       ed25519.PublicKey
	from, to  time.Time // valid from max(nbf, iat) - Leeway until (not at) exp + Leeway, as jwt checks
}

// lookup returns token's principal if it is remembered and still valid at now under keys.
func (v *verified) lookup(token string, now time.Time, keys *KeySet) (kernel.Principal, bool) {
	v.mu.RLock()
	e, ok := v.tokens[token]
	v.mu.RUnlock()
	if !ok || now.Before(e.from) || !now.Before(e.to) {
		return kernel.Principal{}, false
	}
	if pub, ok := keys.lookup(e.kid); !ok || !pub.Equal(e.key) {
		return kernel.Principal{}, false
	}
	p := e.principal
	p.Roles = slices.Clone(p.Roles) // callers may not change what later requests get
	return p, true
}

// remember stores a verified token; when full, it forgets an arbitrary one first.
func (v *verified) remember(token string, e verifiedToken) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.tokens == nil {
		v.tokens = make(map[string]verifiedToken)
	}
	if len(v.tokens) >= verifiedCap {
		for k := range v.tokens {
			delete(v.tokens, k)
			break
		}
	}
	e.principal.Roles = slices.Clone(e.principal.Roles)
	v.tokens[token] = e
}
