package tls_test

import (
	"crypto/tls"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/swarm-project/swarm/test/harness"
)

// docker runs the docker CLI against host with the cluster's client
// certificate and fails the test on error.
func docker(t *testing.T, host string, args ...string) string {
	t.Helper()
	out, stderr, err := harness.DockerTLS(host, certs, args...)
	if err != nil {
		t.Fatalf("docker -H %s %s: %v\nstderr: %s", host, strings.Join(args, " "), err, stderr)
	}
	return strings.TrimSpace(out)
}

// TestEnginesRequireClientCertificates checks the setup itself: the
// engines answer only verified TLS with a certificate from the cluster CA.
func TestEnginesRequireClientCertificates(t *testing.T) {
	for _, e := range engines {
		if got := docker(t, e.Addr, "info", "--format", "{{.Name}}"); got != e.Name {
			t.Errorf("%v over TLS: name %q", e, got)
		}
		if out, _, err := harness.Docker(e.Addr, "version"); err == nil {
			t.Errorf("%v answers plain HTTP:\n%s", e, out)
		}
		if out, _, err := harness.Docker(e.Addr, otherClient()...); err == nil {
			t.Errorf("%v accepts a client certificate of another CA:\n%s", e, out)
		}
	}
}

// otherClient is `docker info` with a client certificate the cluster CA
// did not sign (the server is checked against the cluster CA).
func otherClient() []string {
	return []string{"--tlsverify",
		"--tlscacert", certs.Path(harness.CAFile),
		"--tlscert", other.Path(harness.ClientCertFile),
		"--tlskey", other.Path(harness.ClientKeyFile),
		"info"}
}

func TestManagerServesVerifiedClients(t *testing.T) {
	info, err := harness.SwarmStatus(manager.Addr, certs)
	if err != nil {
		t.Fatal(err)
	}
	if len(info.Nodes) != len(engines) {
		t.Fatalf("docker info shows %d nodes, want %d: %+v", len(info.Nodes), len(engines), info.Nodes)
	}
	for _, e := range engines {
		n, ok := info.Node(e.Name)
		if !ok {
			t.Errorf("docker info has no node %s", e.Name)
			continue
		}
		if n.Fields["Status"] != "Healthy" || n.Fields["Error"] != "(none)" {
			t.Errorf("node %s: Status %q Error %q, want Healthy and (none)", e.Name, n.Fields["Status"], n.Fields["Error"])
		}
	}
	if v := docker(t, manager.Addr, "version", "--format", "{{.Server.Version}}"); !strings.HasPrefix(v, "swarm/") {
		t.Errorf("server version %q, want swarm/...", v)
	}
	// Attach (a hijacked stream) goes through TLS on both legs.
	if out := docker(t, manager.Addr, "run", "--rm", "busybox", "echo", "hi over tls"); out != "hi over tls" {
		t.Errorf("docker run --rm echo printed %q", out)
	}
	out, stderr, err := harness.DockerStdin(manager.Addr, "piped through tls\n",
		append(certs.DockerFlags(), "run", "-i", "--rm", "busybox", "cat")...)
	if err != nil || strings.TrimSpace(out) != "piped through tls" {
		t.Errorf("docker run -i cat: %q, %v: %s", out, err, stderr)
	}
	// Spread puts two containers on the two TLS engines.
	ids := []string{
		docker(t, manager.Addr, "run", "-d", "busybox", "sleep", "60"),
		docker(t, manager.Addr, "run", "-d", "busybox", "sleep", "60"),
	}
	defer docker(t, manager.Addr, append([]string{"rm", "-f"}, ids...)...)
	nodes := map[string]bool{}
	for _, id := range ids {
		nodes[docker(t, manager.Addr, "inspect", "-f", "{{.Node.Name}}", id)] = true
	}
	if len(nodes) != 2 {
		t.Errorf("two containers landed on %v, want both engines", nodes)
	}
	if logs := docker(t, manager.Addr, "exec", ids[0], "echo", "exec over tls"); logs != "exec over tls" {
		t.Errorf("docker exec printed %q", logs)
	}
}

func TestManagerRefusesUnverifiedClients(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		wantStderr string // part of the docker CLI's error
	}{
		{
			name:       "plain HTTP",
			args:       []string{"info"},
			wantStderr: "HTTPS",
		},
		{
			name:       "TLS without a client certificate",
			args:       []string{"--tls", "--tlscacert", certs.Path(harness.CAFile), "info"},
			wantStderr: "certificate",
		},
		{
			name:       "client certificate from another CA",
			args:       otherClient(),
			wantStderr: "certificate",
		},
		{
			name: "client that does not trust the manager's CA",
			args: []string{"--tlsverify",
				"--tlscacert", other.Path(harness.CAFile),
				"--tlscert", other.Path(harness.ClientCertFile),
				"--tlskey", other.Path(harness.ClientKeyFile),
				"info"},
			wantStderr: "certificate signed by unknown authority",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, stderr, err := harness.Docker(manager.Addr, tt.args...)
			if err == nil {
				t.Fatalf("docker %s succeeded:\n%s", strings.Join(tt.args, " "), out)
			}
			if !strings.Contains(stderr, tt.wantStderr) {
				t.Errorf("stderr %q, want it to mention %q", stderr, tt.wantStderr)
			}
			t.Logf("refused: %s", strings.TrimSpace(stderr))
		})
	}
}

// TestPlainHTTPClientGetsAClearError: a plain-HTTP request to the TLS
// listener gets 400 and a message saying it must use HTTPS.
func TestPlainHTTPClientGetsAClearError(t *testing.T) {
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{Proxy: nil}}
	resp, err := client.Get("http://" + manager.Addr + "/_ping")
	if err != nil {
		t.Fatalf("plain GET /_ping: %v (want an HTTP answer explaining TLS)", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "HTTPS") {
		t.Errorf("plain GET /_ping: %s %q, want 400 and a message about HTTPS", resp.Status, body)
	}
	// The same port speaks TLS 1.2+ only.
	cfg, err := certs.ClientConfig()
	if err != nil {
		t.Fatal(err)
	}
	cfg.MaxVersion = tls.VersionTLS11
	cfg.MinVersion = tls.VersionTLS10
	conn, err := tls.Dial("tcp", manager.Addr, cfg)
	if err == nil {
		conn.Close()
		t.Errorf("the manager accepted TLS 1.1")
	}
}

// TestManagerWithoutTLSFlagsReportsTLSEngines: a manager started without
// certificates cannot talk to --tlsverify engines; it must say so in
// docker info (the engine's "Client sent an HTTP request to an HTTPS
// server") instead of showing them healthy.
func TestManagerWithoutTLSFlagsReportsTLSEngines(t *testing.T) {
	m, err := harness.StartManager(bin, "--engine-refresh-min-interval", "1s", "--engine-refresh-max-interval", "2s",
		"--engine-failure-retry", "1", "nodes://"+addrs(engines))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Stop()
	var info *harness.SwarmInfo
	err = harness.WaitFor(30*time.Second, func() (bool, error) {
		info, err = harness.SwarmStatus(m.Addr, nil)
		if err != nil {
			return false, err
		}
		errs := 0
		for _, n := range info.Nodes {
			if n.Fields["Status"] != "Healthy" && strings.Contains(n.Fields["Error"], "HTTPS") {
				errs++
			}
		}
		return errs == len(engines), nil
	})
	if err != nil {
		t.Fatalf("the plain manager never reported the TLS engines as failing: %v (last %+v)\nlog:\n%s", err, info, m.Log())
	}
	t.Logf("nodes as a plain manager sees them: %+v", info.Nodes)
}

// TestManagerRejectsForeignClientCertificate presents a certificate of
// another CA even though the manager does not ask for that CA (the docker
// CLI would send none): the manager must reject it, not ignore it.
func TestManagerRejectsForeignClientCertificate(t *testing.T) {
	pool, err := certs.Pool()
	if err != nil {
		t.Fatal(err)
	}
	foreign, err := tls.LoadX509KeyPair(other.Path(harness.ClientCertFile), other.Path(harness.ClientKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	cfg := &tls.Config{
		RootCAs:    pool,
		MinVersion: tls.VersionTLS12,
		GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			return &foreign, nil
		},
	}
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{Proxy: nil, TLSClientConfig: cfg}}
	resp, err := client.Get("https://" + manager.Addr + "/_ping")
	if err == nil {
		resp.Body.Close()
		t.Fatalf("GET /_ping with a foreign client certificate: %s, want a TLS error", resp.Status)
	}
	if !strings.Contains(err.Error(), "certificate") {
		t.Errorf("GET /_ping with a foreign client certificate: %v, want a certificate error", err)
	}
	t.Logf("refused: %v", err)
}
