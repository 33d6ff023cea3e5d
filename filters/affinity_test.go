package filters

import (
	"testing"

	"github.com/swarm-project/swarm/scheduler/node"
	nt "github.com/swarm-project/swarm/scheduler/node/nodetest"
)

const redisID = "sha256:7614ae9453d1d87e740a2056257a6de7135c84037c367e1fffa92ae922784631"

func affinityNodes() []*node.Node {
	return []*node.Node{
		nt.New("node-1",
			nt.With(
				nt.Container("web", nt.CID("f00dbeef00000000000000000000000000000000000000000000000000000001"), nt.CLabels("com.example.type", "frontend")),
			),
			nt.Images(&node.Image{ID: redisID, RepoTags: []string{"redis:latest"}, RepoDigests: []string{"redis@sha256:1111"}}),
		),
		nt.New("node-2",
			nt.With(
				nt.Container("db", nt.State("exited"), nt.CLabels("com.example.type", "backend")),
				nt.Container("cache", nt.Pending()),
			),
			nt.Images(&node.Image{ID: "sha256:abcdef0123", RepoTags: []string{"myrepo/app:1.0", "docker.io/library/nginx:1.25"}}),
		),
		nt.New("node-3"),
	}
}

func TestAffinity(t *testing.T) {
	tests := []struct {
		name       string
		req        *node.Request
		wantFit    []string
		wantReason string
		wantSoft   [][]string
	}{
		{name: "none", req: envReq(), wantFit: []string{"node-1", "node-2", "node-3"}},
		{name: "container by name", req: envReq("affinity:container==web"), wantFit: []string{"node-1"}, wantReason: "affinity:container==web"},
		{name: "container name ignores case", req: envReq("affinity:container==WEB"), wantFit: []string{"node-1"}, wantReason: "affinity:container==WEB"},
		{name: "stopped container counts", req: envReq("affinity:container==db"), wantFit: []string{"node-2"}, wantReason: "affinity:container==db"},
		{name: "pending container counts", req: envReq("affinity:container==cache"), wantFit: []string{"node-2"}, wantReason: "affinity:container==cache"},
		{name: "container by full id", req: envReq("affinity:container==f00dbeef00000000000000000000000000000000000000000000000000000001"), wantFit: []string{"node-1"}, wantReason: "affinity:container==f00dbeef00000000000000000000000000000000000000000000000000000001"},
		{name: "container by id prefix", req: envReq("affinity:container==f00dbeef"), wantFit: []string{"node-1"}, wantReason: "affinity:container==f00dbeef"},
		{name: "container glob", req: envReq("affinity:container==we*"), wantFit: []string{"node-1"}, wantReason: "affinity:container==we*"},
		{name: "container regexp", req: envReq("affinity:container==/^(db|web)$/"), wantFit: []string{"node-1", "node-2"}, wantReason: "affinity:container==/^(db|web)$/"},
		{name: "container anti-affinity", req: envReq("affinity:container!=web"), wantFit: []string{"node-2", "node-3"}, wantReason: "affinity:container!=web"},
		{name: "unknown container", req: envReq("affinity:container==nothere"), wantFit: nil, wantReason: "affinity:container==nothere"},
		{name: "image by name", req: envReq("affinity:image==redis"), wantFit: []string{"node-1"}, wantReason: "affinity:image==redis"},
		{name: "image with latest", req: envReq("affinity:image==redis:latest"), wantFit: []string{"node-1"}, wantReason: "affinity:image==redis:latest"},
		{name: "image with registry", req: envReq("affinity:image==docker.io/library/redis"), wantFit: []string{"node-1"}, wantReason: "affinity:image==docker.io/library/redis"},
		{name: "image tag stored with registry", req: envReq("affinity:image==nginx:1.25"), wantFit: []string{"node-2"}, wantReason: "affinity:image==nginx:1.25"},
		{name: "image other tag", req: envReq("affinity:image==redis:7"), wantFit: nil, wantReason: "affinity:image==redis:7"},
		{name: "image by id", req: envReq("affinity:image==" + redisID), wantFit: []string{"node-1"}, wantReason: "affinity:image==" + redisID},
		{name: "image by id prefix", req: envReq("affinity:image==7614ae94"), wantFit: []string{"node-1"}, wantReason: "affinity:image==7614ae94"},
		{name: "image by digest", req: envReq("affinity:image==redis@sha256:1111"), wantFit: []string{"node-1"}, wantReason: "affinity:image==redis@sha256:1111"},
		{name: "image glob", req: envReq("affinity:image==myrepo/*"), wantFit: []string{"node-2"}, wantReason: "affinity:image==myrepo/*"},
		{name: "image not equal", req: envReq("affinity:image!=redis"), wantFit: []string{"node-2", "node-3"}, wantReason: "affinity:image!=redis"},
		{name: "container label", req: envReq("affinity:com.example.type==frontend"), wantFit: []string{"node-1"}, wantReason: "affinity:com.example.type==frontend"},
		{name: "container label glob", req: envReq("affinity:com.example.type==*end"), wantFit: []string{"node-1", "node-2"}, wantReason: "affinity:com.example.type==*end"},
		{name: "container label negated", req: envReq("affinity:com.example.type!=frontend"), wantFit: []string{"node-2", "node-3"}, wantReason: "affinity:com.example.type!=frontend"},
		{
			name:    "from label",
			req:     &node.Request{Labels: map[string]string{AffinitiesLabel: `["container==db"]`}},
			wantFit: []string{"node-2"}, wantReason: "affinity:container==db",
		},
		{
			name:     "soft",
			req:      envReq("affinity:container==~web", "affinity:image!=~redis"),
			wantFit:  []string{"node-1", "node-2", "node-3"},
			wantSoft: [][]string{{"node-1"}, {"node-2", "node-3"}},
		},
	}
	for _, tt := range tests {
		for _, indexed := range []bool{false, true} {
			t.Run(tt.name+indexName(indexed), func(t *testing.T) {
				nodes := affinityNodes()
				if indexed {
					index(nodes)
				}
				o := run(t, Affinity{}, tt.req, nodes)
				if !equalNames(o.fit, tt.wantFit) {
					t.Errorf("fit = %s, want %s", show(o.fit), show(tt.wantFit))
				}
				for _, n := range nodes {
					if r, ok := o.reasons[n.Name]; ok && r != tt.wantReason {
						t.Errorf("reason for %s = %q, want %q", n.Name, r, tt.wantReason)
					}
				}
				if len(o.soft) != len(tt.wantSoft) {
					t.Fatalf("got %d preferences, want %d", len(o.soft), len(tt.wantSoft))
				}
				for i := range o.soft {
					if !equalNames(o.soft[i], tt.wantSoft[i]) {
						t.Errorf("preference %s passes %s, want %s", o.conds[i], show(o.soft[i]), show(tt.wantSoft[i]))
					}
				}
			})
		}
	}
}

// An indexed node that got a pending container appended after its index
// was built still matches (or, for !=, fails on) that container.
func TestAffinityIndexedNodeWithPendingCopy(t *testing.T) {
	n := nt.New("node-1", nt.With(nt.Container("a")))
	index([]*node.Node{n})
	cp := *n
	cp.Containers = append(append([]*node.Container(nil), n.Containers...), nt.Container("late", nt.Pending()))
	tests := []struct {
		name    string
		expr    string
		wantFit bool
	}{
		{name: "indexed name", expr: "affinity:container==a", wantFit: true},
		{name: "pending name", expr: "affinity:container==late", wantFit: true},
		{name: "pending name negated", expr: "affinity:container!=LATE", wantFit: false},
		{name: "absent name", expr: "affinity:container==other", wantFit: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := run(t, Affinity{}, envReq(tt.expr), []*node.Node{&cp})
			if got := len(o.fit) == 1; got != tt.wantFit {
				t.Errorf("fit = %v, want %v", got, tt.wantFit)
			}
		})
	}
}

// A hexadecimal value that is some container's name matches that name only,
// not the IDs it happens to prefix.
func TestAffinityNameBeatsIDPrefix(t *testing.T) {
	nodes := []*node.Node{
		nt.New("node-1", nt.With(nt.Container("cafe"))),
		nt.New("node-2", nt.With(nt.Container("other", nt.CID("cafe0000000000000000000000000000000000000000000000000000000000aa")))),
	}
	o := run(t, Affinity{}, envReq("affinity:container==cafe"), nodes)
	if want := []string{"node-1"}; !equalNames(o.fit, want) {
		t.Errorf("fit = %s, want %s", show(o.fit), show(want))
	}
	// Without a container named cafe, the value is an ID prefix.
	o = run(t, Affinity{}, envReq("affinity:container==cafe"), nodes[1:])
	if want := []string{"node-2"}; !equalNames(o.fit, want) {
		t.Errorf("fit = %s, want %s", show(o.fit), show(want))
	}
}
