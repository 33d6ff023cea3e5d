//go:build drills

package drills_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/swarm-project/swarm/test/harness"
)

// TestDrillTLSRefusals: a manager with --tlsverify (the certificates of
// harness.NewCerts, as test/tls sets them up) over one --tlsverify engine
// serves a client certificate of its CA and refuses, at the handshake,
// every other client: none, another CA's, an expired one of its own CA,
// and one of its own CA made for servers only. Plain HTTP gets a 400 that
// says to use HTTPS. After the refusals it still serves the good client.
func TestDrillTLSRefusals(t *testing.T) {
	ctx := drillContext(t, 5*time.Minute)
	dir, err := os.MkdirTemp(harness.StateDir(), "drills-tls-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	certs, err := harness.NewCerts(filepath.Join(dir, "cluster"), "cluster")
	if err != nil {
		t.Fatal(err)
	}
	other, err := harness.NewCerts(filepath.Join(dir, "other"), "other")
	if err != nil {
		t.Fatal(err)
	}
	engs, err := harness.StartEnginesWith(1, harness.EnginesConfig{TLS: certs})
	t.Cleanup(func() { harness.StopEngines(engs) })
	if err != nil {
		t.Fatal(err)
	}
	args := append(append([]string(nil), harness.FastRefresh...), harness.NodesURL(engs))
	m, err := harness.StartManagerTLS(bin, certs, args...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Stop() })
	waitHealthy(t, ctx, m, 1)

	pool, err := certs.Pool()
	if err != nil {
		t.Fatal(err)
	}
	good := loadPair(t, certs, harness.ClientCertFile, harness.ClientKeyFile)
	foreign := loadPair(t, other, harness.ClientCertFile, harness.ClientKeyFile)
	serverOnly := loadPair(t, certs, harness.ServerCertFile, harness.ServerKeyFile)
	expired := expiredClient(t, certs)

	tests := []struct {
		name    string
		cert    *tls.Certificate // nil: none
		plain   bool             // plain HTTP instead of TLS
		wantOK  bool
		wantErr string // part of the error (the TLS alert), or of the 400 body for plain HTTP
	}{
		{name: "client certificate of the CA", cert: &good, wantOK: true},
		{name: "no client certificate", wantErr: "certificate required"},
		{name: "client certificate of another CA", cert: &foreign, wantErr: "unknown certificate authority"},
		{name: "expired client certificate of the CA", cert: &expired, wantErr: "expired certificate"},
		{name: "server-only certificate of the CA", cert: &serverOnly, wantErr: "bad certificate"},
		{name: "plain HTTP", plain: true, wantErr: "HTTPS"},
		{name: "client certificate of the CA, after the refusals", cert: &good, wantOK: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := &http.Transport{Proxy: nil, TLSClientConfig: &tls.Config{
				RootCAs:    pool,
				MinVersion: tls.VersionTLS12,
				GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
					if tt.cert == nil {
						return &tls.Certificate{}, nil
					}
					return tt.cert, nil
				},
			}}
			defer tr.CloseIdleConnections()
			url := "https://" + m.Addr + "/_ping"
			if tt.plain {
				url = "http://" + m.Addr + "/_ping"
			}
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
			resp, err := (&http.Client{Transport: tr, Timeout: 10 * time.Second}).Do(req)
			var got string
			switch {
			case err != nil:
				got = err.Error()
			default:
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				got = resp.Status + " " + strings.TrimSpace(string(body))
			}
			served := err == nil && resp.StatusCode == http.StatusOK
			t.Logf("%s: %s", tt.name, got)
			switch {
			case tt.wantOK && !served:
				t.Errorf("refused: %s", got)
			case !tt.wantOK && served:
				t.Errorf("served: %s", got)
			case !tt.wantOK && !strings.Contains(got, tt.wantErr):
				t.Errorf("refused with %q, want it to mention %q", got, tt.wantErr)
			}
		})
	}
}

// loadPair loads a certificate and its key from a Certs directory.
func loadPair(t *testing.T, c *harness.Certs, certFile, keyFile string) tls.Certificate {
	t.Helper()
	pair, err := tls.LoadX509KeyPair(c.Path(certFile), c.Path(keyFile))
	if err != nil {
		t.Fatal(err)
	}
	return pair
}

// expiredClient signs, with c's CA, a client certificate that expired a
// day ago.
func expiredClient(t *testing.T, c *harness.Certs) tls.Certificate {
	t.Helper()
	ca := loadPair(t, c, harness.CAFile, harness.CAKeyFile)
	caCert, err := x509.ParseCertificate(ca.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(now.UnixNano()),
		Subject:      pkix.Name{CommonName: "expired client"},
		NotBefore:    now.Add(-48 * time.Hour),
		NotAfter:     now.Add(-24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, ca.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	pair, err := tls.X509KeyPair(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}))
	if err != nil {
		t.Fatal(err)
	}
	return pair
}
