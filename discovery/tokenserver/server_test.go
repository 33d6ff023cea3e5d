package tokenserver

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// clock is a fake, settable time source.
type clock struct {
	mu sync.Mutex // guards t
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type fixture struct {
	t     *testing.T
	clock *clock
	db    string
	srv   *Server
	hs    *httptest.Server
}

func newFixture(t *testing.T) *fixture {
	f := &fixture{t: t, clock: &clock{t: time.Unix(1_700_000_000, 0)}, db: filepath.Join(t.TempDir(), "tokens.db")}
	f.open()
	t.Cleanup(f.close)
	return f
}

func (f *fixture) open() {
	srv, err := Open(Config{DBPath: f.db, Now: f.clock.now})
	if err != nil {
		f.t.Fatal(err)
	}
	f.srv, f.hs = srv, httptest.NewServer(srv)
}

func (f *fixture) close() {
	if f.hs != nil {
		f.hs.Close()
		f.srv.Close()
		f.hs = nil
	}
}

// do sends a request and returns status and body.
func (f *fixture) do(method, path, body string) (int, string) {
	f.t.Helper()
	req, err := http.NewRequest(method, f.hs.URL+path, strings.NewReader(body))
	if err != nil {
		f.t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (f *fixture) create() string {
	f.t.Helper()
	status, tok := f.do("POST", "/v1/clusters", "")
	if status != http.StatusCreated || !ValidToken(tok) {
		f.t.Fatalf("create = %d %q", status, tok)
	}
	return tok
}

func (f *fixture) list(tok string) []string {
	f.t.Helper()
	status, body := f.do("GET", "/v1/clusters/"+tok, "")
	if status != http.StatusOK {
		f.t.Fatalf("list = %d %s", status, body)
	}
	var out []string
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		f.t.Fatalf("list body %q: %v", body, err)
	}
	return out
}

func TestProtocol(t *testing.T) {
	f := newFixture(t)
	tok := f.create()
	if other := f.create(); other == tok {
		t.Fatal("two creates gave the same token")
	}
	if got := f.list(tok); len(got) != 0 {
		t.Fatalf("new cluster lists %v", got)
	}
	for _, a := range []string{"127.0.0.1:2376", "127.0.0.1:2375"} {
		if status, body := f.do("POST", "/v1/clusters/"+tok+"?ttl=30", a); status != http.StatusOK {
			t.Fatalf("register %s = %d %s", a, status, body)
		}
	}
	if got := strings.Join(f.list(tok), ","); got != "127.0.0.1:2375,127.0.0.1:2376" {
		t.Fatalf("list = %s", got)
	}
	if status, _ := f.do("DELETE", "/v1/clusters/"+tok+"/127.0.0.1:2375", ""); status != http.StatusNoContent {
		t.Fatalf("unregister = %d", status)
	}
	if got := strings.Join(f.list(tok), ","); got != "127.0.0.1:2376" {
		t.Fatalf("after unregister list = %s", got)
	}
	if status, _ := f.do("DELETE", "/v1/clusters/"+tok, ""); status != http.StatusNoContent {
		t.Fatalf("delete = %d", status)
	}
	if status, _ := f.do("GET", "/v1/clusters/"+tok, ""); status != http.StatusNotFound {
		t.Fatalf("list deleted cluster = %d, want 404", status)
	}
}

func TestExpiry(t *testing.T) {
	f := newFixture(t)
	tok := f.create()
	f.do("POST", "/v1/clusters/"+tok+"?ttl=10", "127.0.0.1:1")
	f.do("POST", "/v1/clusters/"+tok+"?ttl=30", "127.0.0.1:2")
	f.do("POST", "/v1/clusters/"+tok, "127.0.0.1:3") // default TTL
	f.clock.advance(11 * time.Second)
	if got := strings.Join(f.list(tok), ","); got != "127.0.0.1:2,127.0.0.1:3" {
		t.Fatalf("after 11s list = %s", got)
	}
	// A renewal pushes the expiry back.
	f.do("POST", "/v1/clusters/"+tok+"?ttl=30", "127.0.0.1:2")
	f.clock.advance(25 * time.Second)
	if got := strings.Join(f.list(tok), ","); got != "127.0.0.1:2,127.0.0.1:3" {
		t.Fatalf("after renewal list = %s", got)
	}
	f.clock.advance(DefaultTTL)
	if got := f.list(tok); len(got) != 0 {
		t.Fatalf("after default TTL list = %v", got)
	}
	n, err := f.srv.st.sweep()
	if err != nil || n != 3 {
		t.Fatalf("sweep = %d, %v; want 3 removed", n, err)
	}
}

func TestRestartKeepsClusters(t *testing.T) {
	f := newFixture(t)
	tok := f.create()
	f.do("POST", "/v1/clusters/"+tok+"?ttl=60", "127.0.0.1:2375")
	f.close()
	f.open()
	if got := strings.Join(f.list(tok), ","); got != "127.0.0.1:2375" {
		t.Fatalf("after restart list = %s", got)
	}
}

func TestSecondServerOnSameDatabase(t *testing.T) {
	f := newFixture(t)
	srv, err := Open(Config{DBPath: f.db})
	if err == nil {
		srv.Close()
		t.Fatal("a second Open of a database in use succeeded")
	}
	if !errors.Is(err, ErrDatabaseInUse) {
		t.Fatalf("second Open: %v, want ErrDatabaseInUse", err)
	}
}

func TestBadRequests(t *testing.T) {
	f := newFixture(t)
	tok := f.create()
	tests := []struct {
		name         string
		method, path string
		body         string
		want         int
	}{
		{name: "unknown cluster register", method: "POST", path: "/v1/clusters/nosuch?ttl=5", body: "127.0.0.1:1", want: 404},
		{name: "unknown cluster list", method: "GET", path: "/v1/clusters/nosuch", want: 404},
		{name: "unknown cluster delete", method: "DELETE", path: "/v1/clusters/nosuch", want: 404},
		{name: "bad token", method: "GET", path: "/v1/clusters/a.b", want: 400},
		{name: "address without port", method: "POST", path: "/v1/clusters/" + tok, body: "127.0.0.1", want: 400},
		{name: "empty address", method: "POST", path: "/v1/clusters/" + tok, body: "", want: 400},
		{name: "ttl not a number", method: "POST", path: "/v1/clusters/" + tok + "?ttl=abc", body: "127.0.0.1:1", want: 400},
		{name: "ttl zero", method: "POST", path: "/v1/clusters/" + tok + "?ttl=0", body: "127.0.0.1:1", want: 400},
		{name: "ttl negative", method: "POST", path: "/v1/clusters/" + tok + "?ttl=-5", body: "127.0.0.1:1", want: 400},
		{name: "ttl too long", method: "POST", path: "/v1/clusters/" + tok + "?ttl=999999999", body: "127.0.0.1:1", want: 400},
		{name: "body too large", method: "POST", path: "/v1/clusters/" + tok, body: strings.Repeat("a", 2000), want: 413},
		{name: "wrong method", method: "PUT", path: "/v1/clusters/" + tok, want: 405},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if status, body := f.do(tt.method, tt.path, tt.body); status != tt.want {
				t.Fatalf("%s %s = %d %q, want %d", tt.method, tt.path, status, body, tt.want)
			}
		})
	}
}
