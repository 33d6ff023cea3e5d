package scheduler

import (
	"bytes"
	"encoding/json"
	"maps"
	"strings"

	"github.com/swarm-project/swarm/filters"
)

// The labels that store a container's expressions.
const (
	ConstraintsLabel = filters.ConstraintsLabel
	AffinitiesLabel  = filters.AffinitiesLabel
)

// Normalize moves the constraint:/affinity:/whitelist: pseudo variables out of
// env into the com.docker.swarm.constraints / .affinities / .whitelists labels
// (JSON arrays of expressions without their prefix, e.g.
// ["node==node-1","storage==ssd"]), after what the labels already hold and
// without duplicates, and the reschedule: entries into the
// com.docker.swarm.reschedule-policies label (filters.ParseReschedule). It
// returns the env the container must receive and the labels to store; it
// never modifies its arguments. A malformed expression, in env or label, is
// a *filters.ExpressionError; more than one reschedule policy, or an
// unknown one, is a *filters.PolicyError.
func Normalize(env []string, labels map[string]string) (cleanEnv []string, newLabels map[string]string, err error) {
	newLabels = maps.Clone(labels)
	drop := map[int]bool{}
	for _, kind := range []filters.Kind{filters.KindConstraint, filters.KindAffinity, filters.KindWhitelist} {
		label := filters.LabelFor(kind)
		fromLabel, err := filters.ParseLabel(kind, labels[label])
		if err != nil {
			return nil, nil, err
		}
		fromEnv, idx, err := filters.ParseEnv(kind, env)
		if err != nil {
			return nil, nil, err
		}
		for _, i := range idx {
			drop[i] = true
		}
		if len(fromEnv) == 0 {
			continue
		}
		all := filters.Dedup(fromLabel, fromEnv)
		bodies := make([]string, len(all))
		for i, e := range all {
			bodies[i] = e.Body()
		}
		if newLabels == nil {
			newLabels = map[string]string{}
		}
		newLabels[label] = encodeList(bodies)
	}
	policies, idx := filters.ParseReschedule(env, labels[filters.ReschedulePoliciesLabel])
	if err := filters.CheckReschedule(policies); err != nil {
		return nil, nil, err
	}
	if len(idx) > 0 {
		for _, i := range idx {
			drop[i] = true
		}
		if newLabels == nil {
			newLabels = map[string]string{}
		}
		newLabels[filters.ReschedulePoliciesLabel] = encodeList(policies)
	}
	if env != nil {
		cleanEnv = make([]string, 0, len(env)-len(drop))
		for i, kv := range env {
			if !drop[i] {
				cleanEnv = append(cleanEnv, kv)
			}
		}
	}
	return cleanEnv, newLabels, nil
}

// encodeList renders a JSON array of strings without HTML escaping.
func encodeList(list []string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(list) // a []string always encodes
	return strings.TrimSuffix(b.String(), "\n")
}
