package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/volume"

	"github.com/swarm-project/swarm/cluster"
	"github.com/swarm-project/swarm/scheduler"
	"github.com/swarm-project/swarm/test/simengine"
)

// listEndpoint is a list call that takes the `filters` query parameter,
// with the filter keys it accepts and how to read the identities of what
// it lists.
type listEndpoint struct {
	path string // with the query parameters other than filters
	keys map[string]bool
	ids  func(body []byte) ([]string, error)
}

func idsOf(field string) func([]byte) ([]string, error) {
	return func(body []byte) ([]string, error) {
		var items []map[string]any
		if err := json.Unmarshal(body, &items); err != nil {
			return nil, err
		}
		out := make([]string, len(items))
		for i, it := range items {
			out[i], _ = it[field].(string)
			if n, ok := it["Name"].(string); ok {
				out[i] += " " + n
			}
		}
		return out, nil
	}
}

func volumeNames(body []byte) ([]string, error) {
	var resp volume.ListResponse
	if err := json.Unmarshal(body, &resp); err != nil {
		return nil, err
	}
	out := make([]string, len(resp.Volumes))
	for i, v := range resp.Volumes {
		out[i] = v.Name
	}
	return out, nil
}

var fuzzListEndpoints = []listEndpoint{
	{path: "/v1.41/containers/json?all=1", keys: containerFilters, ids: idsOf("Id")},
	{path: "/v1.41/images/json?all=1", keys: imageFilters, ids: idsOf("Id")},
	{path: "/v1.41/networks", keys: networkFilters, ids: idsOf("Id")},
	{path: "/v1.41/volumes", keys: volumeFilters, ids: volumeNames},
}

// newFuzzAPI starts two simulated engines (the fixture of twoNodes), a
// cluster over them and the API handler, once for a fuzz target.
func newFuzzAPI(f *testing.F) http.Handler {
	f.Helper()
	sched, err := scheduler.New("spread", nil, scheduler.DefaultOptions())
	if err != nil {
		f.Fatal(err)
	}
	c := cluster.New(cluster.Options{
		Engine: cluster.EngineOptions{
			RefreshMin: time.Hour, RefreshMax: time.Hour, FailureRetry: 2,
			Transport: &http.Transport{}, EventTransport: &http.Transport{DisableKeepAlives: true},
		},
		Scheduler: sched,
	})
	want := 0
	for _, cfg := range twoNodes() {
		s, err := simengine.Start(cfg)
		if err != nil {
			f.Fatal(err)
		}
		f.Cleanup(s.Close)
		want += len(s.ContainerIDs())
		if err := c.AddEngine(context.Background(), s.Addr()); err != nil {
			f.Fatal(err)
		}
		addr := s.Addr()
		f.Cleanup(func() { c.RemoveEngine(addr) })
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.WaitHealthy(ctx, 2); err != nil {
		f.Fatal(err)
	}
	for len(c.Containers()) != want {
		if ctx.Err() != nil {
			f.Fatalf("%d containers cached, want %d", len(c.Containers()), want)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return NewServer(c, Options{Version: "test"}).Handler()
}

func serve(h http.Handler, path string) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
	return w
}

// FuzzListFilters sends an arbitrary `filters` query parameter to the list
// calls of containers, images, networks and volumes. A value Docker's
// parser refuses, or that names a key the call does not take, is a 400
// with a message; no value is a 500; an accepted one lists a subset of
// the unfiltered list, the same one each time it is asked.
func FuzzListFilters(f *testing.F) {
	for _, s := range []string{
		`{"name":["web-1"]}`, `{"node":["node-*"]}`, `{"label":["app=app1"]}`, `{"status":["exited"]}`,
		`{"status":["asleep"]}`, `{"colour":["red"]}`, `{"dangling":["true"]}`, `{"dangling":["maybe"]}`,
		`{"type":["custom"]}`, `{"type":["other"]}`, `{"is-task":["true"]}`, `{"is-task":["maybe"]}`,
		`{"before":["no-such"]}`, `{"since":["web-0"]}`, `{"name":{"web-1":true}}`, `{"name":{"web-1":false}}`,
		`{"reference":["busybox*"]}`, `{"id":["/^[0-9a-f]/"]}`, `{"name":["/(/"]}`, `{"name":["[x"]}`,
		`{"label":["=", "a=b=c", "é=ü"]}`, `{"exited":["x"]}`, `{"health":["healthy"]}`, `{"publish":["80/tcp"]}`,
		`{}`, `[]`, `null`, `not json`, `{"name":"web"}`, `{"name":[1]}`, `{"name":null}`, `{"":[""]}`,
		`{"name":["\u0000"]}`, `{"label":["` + strings.Repeat("k", 5000) + `"]}`,
	} {
		for i := range fuzzListEndpoints {
			f.Add(uint8(i), s)
		}
	}
	h := newFuzzAPI(f)
	all := make([][]string, len(fuzzListEndpoints))
	for i, ep := range fuzzListEndpoints {
		w := serve(h, ep.path)
		ids, err := ep.ids(w.Body.Bytes())
		if w.Code != http.StatusOK || err != nil || len(ids) == 0 {
			f.Fatalf("GET %s = %d %s (%v)", ep.path, w.Code, w.Body, err)
		}
		all[i] = ids
	}
	f.Fuzz(func(t *testing.T, which uint8, value string) {
		i := int(which) % len(fuzzListEndpoints)
		ep := fuzzListEndpoints[i]
		sep := "?"
		if slices.Contains([]byte(ep.path), '?') {
			sep = "&"
		}
		path := ep.path + sep + "filters=" + url.QueryEscape(value)
		w := serve(h, path)
		valid := true
		if args, err := filters.FromJSON(value); err != nil || args.Validate(ep.keys) != nil {
			valid = false
		}
		switch w.Code {
		case http.StatusOK:
			if !valid {
				t.Fatalf("GET %s = 200, but Docker's parser refuses the filters", path)
			}
		case http.StatusBadRequest, http.StatusNotFound:
			var m struct{ Message string }
			if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil || m.Message == "" {
				t.Fatalf("GET %s = %d with body %q: want Docker's JSON message", path, w.Code, w.Body)
			}
			if !valid && w.Code != http.StatusBadRequest {
				t.Fatalf("GET %s = %d, want 400 for filters Docker's parser refuses", path, w.Code)
			}
			return
		default:
			t.Fatalf("GET %s = %d %s", path, w.Code, w.Body)
		}
		ids, err := ep.ids(w.Body.Bytes())
		if err != nil {
			t.Fatalf("GET %s: answer %q: %v", path, w.Body, err)
		}
		for _, id := range ids {
			if !slices.Contains(all[i], id) {
				t.Fatalf("GET %s lists %q, which the unfiltered list does not hold", path, id)
			}
		}
		again, _ := ep.ids(serve(h, path).Body.Bytes())
		if !slices.Equal(ids, again) {
			t.Fatalf("GET %s lists %q, then %q", path, ids, again)
		}
	})
}
