package e2e

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jupang/jupang/adapters/devcerts"
	"github.com/jupang/jupang/adapters/seed"
	"github.com/jupang/jupang/core/partner"
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
	return ca.issueUntil(t, name, usage, time.Now().Add(time.Hour))
}

// issueUntil is issue with a certificate valid until notAfter (in the past: an expired one).
func (ca certAuthority) issueUntil(t *testing.T, name string, usage x509.ExtKeyUsage, notAfter time.Time) (certPEM, keyPEM []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: name},
		NotBefore: notAfter.Add(-2 * time.Hour), NotAfter: notAfter,
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
	client := func(ca *certAuthority, name string, notAfter time.Time) *http.Client {
		cfg := &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
		if ca != nil {
			certPEM, keyPEM := ca.issueUntil(t, name, x509.ExtKeyUsageClientAuth, notAfter)
			pair, err := tls.X509KeyPair(certPEM, keyPEM)
			if err != nil {
				t.Fatal(err)
			}
			cfg.Certificates = []tls.Certificate{pair}
		}
		return &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: cfg}}
	}
	base := "https://" + addr
	url := base + "/healthz"
	valid := time.Now().Add(time.Hour)

	trusted := client(&partnerCA, "partner-demo", valid)
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
	for name, c := range map[string]*http.Client{
		"no client certificate":     client(nil, "", valid),
		"certificate of another CA": client(&rogueCA, "partner-demo", valid),
		"expired certificate":       client(&partnerCA, "partner-demo", time.Now().Add(-time.Minute)),
	} {
		if resp, err := c.Get(url); err == nil {
			_ = resp.Body.Close()
			t.Errorf("%s: got %d, want the handshake refused", name, resp.StatusCode)
		}
	}

	// Through the real handshake: the feed reads the verified certificate's subject.
	token := partnerToken(t, trusted, base)
	if status, body := signedPull(t, trusted, base, token, seed.PartnerHMACKey); status != http.StatusOK {
		t.Fatalf("signed pull with partner-demo's certificate = %d: %s", status, body)
	}
	other := client(&partnerCA, "another-partner", valid)
	if status, body := signedPull(t, other, base, token, seed.PartnerHMACKey); status != http.StatusForbidden ||
		!strings.Contains(body, "CERTIFICATE_MISMATCH") {
		t.Fatalf("another partner's certificate with partner-demo's token = %d: %s, want 403 CERTIFICATE_MISMATCH", status, body)
	}
	if status, body := signedPull(t, trusted, base, token, "not-the-partner-key"); status != http.StatusUnauthorized ||
		!strings.Contains(body, "INVALID_SIGNATURE") {
		t.Fatalf("a wrong key = %d: %s, want 401 INVALID_SIGNATURE", status, body)
	}
}

// partnerToken gets partner-demo's access token (client credentials) over c.
func partnerToken(t *testing.T, c *http.Client, base string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+"/v1/oauth/token", strings.NewReader("grant_type=client_credentials"))
	req.SetBasicAuth(seed.PartnerClientID, seed.PartnerClientSecret)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || tok.AccessToken == "" {
		t.Fatalf("token: %d, %v", resp.StatusCode, err)
	}
	return tok.AccessToken
}

// signedPull pulls with a request signed by key and returns the status and body.
func signedPull(t *testing.T, c *http.Client, base, token, key string) (int, string) {
	t.Helper()
	const target = "/v1/integrations/events/pull?max=10"
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	req, _ := http.NewRequest(http.MethodGet, base+target, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set(partner.HeaderTimestamp, ts)
	req.Header.Set(partner.HeaderNonce, "e2e-"+strconv.FormatInt(time.Now().UnixNano(), 10))
	req.Header.Set(partner.HeaderSignature, partner.Sign([]byte(key), ts, http.MethodGet, target, nil))
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// devClient presents partner-demo's dev certificate and trusts the dev CA in dir.
func devClient(t *testing.T, dir string) *http.Client {
	t.Helper()
	f := devcerts.In(dir, seed.PartnerClientID)
	deadline := time.Now().Add(20 * time.Second)
	for { // the binary writes the files as it starts
		if _, err := os.Stat(f.ClientKey); err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	ca, err := os.ReadFile(f.CA)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(ca)
	pair, err := tls.LoadX509KeyPair(f.Client, f.ClientKey)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{
		RootCAs: roots, Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}}}
}

// The all-in-one binary in dev makes the dev CA and partner-demo's certificate, and the curl
// command it logs pulls partner-demo's events as it is.
func TestDevCertificatesAndTheLoggedCurlCommandWork(t *testing.T) {
	certs, pa := t.TempDir(), FreeAddr(t)
	p := Start(t, Binary(t, "jupang"), []string{"JUPANG_STOREFRONT_ADDR=" + FreeAddr(t), "JUPANG_ADMIN_ADDR=" + FreeAddr(t),
		"JUPANG_WORKER_ADDR=" + FreeAddr(t), "JUPANG_PARTNER_ADDR=" + pa, "JUPANG_PARTNER_DEV_CERTS_DIR=" + certs})
	if status := WaitHTTPWith(t, devClient(t, certs), "https://"+pa+"/healthz", 20*time.Second); status != http.StatusOK {
		t.Fatalf("partner /healthz = %d", status)
	}
	for _, f := range []string{"ca.pem", "partner-demo.pem", "partner-demo-key.pem"} {
		if _, err := os.Stat(filepath.Join(certs, f)); err != nil {
			t.Fatal(err)
		}
	}
	var command string
	for _, line := range strings.Split(p.Output(), "\n") {
		var entry struct{ Curl string }
		if json.Unmarshal([]byte(line), &entry) == nil && entry.Curl != "" {
			command = entry.Curl
		}
	}
	if command == "" {
		t.Fatalf("no curl command in the log:\n%s", p.Output())
	}
	command = strings.ReplaceAll(command, "go run ./apps/jupang", Binary(t, "jupang"))
	out, err := exec.Command("bash", "-c", command).CombinedOutput() //nolint:gosec // the command the binary under test logged
	if err != nil || !strings.Contains(string(out), `"leaseSeconds":60`) {
		t.Fatalf("the logged command %s\nfailed: %v\n%s", command, err, out)
	}
}
