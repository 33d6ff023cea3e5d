package filters

import (
	"strings"

	"github.com/swarm-project/swarm/scheduler/node"
)

// Dependency co-locates a container with the containers it depends on:
// --volumes-from, --link name:alias, --net container:X, --ipc container:X and
// --pid container:X. A target is found as docker finds it: by full ID, then
// by name, then by ID prefix. When the targets sit on different nodes, or one
// does not exist, no node fits.
//
// The networks a container joins and the named volumes it mounts are
// dependencies too (see resources.go): when one exists on some nodes only,
// the container goes to one of those; when it exists nowhere, it does not
// restrict the placement (the engine creates the volume, or answers that
// the network does not exist).
type Dependency struct{}

// Name returns "dependency".
func (Dependency) Name() string { return "dependency" }

// Cost returns CostNode: the check the containers were located in Prepare.
func (Dependency) Cost() Cost { return CostNode }

type dependency struct {
	ref  string // the container name or ID the request refers to
	flag string // how the user wrote it, e.g. "--link=db:alias"
}

// dependencies lists what req depends on, in a stable order.
func dependencies(req *node.Request) []dependency {
	var deps []dependency
	for _, v := range req.VolumesFrom {
		ref := v
		if i := strings.LastIndex(v, ":"); i >= 0 {
			switch strings.ToLower(v[i+1:]) {
			case "ro", "rw":
				ref = v[:i]
			}
		}
		deps = append(deps, dependency{ref: ref, flag: "--volumes-from=" + v})
	}
	for _, l := range req.Links {
		ref, _, _ := strings.Cut(l, ":")
		deps = append(deps, dependency{ref: ref, flag: "--link=" + l})
	}
	for _, m := range []struct{ flag, mode string }{
		{"--net", req.NetworkMode}, {"--ipc", req.IpcMode}, {"--pid", req.PidMode},
	} {
		if ref, ok := strings.CutPrefix(m.mode, "container:"); ok {
			deps = append(deps, dependency{ref: ref, flag: m.flag + "=" + m.mode})
		}
	}
	out := deps[:0]
	for _, d := range deps {
		d.ref = strings.TrimPrefix(strings.TrimSpace(d.ref), "/")
		if d.ref != "" {
			out = append(out, d)
		}
	}
	return out
}

// located holds, for one dependency, the nodes holding a container that
// matches by full ID, by name and by ID prefix.
type located struct {
	byID, byName, byPrefix []*node.Node
}

func (l *located) best() []*node.Node {
	switch {
	case len(l.byID) > 0:
		return l.byID
	case len(l.byName) > 0:
		return l.byName
	}
	return l.byPrefix
}

func addNode(list []*node.Node, n *node.Node) []*node.Node {
	if len(list) > 0 && list[len(list)-1] == n {
		return list
	}
	return append(list, n)
}

// Prepare finds where every dependency lives, once for the whole snapshot.
func (Dependency) Prepare(req *node.Request, snapshot []*node.Node) (Plan, error) {
	deps := dependencies(req)
	res, resLoc := resourceDependencies(req, snapshot)
	if len(deps) == 0 && len(res) == 0 {
		return Plan{}, nil
	}
	loc := make([]located, len(deps))
	for _, n := range snapshot {
		if n == nil || len(deps) == 0 {
			continue
		}
		for _, c := range n.Containers {
			if c == nil {
				continue
			}
			for i, d := range deps {
				switch {
				case len(c.ID) == len(d.ref) && strings.EqualFold(c.ID, d.ref):
					loc[i].byID = addNode(loc[i].byID, n)
				case containsString(c.Names, d.ref):
					loc[i].byName = addNode(loc[i].byName, n)
				case isHex(d.ref) && hasPrefixFold(c.ID, d.ref):
					loc[i].byPrefix = addNode(loc[i].byPrefix, n)
				}
			}
		}
	}

	deps = append(deps, res...)
	loc = append(loc, resLoc...)
	// The flags as the user wrote them are the filter's conditions
	// ("--volumes-from=db", "--link=db:alias", "--net=container:db").
	flags := make([]string, len(deps))
	for i, d := range deps {
		flags[i] = d.flag
	}
	reason := "dependency " + strings.Join(flags, " ")

	// Intersect the nodes of every dependency.
	var allowed map[*node.Node]bool
	for i, d := range deps {
		nodes := loc[i].best()
		if len(nodes) == 0 {
			return rejectAll("dependency "+d.flag+": no such container", flags), nil
		}
		next := make(map[*node.Node]bool, len(nodes))
		for _, n := range nodes {
			if allowed == nil || allowed[n] {
				next[n] = true
			}
		}
		allowed = next
	}
	if len(allowed) == 0 {
		parts := make([]string, len(deps))
		for i, d := range deps {
			parts[i] = d.flag + " (" + nodeNames(loc[i].best()) + ")"
		}
		return rejectAll("dependency "+strings.Join(parts, ", ")+" are on different nodes", flags), nil
	}
	return Plan{Conditions: flags, Hard: func(n *node.Node) (bool, string) {
		if allowed[n] {
			return true, ""
		}
		return false, reason
	}}, nil
}

func rejectAll(reason string, conditions []string) Plan {
	return Plan{Conditions: conditions, Hard: func(*node.Node) (bool, string) { return false, reason }}
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func nodeNames(nodes []*node.Node) string {
	names := make([]string, len(nodes))
	for i, n := range nodes {
		names[i] = n.Name
		if names[i] == "" {
			names[i] = n.ID
		}
	}
	return strings.Join(names, ", ")
}
