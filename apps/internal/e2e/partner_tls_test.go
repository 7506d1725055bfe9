package e2e

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"
)

type certAuthority struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte
}

func newCA(t *testing.T, name string) certAuthority {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return certAuthority{cert: cert, key: key, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// issue signs a leaf certificate for name and returns its PEM certificate and key.
func (ca certAuthority) issue(t *testing.T, name string, usage x509.ExtKeyUsage) (certPEM, keyPEM []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
}

func write(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// With partner.tls_* set, the partner binary speaks TLS and admits only clients whose certificate
// chains to partner.client_ca.
func TestPartnerRequiresClientCertificates(t *testing.T) {
	dir := t.TempDir()
	serverCA, partnerCA, rogueCA := newCA(t, "server CA"), newCA(t, "partner CA"), newCA(t, "rogue CA")
	srvCert, srvKey := serverCA.issue(t, "127.0.0.1", x509.ExtKeyUsageServerAuth)
	env := []string{
		"JUPANG_PARTNER_TLS_CERT=" + write(t, dir, "server.pem", srvCert),
		"JUPANG_PARTNER_TLS_KEY=" + write(t, dir, "server-key.pem", srvKey),
		"JUPANG_PARTNER_CLIENT_CA=" + write(t, dir, "partners.pem", partnerCA.pem),
		"JUPANG_STOREFRONT_ADDR=" + FreeAddr(t), "JUPANG_ADMIN_ADDR=" + FreeAddr(t), "JUPANG_WORKER_ADDR=" + FreeAddr(t),
	}
	addr := FreeAddr(t)
	Start(t, Binary(t, "jupang"), append(env, "JUPANG_PARTNER_ADDR="+addr))

	roots := x509.NewCertPool()
	roots.AddCert(serverCA.cert)
	client := func(ca *certAuthority) *http.Client {
		cfg := &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
		if ca != nil {
			certPEM, keyPEM := ca.issue(t, "partner-demo", x509.ExtKeyUsageClientAuth)
			pair, err := tls.X509KeyPair(certPEM, keyPEM)
			if err != nil {
				t.Fatal(err)
			}
			cfg.Certificates = []tls.Certificate{pair}
		}
		return &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: cfg}}
	}
	url := "https://" + addr + "/healthz"

	trusted := client(&partnerCA)
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := trusted.Get(url)
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("trusted partner: %d", resp.StatusCode)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("partner binary never answered over TLS: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	for name, c := range map[string]*http.Client{"no client certificate": client(nil), "certificate of another CA": client(&rogueCA)} {
		if resp, err := c.Get(url); err == nil {
			_ = resp.Body.Close()
			t.Errorf("%s: got %d, want the handshake refused", name, resp.StatusCode)
		}
	}
}
