package auth_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/golang-jwt/jwt/v5"

	"github.com/jupang/jupang/adapters/auth"
	"github.com/jupang/jupang/adapters/http/server"
	"github.com/jupang/jupang/core/access"
	"github.com/jupang/jupang/core/identity"
	"github.com/jupang/jupang/core/kernel"
)

const issuer = "https://auth.jupang.test"

var now = time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)

// probe is a server for one audience with a protected route that counts how often its handler runs.
type probe struct {
	srv   *server.Server
	calls atomic.Int64
	seen  atomic.Value // kernel.Principal
}

func newProbe(t *testing.T, keys *auth.KeySet, aud kernel.Audience, clock kernel.Clock) *probe {
	t.Helper()
	p := &probe{}
	srv, err := server.New(server.Config{Name: "probe", Audience: aud, Auth: auth.NewAuthenticator(keys, issuer, aud, clock)},
		[]server.Route{{Method: http.MethodGet, Path: "/v1/probe", Policy: access.Authenticated, Handler: func(c *fiber.Ctx) error {
			p.calls.Add(1)
			p.seen.Store(server.Request(c).Principal)
			return c.SendStatus(http.StatusNoContent)
		}}})
	if err != nil {
		t.Fatal(err)
	}
	p.srv = srv
	return p
}

func (p *probe) status(t *testing.T, token string) int {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "/v1/probe", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := p.srv.App().Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	return resp.StatusCode
}

func validClaims() jwt.MapClaims {
	return jwt.MapClaims{"iss": issuer, "sub": kernel.NewID(), "aud": "storefront", "exp": now.Add(15 * time.Minute).Unix(),
		"nbf": now.Unix(), "iat": now.Unix(), "jti": kernel.NewID(), "roles": []string{"Customer"}, "client_id": "storefront"}
}

// forge signs claims with key using method, with the given extra headers (nil value: delete it).
func forge(t *testing.T, method jwt.SigningMethod, key any, claims jwt.MapClaims, headers map[string]any) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, claims)
	tok.Header["typ"] = "at+jwt"
	for k, v := range headers {
		if v == nil {
			delete(tok.Header, k)
		} else {
			tok.Header[k] = v
		}
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func privateOf(t *testing.T, k auth.Key) ed25519.PrivateKey {
	t.Helper()
	pemBytes, err := k.PrivatePEM()
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(pemBytes)
	parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return parsed.(ed25519.PrivateKey)
}

func b64(v any) string {
	raw, _ := json.Marshal(v)
	return base64.RawURLEncoding.EncodeToString(raw)
}

func TestSignedTokensVerify(t *testing.T) {
	keys, err := auth.GenerateKeySet()
	if err != nil {
		t.Fatal(err)
	}
	clock := kernel.NewFakeClock(now)
	p := newProbe(t, keys, kernel.AudienceStorefront, clock)
	sub := kernel.NewID()
	token, err := auth.NewSigner(keys, issuer).Sign(context.Background(), identity.AccessClaims{ID: kernel.NewID(), Subject: sub,
		Audience: kernel.AudienceStorefront, ClientID: "storefront", Roles: []kernel.Role{kernel.RoleCustomer}, IssuedAt: now, ExpiresAt: now.Add(identity.AccessTokenTTL)})
	if err != nil {
		t.Fatal(err)
	}
	header, _, _ := strings.Cut(token, ".")
	raw, _ := base64.RawURLEncoding.DecodeString(header)
	var h map[string]any
	if err := json.Unmarshal(raw, &h); err != nil || h["alg"] != "EdDSA" || h["typ"] != "at+jwt" || h["kid"] != keys.Signer().Kid || len(h) != 3 {
		t.Fatalf("header %s", raw)
	}
	if got := p.status(t, token); got != http.StatusNoContent {
		t.Fatalf("status %d", got)
	}
	pr := p.seen.Load().(kernel.Principal)
	if pr.ID != sub || len(pr.Roles) != 1 || pr.Roles[0] != kernel.RoleCustomer || pr.Audience != kernel.AudienceStorefront {
		t.Fatalf("principal %+v", pr)
	}
	clock.Advance(identity.AccessTokenTTL + 59*time.Second) // inside the 60 s skew
	if got := p.status(t, token); got != http.StatusNoContent {
		t.Fatalf("within skew: status %d", got)
	}
	clock.Advance(2 * time.Second)
	if got := p.status(t, token); got != http.StatusUnauthorized {
		t.Fatalf("past skew: status %d", got)
	}
}

// TestHostileTokensAreRejectedBeforeTheHandler is the attack matrix of issue 3: each token gets 401
// and the protected handler never runs.
func TestHostileTokensAreRejectedBeforeTheHandler(t *testing.T) {
	keys, err := auth.GenerateKeySet()
	if err != nil {
		t.Fatal(err)
	}
	clock := kernel.NewFakeClock(now)
	signer := keys.Signer()
	priv := privateOf(t, signer)
	kid := signer.Kid
	sign := func(claims jwt.MapClaims, headers map[string]any) string {
		h := map[string]any{"kid": kid}
		for k, v := range headers {
			h[k] = v
		}
		return forge(t, jwt.SigningMethodEdDSA, priv, claims, h)
	}
	with := func(mut func(jwt.MapClaims)) jwt.MapClaims {
		c := validClaims()
		mut(c)
		return c
	}
	valid := sign(validClaims(), nil)

	attacker, _ := auth.GenerateKey("attacker")
	attackerPriv := privateOf(t, attacker)
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pubPEM, _ := x509.MarshalPKIXPublicKey(signer.Public)
	jwksX := base64.RawURLEncoding.EncodeToString(signer.Public)

	// alg none, built by hand so no library refuses to produce it.
	none := b64(map[string]any{"alg": "none", "typ": "at+jwt", "kid": kid}) + "." + b64(validClaims()) + "."
	// The real signature over other claims.
	parts := strings.Split(valid, ".")
	escalated := parts[0] + "." + b64(with(func(c jwt.MapClaims) { c["roles"] = []string{"Admin"} })) + "." + parts[2]
	otherSub := parts[0] + "." + b64(with(func(c jwt.MapClaims) { c["sub"] = kernel.NewID() })) + "." + parts[2]

	storefrontOnAdmin := newProbe(t, keys, kernel.AudienceAdmin, clock)

	cases := []struct {
		name  string
		token string
		p     *probe // nil: the storefront probe
	}{
		{"alg none", none, nil},
		{"alg none with a signature", none + parts[2], nil},
		{"HS256 keyed with the raw public key", forge(t, jwt.SigningMethodHS256, []byte(signer.Public), validClaims(), map[string]any{"kid": kid}), nil},
		{"HS256 keyed with the public key PEM", forge(t, jwt.SigningMethodHS256, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubPEM}), validClaims(), map[string]any{"kid": kid}), nil},
		{"HS256 keyed with the JWKS x", forge(t, jwt.SigningMethodHS256, []byte(jwksX), validClaims(), map[string]any{"kid": kid}), nil},
		{"RS256 with an attacker key", forge(t, jwt.SigningMethodRS256, rsaKey, validClaims(), map[string]any{"kid": kid}), nil},
		{"changed roles, old signature", escalated, nil},
		{"changed subject, old signature", otherSub, nil},
		{"signed by another Ed25519 key under our kid", forge(t, jwt.SigningMethodEdDSA, attackerPriv, validClaims(), map[string]any{"kid": kid}), nil},
		{"missing exp", sign(with(func(c jwt.MapClaims) { delete(c, "exp") }), nil), nil},
		{"expired beyond the skew", sign(with(func(c jwt.MapClaims) { c["exp"] = now.Add(-61 * time.Second).Unix() }), nil), nil},
		{"nbf in the future", sign(with(func(c jwt.MapClaims) { c["nbf"] = now.Add(2 * time.Minute).Unix() }), nil), nil},
		{"iat in the future", sign(with(func(c jwt.MapClaims) { c["iat"] = now.Add(2 * time.Minute).Unix() }), nil), nil},
		{"wrong issuer", sign(with(func(c jwt.MapClaims) { c["iss"] = "https://evil.test" }), nil), nil},
		{"missing issuer", sign(with(func(c jwt.MapClaims) { delete(c, "iss") }), nil), nil},
		{"wrong audience", sign(with(func(c jwt.MapClaims) { c["aud"] = "partner" }), nil), nil},
		{"storefront token on the admin binary", valid, storefrontOnAdmin},
		{"missing sub", sign(with(func(c jwt.MapClaims) { delete(c, "sub") }), nil), nil},
		{"missing roles", sign(with(func(c jwt.MapClaims) { delete(c, "roles") }), nil), nil},
		{"Guest role", sign(with(func(c jwt.MapClaims) { c["roles"] = []string{"Guest"} }), nil), nil},
		{"unknown role", sign(with(func(c jwt.MapClaims) { c["roles"] = []string{"Root"} }), nil), nil},
		{"roles not a list", sign(with(func(c jwt.MapClaims) { c["roles"] = "Admin" }), nil), nil},
		{"missing typ", sign(validClaims(), map[string]any{"typ": nil}), nil},
		{"typ JWT", sign(validClaims(), map[string]any{"typ": "JWT"}), nil},
		{"a refresh token as an access token", "jprt_" + strings.Repeat("A", 43), nil},
		{"garbage", "not-a-token", nil},
		{"kid missing", sign(validClaims(), map[string]any{"kid": nil}), nil},
		{"kid unknown", sign(validClaims(), map[string]any{"kid": "no-such-key"}), nil},
		{"kid path traversal", sign(validClaims(), map[string]any{"kid": "../../../../dev/null"}), nil},
		{"kid absolute path", sign(validClaims(), map[string]any{"kid": "/etc/passwd"}), nil},
		{"kid SQL injection", sign(validClaims(), map[string]any{"kid": "' OR '1'='1"}), nil},
		{"kid URL", sign(validClaims(), map[string]any{"kid": "https://evil.test/jwks.json"}), nil},
		{"kid query", sign(validClaims(), map[string]any{"kid": kid + "?x=1"}), nil},
		{"kid NUL", sign(validClaims(), map[string]any{"kid": kid + "\x00"}), nil},
		{"kid empty", sign(validClaims(), map[string]any{"kid": ""}), nil},
		{"kid huge", sign(validClaims(), map[string]any{"kid": strings.Repeat("k", 65)}), nil},
		{"kid a number", sign(validClaims(), map[string]any{"kid": 1}), nil},
		{"kid an object", sign(validClaims(), map[string]any{"kid": map[string]any{"$ne": ""}}), nil},
		{"jku pointing to an attacker key set", forge(t, jwt.SigningMethodEdDSA, attackerPriv, validClaims(),
			map[string]any{"kid": "attacker", "jku": "https://evil.test/jwks.json"}), nil},
		{"jku on an otherwise valid token", sign(validClaims(), map[string]any{"jku": "https://evil.test/jwks.json"}), nil},
		{"x5u", sign(validClaims(), map[string]any{"x5u": "https://evil.test/cert.pem"}), nil},
		{"embedded jwk", forge(t, jwt.SigningMethodEdDSA, attackerPriv, validClaims(),
			map[string]any{"kid": "attacker", "jwk": map[string]any{"kty": "OKP", "crv": "Ed25519", "x": base64.RawURLEncoding.EncodeToString(attacker.Public)}}), nil},
		{"crit header", sign(validClaims(), map[string]any{"crit": []string{"exp"}}), nil},
	}
	// Beyond 4 KiB the verifier refuses to parse (Fiber's header buffer stops such requests earlier).
	if _, err := auth.NewAuthenticator(keys, issuer, kernel.AudienceStorefront, clock).Authenticate(context.Background(), valid+strings.Repeat("A", 5000)); err == nil {
		t.Error("oversized token accepted")
	}
	sf := newProbe(t, keys, kernel.AudienceStorefront, clock)
	if got := sf.status(t, valid); got != http.StatusNoContent {
		t.Fatalf("control: the valid token gets %d", got)
	}
	for _, tc := range cases {
		p := tc.p
		if p == nil {
			p = sf
		}
		before := p.calls.Load()
		if got := p.status(t, tc.token); got != http.StatusUnauthorized {
			t.Errorf("%s: status %d, want 401", tc.name, got)
		}
		if p.calls.Load() != before {
			t.Errorf("%s: the handler ran", tc.name)
		}
	}
}

func TestRotationKeepsOldTokensValid(t *testing.T) {
	keys, err := auth.GenerateKeySet()
	if err != nil {
		t.Fatal(err)
	}
	clock := kernel.NewFakeClock(now)
	p := newProbe(t, keys, kernel.AudienceStorefront, clock)
	signer := auth.NewSigner(keys, issuer)
	claims := identity.AccessClaims{ID: kernel.NewID(), Subject: kernel.NewID(), Audience: kernel.AudienceStorefront,
		Roles: []kernel.Role{kernel.RoleCustomer}, IssuedAt: now, ExpiresAt: now.Add(identity.AccessTokenTTL)}
	oldKid := keys.Signer().Kid
	old, _ := signer.Sign(context.Background(), claims)

	next, _ := auth.GenerateKey("2026-12-01")
	if err := keys.Rotate(next); err != nil {
		t.Fatal(err)
	}
	fresh, _ := signer.Sign(context.Background(), claims)
	if keys.Signer().Kid != "2026-12-01" || !strings.Contains(decodeHeader(t, fresh), `"kid":"2026-12-01"`) {
		t.Fatal("the new key signs")
	}
	for _, tok := range []string{old, fresh} {
		if got := p.status(t, tok); got != http.StatusNoContent {
			t.Fatalf("after rotation a token gets %d", got)
		}
	}
	var set struct{ Keys []auth.JWK }
	raw, _ := keys.JWKS()
	if err := json.Unmarshal(raw, &set); err != nil || len(set.Keys) != 2 || set.Keys[0].Kid != "2026-12-01" || set.Keys[1].Kid != oldKid ||
		set.Keys[0].Kty != "OKP" || set.Keys[0].Crv != "Ed25519" || set.Keys[0].Alg != "EdDSA" || set.Keys[0].Use != "sig" {
		t.Fatalf("jwks %s", raw)
	}
	if err := keys.Remove("2026-12-01"); err == nil {
		t.Fatal("the signer cannot be removed")
	}
	if err := keys.Remove(oldKid); err != nil {
		t.Fatal(err)
	}
	if got := p.status(t, old); got != http.StatusUnauthorized {
		t.Fatalf("a removed key no longer verifies: %d", got)
	}
}

func decodeHeader(t *testing.T, token string) string {
	t.Helper()
	h, _, _ := strings.Cut(token, ".")
	raw, err := base64.RawURLEncoding.DecodeString(h)
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

// TestRotationUnderLoad rotates the signing key while hundreds of requests sign and verify: no
// request fails, so a rotation needs no downtime.
func TestRotationUnderLoad(t *testing.T) {
	keys, err := auth.GenerateKeySet()
	if err != nil {
		t.Fatal(err)
	}
	clock := kernel.NewFakeClock(now)
	verifier := auth.NewAuthenticator(keys, issuer, kernel.AudienceAdmin, clock)
	signer := auth.NewSigner(keys, issuer)
	claims := identity.AccessClaims{ID: kernel.NewID(), Subject: kernel.NewID(), Audience: kernel.AudienceAdmin,
		Roles: []kernel.Role{kernel.RoleAdmin}, IssuedAt: now, ExpiresAt: now.Add(identity.AccessTokenTTL)}
	var failures atomic.Int64
	var wg sync.WaitGroup
	for i := 0; i < 300; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tok, err := signer.Sign(context.Background(), claims)
			if err != nil {
				failures.Add(1)
				return
			}
			if _, err := verifier.Authenticate(context.Background(), tok); err != nil {
				failures.Add(1)
			}
		}()
		if i%100 == 50 {
			next, _ := auth.GenerateKey(fmt.Sprintf("rot-%d", i))
			if err := keys.Rotate(next); err != nil {
				t.Fatal(err)
			}
		}
	}
	wg.Wait()
	if failures.Load() != 0 {
		t.Fatalf("%d requests failed during rotation", failures.Load())
	}
}

// TestRememberedTokensAreAcceptedOnlyWhileAFreshVerificationWould: the second request with a
// token is answered from the verified-token memory, which still honours the token's window to
// the second (with Leeway) and the key set (a removed or replaced key revokes), and never lets one
// request's principal change another's.
func TestRememberedTokensAreAcceptedOnlyWhileAFreshVerificationWould(t *testing.T) {
	keys, err := auth.GenerateKeySet()
	if err != nil {
		t.Fatal(err)
	}
	clock := kernel.NewFakeClock(now)
	a := auth.NewAuthenticator(keys, issuer, kernel.AudienceStorefront, clock)
	ctx := context.Background()
	signer := auth.NewSigner(keys, issuer)
	tok, err := signer.Sign(ctx, identity.AccessClaims{ID: kernel.NewID(), Subject: "u1", Audience: kernel.AudienceStorefront,
		Roles: []kernel.Role{kernel.RoleCustomer}, IssuedAt: now, ExpiresAt: now.Add(15 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 { // verified, then remembered
		p, err := a.Authenticate(ctx, tok)
		if err != nil || p.ID != "u1" || len(p.Roles) != 1 || p.Roles[0] != kernel.RoleCustomer {
			t.Fatalf("%+v %v", p, err)
		}
		p.Roles[0] = kernel.RoleAdmin // must not leak into the next answer
	}
	// The window's edges, as jwt draws them: exp + Leeway is already expired.
	clock.Set(now.Add(15*time.Minute + auth.Leeway - time.Second))
	if _, err := a.Authenticate(ctx, tok); err != nil {
		t.Fatalf("inside the leeway: %v", err)
	}
	clock.Set(now.Add(15*time.Minute + auth.Leeway))
	if _, err := a.Authenticate(ctx, tok); err == nil {
		t.Fatal("a remembered token was accepted at exp + leeway")
	}
	clock.Set(now.Add(-auth.Leeway - time.Second))
	if _, err := a.Authenticate(ctx, tok); err == nil {
		t.Fatal("a remembered token was accepted before iat - leeway")
	}
	// Replacing the key set's keys revokes what they verified.
	clock.Set(now)
	next, _ := auth.GenerateKey("2026-12-02")
	oldKid := keys.Signer().Kid
	if err := keys.Rotate(next); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Authenticate(ctx, tok); err != nil {
		t.Fatalf("after a rotation the old key still verifies: %v", err)
	}
	if err := keys.Remove(oldKid); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Authenticate(ctx, tok); err == nil {
		t.Fatal("a remembered token of a removed key was accepted")
	}
	// A new key published under the removed key's kid does not revive what the old one verified.
	reused, err := auth.GenerateKey(oldKid)
	if err != nil {
		t.Fatal(err)
	}
	if err := keys.Rotate(reused); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Authenticate(ctx, tok); err == nil {
		t.Fatal("a remembered token was accepted after its kid came back with another key")
	}
}
