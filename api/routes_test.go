package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/swarm-project/swarm/cluster"
	"github.com/swarm-project/swarm/scheduler"
)

// docEndpoint is one row of the endpoint tables in docs/api.md.
type docEndpoint struct {
	method, path, served string
}

var docRow = regexp.MustCompile(`^\| (GET|POST|PUT|DELETE|HEAD) \| (/\S*) \| (yes|no|refused) \|`)

func readDocEndpoints(t *testing.T) []docEndpoint {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "docs", "api.md"))
	if err != nil {
		t.Fatal(err)
	}
	var out []docEndpoint
	for _, l := range strings.Split(string(data), "\n") {
		if m := docRow.FindStringSubmatch(l); m != nil {
			out = append(out, docEndpoint{m[1], m[2], m[3]})
		}
	}
	if len(out) == 0 {
		t.Fatal("docs/api.md lists no endpoint")
	}
	return out
}

// specEndpoints reads the 1.41 specification shipped in the docker module.
func specEndpoints(t *testing.T) []string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/docker/docker").Output()
	if err != nil {
		t.Fatalf("locating the docker module: %v", err)
	}
	data, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(out)), "docs", "api", "v"+DefaultAPIVersion+".yaml"))
	if err != nil {
		t.Fatal(err)
	}
	pathRe := regexp.MustCompile(`^  (/\S+):\s*$`)
	methodRe := regexp.MustCompile(`^    (get|post|put|delete|head):`)
	var eps []string
	inPaths := false
	path := ""
	for _, l := range strings.Split(string(data), "\n") {
		switch {
		case strings.HasPrefix(l, "paths:"):
			inPaths = true
		case inPaths && l != "" && l[0] != ' ' && l[0] != '#':
			inPaths = false
		case inPaths:
			if m := pathRe.FindStringSubmatch(l); m != nil {
				path = m[1]
			} else if m := methodRe.FindStringSubmatch(l); m != nil && path != "" {
				eps = append(eps, strings.ToUpper(m[1])+" "+path)
			}
		}
	}
	if len(eps) < 100 {
		t.Fatalf("read only %d endpoints from the %s specification", len(eps), DefaultAPIVersion)
	}
	return eps
}

// TestDocsListEverySpecEndpoint: docs/api.md has a row for every endpoint of
// the API version the manager reports, and no row twice.
func TestDocsListEverySpecEndpoint(t *testing.T) {
	doc := map[string]int{}
	for _, e := range readDocEndpoints(t) {
		doc[e.method+" "+e.path]++
	}
	var missing []string
	for _, ep := range specEndpoints(t) {
		if doc[ep] == 0 {
			missing = append(missing, ep)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("docs/api.md lacks %d endpoints:\n%s", len(missing), strings.Join(missing, "\n"))
	}
	for ep, n := range doc {
		if n > 1 {
			t.Errorf("docs/api.md lists %s %d times", ep, n)
		}
	}
}

// TestRoutesMatchDocs: every endpoint the docs call served reaches a
// handler (no 501), every refused one answers 503 with Docker's message,
// and every unserved one answers 501. The cluster has no engine, so
// handlers answer with 404s and 503s, which is fine here.
func TestRoutesMatchDocs(t *testing.T) {
	sched, err := scheduler.New("spread", nil, scheduler.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	c := cluster.New(cluster.Options{Scheduler: sched})
	h := NewServer(c, Options{Version: "test"}).Handler()
	ids := strings.NewReplacer("{id}", "x0", "{name}", "x0")
	for _, ep := range readDocEndpoints(t) {
		for _, prefix := range []string{"", "/v1.41"} {
			name := ep.method + " " + prefix + ep.path
			t.Run(name, func(t *testing.T) {
				ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
				defer cancel()
				req := httptest.NewRequest(ep.method, prefix+ids.Replace(ep.path), strings.NewReader("{}")).WithContext(ctx)
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				var body struct{ Message string }
				_ = json.Unmarshal(rec.Body.Bytes(), &body)
				switch ep.served {
				case "yes":
					if rec.Code == http.StatusNotImplemented {
						t.Errorf("documented as served, answers 501: %s", body.Message)
					}
				case "refused":
					if rec.Code != http.StatusServiceUnavailable || !strings.Contains(body.Message, "not a swarm manager") {
						t.Errorf("documented as refused, answers %d %q", rec.Code, body.Message)
					}
				case "no":
					if rec.Code != http.StatusNotImplemented {
						t.Errorf("documented as not served, answers %d %q", rec.Code, body.Message)
					}
				}
			})
		}
	}
}
