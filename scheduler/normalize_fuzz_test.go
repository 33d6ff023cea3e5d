package scheduler

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/swarm-project/swarm/filters"
	"github.com/swarm-project/swarm/scheduler/node"
)

// FuzzNormalize reads a placement request's env (entries separated by
// newlines) and its com.docker.swarm.* labels the way a container create
// does. A request Normalize accepts reads the same expressions before and
// after (the env entries moved into the labels), keeps every other env
// entry in order, leaves its arguments alone, and normalizes to itself
// when normalized again. A refused request is an expression or
// reschedule-policy error, and the filters refuse it too.
func FuzzNormalize(f *testing.F) {
	add := func(env, constraints, affinities, reschedule string) {
		f.Add(env, constraints, affinities, reschedule)
	}
	add("constraint:node==node-1\nPATH=/bin", "", "", "")
	add("affinity:container!=~web\nconstraint:storage==ssd", `["storage==ssd"]`, "", "")
	add("reschedule:on-node-failure", "", "", "")
	add("reschedule:off\nreschedule:off", "", "", "")
	add("", `["node==a"]`, `["container\!=c1"]`, "on-node-failure")
	add("whitelist:node==node-1|node-2", "", "", `["off"]`)
	add("constraint:node==", "", "", "")
	add("A=1\nconstraint:zone==/eu-.*/\nB=2", `["zone==/eu-.*/"]`, "", "")
	add("constraint:node==\u00e9\u212a", `["node==é"]`, `[]`, "")
	add("reschedule:sometimes", "", "", "")
	add("", `not json`, "", "")
	add("constraint:"+strings.Repeat("k", 2000)+"==v", "", "", "")
	f.Fuzz(func(t *testing.T, envText, constraints, affinities, reschedule string) {
		// Env and labels arrive in a JSON body, which has made them valid
		// UTF-8 (encoding/json reads a bad byte as U+FFFD).
		envText, constraints, affinities, reschedule = validUTF8(envText), validUTF8(constraints), validUTF8(affinities), validUTF8(reschedule)
		var env []string
		if envText != "" {
			env = strings.Split(envText, "\n")
		}
		labels := map[string]string{"app": "web"}
		for k, v := range map[string]string{
			ConstraintsLabel: constraints, AffinitiesLabel: affinities, filters.ReschedulePoliciesLabel: reschedule,
		} {
			if v != "" {
				labels[k] = v
			}
		}
		envCopy, labelsCopy := slices.Clone(env), maps.Clone(labels)

		cleanEnv, newLabels, err := Normalize(env, labels)
		if !slices.Equal(env, envCopy) || !maps.Equal(labels, labelsCopy) {
			t.Fatalf("Normalize modified its arguments")
		}
		req := &node.Request{Env: env, Labels: labels}
		if err != nil {
			if !errors.Is(err, filters.ErrBadExpression) && !errors.Is(err, filters.ErrBadReschedulePolicy) {
				t.Fatalf("Normalize: error %v is neither an expression nor a policy error", err)
			}
			if errors.Is(err, filters.ErrBadExpression) && allParse(req) {
				t.Fatalf("Normalize refuses %q %v (%v) but the filters read it", env, labels, err)
			}
			return
		}
		if !allParse(req) {
			t.Fatalf("Normalize accepts %q %v but the filters refuse it", env, labels)
		}
		var kept []string
		for _, kv := range env {
			if !placementEntry(kv) {
				kept = append(kept, kv)
			}
		}
		if !slices.Equal(cleanEnv, kept) {
			t.Fatalf("env %q normalized to %q, want %q", env, cleanEnv, kept)
		}
		after := &node.Request{Env: cleanEnv, Labels: newLabels}
		for _, kind := range []filters.Kind{filters.KindConstraint, filters.KindAffinity, filters.KindWhitelist} {
			before, _ := filters.RequestExprs(kind, req)
			now, err := filters.RequestExprs(kind, after)
			if err != nil {
				t.Fatalf("normalized labels %v do not parse: %v", newLabels, err)
			}
			if b, n := bodies(before), bodies(now); !slices.Equal(b, n) {
				t.Fatalf("%s expressions %q before Normalize, %q after", kind, b, n)
			}
		}
		p1, _ := filters.ParseReschedule(env, labels[filters.ReschedulePoliciesLabel])
		p2, _ := filters.ParseReschedule(cleanEnv, newLabels[filters.ReschedulePoliciesLabel])
		if !slices.Equal(p1, p2) {
			t.Fatalf("reschedule policies %q before Normalize, %q after", p1, p2)
		}
		env2, labels2, err := Normalize(cleanEnv, newLabels)
		if err != nil || !slices.Equal(env2, cleanEnv) || !maps.Equal(labels2, newLabels) {
			t.Fatalf("Normalize is not idempotent: %q %v, then %q %v (%v)", cleanEnv, newLabels, env2, labels2, err)
		}
	})
}

func validUTF8(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }

func allParse(req *node.Request) bool {
	for _, kind := range []filters.Kind{filters.KindConstraint, filters.KindAffinity, filters.KindWhitelist} {
		if _, err := filters.RequestExprs(kind, req); err != nil {
			return false
		}
	}
	return true
}

func placementEntry(kv string) bool {
	for _, p := range []string{"constraint:", "affinity:", "whitelist:", filters.RescheduleEnvPrefix} {
		if strings.HasPrefix(kv, p) {
			return true
		}
	}
	return false
}

func bodies(exprs []*filters.Expr) []string {
	out := make([]string, len(exprs))
	for i, e := range exprs {
		out[i] = e.Body()
	}
	return out
}
