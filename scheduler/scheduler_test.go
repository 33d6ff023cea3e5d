package scheduler

import (
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/swarm-project/swarm/filters"
	"github.com/swarm-project/swarm/filters/filterstest"
	"github.com/swarm-project/swarm/scheduler/node"
	nt "github.com/swarm-project/swarm/scheduler/node/nodetest"
)

func TestNew(t *testing.T) {
	tests := []struct {
		name         string
		strategy     string
		filters      []string
		opts         Options
		wantStrategy string
		wantFilters  []string
		wantErr      error
	}{
		{name: "defaults", wantStrategy: "spread", wantFilters: []string{"health", "port", "containerslots", "dependency", "affinity", "constraint", "whitelist"}},
		{name: "empty list is defaults", strategy: "binpack", filters: []string{}, wantStrategy: "binpack", wantFilters: FilterNames()},
		{name: "subset keeps given order", strategy: "random", filters: []string{"constraint", "health"}, wantStrategy: "random", wantFilters: []string{"constraint", "health"}},
		{name: "unknown strategy", strategy: "roundrobin", wantErr: ErrUnknownStrategy},
		{name: "unknown filter", filters: []string{"health", "magic"}, wantErr: filters.ErrUnknownFilter},
		{name: "duplicate filter", filters: []string{"health", "health"}, wantErr: ErrBadOption},
		{name: "bad overcommit", opts: Options{Overcommit: -1}, wantErr: ErrBadOption},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := New(tt.strategy, tt.filters, tt.opts)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s.Strategy() != tt.wantStrategy {
				t.Errorf("Strategy() = %q, want %q", s.Strategy(), tt.wantStrategy)
			}
			if !slices.Equal(s.Filters(), tt.wantFilters) {
				t.Errorf("Filters() = %q, want %q", s.Filters(), tt.wantFilters)
			}
		})
	}
}

// The errors for unknown names list the valid ones.
func TestNewListsValidNames(t *testing.T) {
	_, err := New("nope", nil, Options{})
	for _, n := range Strategies() {
		if err == nil || !strings.Contains(err.Error(), n) {
			t.Errorf("error %v does not list strategy %q", err, n)
		}
	}
	_, err = New("", []string{"nope"}, Options{})
	for _, n := range FilterNames() {
		if err == nil || !strings.Contains(err.Error(), n) {
			t.Errorf("error %v does not list filter %q", err, n)
		}
	}
}

// cluster is a small snapshot for end-to-end selections.
func cluster() []*node.Node {
	return []*node.Node{
		nt.New("node-1", nt.Labels("storage", "ssd", "region", "us-east"), nt.Resources(4, 8*gib),
			nt.With(nt.Container("web", nt.Ports(80), nt.Reserve(1, 2*gib)), nt.Container("db", nt.Reserve(1, 2*gib)))),
		nt.New("node-2", nt.Labels("storage", "disk", "region", "us-west", "containerslots", "1"), nt.Resources(4, 8*gib),
			nt.With(nt.Container("cache", nt.Ports(6379)))),
		nt.New("node-3", nt.Labels("storage", "ssd", "region", "eu-west"), nt.Resources(2, 2*gib)),
		nt.New("node-4", nt.Labels("storage", "ssd"), nt.Resources(8, 16*gib), nt.Unhealthy()),
	}
}

func TestSelect(t *testing.T) {
	tests := []struct {
		name     string
		strategy string
		req      *node.Request
		want     []string
	}{
		{name: "spread", req: &node.Request{}, want: []string{"node-3", "node-1"}},
		{name: "binpack", strategy: "binpack", req: &node.Request{}, want: []string{"node-1", "node-3"}},
		{name: "constraint", req: &node.Request{Env: []string{"constraint:region==us-*"}}, want: []string{"node-1"}},
		{name: "port", req: &node.Request{Ports: []node.Port{{HostPort: 80}}}, want: []string{"node-3"}},
		{name: "affinity", req: &node.Request{Env: []string{"affinity:container==db"}}, want: []string{"node-1"}},
		{name: "dependency", req: &node.Request{Links: []string{"web:w"}}, want: []string{"node-1"}},
		{name: "resources", req: &node.Request{Memory: 3 * gib}, want: []string{"node-1"}},
		{name: "soft constraint preferred", req: &node.Request{Env: []string{"constraint:region==~us-*"}}, want: []string{"node-1", "node-3"}},
		{name: "soft constraint nobody meets", req: &node.Request{Env: []string{"constraint:region==~mars"}}, want: []string{"node-3", "node-1"}},
		{name: "soft anti-affinity", req: &node.Request{Env: []string{"affinity:container!=~web"}}, want: []string{"node-3", "node-1"}},
		{name: "soft affinity", req: &node.Request{Env: []string{"affinity:container==~web"}}, want: []string{"node-1", "node-3"}},
		{
			name: "soft preferences narrow one by one",
			req:  &node.Request{Env: []string{"constraint:storage==~ssd", "constraint:region==~eu-*", "constraint:region==~us-*"}},
			want: []string{"node-3", "node-1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustNew(t, tt.strategy, nil, DefaultOptions())
			nodes := cluster()
			orig := slices.Clone(nodes)
			got, err := s.Select(tt.req, nodes)
			if err != nil {
				t.Fatalf("Select: %v", err)
			}
			if !slices.Equal(names(got), tt.want) {
				t.Errorf("Select = %s, want %s", show(names(got)), show(tt.want))
			}
			if !slices.Equal(nodes, orig) {
				t.Error("Select reordered its argument")
			}
		})
	}
}

func TestSelectBadExpression(t *testing.T) {
	tests := []struct {
		name     string
		req      *node.Request
		wantExpr string
	}{
		{name: "single equal", req: &node.Request{Env: []string{"constraint:foo=bar"}}, wantExpr: "constraint:foo=bar"},
		{name: "no key", req: &node.Request{Env: []string{"constraint:==x"}}, wantExpr: "constraint:==x"},
		{name: "bad regexp", req: &node.Request{Env: []string{"affinity:container==/[/"}}, wantExpr: "affinity:container==/[/"},
		{name: "bad label", req: &node.Request{Labels: map[string]string{AffinitiesLabel: "[1]"}}, wantExpr: AffinitiesLabel + "=[1]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustNew(t, "", nil, DefaultOptions())
			_, err := s.Select(tt.req, cluster())
			var ee *filters.ExpressionError
			if !errors.As(err, &ee) {
				t.Fatalf("err = %v, want *filters.ExpressionError", err)
			}
			if ee.Expr != tt.wantExpr {
				t.Errorf("Expr = %q, want %q", ee.Expr, tt.wantExpr)
			}
			var nn *NoNodeError
			if errors.As(err, &nn) {
				t.Error("a bad expression must not read as NoNodeError")
			}
		})
	}
}

func TestSelectNilRequest(t *testing.T) {
	s := mustNew(t, "", nil, DefaultOptions())
	if _, err := s.Select(nil, cluster()); !errors.Is(err, ErrNilRequest) {
		t.Errorf("err = %v, want ErrNilRequest", err)
	}
}

// Each filter prepares once per Select, and a filter only sees the nodes
// the filters before it kept.
func TestPipelinePreparesOnceAndNarrows(t *testing.T) {
	keepOdd := &filterstest.Counting{Inner: filterstest.Func{
		FilterName: "odd",
		Fit: func(n *node.Node) (bool, string) {
			return strings.HasSuffix(n.Name, "1") || strings.HasSuffix(n.Name, "3"), "odd node"
		},
		NodeCost: true,
	}}
	all := &filterstest.Counting{Inner: filterstest.AlwaysFit{}}
	s, err := newScheduler("spread", []filters.Filter{keepOdd, all}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	nodes := []*node.Node{nt.New("n1"), nt.New("n2"), nt.New("n3"), nt.New("n4")}
	got, d, err := s.SelectWithDiagnosis(&node.Request{}, nodes)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"n1", "n3"}; !slices.Equal(names(got), want) {
		t.Errorf("Select = %s, want %s", show(names(got)), show(want))
	}
	if keepOdd.Prepares() != 1 || all.Prepares() != 1 {
		t.Errorf("Prepare ran %d and %d times, want once each", keepOdd.Prepares(), all.Prepares())
	}
	if keepOdd.Checks() != 4 || all.Checks() != 2 {
		t.Errorf("checks = %d and %d, want 4 and 2", keepOdd.Checks(), all.Checks())
	}
	wantSteps := []Step{
		{Name: "odd", In: 4, Rejected: 2, Reasons: []ReasonCount{{Reason: "odd node", Nodes: 2}}},
		{Name: "always", In: 2},
	}
	if len(d.Steps) != len(wantSteps) {
		t.Fatalf("diagnosis has %d steps, want %d: %+v", len(d.Steps), len(wantSteps), d.Steps)
	}
	for i, w := range wantSteps {
		g := d.Steps[i]
		if g.Name != w.Name || g.In != w.In || g.Rejected != w.Rejected || !sameReasons(g.Reasons, w.Reasons) {
			t.Errorf("step %d = %+v, want %+v", i, g, w)
		}
	}
	if d.Nodes != 4 || d.Preferred != 2 {
		t.Errorf("diagnosis Nodes=%d Preferred=%d, want 4 and 2", d.Nodes, d.Preferred)
	}
}

// The pipeline, not the filters, owns soft preferences: it narrows with the
// ones some candidate meets, drops the others, and ranks the preferred
// candidates before the rest.
func TestSoftPass(t *testing.T) {
	is := func(names ...string) filters.Check {
		return func(n *node.Node) (bool, string) { return slices.Contains(names, n.Name), "x" }
	}
	f := filterstest.Func{FilterName: "prefs", Soft: []filters.Preference{
		{Condition: "want:b-or-c", Check: is("b", "c")},
		{Condition: "want:nothing", Check: is()},
		{Condition: "want:c-or-d", Check: is("c", "d")},
	}}
	s, err := newScheduler("spread", []filters.Filter{f}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	nodes := []*node.Node{nt.New("a"), nt.New("b"), nt.New("c"), nt.New("d")}
	got, d, err := s.SelectWithDiagnosis(&node.Request{}, nodes)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"c", "a", "b", "d"}; !slices.Equal(names(got), want) {
		t.Errorf("Select = %s, want %s", show(names(got)), show(want))
	}
	if want := []string{"want:nothing"}; !slices.Equal(d.Dropped, want) {
		t.Errorf("Dropped = %q, want %q", d.Dropped, want)
	}
	if d.Preferred != 1 {
		t.Errorf("Preferred = %d, want 1", d.Preferred)
	}
}

// A filter's Prepare error stops the selection before any node is checked.
func TestPrepareError(t *testing.T) {
	boom := errors.New("boom")
	counting := &filterstest.Counting{Inner: filterstest.AlwaysFit{}}
	s, err := newScheduler("spread", []filters.Filter{counting, filterstest.Func{FilterName: "bad", Err: boom}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Select(&node.Request{}, cluster()); !errors.Is(err, boom) {
		t.Errorf("err = %v, want boom", err)
	}
	if counting.Checks() != 0 {
		t.Errorf("%d checks ran before the error", counting.Checks())
	}
}

// Select reads the same expressions before and after Normalize.
func TestSelectBeforeAndAfterNormalize(t *testing.T) {
	req := &node.Request{
		Env:    []string{"constraint:storage==ssd", "affinity:container!=~web", "A=b"},
		Labels: map[string]string{ConstraintsLabel: `["storage==ssd"]`},
	}
	s := mustNew(t, "", nil, DefaultOptions())
	before, err := s.Select(req, cluster())
	if err != nil {
		t.Fatal(err)
	}
	env, labels, err := Normalize(req.Env, req.Labels)
	if err != nil {
		t.Fatal(err)
	}
	after, err := s.Select(&node.Request{Env: env, Labels: labels}, cluster())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(names(before), names(after)) {
		t.Errorf("before Normalize %s, after %s", show(names(before)), show(names(after)))
	}
	if want := []string{"node-3", "node-1"}; !slices.Equal(names(after), want) {
		t.Errorf("Select = %s, want %s", show(names(after)), show(want))
	}
}

func TestSelectConcurrent(t *testing.T) {
	for _, strategy := range Strategies() {
		t.Run(strategy, func(t *testing.T) {
			s := mustNew(t, strategy, nil, Options{Overcommit: DefaultOvercommit, Rand: seeded(1)})
			nodes := cluster()
			var wg sync.WaitGroup
			errs := make(chan error, 8)
			for range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range 50 {
						got, err := s.Select(&node.Request{Env: []string{"constraint:storage==ssd"}}, nodes)
						if err != nil {
							errs <- err
							return
						}
						if len(got) != 2 {
							errs <- errors.New("wrong candidate count")
							return
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
		})
	}
}

// Filters that read only node fields run before the resource step, and
// those that walk containers after it; Filters() keeps the order given.
func TestPipelineRunsCheapStepsFirst(t *testing.T) {
	reject := func(name string) filters.Check {
		return func(n *node.Node) (bool, string) { return n.Name != name, "not " + name }
	}
	walk := filterstest.Func{FilterName: "walk", Fit: reject("a")}
	cheap := filterstest.Func{FilterName: "cheap", Fit: reject("b"), NodeCost: true}
	s, err := newScheduler("spread", []filters.Filter{walk, cheap}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"walk", "cheap"}; !slices.Equal(s.Filters(), want) {
		t.Errorf("Filters() = %q, want %q", s.Filters(), want)
	}
	nodes := []*node.Node{nt.New("a"), nt.New("b", nt.Resources(1, gib)), nt.New("c", nt.Resources(1, gib))}
	got, d, err := s.SelectWithDiagnosis(&node.Request{Memory: 1}, nodes)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"c"}; !slices.Equal(names(got), want) {
		t.Errorf("Select = %s, want %s", show(names(got)), show(want))
	}
	var stepNames []string
	for _, st := range d.Steps {
		stepNames = append(stepNames, st.Name)
	}
	if want := []string{"cheap", "resources", "walk"}; !slices.Equal(stepNames, want) {
		t.Errorf("steps ran as %q, want %q", stepNames, want)
	}
	// a has no resources and is dropped by the resource step before walk
	// sees it.
	if d.Steps[1].Rejected != 1 || d.Steps[2].In != 1 || d.Steps[2].Rejected != 0 {
		t.Errorf("steps = %+v", d.Steps)
	}
}
