package auth_test

import (
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jupang/jupang/adapters/auth"
)

func writeKey(t *testing.T, dir, kid string, public bool) auth.Key {
	t.Helper()
	k, err := auth.GenerateKey(kid)
	if err != nil {
		t.Fatal(err)
	}
	data, err := k.PrivatePEM()
	if err != nil {
		t.Fatal(err)
	}
	if public {
		der, _ := x509.MarshalPKIXPublicKey(k.Public)
		data = pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	}
	if err := os.WriteFile(filepath.Join(dir, kid+".pem"), data, 0o600); err != nil {
		t.Fatal(err)
	}
	return k
}

func TestLoadKeySet(t *testing.T) {
	dir := t.TempDir()
	writeKey(t, dir, "2026-10-01", true) // retired: verifies only
	writeKey(t, dir, "2026-11-01", false)
	writeKey(t, dir, "2026-12-01", false)

	ks, err := auth.LoadKeySet(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	if ks.Signer().Kid != "2026-12-01" {
		t.Fatalf("default signer %s, want the greatest kid with a private key", ks.Signer().Kid)
	}
	raw, _ := ks.JWKS()
	for _, kid := range []string{"2026-10-01", "2026-11-01", "2026-12-01"} {
		if !strings.Contains(string(raw), `"kid":"`+kid+`"`) {
			t.Errorf("jwks lacks %s: %s", kid, raw)
		}
	}
	if strings.Contains(string(raw), `"d"`) {
		t.Fatal("jwks must not contain private material")
	}
	// Phase one of a rotation: the new key is published while the old one still signs.
	ks, err = auth.LoadKeySet(dir, "2026-11-01")
	if err != nil || ks.Signer().Kid != "2026-11-01" {
		t.Fatalf("explicit signer: %v %v", ks, err)
	}
	for signing, want := range map[string]string{"2026-10-01": "auth.signing_kid", "nope": "auth.signing_kid"} {
		if _, err := auth.LoadKeySet(dir, signing); err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("signing %s: err = %v", signing, err)
		}
	}
}

func TestLoadKeySetErrorsNameTheConfigKey(t *testing.T) {
	empty := t.TempDir()
	bad := t.TempDir()
	_ = os.WriteFile(filepath.Join(bad, "k1.pem"), []byte("not pem"), 0o600)
	badName := t.TempDir()
	writeKey(t, badName, "ok", false)
	_ = os.Rename(filepath.Join(badName, "ok.pem"), filepath.Join(badName, "bad name.pem"))
	publicOnly := t.TempDir()
	writeKey(t, publicOnly, "pub", true)
	for name, dir := range map[string]string{"empty": empty, "not pem": bad, "bad kid": badName, "no private key": publicOnly} {
		if _, err := auth.LoadKeySet(dir, ""); err == nil || !strings.HasPrefix(err.Error(), "auth.keys_dir") {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}
