package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docker/docker/api/types"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/swarm"
	"github.com/docker/docker/api/types/system"
	"github.com/docker/go-units"
	log "github.com/sirupsen/logrus"

	"github.com/swarm-project/swarm/cluster"
	"github.com/swarm-project/swarm/cluster/engine"
	"github.com/swarm-project/swarm/scheduler"
	"github.com/swarm-project/swarm/test/simengine"
)

// referenceInfo is GET /info as it was before the node sections were
// cached (commit ab75f39), with the time passed in: the tests compare the
// cached answer with it byte for byte.
func referenceInfo(s *Server, w http.ResponseWriter, now time.Time) {
	engines := s.summary.Engines()
	status := roleLines(s.opts.Replication)
	status = append(status, s.startupLines()...)
	status = append(status, [][2]string{
		{"Strategy", s.summary.Strategy()},
		{"Filters", strings.Join(s.summary.Filters(), ", ")},
		{"Nodes", fmt.Sprint(len(engines))},
	}...)
	info := system.Info{
		Name:               hostname(),
		ServerVersion:      "swarm/" + s.opts.Version,
		OperatingSystem:    runtime.GOOS,
		OSType:             runtime.GOOS,
		Architecture:       runtime.GOARCH,
		KernelVersion:      kernelVersion(),
		ExperimentalBuild:  s.opts.Experimental,
		SystemTime:         now.Format(time.RFC3339Nano),
		Swarm:              swarm.Info{LocalNodeState: swarm.LocalNodeStateInactive},
		IndexServerAddress: "https://index.docker.io/v1/",
		DefaultRuntime:     "runc",
	}
	images := map[string]bool{}
	metas := s.nodeMetas()
	for _, e := range engines {
		u := e.Usage()
		info.Containers += u.Containers
		info.ContainersRunning += u.Running
		info.ContainersPaused += u.Paused
		info.ContainersStopped += u.Stopped
		info.NCPU += int(u.TotalCPUs / engine.NanoCPU)
		info.MemTotal += u.TotalMemory
		for _, img := range e.Images() {
			images[e.Addr()+img.ID] = true
		}
		errMsg := e.LastError()
		if errMsg == "" {
			errMsg = "(none)"
		}
		updated := "never"
		if t := e.UpdatedAt(); !t.IsZero() {
			updated = t.UTC().Format(time.RFC3339)
		}
		meta := metas[e]
		status = append(status,
			[2]string{" " + e.Name(), e.Addr()},
			[2]string{"  └ ID", e.ID()},
			[2]string{"  └ Status", e.Health().String()},
		)
		if a := meta.Spec.Availability; a != "" && a != engine.AvailabilityActive {
			status = append(status, [2]string{"  └ Availability", string(a)})
		}
		status = append(status,
			[2]string{"  └ Containers", fmt.Sprintf("%d (%d Running, %d Paused, %d Stopped)", u.Containers, u.Running, u.Paused, u.Stopped)},
			[2]string{"  └ Reserved CPUs", cpus(u.ReservedCPUs) + " / " + cpus(u.TotalCPUs)},
			[2]string{"  └ Reserved Memory", units.BytesSize(float64(u.ReservedMemory)) + " / " + units.BytesSize(float64(u.TotalMemory))},
			[2]string{"  └ Labels", strings.Join(nodeLabels(e, meta), ", ")},
			[2]string{"  └ Error", errMsg},
			[2]string{"  └ UpdatedAt", updated},
			[2]string{"  └ ServerVersion", e.Version().Version},
		)
	}
	info.Images = len(images)
	info.SystemStatus = status
	writeJSON(w, http.StatusOK, info)
}

// infoFixture is a summary and nodes backend over engines whose state the
// test sets: mu guards every field.
type infoFixture struct {
	mu       sync.Mutex
	engines  []*engine.Engine
	metas    map[*engine.Engine]engine.NodeMeta
	reversed bool // SwarmNodes lists the nodes in the reverse order
}

func (f *infoFixture) Engines() []*engine.Engine {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.engines)
}
func (f *infoFixture) Strategy() string  { return "spread" }
func (f *infoFixture) Filters() []string { return []string{"health", "port", "constraint"} }
func (f *infoFixture) NewestAPI() string { return "1.41" }

func (f *infoFixture) SwarmNodes() []engine.Node {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]engine.Node, 0, len(f.engines))
	for _, e := range f.engines {
		m, ok := f.metas[e]
		if !ok {
			m = engine.NodeMeta{Spec: engine.NodeSpec{Availability: engine.AvailabilityActive}}
		}
		out = append(out, engine.Node{Engine: e, Meta: m})
	}
	if f.reversed {
		slices.Reverse(out)
	}
	return out
}

func (f *infoFixture) SwarmNode(string) (engine.Node, error) {
	return engine.Node{}, errors.New("unused")
}
func (f *infoFixture) UpdateNode(context.Context, string, uint64, engine.NodeSpec) ([]string, error) {
	return nil, errors.New("unused")
}

// setMeta replaces e's record.
func (f *infoFixture) setMeta(e *engine.Engine, m engine.NodeMeta) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.metas[e] = m
}

// remove drops e from the listed engines.
func (f *infoFixture) remove(e *engine.Engine) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.engines = slices.DeleteFunc(f.engines, func(x *engine.Engine) bool { return x == e })
}

// simEngines runs a cluster over simulated engines of varied shape until
// each was reached (or, for the ones meant to fail, failed), then stops
// it: the engines returned keep the state their refreshes left (versions,
// update times, CPUs, memory, images, containers, errors) and no longer
// change by themselves.
func simEngines(t *testing.T) []*engine.Engine {
	t.Helper()
	level := log.GetLevel()
	log.SetLevel(log.FatalLevel)
	t.Cleanup(func() { log.SetLevel(level) })
	nw := simengine.NewNetwork()
	paused := simengine.Containers("p", 3)
	paused[0].State = container.StatePaused
	paused[1].HostConfig = &container.HostConfig{Resources: container.Resources{NanoCPUs: 1500000000, Memory: 3 << 30}}
	paused[2].State = container.StateCreated
	paused[2].HostConfig = &container.HostConfig{Resources: container.Resources{CPUShares: 2048}}
	cfgs := []simengine.Config{
		{Name: "node-a", NCPU: 4, MemTotal: 8 << 30, Labels: []string{"rack=1", "tier=<gold & \"silver\">"}, Containers: simengine.Containers("c", 4)},
		{Name: "node-b", NCPU: 16, MemTotal: 123456789012, ServerVersion: "24.0.7", Containers: paused,
			Images: []image.Summary{{ID: "sha256:aaa", RepoTags: []string{"a:1"}}, {ID: "sha256:bbb", RepoTags: []string{"b:1"}}, {ID: "sha256:aaa", RepoTags: []string{"a:2"}}}},
		{Name: "node-c", Images: []image.Summary{}},
		{Name: "node-failing", Containers: simengine.Containers("f", 2)},
	}
	var sims []*simengine.Engine
	for _, cfg := range cfgs {
		se, err := nw.Start(cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(se.Close)
		sims = append(sims, se)
	}
	sched, err := scheduler.New("spread", nil, scheduler.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	c := cluster.New(cluster.Options{
		Engine: cluster.EngineOptions{
			RefreshMin: time.Hour, RefreshMax: time.Hour, FailureRetry: 2,
			Transport: nw.Transport(), EventTransport: nw.Transport(),
		},
		Scheduler: sched,
	})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, se := range sims {
		if err := c.AddEngine(ctx, se.Addr()); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.AddEngine(ctx, "unreachable.invalid:2375"); err != nil {
		t.Fatal(err)
	}
	if err := c.WaitHealthy(ctx, len(sims)); err != nil {
		t.Fatal(err)
	}
	engines := c.Engines()
	failing := sims[len(sims)-1]
	failing.SetFailure(simengine.FailError)
	for _, e := range engines {
		if e.Addr() == failing.Addr() {
			e.Kick()
		}
	}
	wantErr := map[string]bool{failing.Addr(): true, "unreachable.invalid:2375": true}
	for {
		missing := 0
		for _, e := range engines {
			if wantErr[e.Addr()] && e.LastError() == "" {
				missing++
			}
		}
		if missing == 0 {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("%d engines never failed", missing)
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, e := range engines {
		c.RemoveEngine(e.Addr())
	}
	return engines
}

// connErr is an error the engine counts as a failed contact.
var connErr = &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}

// newInfoFixture is a server over simulated engines (simEngines) plus
// fixture engines: pending, unhealthy with an error, healthy with labels
// that need escaping; some drained, paused or labelled by the manager.
func newInfoFixture(t *testing.T) (*Server, *infoFixture) {
	t.Helper()
	engines := simEngines(t)
	pending := engine.NewFixture(engine.Fixture{Addr: "10.0.0.9:2375", Health: engine.Pending})
	down := engine.NewFixture(engine.Fixture{Addr: "10.0.0.8:2375", Name: "node-down", ID: "DOWN:1", Health: engine.Healthy, FailureRetry: 1,
		Labels: map[string]string{"node": "node-down"}})
	_ = down.ObserveCall(connErr) // Unhealthy, with the error
	odd := engine.NewFixture(engine.Fixture{Addr: "10.0.0.7:2375", Name: "node-<odd>", ID: "ODD:1", Health: engine.Healthy,
		Labels:     map[string]string{"z": "last", "a": "first", "html": "<script>&amp;"},
		Containers: []container.InspectResponse{fixtureContainer("1", true), fixtureContainer("2", false)},
		Images:     []image.Summary{{ID: "sha256:aaa"}}})
	engines = append(engines, pending, down, odd)
	f := &infoFixture{engines: engines, metas: map[*engine.Engine]engine.NodeMeta{}}
	byName := map[string]*engine.Engine{}
	for _, e := range engines {
		byName[e.Name()] = e
	}
	f.metas[byName["node-a"]] = engine.NodeMeta{Spec: engine.NodeSpec{Availability: engine.AvailabilityDrain, Labels: map[string]string{"zone": "eu", "rack": "manager-wins"}}, Version: 3}
	f.metas[byName["node-b"]] = engine.NodeMeta{Spec: engine.NodeSpec{Availability: engine.AvailabilityPause}}
	f.metas[odd] = engine.NodeMeta{Spec: engine.NodeSpec{Availability: engine.AvailabilityActive, Labels: map[string]string{"<k>": "\"v\""}}}
	s := &Server{summary: f, nodes: f, streams: newStreamSet()}
	return s, f
}

func fixtureContainer(id string, running bool) container.InspectResponse {
	return container.InspectResponse{
		ContainerJSONBase: &container.ContainerJSONBase{
			ID: strings.Repeat(id, 64), Name: "/c" + id,
			State:      &container.State{Running: running, Status: map[bool]string{true: "running", false: "exited"}[running]},
			HostConfig: &container.HostConfig{Resources: container.Resources{Memory: 256 << 20, NanoCPUs: 250000000}},
		},
		Config: &container.Config{Image: "busybox"},
	}
}

// compareWithReference fails the test when the cached answer at now
// differs from the reference's.
func compareWithReference(t *testing.T, s *Server, now time.Time) []byte {
	t.Helper()
	rec := httptest.NewRecorder()
	referenceInfo(s, rec, now)
	want := rec.Body.Bytes()
	a, err := s.infoAnswer(now)
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	n, err := a.WriteTo(&got)
	if err != nil || n != int64(got.Len()) {
		t.Fatalf("WriteTo = %d, %v; wrote %d", n, err, got.Len())
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Fatalf("cached answer differs from the reference:\n got %s\nwant %s", got.Bytes(), want)
	}
	return want
}

func TestInfoMatchesReference(t *testing.T) {
	s, f := newInfoFixture(t)
	now := time.Date(2026, 12, 5, 16, 30, 0, 123456789, time.UTC)
	body := compareWithReference(t, s, now) // every section built
	// The fixture shows what it is meant to.
	for _, want := range []string{`"Pending"`, `"Unhealthy"`, `"Healthy"`, `"drain"`, `"pause"`, `connection refused`,
		`"24.0.7"`, `"never"`, `rack=manager-wins`, `\u003cscript\u003e`, `"2 (1 Running, 0 Paused, 1 Stopped)"`} {
		if !bytes.Contains(body, []byte(want)) {
			t.Errorf("the fixture's answer lacks %s:\n%s", want, body)
		}
	}
	var info system.Info
	if err := json.Unmarshal(body, &info); err != nil {
		t.Fatal(err)
	}
	// Images: busybox on node-a and node-failing, two distinct on
	// node-b, none on node-c, one on node-<odd>.
	if info.Images != 5 || info.ContainersPaused != 1 || info.NCPU != 4+16+2+2 {
		t.Errorf("totals: %d images (want 5), %d paused (want 1), %d CPUs (want 24)", info.Images, info.ContainersPaused, info.NCPU)
	}
	compareWithReference(t, s, now.Add(time.Second)) // every section reused

	byName := map[string]*engine.Engine{}
	for _, e := range f.Engines() {
		byName[e.Name()] = e
	}
	steps := []struct {
		name   string
		change func()
		same   bool // the answer shows no change
	}{
		{name: "container forgotten", change: func() { byName["node-b"].Forget(byName["node-b"].Containers()[0].ID()) }},
		{name: "engine failed", change: func() { _ = byName["node-a"].ObserveCall(connErr) }},
		{name: "node undrained and relabelled", change: func() {
			f.setMeta(byName["node-a"], engine.NodeMeta{Spec: engine.NodeSpec{Availability: engine.AvailabilityActive, Labels: map[string]string{"zone": "us"}}})
		}},
		{name: "node records listed in another order", change: func() { f.mu.Lock(); f.reversed = true; f.mu.Unlock() }, same: true},
		{name: "engine removed", change: func() { f.remove(byName["node-c"]) }},
	}
	for _, step := range steps {
		t.Run(step.name, func(t *testing.T) {
			before := compareWithReference(t, s, now)
			step.change()
			if after := compareWithReference(t, s, now); bytes.Equal(before, after) != step.same {
				t.Errorf("the answer changed: %v, want %v", !bytes.Equal(before, after), !step.same)
			}
		})
	}
	if got, want := s.infoCache.len(), len(f.Engines()); got != want {
		t.Errorf("%d sections cached for %d engines", got, want)
	}
}

// TestInfoHandler checks what the route answers: the same document as
// the reference but for the time.
func TestInfoHandler(t *testing.T) {
	s, _ := newInfoFixture(t)
	s.handler = s.buildHandler()
	rec := httptest.NewRecorder()
	s.handler.ServeHTTP(rec, httptest.NewRequest("GET", "/v1.41/info", nil))
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("status %d, Content-Type %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	var got system.Info
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	ref := httptest.NewRecorder()
	referenceInfo(s, ref, time.Now())
	var want system.Info
	if err := json.Unmarshal(ref.Body.Bytes(), &want); err != nil {
		t.Fatal(err)
	}
	got.SystemTime, want.SystemTime = "", ""
	if !slices.Equal(got.SystemStatus, want.SystemStatus) || got.Containers != want.Containers || got.Images != want.Images {
		t.Errorf("handler answer %+v\nwant %+v", got, want)
	}
}

// fakeNode is an infoNode whose every input the test sets; usages counts
// the sections built from it.
type fakeNode struct {
	gen            uint64
	addr, name, id string
	health         engine.Health
	lastErr        string
	updatedAt      time.Time
	version        string
	usage          engine.Usage
	images         []image.Summary
	labels         map[string]string // engine labels
	// availability and managerLabels are the manager's record (meta).
	availability  engine.Availability
	managerLabels map[string]string

	mu     sync.Mutex // guards usages
	usages int
}

func (n *fakeNode) Generation() uint64     { return n.gen }
func (n *fakeNode) Addr() string           { return n.addr }
func (n *fakeNode) Name() string           { return n.name }
func (n *fakeNode) ID() string             { return n.id }
func (n *fakeNode) Health() engine.Health  { return n.health }
func (n *fakeNode) LastError() string      { return n.lastErr }
func (n *fakeNode) UpdatedAt() time.Time   { return n.updatedAt }
func (n *fakeNode) Version() types.Version { return types.Version{Version: n.version} }
func (n *fakeNode) Images() []image.Summary {
	return n.images
}
func (n *fakeNode) Labels() map[string]string { return maps.Clone(n.labels) }
func (n *fakeNode) Usage() engine.Usage {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.usages++
	return n.usage
}

func (n *fakeNode) builds() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.usages
}

func (n *fakeNode) meta() engine.NodeMeta {
	return engine.NodeMeta{Spec: engine.NodeSpec{Availability: n.availability, Labels: n.managerLabels}}
}

// metas is a record lookup over ms.
func metas(ms ...engine.NodeMeta) func(int) *engine.NodeMeta {
	return func(i int) *engine.NodeMeta { return &ms[i] }
}

func newFakeNode() *fakeNode {
	return &fakeNode{
		gen: 7, addr: "10.1.0.1:2375", name: "node-x", id: "XXXX:1", health: engine.Healthy,
		updatedAt: time.Date(2026, 12, 5, 16, 0, 0, 0, time.UTC), version: "20.10.24",
		usage:  engine.Usage{Containers: 3, Running: 2, Stopped: 1, TotalCPUs: 2 * engine.NanoCPU, TotalMemory: 1 << 30},
		images: []image.Summary{{ID: "sha256:1"}}, labels: map[string]string{"node": "node-x"},
		availability: engine.AvailabilityActive, managerLabels: map[string]string{"zone": "eu"},
	}
}

// TestInfoSectionKey changes one input of a node section at a time, the
// engine's generation staying put unless it is the input, and checks
// that the section is built again and shows the change; and that a
// section whose inputs did not change is reused.
func TestInfoSectionKey(t *testing.T) {
	tests := []struct {
		name    string
		change  func(n *fakeNode)
		shows   string // in the section's rows after the change
		rebuilt bool
	}{
		{name: "nothing", change: func(*fakeNode) {}, shows: `" node-x"`, rebuilt: false},
		{name: "a change the generation does not cover is not seen", change: func(n *fakeNode) { n.usage.Containers = 9 }, shows: `"3 (2 Running`, rebuilt: false},
		{name: "generation", change: func(n *fakeNode) { n.gen++; n.usage.Containers = 9 }, shows: `"9 (2 Running`, rebuilt: true},
		{name: "name", change: func(n *fakeNode) { n.name = "node-y" }, shows: `" node-y"`, rebuilt: true},
		{name: "ID", change: func(n *fakeNode) { n.id = "YYYY:2" }, shows: `"YYYY:2"`, rebuilt: true},
		{name: "health", change: func(n *fakeNode) { n.health = engine.Unhealthy }, shows: `"Unhealthy"`, rebuilt: true},
		{name: "last error", change: func(n *fakeNode) { n.lastErr = "boom" }, shows: `"boom"`, rebuilt: true},
		{name: "updated at", change: func(n *fakeNode) { n.updatedAt = n.updatedAt.Add(time.Minute) }, shows: `"2026-12-05T16:01:00Z"`, rebuilt: true},
		{name: "version", change: func(n *fakeNode) { n.version = "24.0.0" }, shows: `"24.0.0"`, rebuilt: true},
		{name: "availability", change: func(n *fakeNode) { n.availability = engine.AvailabilityDrain }, shows: `"drain"`, rebuilt: true},
		{name: "manager label changed", change: func(n *fakeNode) { n.managerLabels = map[string]string{"zone": "us"} }, shows: `zone=us`, rebuilt: true},
		{name: "manager label added", change: func(n *fakeNode) { n.managerLabels = map[string]string{"zone": "eu", "ssd": "1"} }, shows: `ssd=1`, rebuilt: true},
		{name: "manager labels removed", change: func(n *fakeNode) { n.managerLabels = nil }, shows: `"node=node-x"`, rebuilt: true},
		{name: "manager label map changed in place", change: func(n *fakeNode) { n.managerLabels["zone"] = "ap" }, shows: `zone=ap`, rebuilt: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := newFakeNode()
			var c infoCache
			first, _, err := collect(&c, []infoNode{n}, metas(n.meta()))
			if err != nil {
				t.Fatal(err)
			}
			tc.change(n)
			second, _, err := collect(&c, []infoNode{n}, metas(n.meta()))
			if err != nil {
				t.Fatal(err)
			}
			if rebuilt := first[0] != second[0]; rebuilt != tc.rebuilt {
				t.Errorf("rebuilt = %v, want %v", rebuilt, tc.rebuilt)
			}
			if want := 1 + map[bool]int{true: 1}[tc.rebuilt]; n.builds() != want {
				t.Errorf("%d sections built, want %d", n.builds(), want)
			}
			if !bytes.Contains(second[0].rows, []byte(tc.shows)) {
				t.Errorf("rows %s do not show %s", second[0].rows, tc.shows)
			}
			if tc.rebuilt {
				// A rebuilt section is what a new cache builds.
				var fresh infoCache
				n.gen++ // a fresh cache must not be mistaken for the old one
				want, _, err := collect(&fresh, []infoNode{n}, metas(n.meta()))
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(second[0].rows, want[0].rows) {
					t.Errorf("rows %s, a fresh cache builds %s", second[0].rows, want[0].rows)
				}
			}
		})
	}
}

func TestInfoCacheTotals(t *testing.T) {
	a, b := newFakeNode(), newFakeNode()
	b.addr, b.name = "10.1.0.2:2375", "node-b"
	b.images = []image.Summary{{ID: "sha256:1"}, {ID: "sha256:2"}, {ID: "sha256:1"}}
	b.usage = engine.Usage{Containers: 4, Running: 1, Paused: 2, Stopped: 1, TotalCPUs: 3*engine.NanoCPU + 1, TotalMemory: 5}
	var c infoCache
	_, total, err := collect(&c, []infoNode{a, b}, metas(a.meta(), b.meta()))
	if err != nil {
		t.Fatal(err)
	}
	want := infoTotals{containers: 7, running: 3, paused: 2, stopped: 2, ncpu: 5, memory: 1<<30 + 5, images: 3}
	if total != want {
		t.Errorf("totals %+v, want %+v", total, want)
	}
}

func TestInfoCacheDropsRemovedEngines(t *testing.T) {
	nodes := make([]infoNode, 5)
	records := make([]engine.NodeMeta, 5)
	for i := range nodes {
		n := newFakeNode()
		n.name = fmt.Sprintf("node-%d", i)
		nodes[i] = n
	}
	var c infoCache
	steps := []struct {
		name string
		keep []int
	}{
		{"all", []int{0, 1, 2, 3, 4}},
		{"two removed", []int{0, 2, 4}},
		{"one back, one more removed", []int{1, 4}},
		{"none", nil},
	}
	for _, step := range steps {
		var ns []infoNode
		var ms []engine.NodeMeta
		for _, i := range step.keep {
			ns = append(ns, nodes[i])
			ms = append(ms, records[i])
		}
		sections, _, err := collect(&c, ns, metas(ms...))
		if err != nil {
			t.Fatal(err)
		}
		if len(sections) != len(ns) || c.len() != len(ns) {
			t.Errorf("%s: %d sections returned, %d cached, want %d", step.name, len(sections), c.len(), len(ns))
		}
	}
}

func TestSpliceInfoErrors(t *testing.T) {
	if _, err := spliceInfo(system.Info{}, nil, nil); err == nil {
		t.Error("no status rows: no error")
	}
	// A head whose SystemStatus is not the rows given.
	if _, err := spliceInfo(system.Info{SystemStatus: [][2]string{{"a", "b"}}}, [][2]string{{"c", "d"}}, nil); err == nil {
		t.Error("rows not in the head: no error")
	}
	if _, err := spliceInfo(map[string]any{"x": make(chan int)}, [][2]string{{"a", "b"}}, nil); err == nil {
		t.Error("head that does not encode: no error")
	}
}

// TestInfoConcurrent asks for /info from several goroutines while engines
// change and come and go (run it with -race); every answer must be a
// well-formed document whose node count matches its sections.
func TestInfoConcurrent(t *testing.T) {
	level := log.GetLevel()
	log.SetLevel(log.FatalLevel) // thousands of failed calls
	defer log.SetLevel(level)
	var engines []*engine.Engine
	for i := 0; i < 20; i++ {
		var cs []container.InspectResponse
		for j := 0; j < 10; j++ {
			cs = append(cs, fixtureContainer(fmt.Sprintf("%x", j), j%2 == 0))
		}
		engines = append(engines, engine.NewFixture(engine.Fixture{Addr: fmt.Sprintf("10.2.0.%d:2375", i), Name: fmt.Sprintf("node-%02d", i),
			ID: fmt.Sprintf("ID%d", i), Health: engine.Healthy, FailureRetry: 3, Containers: cs}))
	}
	f := &infoFixture{engines: slices.Clone(engines), metas: map[*engine.Engine]engine.NodeMeta{}}
	s := &Server{summary: f, nodes: f, streams: newStreamSet()}
	stop := make(chan struct{})
	var writers sync.WaitGroup
	writers.Add(1)
	go func() {
		defer writers.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			e := engines[i%len(engines)]
			switch i % 4 {
			case 0:
				if cs := e.Containers(); len(cs) > 0 {
					e.Forget(cs[0].ID())
				}
			case 1:
				_ = e.ObserveCall(connErr)
			case 2:
				f.setMeta(e, engine.NodeMeta{Spec: engine.NodeSpec{Availability: engine.AvailabilityPause, Labels: map[string]string{"i": fmt.Sprint(i)}}})
			case 3:
				f.mu.Lock()
				if len(f.engines) == len(engines) {
					f.engines = f.engines[1:]
				} else {
					f.engines = slices.Clone(engines)
				}
				f.mu.Unlock()
			}
		}
	}()
	var readers sync.WaitGroup
	errs := make(chan error, 4)
	for r := 0; r < 4; r++ {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for i := 0; i < 100; i++ {
				rec := httptest.NewRecorder()
				if err := s.info(rec, httptest.NewRequest("GET", "/info", nil)); err != nil {
					errs <- err
					return
				}
				var info system.Info
				if err := json.Unmarshal(rec.Body.Bytes(), &info); err != nil {
					errs <- fmt.Errorf("answer does not parse: %v", err)
					return
				}
				nodes, sections := "", 0
				for _, row := range info.SystemStatus {
					if row[0] == "Nodes" {
						nodes = row[1]
					}
					if row[0] == "  └ ID" {
						sections++
					}
				}
				if nodes != fmt.Sprint(sections) {
					errs <- fmt.Errorf("Nodes %s, %d sections", nodes, sections)
					return
				}
			}
		}()
	}
	readers.Wait()
	close(stop)
	writers.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
