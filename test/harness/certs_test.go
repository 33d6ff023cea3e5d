package harness

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
)

func readCert(t *testing.T, path string) *x509.Certificate {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "CERTIFICATE" {
		t.Fatalf("%s: no PEM certificate", path)
	}
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestNewCertsChainsAndUsages(t *testing.T) {
	c, err := NewCerts(t.TempDir(), "unit")
	if err != nil {
		t.Fatal(err)
	}
	other, err := NewCerts(t.TempDir(), "other")
	if err != nil {
		t.Fatal(err)
	}
	pool, err := c.Pool()
	if err != nil {
		t.Fatal(err)
	}
	otherPool, err := other.Pool()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		file    string
		usage   x509.ExtKeyUsage
		wantOK  bool
		dnsName string // checked when not empty
	}{
		{name: "client cert for client auth", file: ClientCertFile, usage: x509.ExtKeyUsageClientAuth, wantOK: true},
		{name: "client cert is no server cert", file: ClientCertFile, usage: x509.ExtKeyUsageServerAuth, wantOK: false},
		{name: "engine cert for server auth", file: ServerCertFile, usage: x509.ExtKeyUsageServerAuth, wantOK: true, dnsName: "localhost"},
		{name: "engine cert is no client cert", file: ServerCertFile, usage: x509.ExtKeyUsageClientAuth, wantOK: false},
		{name: "swarm cert as server", file: SwarmCertFile, usage: x509.ExtKeyUsageServerAuth, wantOK: true, dnsName: "127.0.0.1"},
		{name: "swarm cert as client", file: SwarmCertFile, usage: x509.ExtKeyUsageClientAuth, wantOK: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cert := readCert(t, c.Path(tt.file))
			_, err := cert.Verify(x509.VerifyOptions{Roots: pool, DNSName: tt.dnsName, KeyUsages: []x509.ExtKeyUsage{tt.usage}})
			if (err == nil) != tt.wantOK {
				t.Fatalf("Verify: %v, want ok=%v", err, tt.wantOK)
			}
			if _, err := cert.Verify(x509.VerifyOptions{Roots: otherPool, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err == nil {
				t.Fatal("verifies against another CA")
			}
		})
	}
	if info, err := os.Stat(c.Path(ClientKeyFile)); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode: %v %v, want 0600", info.Mode(), err)
	}
}

// TestCertsMutualTLS serves HTTPS with the swarm certificate, requiring
// client certificates of the CA, as the manager does.
func TestCertsMutualTLS(t *testing.T) {
	c, err := NewCerts(t.TempDir(), "unit")
	if err != nil {
		t.Fatal(err)
	}
	other, err := NewCerts(t.TempDir(), "other")
	if err != nil {
		t.Fatal(err)
	}
	pair, err := tls.LoadX509KeyPair(c.Path(SwarmCertFile), c.Path(SwarmKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	pool, err := c.Pool()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "OK")
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // refused handshakes are expected
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{pair}, ClientCAs: pool, ClientAuth: tls.RequireAndVerifyClientCert}
	srv.StartTLS()
	defer srv.Close()

	get := func(cfg *tls.Config) (string, error) {
		client := &http.Client{Transport: &http.Transport{TLSClientConfig: cfg}}
		resp, err := client.Get(strings.Replace(srv.URL, "127.0.0.1", "localhost", 1))
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return string(b), err
	}
	good, err := c.ClientConfig()
	if err != nil {
		t.Fatal(err)
	}
	if body, err := get(good); err != nil || body != "OK" {
		t.Fatalf("client with the CA's certificate: %q, %v", body, err)
	}
	foreign, err := other.ClientConfig()
	if err != nil {
		t.Fatal(err)
	}
	foreign.RootCAs = pool // trusts the server; presents a foreign certificate
	foreignPair := foreign.Certificates[0]
	foreign.Certificates = nil
	foreign.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &foreignPair, nil }
	if _, err := get(foreign); err == nil {
		t.Fatal("client with another CA's certificate was accepted")
	}
	if _, err := get(&tls.Config{RootCAs: pool}); err == nil {
		t.Fatal("client without a certificate was accepted")
	}
}

func TestCertsFlags(t *testing.T) {
	c := &Certs{Dir: "/d"}
	if got := strings.Join(c.DockerFlags(), " "); got != "--tlsverify --tlscacert /d/ca.pem --tlscert /d/cert.pem --tlskey /d/key.pem" {
		t.Errorf("DockerFlags: %s", got)
	}
	if got := strings.Join(c.SwarmFlags(), " "); got != "--tlsverify --tlscacert=/d/ca.pem --tlscert=/d/swarm-cert.pem --tlskey=/d/swarm-key.pem" {
		t.Errorf("SwarmFlags: %s", got)
	}
	if _, err := NewCerts(t.TempDir(), ""); err == nil {
		t.Error("NewCerts with an empty name succeeded")
	}
}
