package kv

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestJoin(t *testing.T) {
	tests := []struct {
		name  string
		parts []string
		want  string
	}{
		{name: "plain", parts: []string{"a", "b"}, want: "a/b"},
		{name: "slashes dropped", parts: []string{"/a/", "/b//c/"}, want: "a/b/c"},
		{name: "empty parts", parts: []string{"", "a", ""}, want: "a"},
		{name: "nothing", parts: nil, want: ""},
		{name: "address kept whole", parts: []string{"docker/swarm/nodes", "127.0.0.1:2375"}, want: "docker/swarm/nodes/127.0.0.1:2375"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Join(tt.parts...); got != tt.want {
				t.Fatalf("Join(%q) = %q, want %q", tt.parts, got, tt.want)
			}
		})
	}
}

func TestCheckKey(t *testing.T) {
	tests := []struct {
		name string
		key  string
		ok   bool
	}{
		{name: "good", key: "a/b:1", ok: true},
		{name: "empty", key: ""},
		{name: "leading slash", key: "/a"},
		{name: "trailing slash", key: "a/"},
		{name: "empty component", key: "a//b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkKey(tt.key)
			if tt.ok != (err == nil) {
				t.Fatalf("checkKey(%q) = %v, want ok=%v", tt.key, err, tt.ok)
			}
			if err != nil && !errors.Is(err, ErrInvalidKey) {
				t.Fatalf("error %v is not ErrInvalidKey", err)
			}
		})
	}
}

// writeCert writes a self-signed certificate and its key as PEM files.
func writeCert(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "127.0.0.1"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

func TestTLSConfig(t *testing.T) {
	dir := t.TempDir()
	cert, key := writeCert(t, dir)
	notPEM := filepath.Join(dir, "not.pem")
	if err := os.WriteFile(notPEM, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name           string
		ca, cert, key  string
		wantNil        bool
		wantErr        bool
		wantRoots      bool
		wantClientCert bool
	}{
		{name: "none", wantNil: true},
		{name: "ca only", ca: cert, wantRoots: true},
		{name: "client cert", cert: cert, key: key, wantClientCert: true},
		{name: "all", ca: cert, cert: cert, key: key, wantRoots: true, wantClientCert: true},
		{name: "cert without key", cert: cert, wantErr: true},
		{name: "key without cert", key: key, wantErr: true},
		{name: "missing ca", ca: filepath.Join(dir, "nope"), wantErr: true},
		{name: "ca not pem", ca: notPEM, wantErr: true},
		{name: "key does not match", cert: cert, key: notPEM, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := TLSConfig(tt.ca, tt.cert, tt.key)
			if tt.wantErr {
				if err == nil {
					t.Fatal("want an error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantNil {
				if cfg != nil {
					t.Fatal("want nil config")
				}
				return
			}
			if (cfg.RootCAs != nil) != tt.wantRoots {
				t.Errorf("RootCAs set = %v, want %v", cfg.RootCAs != nil, tt.wantRoots)
			}
			if (len(cfg.Certificates) == 1) != tt.wantClientCert {
				t.Errorf("client certificates = %d, want %v", len(cfg.Certificates), tt.wantClientCert)
			}
		})
	}
}

func TestConstructorsRejectBadConfig(t *testing.T) {
	if _, err := NewEtcd(Config{}); err == nil {
		t.Error("NewEtcd without endpoints: want an error")
	}
	if _, err := NewZooKeeper(Config{}); err == nil {
		t.Error("NewZooKeeper without endpoints: want an error")
	}
	if _, err := NewConsul(Config{Endpoints: []string{"127.0.0.1:1", "127.0.0.1:2"}}); err == nil {
		t.Error("NewConsul with two agents: want an error")
	}
}
