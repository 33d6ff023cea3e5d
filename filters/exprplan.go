package filters

import "github.com/swarm-project/swarm/scheduler/node"

// predicate reports whether an expression holds on a node (operator applied).
type predicate func(n *node.Node) bool

// exprPlan turns expressions and their predicates into a Plan: hard
// expressions must all hold (the first that does not is the reason), soft
// ones become preferences for the scheduler's second pass.
func exprPlan(exprs []*Expr, preds []predicate) Plan {
	var plan Plan
	var hard []predicate
	var reasons []string
	for i, e := range exprs {
		if e.Soft {
			plan.Soft = append(plan.Soft, Preference{Condition: e.String(), Check: asCheck(preds[i], e.String())})
			continue
		}
		hard = append(hard, preds[i])
		reasons = append(reasons, e.String())
	}
	if len(hard) > 0 {
		plan.Hard = func(n *node.Node) (bool, string) {
			for i, p := range hard {
				if !p(n) {
					return false, reasons[i]
				}
			}
			return true, ""
		}
	}
	return plan
}

func asCheck(p predicate, reason string) Check {
	return func(n *node.Node) (bool, string) {
		if p(n) {
			return true, ""
		}
		return false, reason
	}
}
