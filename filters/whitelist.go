package filters

import (
	"strings"

	"github.com/swarm-project/swarm/scheduler/node"
)

// KindWhitelist is the expression family of the whitelist filter, also the
// prefix of its pseudo environment variable (`-e whitelist:node==a|b`).
const KindWhitelist Kind = "whitelist"

// WhitelistsLabel is the container, network and volume label that holds
// whitelist expressions, a JSON array like ConstraintsLabel.
const WhitelistsLabel = "com.docker.swarm.whitelists"

// Whitelist keeps the nodes whose name is in every whitelist expression of
// the request (`-e whitelist:node==node-1|node-2`, or the
// com.docker.swarm.whitelists label). Whatever the key, an expression lists
// node names: its value split on "|", each compared with the node's name
// exactly (no case folding, glob or regular expression). Only `==` is
// accepted; `==~` makes the list a preference.
type Whitelist struct{}

// Name returns "whitelist".
func (Whitelist) Name() string { return "whitelist" }

// Cost returns CostNode: the check reads the node's name only.
func (Whitelist) Cost() Cost { return CostNode }

// Prepare parses the request's whitelists.
func (Whitelist) Prepare(req *node.Request, _ []*node.Node) (Plan, error) {
	exprs, err := whitelistExprs(req)
	if err != nil {
		return Plan{}, err
	}
	return nodeExprPlan(exprs, whitelistPredicate), nil
}

// whitelistExprs returns the request's whitelist expressions, refusing the
// `!=` operator: a whitelist names the nodes allowed, not those refused.
func whitelistExprs(req *node.Request) ([]*Expr, error) {
	exprs, err := RequestExprs(KindWhitelist, req)
	if err != nil {
		return nil, err
	}
	for _, e := range exprs {
		if e.Op != Equal {
			return nil, &ExpressionError{Expr: e.String(), Reason: "a whitelist takes only the operator =="}
		}
	}
	return exprs, nil
}

// WhitelistNames splits a whitelist value into node names, dropping empty
// ones ("a||b" is a and b).
func WhitelistNames(value string) []string {
	var out []string
	for _, s := range strings.Split(value, "|") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func whitelistPredicate(e *Expr) predicate {
	names := make(map[string]bool)
	for _, s := range WhitelistNames(e.Value) {
		names[s] = true
	}
	return func(n *node.Node) bool { return names[n.Name] }
}
