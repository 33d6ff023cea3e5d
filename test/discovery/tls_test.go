package discovery_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/swarm-project/swarm/discovery"
	"github.com/swarm-project/swarm/discovery/discoverytest"
)

// etcdTLS starts the etcd that requires TLS client certificates and
// returns its address and the --discovery-opt values to reach it.
func etcdTLS(t *testing.T) (string, map[string]string) {
	t.Helper()
	addr := needStore(t, "etcd-tls")
	dir, err := storesEnv("SWARM_TEST_ETCD_TLS_CERTS")
	if err != nil {
		t.Fatal(err)
	}
	return addr, map[string]string{
		"kv.cacertfile": filepath.Join(dir, "ca.pem"),
		"kv.certfile":   filepath.Join(dir, "client.pem"),
		"kv.keyfile":    filepath.Join(dir, "client-key.pem"),
	}
}

// TestConformanceEtcdTLS runs the suite over TLS with a client certificate
// (kv.cacertfile, kv.certfile, kv.keyfile) and kv.path.
func TestConformanceEtcdTLS(t *testing.T) {
	addr, opts := etcdTLS(t)
	discoverytest.Run(t, func(t *testing.T) discoverytest.Fixture {
		o := map[string]string{"kv.path": uniquePath(t) + "/nodes"}
		for k, v := range opts {
			o[k] = v
		}
		ttl := 2 * time.Second
		b, err := discovery.New("etcd://"+addr, discovery.Options{Heartbeat: ttl / 4, TTL: ttl, Opts: o})
		if err != nil {
			t.Fatal(err)
		}
		return discoverytest.Fixture{Backend: b, TTL: ttl}
	})
}

// TestEtcdTLSRefusesWithoutCertificates: without the client certificate
// (or without trusting the server's CA) nothing is registered.
func TestEtcdTLSRefusesWithoutCertificates(t *testing.T) {
	addr, opts := etcdTLS(t)
	tests := []struct {
		name string
		opts map[string]string
	}{
		{name: "plain connection", opts: nil},
		{name: "ca but no client certificate", opts: map[string]string{"kv.cacertfile": opts["kv.cacertfile"]}},
		{name: "client certificate but no ca", opts: map[string]string{"kv.certfile": opts["kv.certfile"], "kv.keyfile": opts["kv.keyfile"]}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := discovery.New("etcd://"+addr+"/"+uniquePath(t), discovery.Options{TTL: 5 * time.Second, Opts: tt.opts})
			if err != nil {
				t.Fatal(err)
			}
			defer discovery.Close(b)
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			defer cancel()
			if err := b.Register(ctx, "127.0.0.1:23771"); err == nil {
				t.Fatal("Register succeeded without the right certificates")
			}
		})
	}
}
