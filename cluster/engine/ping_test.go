package engine

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// pingServer answers /_ping with status and API-Version 1.45; hang makes
// it wait until the test ends instead.
func pingServer(t *testing.T, tlsOn bool, status int, hang chan struct{}) (*Engine, *httptest.Server) {
	t.Helper()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/_ping" || r.Method != http.MethodGet {
			http.Error(w, "unexpected "+r.Method+" "+r.URL.Path, http.StatusBadRequest)
			return
		}
		if hang != nil {
			<-hang
		}
		w.Header().Set("API-Version", "1.45")
		w.WriteHeader(status)
		w.Write([]byte("OK"))
	})
	var srv *httptest.Server
	opts := &Options{}
	if tlsOn {
		srv = httptest.NewTLSServer(h)
		tr := srv.Client().Transport.(*http.Transport)
		opts.TLS = tr.TLSClientConfig
		opts.Transport = &http.Transport{TLSClientConfig: tr.TLSClientConfig}
	} else {
		srv = httptest.NewServer(h)
		opts.Transport = &http.Transport{}
	}
	t.Cleanup(srv.Close)
	if hang != nil {
		t.Cleanup(func() { close(hang) })
	}
	e, err := New(strings.TrimPrefix(strings.TrimPrefix(srv.URL, "https://"), "http://"), opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	return e, srv
}

func TestPing(t *testing.T) {
	for _, tc := range []struct {
		name    string
		tls     bool
		status  int
		wantErr string
	}{
		{name: "plain", status: http.StatusOK},
		{name: "tls", tls: true, status: http.StatusOK},
		{name: "server error", status: http.StatusInternalServerError, wantErr: "500 Internal Server Error"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, _ := pingServer(t, tc.tls, tc.status, nil)
			api, err := e.ping(context.Background())
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("ping: %q, %v; want an error with %q", api, err, tc.wantErr)
				}
				return
			}
			if err != nil || api != "1.45" {
				t.Fatalf("ping: %q, %v; want 1.45", api, err)
			}
		})
	}
}

// TestPingEndsWithItsContext checks that a daemon that takes the request
// and never answers fails the ping when the context ends, deadline or
// cancel.
func TestPingEndsWithItsContext(t *testing.T) {
	e, _ := pingServer(t, false, http.StatusOK, make(chan struct{}))
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := e.ping(ctx); err == nil {
		t.Fatal("ping of a hung daemon succeeded")
	}
	ctx2, cancel2 := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel2)
	_, err := e.ping(ctx2)
	if err == nil {
		t.Fatal("ping of a hung daemon succeeded after its cancel")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("the pings took %s: they did not end with their contexts", d)
	}
}
