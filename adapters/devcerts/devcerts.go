// Package devcerts makes the certificates a developer needs to call the partner binary over mutual
// TLS on their own machine: a dev CA, a server certificate for localhost and a client certificate
// for the seeded partner. Nothing here is for production, where operators bring their own.
package devcerts

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// Files are the paths of the PEM files in a dev certificate directory.
type Files struct {
	CA, CAKey         string // the dev CA, which signs both certificates and which the server trusts for clients
	Server, ServerKey string // localhost, 127.0.0.1 and ::1
	Client, ClientKey string // the partner's client certificate, subject CN = the client id
}

// In returns the file names in dir for a client certificate of clientID.
func In(dir, clientID string) Files {
	return Files{
		CA: filepath.Join(dir, "ca.pem"), CAKey: filepath.Join(dir, "ca-key.pem"),
		Server: filepath.Join(dir, "server.pem"), ServerKey: filepath.Join(dir, "server-key.pem"),
		Client: filepath.Join(dir, clientID+".pem"), ClientKey: filepath.Join(dir, clientID+"-key.pem"),
	}
}

// validity is how long generated certificates last; renewal leaves a day of margin.
const (
	validity = 365 * 24 * time.Hour
	margin   = 24 * time.Hour
)

// Ensure makes dir hold a dev CA, a server certificate and a client certificate for clientID, and
// returns their paths. Files that exist, chain to the CA and stay valid past tomorrow are kept (so
// a curl command keeps working across restarts); otherwise all are made anew.
func Ensure(dir, clientID string, now time.Time) (Files, error) {
	f := In(dir, clientID)
	if f.valid(now.Add(margin)) {
		return f, nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return Files{}, err
	}
	caKey, caDER, err := certificate(nil, nil, &x509.Certificate{Subject: pkix.Name{CommonName: "Jupang dev CA"},
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}, now)
	if err != nil {
		return Files{}, err
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return Files{}, err
	}
	srvKey, srvDER, err := certificate(ca, caKey, &x509.Certificate{Subject: pkix.Name{CommonName: "localhost"},
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}, now)
	if err != nil {
		return Files{}, err
	}
	cliKey, cliDER, err := certificate(ca, caKey, &x509.Certificate{Subject: pkix.Name{CommonName: clientID},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}, now)
	if err != nil {
		return Files{}, err
	}
	for _, w := range []struct {
		path string
		der  []byte
		key  *ecdsa.PrivateKey
	}{{f.CA, caDER, nil}, {f.CAKey, nil, caKey}, {f.Server, srvDER, nil}, {f.ServerKey, nil, srvKey},
		{f.Client, cliDER, nil}, {f.ClientKey, nil, cliKey}} {
		if err := writePEM(w.path, w.der, w.key); err != nil {
			return Files{}, err
		}
	}
	return f, nil
}

// certificate makes a key and a certificate from tmpl, signed by parent (self-signed when nil).
func certificate(parent *x509.Certificate, parentKey *ecdsa.PrivateKey, tmpl *x509.Certificate, now time.Time) (*ecdsa.PrivateKey, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		return nil, nil, err
	}
	tmpl.SerialNumber, tmpl.NotBefore, tmpl.NotAfter = serial, now.Add(-time.Hour), now.Add(validity)
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	return key, der, err
}

func writePEM(path string, der []byte, key *ecdsa.PrivateKey) error {
	block := &pem.Block{Type: "CERTIFICATE", Bytes: der}
	if key != nil {
		raw, err := x509.MarshalECPrivateKey(key)
		if err != nil {
			return err
		}
		block = &pem.Block{Type: "EC PRIVATE KEY", Bytes: raw}
	}
	return os.WriteFile(path, pem.EncodeToMemory(block), 0o600)
}

// valid reports whether every file exists, the pairs match, and both certificates chain to the CA
// and are valid at at.
func (f Files) valid(at time.Time) bool {
	caPEM, err := os.ReadFile(f.CA)
	if err != nil {
		return false
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(caPEM) {
		return false
	}
	for _, pair := range []struct {
		cert, key string
		usage     x509.ExtKeyUsage
	}{{f.Server, f.ServerKey, x509.ExtKeyUsageServerAuth}, {f.Client, f.ClientKey, x509.ExtKeyUsageClientAuth}} {
		if err := verify(pair.cert, pair.key, roots, pair.usage, at); err != nil {
			return false
		}
	}
	return true
}

func verify(certFile, keyFile string, roots *x509.CertPool, usage x509.ExtKeyUsage, at time.Time) error {
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return err
	}
	if len(pair.Certificate) == 0 {
		return errors.New("no certificate")
	}
	leaf, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		return err
	}
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, CurrentTime: at, KeyUsages: []x509.ExtKeyUsage{usage}}); err != nil {
		return fmt.Errorf("%s: %w", certFile, err)
	}
	return nil
}
