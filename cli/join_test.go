package cli

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	log "github.com/sirupsen/logrus"

	"github.com/swarm-project/swarm/discovery"
)

// fakeEngine answers /_ping and /version as a Docker engine does.
func fakeEngine(apiVersion string) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /_ping", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("OK")) })
	mux.HandleFunc("GET /version", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]string{"ApiVersion": apiVersion})
	})
	return mux
}

func TestCheckEngine(t *testing.T) {
	engine := httptest.NewServer(fakeEngine("1.41"))
	defer engine.Close()
	noVersion := httptest.NewServer(fakeEngine(""))
	defer noVersion.Close()
	notFound := httptest.NewServer(http.NotFoundHandler())
	defer notFound.Close()
	tlsEngine := httptest.NewTLSServer(fakeEngine("1.41"))
	defer tlsEngine.Close()
	closed := httptest.NewServer(http.NotFoundHandler())
	closedAddr := strings.TrimPrefix(closed.URL, "http://")
	closed.Close()

	tests := []struct {
		name    string
		addr    string
		wantErr bool
		notEng  bool
	}{
		{name: "engine", addr: engine.URL},
		{name: "tls engine accepted unchecked", addr: tlsEngine.URL},
		{name: "no api version", addr: noVersion.URL, wantErr: true, notEng: true},
		{name: "no ping", addr: notFound.URL, wantErr: true, notEng: true},
		{name: "nothing listening", addr: closedAddr, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := strings.TrimPrefix(strings.TrimPrefix(tt.addr, "http://"), "https://")
			err := checkEngine(context.Background(), addr)
			if (err != nil) != tt.wantErr {
				t.Fatalf("checkEngine(%s) = %v, wantErr %v", addr, err, tt.wantErr)
			}
			if errors.Is(err, errNotEngine) != tt.notEng {
				t.Fatalf("checkEngine(%s) = %v, errNotEngine %v", addr, err, tt.notEng)
			}
		})
	}
}

func TestJoinValidate(t *testing.T) {
	// opts returns good flags with the changes in set applied.
	opts := func(set func(*joinOptions)) joinOptions {
		o := joinOptions{advertise: "127.0.0.1:2375", heartbeat: "1s", ttl: "3s", delay: "0s"}
		if set != nil {
			set(&o)
		}
		return o
	}
	tests := []struct {
		name    string
		o       joinOptions
		want    joinSettings
		wantErr string
	}{
		{name: "good", o: opts(nil), want: joinSettings{addr: discovery.Entry{Host: "127.0.0.1", Port: "2375"}, heartbeat: time.Second, ttl: 3 * time.Second}},
		{name: "hostname and delay", o: opts(func(o *joinOptions) { o.advertise, o.delay = "node-1:65535", "5s" }), want: joinSettings{addr: discovery.Entry{Host: "node-1", Port: "65535"}, heartbeat: time.Second, ttl: 3 * time.Second, delay: 5 * time.Second}},
		{name: "ipv6", o: opts(func(o *joinOptions) { o.advertise = "[::1]:2375" }), want: joinSettings{addr: discovery.Entry{Host: "::1", Port: "2375"}, heartbeat: time.Second, ttl: 3 * time.Second}},
		{name: "no advertise", o: opts(func(o *joinOptions) { o.advertise = "" }), wantErr: "missing mandatory --advertise flag"},
		{name: "no port", o: opts(func(o *joinOptions) { o.advertise = "127.0.0.1" }), wantErr: "--advertise should be of the form ip:port or hostname:port"},
		{name: "port 0", o: opts(func(o *joinOptions) { o.advertise = "127.0.0.1:0" }), wantErr: "--advertise should be of the form ip:port or hostname:port"},
		{name: "port 65536", o: opts(func(o *joinOptions) { o.advertise = "127.0.0.1:65536" }), wantErr: "--advertise should be of the form ip:port or hostname:port"},
		{name: "port not a number", o: opts(func(o *joinOptions) { o.advertise = "host:http" }), wantErr: "--advertise should be of the form ip:port or hostname:port"},
		{name: "bad advertise checked before bad delay", o: opts(func(o *joinOptions) { o.advertise, o.delay = "x", "-1s" }), wantErr: "--advertise should be of the form ip:port or hostname:port"},
		{name: "delay not a duration", o: opts(func(o *joinOptions) { o.delay = "asdf" }), wantErr: `invalid --delay: time: invalid duration "asdf"`},
		{name: "negative delay", o: opts(func(o *joinOptions) { o.delay = "-30s" }), wantErr: "--delay should not be a negative number"},
		{name: "heartbeat not a duration", o: opts(func(o *joinOptions) { o.heartbeat = "10" }), wantErr: `invalid --heartbeat: time: missing unit in duration "10"`},
		{name: "negative heartbeat", o: opts(func(o *joinOptions) { o.heartbeat = "-10s" }), wantErr: "--heartbeat should be at least one second"},
		{name: "zero heartbeat", o: opts(func(o *joinOptions) { o.heartbeat = "0s" }), wantErr: "--heartbeat should be at least one second"},
		{name: "heartbeat under a second", o: opts(func(o *joinOptions) { o.heartbeat = "999ms" }), wantErr: "--heartbeat should be at least one second"},
		{name: "ttl not a duration", o: opts(func(o *joinOptions) { o.ttl = "asdf" }), wantErr: `invalid --ttl: time: invalid duration "asdf"`},
		{name: "negative ttl", o: opts(func(o *joinOptions) { o.ttl = "-10s" }), wantErr: "--ttl must be strictly superior to the heartbeat value"},
		{name: "ttl equal heartbeat", o: opts(func(o *joinOptions) { o.ttl = "1s" }), wantErr: "--ttl must be strictly superior to the heartbeat value"},
		{name: "ttl below heartbeat", o: opts(func(o *joinOptions) { o.heartbeat, o.ttl = "2s", "1s" }), wantErr: "--ttl must be strictly superior to the heartbeat value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.o.validate()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if got != tt.want {
					t.Fatalf("validate() = %+v, want %+v", got, tt.want)
				}
				return
			}
			if err == nil || err.Error() != tt.wantErr {
				t.Fatalf("validate() = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

// flakyBackend fails its first registrations, then counts the good ones.
type flakyBackend struct {
	mu       sync.Mutex // guards failures, ok
	failures int
	ok       int
}

func (f *flakyBackend) Watch(ctx context.Context) (<-chan discovery.Entries, <-chan error) {
	return nil, nil
}

func (f *flakyBackend) Register(ctx context.Context, addr string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failures > 0 {
		f.failures--
		return errors.New("store down")
	}
	f.ok++
	return nil
}

func (f *flakyBackend) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.ok
}

func TestHeartbeatRetriesThenRenews(t *testing.T) {
	b := &flakyBackend{failures: 2}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- heartbeat(ctx, b, "127.0.0.1:2375", 50*time.Millisecond, log.NewEntry(log.New())) }()
	deadline := time.Now().Add(10 * time.Second)
	for b.count() < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("only %d registrations after the store came back", b.count())
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("heartbeat returned %v after cancel, want nil", err)
	}
}

// readOnlyBackend rejects registrations.
type readOnlyBackend struct{}

func (*readOnlyBackend) Watch(context.Context) (<-chan discovery.Entries, <-chan error) {
	return nil, nil
}

func (*readOnlyBackend) Register(context.Context, string) error { return discovery.ErrNotSupported }

func TestHeartbeatStopsOnPermanentError(t *testing.T) {
	err := heartbeat(context.Background(), &readOnlyBackend{}, "a:1", time.Hour, log.NewEntry(log.New()))
	if !errors.Is(err, discovery.ErrNotSupported) {
		t.Fatalf("heartbeat = %v, want ErrNotSupported", err)
	}
}

func TestRenewalWarning(t *testing.T) {
	tests := []struct {
		name      string
		scheme    string
		heartbeat time.Duration
		ttl       time.Duration
		warn      bool
	}{
		{name: "consul defaults", scheme: "consul", heartbeat: discovery.DefaultHeartbeat, ttl: discovery.DefaultTTL},
		{name: "consul heartbeat just below ttl/2", scheme: "consul", heartbeat: 29 * time.Second, ttl: 60 * time.Second},
		{name: "consul heartbeat at ttl/2", scheme: "consul", heartbeat: 30 * time.Second, ttl: 60 * time.Second, warn: true},
		{name: "consul heartbeat above ttl/2", scheme: "consul", heartbeat: 50 * time.Second, ttl: 60 * time.Second, warn: true},
		{name: "etcd heartbeat above ttl/2", scheme: "etcd", heartbeat: 50 * time.Second, ttl: 60 * time.Second},
		{name: "token heartbeat above ttl/2", scheme: "token", heartbeat: 50 * time.Second, ttl: 60 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := renewalWarning(tt.scheme, tt.heartbeat, tt.ttl)
			if (got != "") != tt.warn {
				t.Fatalf("renewalWarning(%s, %s, %s) = %q, want warning: %v", tt.scheme, tt.heartbeat, tt.ttl, got, tt.warn)
			}
		})
	}
}
