package scheduler

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/swarm-project/swarm/filters"
	"github.com/swarm-project/swarm/filters/filterstest"
	"github.com/swarm-project/swarm/scheduler/node"
	nt "github.com/swarm-project/swarm/scheduler/node/nodetest"
)

// noFit builds classic Swarm's message from its lines.
func noFit(lines ...string) string {
	return MsgNoFit + "\n" + strings.Join(lines, "\n")
}

func TestSelectNoNode(t *testing.T) {
	const slots = "[available container slots]"
	busy := func(name string, ports ...uint16) *node.Node {
		return nt.New(name, nt.With(nt.Container(name+"-web", nt.Ports(ports...))))
	}
	tests := []struct {
		name            string
		filters         []string // nil: the defaults
		req             *node.Request
		nodes           []*node.Node
		wantNoHealthy   bool
		wantNoResources bool
		wantMsg         string
	}{
		{
			// The port filter fails; the constraint after it prints nothing.
			name:    "port, bridge",
			req:     &node.Request{Ports: []node.Port{{HostPort: 80}}, Env: []string{"constraint:storage==ssd"}},
			nodes:   []*node.Node{nt.New("a", nt.Labels("storage", "ssd"), nt.With(nt.Container("w", nt.Ports(80))))},
			wantMsg: noFit("[port 80 (Bridge mode)]"),
		},
		{
			name: "port, bridge, several bindings sorted, host port alone",
			req: &node.Request{Ports: []node.Port{
				{HostPort: 443}, {HostIP: "127.0.0.1", HostPort: 53, Proto: "udp"}, {HostPort: 80}, {HostPort: 0},
			}},
			nodes:   []*node.Node{busy("a", 443)},
			wantMsg: noFit("[port 53 (Bridge mode) port 80 (Bridge mode) port 443 (Bridge mode)]"),
		},
		{
			name:    "port, host mode",
			req:     &node.Request{NetworkMode: "host", Ports: []node.Port{{HostPort: 8080}, {HostPort: 53, Proto: "udp"}}},
			nodes:   []*node.Node{busy("a", 8080)},
			wantMsg: noFit("[port 53/udp (Host mode) port 8080/tcp (Host mode)]"),
		},
		{
			name:    "containerslots",
			req:     &node.Request{},
			nodes:   []*node.Node{nt.New("a", nt.Labels("containerslots", "1"), nt.With(nt.Container("w")))},
			wantMsg: noFit(slots),
		},
		{
			// containerslots lists its condition for every request.
			name:    "constraint on the node",
			req:     &node.Request{Env: []string{"constraint:node==node-9"}},
			nodes:   []*node.Node{nt.New("a"), nt.New("b")},
			wantMsg: noFit(slots, "[node==node-9]"),
		},
		{
			name:    "constraint !=, regexp, glob, soft: as written, no prefix, no ~",
			req:     &node.Request{Env: []string{"constraint:node!=a", "constraint:Storage==/ss.*/", "constraint:zone==eu-*", "constraint:disk==~nvme"}},
			nodes:   []*node.Node{nt.New("a", nt.Labels("storage", "ssd", "zone", "eu-1"))},
			wantMsg: noFit(slots, "[node!=a Storage==/ss.*/ zone==eu-* disk==nvme]"),
		},
		{
			name:    "constraint from the label, then env",
			req:     &node.Request{Labels: map[string]string{ConstraintsLabel: `["storage==ssd"]`}, Env: []string{"constraint:node==a"}},
			nodes:   []*node.Node{nt.New("a", nt.Labels("storage", "disk"))},
			wantMsg: noFit(slots, "[storage==ssd node==a]"),
		},
		{
			name:    "affinity to a missing container",
			req:     &node.Request{Env: []string{"affinity:container==web"}},
			nodes:   []*node.Node{nt.New("a")},
			wantMsg: noFit(slots, "[container==web (soft=false)]"),
		},
		{
			name:    "affinity, soft and image",
			req:     &node.Request{Env: []string{"affinity:container!=~web", "affinity:image==redis"}},
			nodes:   []*node.Node{nt.New("a")},
			wantMsg: noFit(slots, "[container!=web (soft=true) image==redis (soft=false)]"),
		},
		{
			name:    "dependency on two nodes",
			req:     &node.Request{VolumesFrom: []string{"x:ro"}, Links: []string{"y:db"}},
			nodes:   []*node.Node{nt.New("a", nt.With(nt.Container("x"))), nt.New("b", nt.With(nt.Container("y")))},
			wantMsg: noFit(slots, "[--volumes-from=x:ro --link=y:db]"),
		},
		{
			name:    "dependency on a missing container",
			req:     &node.Request{NetworkMode: "container:z"},
			nodes:   []*node.Node{nt.New("a")},
			wantMsg: noFit(slots, "[--net=container:z]"),
		},
		{
			// Every filter up to the failing one, met conditions included.
			name:    "every filter up to the failing one",
			req:     &node.Request{Ports: []node.Port{{HostPort: 80}}, Env: []string{"affinity:container!=nosuch", "constraint:storage==ssd"}},
			nodes:   []*node.Node{nt.New("a", nt.Labels("storage", "disk"))},
			wantMsg: noFit("[port 80 (Bridge mode)]", slots, "[container!=nosuch (soft=false)]", "[storage==ssd]"),
		},
		{
			name:    "filters in the order given",
			filters: []string{"constraint", "port"},
			req:     &node.Request{Ports: []node.Port{{HostPort: 80}}, Env: []string{"constraint:storage==ssd"}},
			nodes:   []*node.Node{nt.New("a", nt.Labels("storage", "ssd"), nt.With(nt.Container("w", nt.Ports(80))))},
			wantMsg: noFit("[storage==ssd]", "[port 80 (Bridge mode)]"),
		},
		{
			name:            "resources",
			req:             &node.Request{Memory: 4 * gib},
			nodes:           []*node.Node{nt.New("a", nt.Resources(1, gib))},
			wantNoResources: true,
			wantMsg:         MsgNoResources,
		},
		{
			// The hard pass checks resources before the port; classic
			// Swarm ran every filter first: b has the port taken, a is too
			// small.
			name: "resources after every filter",
			req:  &node.Request{Ports: []node.Port{{HostPort: 80}}, Memory: 2 * gib},
			nodes: []*node.Node{
				nt.New("a", nt.Resources(1, gib)),
				nt.New("b", nt.Resources(1, 4*gib), nt.With(nt.Container("w", nt.Ports(80)))),
			},
			wantNoResources: true,
			wantMsg:         MsgNoResources,
		},
		{
			// The only node is too small and has the port taken: classic
			// Swarm named the port.
			name:    "a filter before resources",
			req:     &node.Request{Ports: []node.Port{{HostPort: 80}}, Memory: 2 * gib},
			nodes:   []*node.Node{nt.New("a", nt.Resources(1, gib), nt.With(nt.Container("w", nt.Ports(80))))},
			wantMsg: noFit("[port 80 (Bridge mode)]"),
		},
		{
			name: "resources, with unhealthy and constrained nodes",
			req:  &node.Request{Ports: []node.Port{{HostPort: 80}}, Env: []string{"constraint:storage==ssd"}, Memory: gib},
			nodes: []*node.Node{
				nt.New("a", nt.Labels("storage", "ssd"), nt.Resources(1, 2*gib), nt.With(nt.Container("w", nt.Ports(80)))),
				nt.New("b", nt.Labels("storage", "disk")),
				nt.New("c", nt.Labels("storage", "ssd"), nt.Resources(1, gib/2)),
				nt.New("d", nt.Unhealthy()),
			},
			wantNoResources: true,
			wantMsg:         MsgNoResources,
		},
		{
			name:          "no healthy node",
			req:           &node.Request{Env: []string{"constraint:storage==ssd"}},
			nodes:         []*node.Node{nt.New("a", nt.Unhealthy()), nt.New("b", nt.Unhealthy())},
			wantNoHealthy: true,
			wantMsg:       MsgNoHealthy,
		},
		{
			name:          "health after another filter",
			filters:       []string{"constraint", "health"},
			req:           &node.Request{Env: []string{"constraint:storage==ssd"}},
			nodes:         []*node.Node{nt.New("a", nt.Labels("storage", "ssd"), nt.Unhealthy()), nt.New("b")},
			wantNoHealthy: true,
			wantMsg:       MsgNoHealthy,
		},
		{name: "empty cluster", req: &node.Request{}, nodes: nil, wantNoHealthy: true, wantMsg: MsgNoHealthy},
		{name: "only nil nodes", req: &node.Request{}, nodes: []*node.Node{nil}, wantNoHealthy: true, wantMsg: MsgNoHealthy},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustNew(t, "", tt.filters, DefaultOptions())
			got, d, err := s.SelectWithDiagnosis(tt.req, tt.nodes)
			if got != nil {
				t.Errorf("Select returned nodes %s with an error", show(names(got)))
			}
			var nn *NoNodeError
			if !errors.As(err, &nn) {
				t.Fatalf("err = %v (%T), want *NoNodeError", err, err)
			}
			if nn.NoHealthy != tt.wantNoHealthy || nn.NoResources != tt.wantNoResources {
				t.Errorf("NoHealthy, NoResources = %v, %v, want %v, %v", nn.NoHealthy, nn.NoResources, tt.wantNoHealthy, tt.wantNoResources)
			}
			// The classic lines come first, byte for byte; the counts
			// follow (TestNoNodeKeepsCounts checks them).
			classic, explained, _ := strings.Cut(err.Error(), "\n"+MsgRuledOut+"\n")
			if classic != tt.wantMsg {
				t.Errorf("message:\n%q\nwant:\n%q", err.Error(), tt.wantMsg)
			}
			if strings.HasPrefix(tt.wantMsg, MsgNoFit) && explained == "" {
				t.Errorf("message %q does not say which nodes each step ruled out", err.Error())
			}
			if nn.Diagnosis != d || d == nil {
				t.Error("the error must carry the Diagnosis Select returns")
			}
			if errors.Is(err, filters.ErrBadExpression) {
				t.Error("a NoNodeError must not read as a bad expression")
			}
		})
	}
}

// The Diagnosis keeps its per-step counts; the message shows none of them.
func TestNoNodeKeepsCounts(t *testing.T) {
	s := mustNew(t, "", nil, DefaultOptions())
	nodes := []*node.Node{nt.New("a"), nt.New("b"), nt.New("c", nt.Unhealthy())}
	_, d, err := s.SelectWithDiagnosis(&node.Request{Env: []string{"constraint:node==node-9"}}, nodes)
	if err == nil {
		t.Fatal("no error")
	}
	want := map[string]int{"health": 1, "constraint": 2}
	for _, st := range d.Steps {
		if st.Rejected != want[st.Name] {
			t.Errorf("step %s rejected %d, want %d", st.Name, st.Rejected, want[st.Name])
		}
	}
	if got := d.Steps[len(d.Steps)-1]; got.Name != "constraint" || len(got.Reasons) != 1 || !sameReasons(got.Reasons, []ReasonCount{{Reason: "constraint:node==node-9", Nodes: 2, Names: []string{"a", "b"}}}) {
		t.Errorf("last step = %+v", got)
	}
	if want := noFit("[available container slots]", "[node==node-9]", MsgRuledOut, "health: healthy node: 1 node (c)", "constraint:node==node-9: 2 nodes (a, b)"); err.Error() != want {
		t.Errorf("message = %q, want %q", err.Error(), want)
	}
}

// A filter lists its conditions by setting Plan.Conditions in Prepare; one
// that sets none prints no line.
func TestNoNodeCustomFilterConditions(t *testing.T) {
	never := func(*node.Node) (bool, string) { return false, "never" }
	always := func(*node.Node) (bool, string) { return true, "" }
	fs := []filters.Filter{
		filterstest.Func{FilterName: "silent", Fit: always, NodeCost: true},
		filterstest.Func{FilterName: "listed", Fit: always, Conditions: []string{"x==1", "y==2"}},
		filterstest.Func{FilterName: "failing", Fit: never, Conditions: []string{"allowed"}, NodeCost: true},
		filterstest.Func{FilterName: "after", Fit: always, Conditions: []string{"not shown"}},
	}
	s, err := newScheduler("", fs, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Select(&node.Request{}, []*node.Node{nt.New("a")})
	if want := noFit("[x==1 y==2]", "[allowed]", MsgRuledOut, "failing: never: 1 node (a)"); err == nil || err.Error() != want {
		t.Errorf("err = %v, want %q", err, want)
	}
}

func TestNoNodeErrorRender(t *testing.T) {
	tests := []struct {
		name string
		err  NoNodeError
		want string
	}{
		{name: "no lines", err: NoNodeError{}, want: "Unable to find a node that satisfies the following conditions "},
		{name: "lines", err: NoNodeError{Conditions: [][]string{{"a", "b c"}, {"d"}}},
			want: "Unable to find a node that satisfies the following conditions \n[a b c]\n[d]"},
		{name: "no healthy wins", err: NoNodeError{NoHealthy: true, NoResources: true, Conditions: [][]string{{"a"}}}, want: MsgNoHealthy},
		{name: "no resources", err: NoNodeError{NoResources: true}, want: "no resources available to schedule container"},
		{name: "no resources stays one line", err: NoNodeError{NoResources: true, Diagnosis: &Diagnosis{Steps: []Step{{Name: "resources", In: 1, Rejected: 1, Reasons: []ReasonCount{{Reason: "resources: not enough memory", Nodes: 1, Names: []string{"a"}}}}}}},
			want: "no resources available to schedule container"},
		{name: "counts, names capped", err: NoNodeError{Conditions: [][]string{{"port 80 (Bridge mode)"}}, Diagnosis: &Diagnosis{Steps: []Step{
			{Name: "health", In: 9, Rejected: 2, Reasons: []ReasonCount{{Reason: "healthy node", Nodes: 2, Names: []string{"n1", "n2"}}}},
			{Name: "port", In: 7, Rejected: 7, Reasons: []ReasonCount{{Reason: "port 80 (Bridge mode)", Nodes: 7, Names: []string{"n3", "n4", "n5", "n6", "n7"}}}},
		}}},
			want: "Unable to find a node that satisfies the following conditions \n[port 80 (Bridge mode)]\n" + MsgRuledOut +
				"\nhealth: healthy node: 2 nodes (n1, n2)\nport 80 (Bridge mode): 7 nodes (n3, n4, n5, n6, n7 and 2 more)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("Error() = %q, want %q", got, tt.want)
			}
		})
	}
}

// A failed Select names at most NameCap nodes per reason, and tells which
// step failed and how many nodes each step rejected.
func TestNoNodeNamesCapped(t *testing.T) {
	s := mustNew(t, "", nil, DefaultOptions())
	var nodes []*node.Node
	for i := range 8 {
		nodes = append(nodes, nt.New(fmt.Sprintf("n%d", i)))
	}
	nodes = append(nodes, nt.New("sick", nt.Unhealthy()))
	_, d, err := s.SelectWithDiagnosis(&node.Request{Env: []string{"constraint:node==node-9"}}, nodes)
	var nn *NoNodeError
	if !errors.As(err, &nn) {
		t.Fatalf("err = %v", err)
	}
	if !strings.HasSuffix(err.Error(), "\nconstraint:node==node-9: 8 nodes (n0, n1, n2, n3, n4 and 3 more)") {
		t.Errorf("message %q", err.Error())
	}
	if got := d.FailedStep(); got != "constraint" {
		t.Errorf("FailedStep = %q", got)
	}
	if nn.Filter != "constraint" {
		t.Errorf("Filter = %q", nn.Filter)
	}
	if got := d.RejectedBy(); len(got) != 2 || got["health"] != 1 || got["constraint"] != 8 {
		t.Errorf("RejectedBy = %v", got)
	}
	// A placement that succeeds names nobody and fails no step.
	_, d, err = s.SelectWithDiagnosis(&node.Request{}, nodes)
	if err != nil || d.FailedStep() != "" {
		t.Fatalf("err %v, failed step %q", err, d.FailedStep())
	}
	for _, st := range d.Steps {
		for _, rc := range st.Reasons {
			if len(rc.Names) > 0 {
				t.Errorf("a successful Select kept names: %+v", rc)
			}
		}
	}
}
