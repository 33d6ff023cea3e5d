package filters

import "github.com/swarm-project/swarm/scheduler/node"

// Affinity places a container next to (==) or away from (!=) other
// containers or images:
//
//	affinity:container==web     a container named web, or whose ID (prefix) is web
//	affinity:image==redis       the image redis:latest is on the node (tag, ID or ID prefix)
//	affinity:com.x.type==front  a container on the node has the label com.x.type=front
//
// Expressions come from the env (`-e affinity:...`), the
// com.docker.swarm.affinities label and build args. `==~`/`!=~` are soft.
// Every container on the node counts, stopped and pending ones included.
type Affinity struct{}

// Name returns "affinity".
func (Affinity) Name() string { return "affinity" }

// Cost returns CostContainers: the check walks the node's containers or images.
func (Affinity) Cost() Cost { return CostContainers }

// Prepare parses the request's affinities and resolves names against the
// snapshot once.
func (Affinity) Prepare(req *node.Request, snapshot []*node.Node) (Plan, error) {
	exprs, err := RequestExprs(KindAffinity, req)
	if err != nil || len(exprs) == 0 {
		return Plan{}, err
	}
	preds := make([]predicate, len(exprs))
	for i, e := range exprs {
		preds[i] = affinityPredicate(e, snapshot)
	}
	plan := exprPlan(exprs, preds)
	plan.Conditions = affinityConditions(exprs)
	return plan, nil
}

func affinityPredicate(e *Expr, snapshot []*node.Node) predicate {
	switch e.Key {
	case "container":
		match, byName := containerMatcher(e, snapshot)
		anyOf := func(cs []*node.Container) bool {
			for _, c := range cs {
				if c != nil && match(c) {
					return true
				}
			}
			return false
		}
		name := node.NewNameKey(e.Value)
		return func(n *node.Node) bool {
			if byName {
				idx, rest := n.Indexed()
				if maybe, ok := idx.MayHaveName(name); ok && !maybe {
					// None of the indexed containers has the name; only
					// those added since can.
					return e.Holds(anyOf(rest))
				}
			}
			return e.Holds(anyOf(n.Containers))
		}
	case "image":
		match := imageMatcher(e, snapshot)
		return func(n *node.Node) bool {
			for _, img := range n.Images {
				if img != nil && match(img) {
					return e.Holds(true)
				}
			}
			return e.Holds(false)
		}
	default:
		key := e.Key
		return func(n *node.Node) bool {
			for _, c := range n.Containers {
				if c == nil {
					continue
				}
				if v, ok := c.Labels[key]; ok && e.Matches(v) {
					return e.Holds(true)
				}
			}
			return e.Holds(false)
		}
	}
}
