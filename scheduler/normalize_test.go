package scheduler

import (
	"errors"
	"maps"
	"slices"
	"testing"

	"github.com/swarm-project/swarm/filters"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		name       string
		env        []string
		labels     map[string]string
		wantEnv    []string
		wantLabels map[string]string
	}{
		{
			name:       "nothing to move",
			env:        []string{"A=b"},
			labels:     map[string]string{"x": "y"},
			wantEnv:    []string{"A=b"},
			wantLabels: map[string]string{"x": "y"},
		},
		{
			name:       "nil in nil out",
			wantEnv:    nil,
			wantLabels: nil,
		},
		{
			name:    "moves constraints and affinities",
			env:     []string{"A=b", "constraint:node==node-1", "affinity:container!=web", "constraint:storage==ssd", "C=d"},
			wantEnv: []string{"A=b", "C=d"},
			wantLabels: map[string]string{
				ConstraintsLabel: `["node==node-1","storage==ssd"]`,
				AffinitiesLabel:  `["container!=web"]`,
			},
		},
		{
			name:    "merges with the label without duplicates",
			env:     []string{"constraint:storage==ssd", "constraint:region==us-*", "constraint:storage==ssd"},
			labels:  map[string]string{ConstraintsLabel: `["storage==ssd"]`, "keep": "me"},
			wantEnv: []string{},
			wantLabels: map[string]string{
				ConstraintsLabel: `["storage==ssd","region==us-*"]`,
				"keep":           "me",
			},
		},
		{
			name:       "moves whitelists",
			env:        []string{"whitelist:node==node-1|node-2", "A=b"},
			wantEnv:    []string{"A=b"},
			wantLabels: map[string]string{filters.WhitelistsLabel: `["node==node-1|node-2"]`},
		},
		{
			name:       "soft and regexp kept as written",
			env:        []string{"affinity:image==~/redis|valkey/"},
			wantEnv:    []string{},
			wantLabels: map[string]string{AffinitiesLabel: `["image==~/redis|valkey/"]`},
		},
		{
			name:       "label alone is left as is",
			labels:     map[string]string{ConstraintsLabel: `[ "storage==ssd" ]`},
			wantLabels: map[string]string{ConstraintsLabel: `[ "storage==ssd" ]`},
		},
		{
			name:       "moves the reschedule policy",
			env:        []string{"A=b", "reschedule:on-node-failure"},
			wantEnv:    []string{"A=b"},
			wantLabels: map[string]string{filters.ReschedulePoliciesLabel: `["on-node-failure"]`},
		},
		{
			name:       "reschedule label alone is left as is",
			labels:     map[string]string{filters.ReschedulePoliciesLabel: `["off"]`},
			wantLabels: map[string]string{filters.ReschedulePoliciesLabel: `["off"]`},
		},
		{
			name:       "html characters not escaped",
			env:        []string{"constraint:k==/a&b/"},
			wantEnv:    []string{},
			wantLabels: map[string]string{ConstraintsLabel: `["k==/a&b/"]`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			envIn := slices.Clone(tt.env)
			labelsIn := maps.Clone(tt.labels)
			env, labels, err := Normalize(tt.env, tt.labels)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(env, tt.wantEnv) || (env == nil) != (tt.wantEnv == nil) {
				t.Errorf("env = %q, want %q", env, tt.wantEnv)
			}
			if !maps.Equal(labels, tt.wantLabels) || (labels == nil) != (tt.wantLabels == nil) {
				t.Errorf("labels = %q, want %q", labels, tt.wantLabels)
			}
			if !slices.Equal(tt.env, envIn) || !maps.Equal(tt.labels, labelsIn) {
				t.Error("Normalize modified its arguments")
			}
			// Normalizing again changes nothing.
			env2, labels2, err := Normalize(env, labels)
			if err != nil || !slices.Equal(env2, env) || !maps.Equal(labels2, labels) {
				t.Errorf("second Normalize = %q, %q, %v", env2, labels2, err)
			}
		})
	}
}

func TestNormalizeDoesNotAlias(t *testing.T) {
	labels := map[string]string{"a": "b"}
	env := []string{"X=1"}
	env2, labels2, err := Normalize(env, labels)
	if err != nil {
		t.Fatal(err)
	}
	labels2["a"] = "changed"
	env2[0] = "changed"
	if labels["a"] != "b" || env[0] != "X=1" {
		t.Error("the results share memory with the arguments")
	}
}

func TestNormalizeErrors(t *testing.T) {
	tests := []struct {
		name     string
		env      []string
		labels   map[string]string
		wantExpr string
	}{
		{name: "single equal", env: []string{"constraint:foo=bar"}, wantExpr: "constraint:foo=bar"},
		{name: "no key", env: []string{"affinity:==x"}, wantExpr: "affinity:==x"},
		{name: "bad regexp", env: []string{"constraint:k==/[/"}, wantExpr: "constraint:k==/[/"},
		{name: "bad label", labels: map[string]string{ConstraintsLabel: `["a=b"]`}, wantExpr: "constraint:a=b"},
		{name: "label not json", labels: map[string]string{AffinitiesLabel: `x`}, wantExpr: AffinitiesLabel + "=x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Normalize(tt.env, tt.labels)
			var ee *filters.ExpressionError
			if !errors.As(err, &ee) || !errors.Is(err, filters.ErrBadExpression) {
				t.Fatalf("err = %v, want *filters.ExpressionError", err)
			}
			if ee.Expr != tt.wantExpr {
				t.Errorf("Expr = %q, want %q", ee.Expr, tt.wantExpr)
			}
		})
	}
}

func TestNormalizeReschedulePolicyErrors(t *testing.T) {
	tests := []struct {
		name    string
		env     []string
		labels  map[string]string
		wantMsg string
	}{
		{name: "unknown in env", env: []string{"reschedule:always"}, wantMsg: "invalid reschedule policy: always"},
		{name: "unknown in label", labels: map[string]string{filters.ReschedulePoliciesLabel: `["false"]`}, wantMsg: "invalid reschedule policy: false"},
		{name: "empty in env", env: []string{"reschedule:"}, wantMsg: "invalid reschedule policy: "},
		{name: "two in env", env: []string{"reschedule:off", "reschedule:off"}, wantMsg: "too many reschedule policies"},
		{name: "label and env", env: []string{"reschedule:off"}, labels: map[string]string{filters.ReschedulePoliciesLabel: `["on-node-failure"]`}, wantMsg: "too many reschedule policies"},
		{name: "two in label", labels: map[string]string{filters.ReschedulePoliciesLabel: `["off","on-node-failure"]`}, wantMsg: "too many reschedule policies"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Normalize(tt.env, tt.labels)
			if !errors.Is(err, filters.ErrBadReschedulePolicy) {
				t.Fatalf("err = %v, want a reschedule policy error", err)
			}
			if err.Error() != tt.wantMsg {
				t.Errorf("message %q, want %q", err, tt.wantMsg)
			}
		})
	}
}
