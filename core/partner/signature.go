package partner

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/identity"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/uow"
)

// Request signature headers (SPEC §9).
const (
	HeaderTimestamp = "X-Jupang-Timestamp"
	HeaderNonce     = "X-Jupang-Nonce"
	HeaderSignature = "X-Jupang-Signature"
)

// SignatureWindow is how far a request's timestamp may be from the server's clock, either way; a
// nonce is remembered for as long as its request's timestamp stays inside it.
const SignatureWindow = 300 * time.Second

const signaturePrefix = "v1="

// StringToSign is what a partner signs: the timestamp, the method, the request target as sent
// (path and query) and the hex SHA-256 of the body, one per line.
func StringToSign(timestamp, method, target string, body []byte) string {
	sum := sha256.Sum256(body)
	return timestamp + "\n" + method + "\n" + target + "\n" + hex.EncodeToString(sum[:])
}

// Sign returns the X-Jupang-Signature value of a request: v1=<hex HMAC-SHA256(key, StringToSign)>.
func Sign(key []byte, timestamp, method, target string, body []byte) string {
	return signaturePrefix + hex.EncodeToString(mac(key, StringToSign(timestamp, method, target, body)))
}

func mac(key []byte, s string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(s))
	return m.Sum(nil)
}

// SignedRequest is what the edge learned about a partner request.
type SignedRequest struct {
	// CertificateNames are the identities of the client certificate the TLS handshake verified
	// (subject CN and SANs); empty when the request came without one.
	CertificateNames []string
	Method           string
	Target           string // path and query exactly as sent
	Body             []byte
	// The signature headers as sent ("" when absent).
	Timestamp, Nonce, Signature string
}

// Gatekeeper admits partner requests: their certificate must be the token's client's, and their
// signature must verify with one of its keys, fresh and never seen before.
type Gatekeeper struct {
	partners Partners
	uow      uow.UnitOfWork[Stores]
	clock    kernel.Clock
}

// NewGatekeeper returns a gatekeeper checking nonces in u's Nonces.
func NewGatekeeper(partners Partners, u uow.UnitOfWork[Stores], clock kernel.Clock) *Gatekeeper {
	return &Gatekeeper{partners: partners, uow: u, clock: clock}
}

// Admit checks a request of the principal in ctx, in this order: a client certificate (401
// CLIENT_CERTIFICATE_REQUIRED), the client still active (403 CLIENT_DISABLED), the certificate
// naming the token's client (403 CERTIFICATE_MISMATCH: another partner's token or keys are no use
// with your certificate), the signature headers present (401 SIGNATURE_REQUIRED), the timestamp
// within ±300 s (401 STALE_TIMESTAMP), the signature verifying with a current or rotating key,
// compared in constant time (401 INVALID_SIGNATURE), and the nonce not used in the window (401
// NONCE_REUSED). Only a request that verifies spends its nonce.
func (g *Gatekeeper) Admit(ctx context.Context, r SignedRequest) error {
	clientID, err := caller(ctx)
	if err != nil {
		return err
	}
	if len(r.CertificateNames) == 0 {
		return ErrCertificateRequired
	}
	creds, err := g.partners.PartnerCredentials(ctx, clientID)
	if errors.Is(err, identity.ErrClientNotFound) {
		return errs.ErrUnauthenticated.WithMessage("The client of this token no longer exists.")
	}
	if err != nil {
		return err
	}
	if creds.Client.Status != identity.ClientActive {
		return ErrClientDisabled
	}
	if !slices.Contains(r.CertificateNames, creds.Client.CertSubject) {
		return ErrCertificateMismatch
	}
	now := g.clock.Now()
	ts, err := checkTimestamp(r.Timestamp, now)
	if err != nil {
		return err
	}
	if err := checkNonce(r.Nonce); err != nil {
		return err
	}
	if r.Signature == "" {
		return ErrSignatureRequired.WithField(HeaderSignature, errs.FieldRequired.Code, "v1=<hex HMAC-SHA256 of the request>")
	}
	if !verifies(creds.Keys, r) {
		return ErrInvalidSignature
	}
	var fresh bool
	err = g.uow.Do(ctx, func(ctx context.Context, st Stores) error {
		var err error
		fresh, err = st.Nonces.Remember(ctx, clientID, r.Nonce, now, ts.Add(SignatureWindow))
		return err
	})
	if err != nil {
		return err
	}
	if !fresh {
		return ErrNonceReused
	}
	return nil
}

func checkTimestamp(raw string, now time.Time) (time.Time, error) {
	if raw == "" {
		return time.Time{}, ErrSignatureRequired.WithField(HeaderTimestamp, errs.FieldRequired.Code, "the request's unix time in seconds")
	}
	if len(raw) > 12 || strings.Trim(raw, "0123456789") != "" {
		return time.Time{}, ErrStaleTimestamp.WithField(HeaderTimestamp, FieldInvalidTimestamp.Code, "must be unix time in whole seconds")
	}
	secs, _ := strconv.ParseInt(raw, 10, 64) // at most 12 digits: always fits
	ts := time.Unix(secs, 0)
	if d := now.Sub(ts); d > SignatureWindow || d < -SignatureWindow {
		return time.Time{}, ErrStaleTimestamp
	}
	return ts, nil
}

// Nonce bounds (partner_nonces.nonce).
const (
	minNonce = 8
	maxNonce = 128
)

func checkNonce(n string) error {
	if n == "" {
		return ErrSignatureRequired.WithField(HeaderNonce, errs.FieldRequired.Code, "a value never sent before, 8–128 characters")
	}
	ok := len(n) >= minNonce && len(n) <= maxNonce
	for i := 0; ok && i < len(n); i++ {
		c := n[i]
		ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-_.~", c) >= 0
	}
	if !ok {
		return ErrInvalidSignature.WithField(HeaderNonce, FieldInvalidNonce.Code, "must be 8–128 of A-Z, a-z, 0-9, '-', '_', '.', '~'")
	}
	return nil
}

// verifies reports whether the signature header matches the request under one of keys. Every key
// is tried and compared with hmac.Equal, so the time taken does not depend on where they differ.
func verifies(keys []identity.HMACKey, r SignedRequest) bool {
	hexSig, ok := strings.CutPrefix(r.Signature, signaturePrefix)
	if !ok || len(hexSig) != 2*sha256.Size {
		return false
	}
	sig, err := hex.DecodeString(hexSig)
	if err != nil {
		return false
	}
	payload := StringToSign(r.Timestamp, r.Method, r.Target, r.Body)
	match := false
	for _, k := range keys {
		if hmac.Equal(sig, mac(k.Secret, payload)) {
			match = true
		}
	}
	return match
}

// PurgeNonces deletes up to limit nonces whose window has passed (a periodic job).
func (g *Gatekeeper) PurgeNonces(ctx context.Context, limit int) (int, error) {
	var n int
	err := g.uow.Do(ctx, func(ctx context.Context, st Stores) error {
		var err error
		n, err = st.Nonces.Purge(ctx, g.clock.Now(), limit)
		return err
	})
	return n, err
}
