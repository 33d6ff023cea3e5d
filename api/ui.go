package api

import (
	"embed"
	"fmt"
	"io/fs"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/swarm-project/swarm/cluster/engine"
)

// This file serves the live cluster page: plain HTML, CSS and a small
// script embedded in the binary (api/ui), and the one JSON document the
// page reads, /ui/state.json. The page is read-only: every route is a GET.
// It follows events through the ordinary /events route. A replica manager
// forwards /ui/ to the primary like any other route (replica.go), so the
// page always shows the primary's view.

//go:embed ui/index.html ui/style.css ui/app.js
var uiFiles embed.FS

// uiDefaultPerPage and uiMaxPerPage bound how many nodes one state.json
// answer carries: the page renders one page of nodes at a time, so that a
// cluster of 1,000 nodes stays usable.
const (
	uiDefaultPerPage = 25
	uiMaxPerPage     = 200
)

// uiRoutes are the routes of the cluster page.
func (s *Server) uiRoutes() []route {
	static := s.uiStatic()
	return []route{
		{"GET", "/ui", func(w http.ResponseWriter, r *http.Request) error {
			http.Redirect(w, r, "/ui/", http.StatusMovedPermanently)
			return nil
		}},
		{"GET", "/ui/", static},
		{"GET", "/ui/index.html", static},
		{"GET", "/ui/style.css", static},
		{"GET", "/ui/app.js", static},
		{"GET", "/ui/state.json", s.uiState},
	}
}

// uiStatic serves the embedded files.
func (s *Server) uiStatic() handlerFunc {
	sub, err := fs.Sub(uiFiles, "ui")
	if err != nil {
		panic(err) // the embed pattern above guarantees the directory
	}
	files := http.StripPrefix("/ui/", http.FileServer(http.FS(sub)))
	return func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Cache-Control", "no-cache")
		r.URL.Path = "/ui/" + strings.TrimPrefix(stripVersion(r.URL.Path), "/ui/")
		files.ServeHTTP(w, r)
		return nil
	}
}

// uiContainer is one container in state.json.
type uiContainer struct {
	Name   string `json:"name"`
	ID     string `json:"id"`
	Image  string `json:"image"`
	State  string `json:"state"`
	Status string `json:"status"`
}

// uiNode is one node in state.json. CPUs are in CPUs, memory in bytes.
type uiNode struct {
	Name         string        `json:"name"`
	ID           string        `json:"id"`
	Addr         string        `json:"addr"`
	Health       string        `json:"health"`
	Availability string        `json:"availability,omitempty"`
	Version      string        `json:"version"`
	Labels       []string      `json:"labels"`
	Error        string        `json:"error,omitempty"`
	ReservedCPUs float64       `json:"reservedCPUs"`
	TotalCPUs    float64       `json:"totalCPUs"`
	ReservedMem  int64         `json:"reservedMemory"`
	TotalMem     int64         `json:"totalMemory"`
	Containers   []uiContainer `json:"containers"`
}

// uiState is the whole state.json answer: cluster totals and one page of
// the nodes that match the filter.
type uiState struct {
	Time       time.Time `json:"time"`
	Strategy   string    `json:"strategy"`
	Nodes      int       `json:"nodes"`
	Healthy    int       `json:"healthy"`
	Containers int       `json:"containers"`
	Matched    int       `json:"matched"`
	Page       int       `json:"page"`
	PerPage    int       `json:"perPage"`
	Pages      int       `json:"pages"`
	Shown      []uiNode  `json:"shown"`
}

// uiPaging is a state.json query: which page of the nodes matching q.
type uiPaging struct {
	q             string
	page, perPage int
}

// parseUIPaging reads page, per_page and q, refusing bad numbers with 400.
func parseUIPaging(r *http.Request) (uiPaging, error) {
	p := uiPaging{q: strings.ToLower(strings.TrimSpace(r.URL.Query().Get("q"))), page: 1, perPage: uiDefaultPerPage}
	for _, f := range []struct {
		key string
		dst *int
		max int
	}{{"page", &p.page, 0}, {"per_page", &p.perPage, uiMaxPerPage}} {
		raw := r.URL.Query().Get(f.key)
		if raw == "" {
			continue
		}
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || (f.max > 0 && n > f.max) {
			limit := "a positive integer"
			if f.max > 0 {
				limit = fmt.Sprintf("an integer from 1 to %d", f.max)
			}
			return p, errorf(http.StatusBadRequest, fmt.Sprintf("invalid %s %q: must be %s", f.key, raw, limit))
		}
		*f.dst = n
	}
	return p, nil
}

// uiState answers GET /ui/state.json?page=N&per_page=K&q=TEXT. q keeps the
// nodes whose name, address, health, version, label or container name
// contains TEXT (case-insensitive).
func (s *Server) uiState(w http.ResponseWriter, r *http.Request) error {
	p, err := parseUIPaging(r)
	if err != nil {
		return err
	}
	now := time.Now()
	metas := s.nodeMetas()
	var all []uiNode
	for _, e := range s.summary.Engines() {
		all = append(all, uiNodeOf(e, metas[e], now))
	}
	writeJSON(w, http.StatusOK, pageUINodes(all, p, s.summary.Strategy(), now))
	return nil
}

// uiNodeOf renders one engine for the page.
func uiNodeOf(e *engine.Engine, meta engine.NodeMeta, now time.Time) uiNode {
	u := e.Usage()
	n := uiNode{
		Name: e.Name(), ID: e.ID(), Addr: e.Addr(), Health: e.Health().String(),
		Version: e.Version().Version, Labels: nodeLabels(e, meta), Error: e.LastError(),
		ReservedCPUs: float64(u.ReservedCPUs) / float64(engine.NanoCPU), TotalCPUs: float64(u.TotalCPUs) / float64(engine.NanoCPU),
		ReservedMem: u.ReservedMemory, TotalMem: u.TotalMemory, Containers: []uiContainer{},
	}
	if a := meta.Spec.Availability; a != "" && a != engine.AvailabilityActive {
		n.Availability = string(a)
	}
	for _, c := range e.Containers() {
		sum := c.Summary(now)
		n.Containers = append(n.Containers, uiContainer{Name: c.Name(), ID: c.ID(), Image: sum.Image, State: sum.State, Status: sum.Status})
	}
	sort.Slice(n.Containers, func(i, j int) bool { return n.Containers[i].Name < n.Containers[j].Name })
	return n
}

// pageUINodes sorts the nodes by name, counts them, filters them by
// p.q and cuts out page p.page.
func pageUINodes(all []uiNode, p uiPaging, strategy string, now time.Time) uiState {
	sort.Slice(all, func(i, j int) bool { return all[i].Name < all[j].Name })
	st := uiState{Time: now.UTC(), Strategy: strategy, Nodes: len(all), Page: p.page, PerPage: p.perPage, Shown: []uiNode{}}
	var matched []uiNode
	for _, n := range all {
		if n.Health == engine.Healthy.String() {
			st.Healthy++
		}
		st.Containers += len(n.Containers)
		if uiMatches(n, p.q) {
			matched = append(matched, n)
		}
	}
	st.Matched = len(matched)
	st.Pages = max(1, (len(matched)+p.perPage-1)/p.perPage)
	if st.Page > st.Pages {
		st.Page = st.Pages
	}
	lo := (st.Page - 1) * p.perPage
	hi := min(lo+p.perPage, len(matched))
	if lo < hi {
		st.Shown = matched[lo:hi]
	}
	return st
}

// uiMatches reports whether a node matches the page's filter text.
func uiMatches(n uiNode, q string) bool {
	if q == "" {
		return true
	}
	fields := append([]string{n.Name, n.Addr, n.Health, n.Version, n.Availability}, n.Labels...)
	for _, c := range n.Containers {
		fields = append(fields, c.Name)
	}
	for _, f := range fields {
		if strings.Contains(strings.ToLower(f), q) {
			return true
		}
	}
	return false
}
