package tls_test

import (
	"crypto/tls"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestMetricsNeedClientCert: the --tlsverify manager serves /metrics only
// to a client with a certificate of the cluster's CA, like the rest of
// its API.
func TestMetricsNeedClientCert(t *testing.T) {
	withCert, err := certs.ClientConfig()
	if err != nil {
		t.Fatal(err)
	}
	pool, err := certs.Pool()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		tls    *tls.Config
		wantOK bool
	}{
		{"client certificate", withCert, true},
		{"no client certificate", &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &http.Client{Transport: &http.Transport{TLSClientConfig: tt.tls}}
			defer c.CloseIdleConnections()
			resp, err := c.Get("https://" + manager.Addr + "/metrics")
			if !tt.wantOK {
				if err == nil {
					resp.Body.Close()
					t.Fatalf("GET /metrics without a client certificate answered %s", resp.Status)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "swarm_engines{") {
				t.Fatalf("GET /metrics with a certificate: %s\n%s", resp.Status, body)
			}
		})
	}
}
