package filters

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/swarm-project/swarm/scheduler/node"
)

// The container labels that hold expressions, as JSON arrays of bodies
// without their kind prefix (e.g. `["storage==ssd"]`), as classic Swarm
// stored them.
const (
	ConstraintsLabel = "com.docker.swarm.constraints"
	AffinitiesLabel  = "com.docker.swarm.affinities"
)

// LabelFor returns the label that stores expressions of kind.
func LabelFor(kind Kind) string {
	switch kind {
	case KindAffinity:
		return AffinitiesLabel
	case KindWhitelist:
		return WhitelistsLabel
	}
	return ConstraintsLabel
}

// EnvPrefix returns the pseudo environment variable prefix of kind,
// "constraint:", "affinity:" or "whitelist:".
func EnvPrefix(kind Kind) string { return string(kind) + ":" }

// ParseLabel parses the JSON array a ConstraintsLabel, AffinitiesLabel or
// WhitelistsLabel holds. An empty string holds nothing. A `\!` inside a
// string reads as `!`: users escape the `!` for their shell (`--label
// 'com.docker.swarm.affinities=["container\!=c1"]'`), which leaves a
// backslash JSON does not allow. Any other malformed value is an
// *ExpressionError.
func ParseLabel(kind Kind, value string) ([]*Expr, error) {
	if strings.TrimSpace(value) == "" {
		return nil, nil
	}
	var bodies []string
	if err := json.Unmarshal([]byte(value), &bodies); err != nil {
		lenient, changed := unescapeBang(value)
		if !changed || json.Unmarshal([]byte(lenient), &bodies) != nil {
			return nil, &ExpressionError{Expr: LabelFor(kind) + "=" + value, Reason: "not a JSON array of strings"}
		}
	}
	out := make([]*Expr, 0, len(bodies))
	for _, b := range bodies {
		e, err := ParseExpr(kind, b)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// unescapeBang drops the backslash of every `\!` inside the JSON strings of
// s, leaving every other escape (`\\`, `\"`, ...) as it is; changed
// reports whether it dropped any.
func unescapeBang(s string) (out string, changed bool) {
	var b strings.Builder
	inString := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case !inString:
			inString = c == '"'
		case c == '"':
			inString = false
		case c == '\\' && i+1 < len(s):
			if s[i+1] == '!' {
				changed = true
				continue // keep the '!', drop the backslash
			}
			// Copy the escape pair as it is, so that `\\!` stays an
			// escaped backslash followed by '!'.
			b.WriteByte(c)
			i++
			c = s[i]
		}
		b.WriteByte(c)
	}
	if !changed {
		return s, false
	}
	return b.String(), true
}

// ParseEnv parses the env entries that start with kind's prefix and returns
// them in order, along with the indexes of the entries it consumed.
func ParseEnv(kind Kind, env []string) ([]*Expr, []int, error) {
	prefix := EnvPrefix(kind)
	var out []*Expr
	var idx []int
	for i, kv := range env {
		if !strings.HasPrefix(kv, prefix) {
			continue
		}
		e, err := ParseExpr(kind, kv[len(prefix):])
		if err != nil {
			return nil, nil, err
		}
		out = append(out, e)
		idx = append(idx, i)
	}
	return out, idx, nil
}

// ParseBuildArgs parses the build arguments whose key starts with kind's
// prefix. The docker CLI splits `--build-arg constraint:node==node-1` at its
// first "=", giving the key "constraint:node" and the value "=node-1"; a
// client may also send the whole expression as the key with an empty value.
// Both read as "node==node-1": the expression is the key after the prefix,
// followed by "=" and the value when the value is not empty. The result is
// sorted by key so that it does not depend on map order.
func ParseBuildArgs(kind Kind, args map[string]string) ([]*Expr, error) {
	prefix := EnvPrefix(kind)
	var keys []string
	for k := range args {
		if strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return nil, nil
	}
	slices.Sort(keys)
	out := make([]*Expr, 0, len(keys))
	for _, k := range keys {
		body := k[len(prefix):]
		if v := args[k]; v != "" {
			body += "=" + v
		}
		e, err := ParseExpr(kind, body)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// RequestExprs returns every expression of kind the request carries: from
// its label first, then its env, then its build args, without duplicates (so
// a request reads the same before and after the scheduler's Normalize).
func RequestExprs(kind Kind, req *node.Request) ([]*Expr, error) {
	fromLabel, err := ParseLabel(kind, req.Labels[LabelFor(kind)])
	if err != nil {
		return nil, err
	}
	fromEnv, _, err := ParseEnv(kind, req.Env)
	if err != nil {
		return nil, err
	}
	fromArgs, err := ParseBuildArgs(kind, req.BuildArgs)
	if err != nil {
		return nil, err
	}
	return Dedup(fromLabel, fromEnv, fromArgs), nil
}

// Dedup concatenates lists, keeping the first of expressions with the same
// Body.
func Dedup(lists ...[]*Expr) []*Expr {
	n := 0
	for _, l := range lists {
		n += len(l)
	}
	if n == 0 {
		return nil
	}
	out := make([]*Expr, 0, n)
	seen := make(map[string]bool, n)
	for _, l := range lists {
		for _, e := range l {
			b := e.Body()
			if seen[b] {
				continue
			}
			seen[b] = true
			out = append(out, e)
		}
	}
	return out
}
