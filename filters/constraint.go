package filters

import "github.com/swarm-project/swarm/scheduler/node"

// Constraint keeps the nodes whose labels match the request's constraint
// expressions (`-e constraint:storage==ssd`, or the com.docker.swarm.constraints
// label). The key "node" matches the node's name or ID; other keys are node
// labels, the default tags (storagedriver, kernelversion, ...) included. A
// label the node lacks fails `==` and passes `!=`.
type Constraint struct{}

// Name returns "constraint".
func (Constraint) Name() string { return "constraint" }

// Cost returns CostNode: the check reads node fields only.
func (Constraint) Cost() Cost { return CostNode }

// Prepare parses the request's constraints.
func (Constraint) Prepare(req *node.Request, _ []*node.Node) (Plan, error) {
	exprs, err := RequestExprs(KindConstraint, req)
	if err != nil {
		return Plan{}, err
	}
	return nodeExprPlan(exprs, constraintPredicate), nil
}

// nodeExprPlan is the plan of expressions that each test one node (the
// constraints, the whitelists): one predicate per expression, and the
// expressions as classic's "no node fits" lines show them. No expressions
// make an empty plan.
func nodeExprPlan(exprs []*Expr, pred func(*Expr) predicate) Plan {
	if len(exprs) == 0 {
		return Plan{}
	}
	preds := make([]predicate, len(exprs))
	for i, e := range exprs {
		preds[i] = pred(e)
	}
	plan := exprPlan(exprs, preds)
	plan.Conditions = constraintConditions(exprs)
	return plan
}

func constraintPredicate(e *Expr) predicate {
	if e.Key == "node" {
		return func(n *node.Node) bool { return e.Holds(e.Matches(n.Name) || e.Matches(n.ID)) }
	}
	key := node.NewLabelKey(e.Key)
	memo := new(matchMemo)
	return func(n *node.Node) bool {
		v, ok := n.Label(key)
		if !ok {
			return e.Op == NotEqual
		}
		return e.Holds(memo.matches(e, v))
	}
}
