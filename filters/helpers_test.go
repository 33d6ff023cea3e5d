package filters

import (
	"slices"
	"strings"
	"testing"

	"github.com/swarm-project/swarm/scheduler/node"
)

// outcome is what a filter's plan says about a snapshot.
type outcome struct {
	fit     []string          // names of the nodes the hard check passes (all when no hard check)
	reasons map[string]string // rejected node name -> reason
	soft    [][]string        // per preference, the names of the nodes it passes
	conds   []string          // per preference, its condition
}

func run(t *testing.T, f Filter, req *node.Request, nodes []*node.Node) outcome {
	t.Helper()
	p, err := f.Prepare(req, nodes)
	if err != nil {
		t.Fatalf("%s.Prepare: unexpected error %v", f.Name(), err)
	}
	o := outcome{reasons: map[string]string{}}
	for _, n := range nodes {
		if p.Hard == nil {
			o.fit = append(o.fit, n.Name)
			continue
		}
		ok, reason := p.Hard(n)
		if ok {
			if reason != "" {
				t.Errorf("%s: node %s fits but reason %q", f.Name(), n.Name, reason)
			}
			o.fit = append(o.fit, n.Name)
		} else {
			if reason == "" {
				t.Errorf("%s: node %s rejected without a reason", f.Name(), n.Name)
			}
			o.reasons[n.Name] = reason
		}
	}
	for _, pref := range p.Soft {
		var names []string
		for _, n := range nodes {
			if ok, _ := pref.Check(n); ok {
				names = append(names, n.Name)
			}
		}
		o.soft = append(o.soft, names)
		o.conds = append(o.conds, pref.Condition)
	}
	return o
}

func equalNames(a, b []string) bool {
	return slices.Equal(a, b) || (len(a) == 0 && len(b) == 0)
}

func show(names []string) string { return "[" + strings.Join(names, " ") + "]" }

func envReq(env ...string) *node.Request { return &node.Request{Env: env} }

// index gives every node its node.Index, as the cluster's snapshots do.
func index(nodes []*node.Node) {
	for _, n := range nodes {
		n.Index = node.NewNodeIndex(n)
	}
}

func indexName(indexed bool) string {
	if indexed {
		return " (indexed)"
	}
	return ""
}
