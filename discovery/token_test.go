package discovery_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/swarm-project/swarm/discovery"
	"github.com/swarm-project/swarm/discovery/discoverytest"
	"github.com/swarm-project/swarm/discovery/tokenserver"
)

// startTokenServer runs a real token server on a loopback httptest server.
func startTokenServer(t *testing.T) string {
	t.Helper()
	srv, err := tokenserver.Open(tokenserver.Config{DBPath: filepath.Join(t.TempDir(), "tokens.db"), SweepInterval: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); srv.Sweep(ctx) }()
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		hs.Close()
		cancel()
		<-done
		srv.Close()
	})
	return hs.URL
}

func TestTokenConformance(t *testing.T) {
	service := startTokenServer(t)
	discoverytest.Run(t, func(t *testing.T) discoverytest.Fixture {
		tok, err := discovery.CreateToken(context.Background(), service)
		if err != nil {
			t.Fatal(err)
		}
		opts := discovery.Options{Heartbeat: 100 * time.Millisecond, TTL: time.Second, Opts: map[string]string{"token.url": service}}
		b, err := discovery.New("token://"+tok, opts)
		if err != nil {
			t.Fatal(err)
		}
		return discoverytest.Fixture{Backend: b, TTL: opts.TTL}
	})
}

func TestTokenURLForms(t *testing.T) {
	service := startTokenServer(t)
	tok, err := discovery.CreateToken(context.Background(), service)
	if err != nil {
		t.Fatal(err)
	}
	hostport := strings.TrimPrefix(service, "http://")
	tests := []struct {
		name string
		url  string
		opts map[string]string
		env  string
	}{
		{name: "service in url", url: "token://" + hostport + "/" + tok},
		{name: "option", url: "token://" + tok, opts: map[string]string{"token.url": service}},
		{name: "environment", url: "token://" + tok, env: service},
		{name: "option wins over environment", url: "token://" + tok, opts: map[string]string{"token.url": service}, env: "http://127.0.0.1:1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(discovery.EnvTokenURL, tt.env)
			b, err := discovery.New(tt.url, discovery.Options{TTL: time.Minute, Opts: tt.opts})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			addr := "127.0.0.1:2375"
			if err := b.Register(ctx, addr); err != nil {
				t.Fatal(err)
			}
			es, errs := b.Watch(ctx)
			select {
			case got := <-es:
				if len(got) != 1 || got[0].String() != addr {
					t.Fatalf("entries = %v, want [%s]", got, addr)
				}
			case err := <-errs:
				t.Fatal(err)
			}
			if err := b.(discovery.Deregisterer).Deregister(ctx, addr); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestTokenErrors(t *testing.T) {
	service := startTokenServer(t)
	tests := []struct {
		name    string
		url     string
		opts    map[string]string
		wantErr error
	}{
		{name: "empty token", url: "token://", wantErr: discovery.ErrInvalidURL},
		{name: "bad token", url: "token://a.b", opts: map[string]string{"token.url": service}, wantErr: discovery.ErrInvalidURL},
		{name: "no service", url: "token://abc", wantErr: discovery.ErrNoTokenService},
		{name: "bad service url", url: "token://abc", opts: map[string]string{"token.url": "ftp://x"}, wantErr: discovery.ErrInvalidOption},
		{name: "path without host", url: "token:///abc", wantErr: discovery.ErrInvalidURL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(discovery.EnvTokenURL, "")
			_, err := discovery.New(tt.url, discovery.Options{Opts: tt.opts})
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("New(%q) error = %v, want %v", tt.url, err, tt.wantErr)
			}
		})
	}

	t.Run("unknown token", func(t *testing.T) {
		b, err := discovery.New("token://nosuchcluster", discovery.Options{Opts: map[string]string{"token.url": service}})
		if err != nil {
			t.Fatal(err)
		}
		if err := b.Register(context.Background(), "127.0.0.1:2375"); !errors.Is(err, discovery.ErrTokenService) || !errors.Is(err, discovery.ErrUnknownToken) {
			t.Fatalf("Register on unknown token = %v, want ErrUnknownToken", err)
		}
	})
}
