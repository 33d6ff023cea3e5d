package harness

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

// Files of a Certs directory. ca.pem, cert.pem and key.pem are the layout
// the docker CLI reads from DOCKER_CERT_PATH; server-cert.pem and
// server-key.pem are what test/engines.sh reads from SWARM_ENGINE_TLS_DIR.
const (
	CAFile         = "ca.pem"          // the CA certificate
	CAKeyFile      = "ca-key.pem"      // the CA's private key
	ClientCertFile = "cert.pem"        // a client certificate (ExtKeyUsageClientAuth)
	ClientKeyFile  = "key.pem"         // its key
	ServerCertFile = "server-cert.pem" // an engine's certificate (ExtKeyUsageServerAuth)
	ServerKeyFile  = "server-key.pem"  // its key
	SwarmCertFile  = "swarm-cert.pem"  // the manager's: server and client auth, as docker-machine issues it
	SwarmKeyFile   = "swarm-key.pem"   // its key
)

// certLifetime is how long the throwaway certificates are valid.
const certLifetime = 24 * time.Hour

// Certs is a directory of throwaway TLS material signed by one fresh CA.
// Every leaf certificate names 127.0.0.1, ::1 and localhost, and the test
// network's addresses (10.98.0.1 and every test host's, see HostIP).
type Certs struct {
	Dir string
}

// NewCerts creates dir (if needed) and writes a fresh CA named name and
// its client, server (engine) and swarm (manager) certificates into it.
// Two calls give two unrelated CAs: a certificate from one is refused by
// a peer that trusts only the other.
func NewCerts(dir, name string) (*Certs, error) {
	if name == "" {
		return nil, errors.New("harness: NewCerts: empty CA name")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("harness: %w", err)
	}
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("harness: %w", err)
	}
	now := time.Now().Add(-time.Hour) // tolerate small clock differences
	caTmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: name + " test CA", Organization: []string{"swarm tests"}},
		NotBefore:             now,
		NotAfter:              now.Add(certLifetime),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, fmt.Errorf("harness: CA certificate: %w", err)
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, fmt.Errorf("harness: %w", err)
	}
	c := &Certs{Dir: dir}
	if err := c.write(CAFile, CAKeyFile, caDER, caKey); err != nil {
		return nil, err
	}
	leaves := []struct {
		cert, key, cn string
		usage         []x509.ExtKeyUsage
	}{
		{ClientCertFile, ClientKeyFile, name + " client", []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}},
		{ServerCertFile, ServerKeyFile, name + " engine", []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}},
		{SwarmCertFile, SwarmKeyFile, name + " swarm", []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}},
	}
	for _, l := range leaves {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("harness: %w", err)
		}
		tmpl := &x509.Certificate{
			SerialNumber: serial(),
			Subject:      pkix.Name{CommonName: l.cn, Organization: []string{"swarm tests"}},
			NotBefore:    now,
			NotAfter:     now.Add(certLifetime),
			KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
			ExtKeyUsage:  l.usage,
			DNSNames:     []string{"localhost"},
			IPAddresses:  append([]net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}, testNetIPs()...),
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
		if err != nil {
			return nil, fmt.Errorf("harness: %s certificate: %w", l.cn, err)
		}
		if err := c.write(l.cert, l.key, der, key); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// serial returns a random certificate serial number.
func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		// crypto/rand does not fail on Linux; a fixed serial still works.
		return big.NewInt(time.Now().UnixNano())
	}
	return n
}

// write stores a certificate and its key as PEM files.
func (c *Certs) write(certFile, keyFile string, der []byte, key *ecdsa.PrivateKey) error {
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return fmt.Errorf("harness: %w", err)
	}
	if err := os.WriteFile(c.Path(certFile), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		return fmt.Errorf("harness: %w", err)
	}
	if err := os.WriteFile(c.Path(keyFile), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		return fmt.Errorf("harness: %w", err)
	}
	return nil
}

// Path returns the path of one of the files (CAFile, ClientCertFile, ...).
func (c *Certs) Path(file string) string { return filepath.Join(c.Dir, file) }

// DockerFlags are the docker CLI's flags for a verified TLS connection with
// the client certificate.
func (c *Certs) DockerFlags() []string {
	return []string{"--tlsverify",
		"--tlscacert", c.Path(CAFile),
		"--tlscert", c.Path(ClientCertFile),
		"--tlskey", c.Path(ClientKeyFile)}
}

// SwarmFlags are `swarm manage`'s flags for mutual TLS with the swarm
// certificate, towards clients and engines alike.
func (c *Certs) SwarmFlags() []string {
	return []string{"--tlsverify",
		"--tlscacert=" + c.Path(CAFile),
		"--tlscert=" + c.Path(SwarmCertFile),
		"--tlskey=" + c.Path(SwarmKeyFile)}
}

// ClientConfig is a Go TLS client configuration that trusts the CA and
// presents the client certificate.
func (c *Certs) ClientConfig() (*tls.Config, error) {
	pair, err := tls.LoadX509KeyPair(c.Path(ClientCertFile), c.Path(ClientKeyFile))
	if err != nil {
		return nil, fmt.Errorf("harness: %w", err)
	}
	pool, err := c.Pool()
	if err != nil {
		return nil, err
	}
	return &tls.Config{Certificates: []tls.Certificate{pair}, RootCAs: pool, MinVersion: tls.VersionTLS12}, nil
}

// Pool is a certificate pool holding the CA.
func (c *Certs) Pool() (*x509.CertPool, error) {
	data, err := os.ReadFile(c.Path(CAFile))
	if err != nil {
		return nil, fmt.Errorf("harness: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(data) {
		return nil, fmt.Errorf("harness: %s holds no certificate", c.Path(CAFile))
	}
	return pool, nil
}
