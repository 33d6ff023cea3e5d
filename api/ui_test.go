package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestParseUIPaging(t *testing.T) {
	tests := []struct {
		name, query string
		want        uiPaging
		wantErr     string
	}{
		{name: "defaults", query: "", want: uiPaging{page: 1, perPage: uiDefaultPerPage}},
		{name: "all set", query: "page=3&per_page=10&q=+Node-1+", want: uiPaging{q: "node-1", page: 3, perPage: 10}},
		{name: "largest page", query: "per_page=200", want: uiPaging{page: 1, perPage: 200}},
		{name: "page zero", query: "page=0", wantErr: `invalid page "0": must be a positive integer`},
		{name: "page not a number", query: "page=x", wantErr: `invalid page "x"`},
		{name: "too many per page", query: "per_page=201", wantErr: `invalid per_page "201": must be an integer from 1 to 200`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseUIPaging(httptest.NewRequest("GET", "/ui/state.json?"+tc.query, nil))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || statusCode(err) != http.StatusBadRequest {
					t.Fatalf("err = %v (status %d), want 400 with %q", err, statusCode(err), tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}

func TestPageUINodes(t *testing.T) {
	var many []uiNode
	for i := 1000; i >= 1; i-- { // reversed: the page sorts by name
		h := "Healthy"
		if i%10 == 0 {
			h = "Unhealthy"
		}
		many = append(many, uiNode{Name: fmt.Sprintf("node-%04d", i), Health: h, Labels: []string{fmt.Sprintf("zone=z%d", i%3)},
			Containers: []uiContainer{{Name: fmt.Sprintf("web-%d", i)}}})
	}
	tests := []struct {
		name                   string
		p                      uiPaging
		wantMatched, wantPages int
		wantPage               int
		wantFirst, wantLast    string
		wantShown              int
	}{
		{name: "first page", p: uiPaging{page: 1, perPage: 25}, wantMatched: 1000, wantPages: 40, wantPage: 1, wantFirst: "node-0001", wantLast: "node-0025", wantShown: 25},
		{name: "last page", p: uiPaging{page: 40, perPage: 25}, wantMatched: 1000, wantPages: 40, wantPage: 40, wantFirst: "node-0976", wantLast: "node-1000", wantShown: 25},
		{name: "past the end shows the last page", p: uiPaging{page: 99, perPage: 300}, wantMatched: 1000, wantPages: 4, wantPage: 4, wantFirst: "node-0901", wantLast: "node-1000", wantShown: 100},
		{name: "filter by health", p: uiPaging{q: "unhealthy", page: 1, perPage: 200}, wantMatched: 100, wantPages: 1, wantPage: 1, wantFirst: "node-0010", wantLast: "node-1000", wantShown: 100},
		{name: "filter by container", p: uiPaging{q: "web-77", page: 1, perPage: 25}, wantMatched: 11, wantPages: 1, wantPage: 1, wantFirst: "node-0077", wantLast: "node-0779", wantShown: 11},
		{name: "filter by label", p: uiPaging{q: "zone=z0", page: 2, perPage: 300}, wantMatched: 333, wantPages: 2, wantPage: 2, wantShown: 33, wantFirst: "node-0903", wantLast: "node-0999"},
		{name: "nothing matches", p: uiPaging{q: "nope", page: 1, perPage: 25}, wantMatched: 0, wantPages: 1, wantPage: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := pageUINodes(append([]uiNode(nil), many...), tc.p, "spread", time.Unix(0, 0))
			if st.Nodes != 1000 || st.Healthy != 900 || st.Containers != 1000 {
				t.Errorf("totals %d nodes, %d healthy, %d containers; want 1000, 900, 1000", st.Nodes, st.Healthy, st.Containers)
			}
			if st.Matched != tc.wantMatched || st.Pages != tc.wantPages || st.Page != tc.wantPage || len(st.Shown) != tc.wantShown {
				t.Fatalf("matched %d, pages %d, page %d, shown %d; want %d, %d, %d, %d",
					st.Matched, st.Pages, st.Page, len(st.Shown), tc.wantMatched, tc.wantPages, tc.wantPage, tc.wantShown)
			}
			if tc.wantShown > 0 && (st.Shown[0].Name != tc.wantFirst || st.Shown[len(st.Shown)-1].Name != tc.wantLast) {
				t.Errorf("shown %s..%s, want %s..%s", st.Shown[0].Name, st.Shown[len(st.Shown)-1].Name, tc.wantFirst, tc.wantLast)
			}
		})
	}
}

func TestUIRoutes(t *testing.T) {
	s := fakeServer(&fakeCluster{strategy: "spread"})
	tests := []struct {
		method, path string
		wantStatus   int
		wantType     string
		wantBody     string
	}{
		{"GET", "/ui", http.StatusMovedPermanently, "", ""},
		{"GET", "/ui/", http.StatusOK, "text/html", `<script src="app.js">`},
		{"GET", "/ui/index.html", http.StatusMovedPermanently, "", ""}, // the file server's canonical /ui/
		{"GET", "/ui/app.js", http.StatusOK, "javascript", "state.json"},
		{"GET", "/ui/style.css", http.StatusOK, "text/css", ".node"},
		{"GET", "/ui/state.json", http.StatusOK, "application/json", `"strategy":"spread"`},
		{"GET", "/ui/state.json?page=-1", http.StatusBadRequest, "application/json", "invalid page"},
		{"GET", "/ui/secret.go", http.StatusNotImplemented, "", ""},
		{"POST", "/ui/state.json", http.StatusNotImplemented, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			w := httptest.NewRecorder()
			s.Handler().ServeHTTP(w, httptest.NewRequest(tc.method, tc.path, nil))
			if w.Code != tc.wantStatus {
				t.Fatalf("status %d, want %d: %s", w.Code, tc.wantStatus, w.Body)
			}
			if !strings.Contains(w.Header().Get("Content-Type"), tc.wantType) || !strings.Contains(w.Body.String(), tc.wantBody) {
				t.Errorf("type %q body %.200q, want %q with %q", w.Header().Get("Content-Type"), w.Body, tc.wantType, tc.wantBody)
			}
			if tc.path == "/ui/state.json" && tc.wantStatus == http.StatusOK {
				var st uiState
				if err := json.Unmarshal(w.Body.Bytes(), &st); err != nil || st.Shown == nil || st.Pages != 1 {
					t.Errorf("state %+v, %v; want an empty first page", st, err)
				}
			}
		})
	}
}
