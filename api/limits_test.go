package api

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"

	"github.com/swarm-project/swarm/cluster/engine"
)

func TestKindOf(t *testing.T) {
	tests := []struct {
		method, path   string
		rawBody, strea bool
	}{
		{"POST", "/containers/create", false, false},
		{"POST", "/containers/web/update", false, false},
		{"POST", "/networks/create", false, false},
		{"POST", "/containers/web/start", false, false},
		{"POST", "/exec/abc/start", true, true},
		{"POST", "/containers/node-1/web/attach", true, true},
		{"GET", "/containers/node-1/web/logs", false, true},
		{"GET", "/containers/logs/json", false, false}, // a container named "logs"
		{"GET", "/containers/web/stats", false, true},
		{"GET", "/containers/web/archive", false, true},
		{"PUT", "/containers/web/archive", true, true},
		{"HEAD", "/containers/web/archive", false, false},
		{"GET", "/events", false, true},
		{"POST", "/build", true, true},
		{"POST", "/build/prune", false, false},
		{"POST", "/images/create", true, true},
		{"POST", "/images/load", true, true},
		{"GET", "/images/get", false, true},
		{"GET", "/images/busybox/get", false, true},
		{"GET", "/images/get/json", false, false}, // an image named "get"
		{"POST", "/images/library/busybox/push", false, true},
		{"GET", "/info", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			got := kindOf(tt.method, tt.path)
			if got.rawBody != tt.rawBody || got.stream != tt.strea {
				t.Errorf("kindOf = %+v, want rawBody %v stream %v", got, tt.rawBody, tt.strea)
			}
		})
	}
}

// limitedServer is a fake-backed server with the given limits.
func limitedServer(f *fakeCluster, lim Limits) *Server {
	s := fakeServer(f)
	s.opts.Limits = lim
	s.handler = s.buildHandler()
	return s
}

// TestBodyLimitAndContentType: JSON bodies over the limit get a 413 that
// names the limit and the flag, whether their length is announced or not;
// raw bodies are not limited; a create that is not JSON gets the engine's
// 400.
func TestBodyLimitAndContentType(t *testing.T) {
	big := `{"Image":"busybox","Labels":{"big":"` + strings.Repeat("x", 2048) + `"}}`
	tests := []struct {
		name        string
		method      string
		path        string
		body        string
		chunked     bool // send without a Content-Length
		contentType string
		wantStatus  int
		wantMsg     string // a substring of the message; "" for none
	}{
		{name: "small create", method: "POST", path: "/v1.41/containers/create", body: `{"Image":"busybox"}`,
			contentType: "application/json", wantStatus: 201},
		{name: "create with charset", method: "POST", path: "/containers/create", body: `{"Image":"busybox"}`,
			contentType: "application/json; charset=utf-8", wantStatus: 201},
		{name: "create without Content-Type", method: "POST", path: "/containers/create", body: `{"Image":"busybox"}`,
			wantStatus: 201},
		{name: "create as text/plain", method: "POST", path: "/v1.41/containers/create", body: `{"Image":"busybox"}`,
			contentType: "text/plain", wantStatus: 400, wantMsg: "Content-Type specified (text/plain) must be 'application/json'"},
		{name: "create with a malformed Content-Type", method: "POST", path: "/containers/create", body: `{}`,
			contentType: "application/", wantStatus: 400, wantMsg: "Content-Type specified (application/) must be 'application/json'"},
		{name: "create over the limit", method: "POST", path: "/v1.41/containers/create", body: big,
			contentType: "application/json", wantStatus: 413, wantMsg: "larger than 1KiB, the limit for JSON requests (swarm manage --max-request-body)"},
		{name: "chunked create over the limit", method: "POST", path: "/containers/create", body: big, chunked: true,
			contentType: "application/json", wantStatus: 413, wantMsg: "--max-request-body"},
		{name: "other JSON route over the limit", method: "POST", path: "/v1.41/networks/create", body: big,
			contentType: "application/json", wantStatus: 413, wantMsg: "--max-request-body"},
		{name: "archive upload is not limited", method: "PUT", path: "/v1.41/containers/web/archive?path=/", body: big,
			contentType: "application/x-tar", wantStatus: 404, wantMsg: "No such container: web"},
		{name: "exact limit", method: "POST", path: "/containers/create", body: `{"Image":"` + strings.Repeat("b", 1024-12) + `"}`,
			contentType: "application/json", wantStatus: 201},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeCluster{created: container.CreateResponse{ID: "x"}}
			s := limitedServer(f, Limits{MaxBody: 1024})
			var body io.Reader = strings.NewReader(tt.body)
			if tt.chunked {
				body = io.MultiReader(body) // hides the length
			}
			r := httptest.NewRequest(tt.method, tt.path, body)
			if tt.chunked {
				r.ContentLength = -1
			}
			if tt.contentType != "" {
				r.Header.Set("Content-Type", tt.contentType)
			}
			w := httptest.NewRecorder()
			s.Handler().ServeHTTP(w, r)
			if w.Code != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", w.Code, tt.wantStatus, w.Body)
			}
			if tt.wantMsg != "" {
				if got := errorMessage(t, w.Body.Bytes()); !strings.Contains(got, tt.wantMsg) {
					t.Errorf("message %q lacks %q", got, tt.wantMsg)
				}
			}
			if tt.wantStatus >= 400 && f.createReq != nil {
				t.Errorf("a refused create reached the cluster")
			}
		})
	}
}

// TestEngineAnswers: the requests an engine refuses with a 400 or answers
// with a 404 or 200 get the same here.
func TestEngineAnswers(t *testing.T) {
	tests := []struct {
		name, method, path string
		cors               bool
		wantStatus         int
		wantMsg            string
		wantHeader         string // a header the answer must have
	}{
		{name: "pull of ///", method: "POST", path: "/v1.41/images/create?fromImage=///", wantStatus: 400, wantMsg: "invalid reference format"},
		{name: "pull of an upper-case name", method: "POST", path: "/images/create?fromImage=BusyBox", wantStatus: 400, wantMsg: "invalid reference format"},
		{name: "pull with a bad tag", method: "POST", path: "/images/create?fromImage=busybox&tag=a:b:c", wantStatus: 400, wantMsg: "invalid reference format"},
		{name: "HEAD on a GET route", method: "HEAD", path: "/v1.41/containers/json", wantStatus: 404},
		{name: "HEAD on an unknown path", method: "HEAD", path: "/v1.41/plugins", wantStatus: 404},
		{name: "HEAD on ping", method: "HEAD", path: "/_ping", wantStatus: 200},
		{name: "OPTIONS", method: "OPTIONS", path: "/v1.41/containers/json", wantStatus: 200, wantHeader: "Api-Version"},
		{name: "OPTIONS unversioned", method: "OPTIONS", path: "/info", wantStatus: 200, wantHeader: "Api-Version"},
		{name: "OPTIONS with CORS", method: "OPTIONS", path: "/v1.41/containers/create", cors: true, wantStatus: 200, wantHeader: "Access-Control-Allow-Origin"},
		{name: "other unknown routes keep the 501", method: "GET", path: "/v1.41/plugins", wantStatus: 501, wantMsg: "not supported by swarm"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := fakeServer(&fakeCluster{})
			s.opts.CORS = tt.cors
			s.handler = s.buildHandler()
			w := httptest.NewRecorder()
			s.Handler().ServeHTTP(w, httptest.NewRequest(tt.method, tt.path, nil))
			if w.Code != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", w.Code, tt.wantStatus, w.Body)
			}
			if tt.wantMsg != "" {
				if got := errorMessage(t, w.Body.Bytes()); !strings.Contains(got, tt.wantMsg) {
					t.Errorf("message %q lacks %q", got, tt.wantMsg)
				}
			}
			if tt.method == "HEAD" && tt.wantStatus == 404 {
				var msg struct{ Message string }
				if json.Unmarshal(w.Body.Bytes(), &msg); msg.Message != "page not found" {
					t.Errorf("message %q, want the engine's %q", msg.Message, "page not found")
				}
			}
			if tt.wantHeader != "" && w.Header().Get(tt.wantHeader) == "" {
				t.Errorf("answer lacks the %s header: %v", tt.wantHeader, w.Header())
			}
		})
	}
}

// serveLimited serves h under s's limit middleware on a real listener with
// the server's own connection settings, and returns its address.
func serveLimited(t *testing.T, s *Server) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = s.Serve(l)
	}()
	t.Cleanup(func() {
		s.Close()
		<-done
	})
	return l.Addr().String()
}

// waitClosed reads conn until the server closes it and returns what it
// read; it fails the test if the connection is still open after guard
// (which is only there to end a failing test).
func waitClosed(t *testing.T, conn net.Conn, guard time.Duration) string {
	t.Helper()
	_ = conn.SetReadDeadline(time.Now().Add(guard))
	data, err := io.ReadAll(conn)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the connection is still open after %s; read %q", guard, data)
	}
	return string(data)
}

// TestStalledBodyIsCut: a client that stops sending its body mid-way gets a
// 408 and its connection closed, once the body timeout passed, on a JSON
// route (the create handler) as on a raw one (an archive upload, read as
// the proxy reads it).
func TestStalledBodyIsCut(t *testing.T) {
	tests := []struct {
		name, request string
		raw           bool
	}{
		{"create", "POST /v1.41/containers/create", false},
		{"archive upload", "PUT /v1.41/containers/web/archive?path=/", true},
		{"proxied archive upload", "PUT /v1.41/containers/web/archive?path=/", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := limitedServer(&fakeCluster{}, Limits{BodyTimeout: 200 * time.Millisecond})
			if tt.name == "proxied archive upload" {
				e := readingEngine(t)
				s.containers, s.lister = fixtureFinder{e}, fixtureFinder{e}
			}
			if tt.raw {
				s.handler = s.limitMiddleware(adapt(func(w http.ResponseWriter, r *http.Request) error {
					_, err := io.Copy(io.Discard, r.Body)
					return err
				}))
			}
			conn, err := net.Dial("tcp", serveLimited(t, s))
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			_, err = io.WriteString(conn, tt.request+" HTTP/1.1\r\nHost: swarm\r\nContent-Type: application/json\r\n"+
				"Content-Length: 100\r\n\r\n{\"Image\":")
			if err != nil {
				t.Fatal(err)
			}
			got := waitClosed(t, conn, 20*time.Second)
			if !strings.HasPrefix(got, "HTTP/1.1 408 ") || !strings.Contains(got, "--body-timeout") {
				t.Errorf("answer %q is not a 408 naming the flag", got)
			}
		})
	}
}

// TestIdleConnectionIsClosed: a keep-alive connection that carries no new
// request is closed after the idle timeout.
func TestIdleConnectionIsClosed(t *testing.T) {
	s := limitedServer(&fakeCluster{}, Limits{IdleTimeout: 200 * time.Millisecond})
	conn, err := net.Dial("tcp", serveLimited(t, s))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "GET /_ping HTTP/1.1\r\nHost: swarm\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("ping answered %d", resp.StatusCode)
	}
	_ = conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	n, err := br.Read(make([]byte, 1))
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatal("the idle connection is still open")
	}
	if n != 0 || err == nil {
		t.Fatalf("read %d bytes, error %v after the answer, want the connection closed", n, err)
	}
}

// TestWriteStall: a client that stops reading a plain answer is cut after
// the write timeout; one that stops reading a stream is not.
func TestWriteStall(t *testing.T) {
	tests := []struct {
		path    string
		wantCut bool
	}{
		{"/v1.41/containers/json", true},
		{"/v1.41/containers/web/logs", false},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			const d = 200 * time.Millisecond
			s := limitedServer(&fakeCluster{}, Limits{WriteTimeout: d})
			writeErr := make(chan error, 1)
			chunk := make([]byte, 1<<20)
			// A handler that writes until a write fails: the client
			// never reads, so the socket buffers fill up.
			s.handler = s.limitMiddleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				for {
					if _, err := w.Write(chunk); err != nil {
						writeErr <- err
						return
					}
				}
			}))
			conn, err := net.Dial("tcp", serveLimited(t, s))
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if _, err := io.WriteString(conn, "GET "+tt.path+" HTTP/1.1\r\nHost: swarm\r\n\r\n"); err != nil {
				t.Fatal(err)
			}
			select {
			case err := <-writeErr:
				if !tt.wantCut {
					t.Fatalf("a stream was cut: %v", err)
				}
			case <-time.After(15 * d):
				if tt.wantCut {
					t.Fatal("the write to a client that does not read never failed")
				}
			}
		})
	}
}

// TestProxiedBodyOverLimit: a JSON body sent without a length to a proxied
// route is cut at the limit with a 413, and the engine's health does not
// pay for the client's mistake.
func TestProxiedBodyOverLimit(t *testing.T) {
	e := readingEngine(t)
	finder := fixtureFinder{e}
	tests := []struct {
		name       string
		body       string
		wantStatus int
	}{
		{"under the limit", `{"Memory":1048576}`, http.StatusOK},
		{"over the limit", `{"Memory":1048576,"x":"` + strings.Repeat("x", 4096) + `"}`, http.StatusRequestEntityTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := fakeServer(&fakeCluster{})
			s.containers, s.lister = finder, finder
			s.opts.Limits = Limits{MaxBody: 1024}
			s.handler = s.buildHandler()
			r := httptest.NewRequest("POST", "/v1.41/containers/web/update", io.MultiReader(strings.NewReader(tt.body)))
			r.ContentLength = -1
			r.Header.Set("Content-Type", "application/json")
			w := httptest.NewRecorder()
			s.Handler().ServeHTTP(w, r)
			if w.Code != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", w.Code, tt.wantStatus, w.Body)
			}
			if e.Failures() != 0 {
				t.Errorf("the engine counts %d failures for a client's body", e.Failures())
			}
		})
	}
}

// readingEngine is a healthy engine fixture, holding the container "web",
// whose API reads each request's body to its end and answers 200.
func readingEngine(t *testing.T) *engine.Engine {
	t.Helper()
	live := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte("{\"Warnings\":[]}\n"))
	}))
	t.Cleanup(live.Close)
	started := time.Now().Add(-time.Minute).Format(time.RFC3339Nano)
	return engine.NewFixture(engine.Fixture{
		Addr: strings.TrimPrefix(live.URL, "http://"), Name: "alive", Health: engine.Healthy, FailureRetry: 3,
		APIVersion: "1.41", MinAPIVersion: "1.12", Transport: &http.Transport{},
		Containers: []container.InspectResponse{{
			ContainerJSONBase: &container.ContainerJSONBase{ID: strings.Repeat("2", 64), Name: "/web", Created: started,
				State: &container.State{Status: "running", Running: true, StartedAt: started}},
			Config: &container.Config{Image: "busybox"},
		}},
	})
}
