package filters

import (
	"errors"
	"slices"
	"testing"

	"github.com/swarm-project/swarm/scheduler/node"
)

func bodies(es []*Expr) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Body()
	}
	return out
}

func TestRequestExprs(t *testing.T) {
	tests := []struct {
		name string
		kind Kind
		req  *node.Request
		want []string
	}{
		{
			name: "env only",
			kind: KindConstraint,
			req:  &node.Request{Env: []string{"PATH=/bin", "constraint:storage==ssd", "affinity:container==web"}},
			want: []string{"storage==ssd"},
		},
		{
			name: "affinity from env",
			kind: KindAffinity,
			req:  &node.Request{Env: []string{"constraint:storage==ssd", "affinity:container==web"}},
			want: []string{"container==web"},
		},
		{
			name: "label only",
			kind: KindConstraint,
			req:  &node.Request{Labels: map[string]string{ConstraintsLabel: `["node==node-1","storage==ssd"]`}},
			want: []string{"node==node-1", "storage==ssd"},
		},
		{
			name: "label and env without duplicates",
			kind: KindConstraint,
			req: &node.Request{
				Env:    []string{"constraint:storage==ssd", "constraint:region==us-*"},
				Labels: map[string]string{ConstraintsLabel: `["storage==ssd"]`},
			},
			want: []string{"storage==ssd", "region==us-*"},
		},
		{
			name: "build arg split by the cli",
			kind: KindConstraint,
			req:  &node.Request{BuildArgs: map[string]string{"constraint:node": "=node-1", "greeting": "hi"}},
			want: []string{"node==node-1"},
		},
		{
			name: "build arg whole key",
			kind: KindConstraint,
			req:  &node.Request{BuildArgs: map[string]string{"constraint:node==node-1": ""}},
			want: []string{"node==node-1"},
		},
		{
			name: "build arg negation and soft",
			kind: KindAffinity,
			req:  &node.Request{BuildArgs: map[string]string{"affinity:image!": "redis", "affinity:container": "=~web"}},
			want: []string{"container==~web", "image!=redis"},
		},
		{
			name: "nothing",
			kind: KindAffinity,
			req:  &node.Request{Env: []string{"A=b"}},
			want: nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := RequestExprs(tt.kind, tt.req)
			if err != nil {
				t.Fatal(err)
			}
			if b := bodies(got); !slices.Equal(b, tt.want) && !(len(b) == 0 && len(tt.want) == 0) {
				t.Errorf("RequestExprs = %q, want %q", b, tt.want)
			}
		})
	}
}

func TestRequestExprsErrors(t *testing.T) {
	tests := []struct {
		name     string
		req      *node.Request
		wantExpr string
	}{
		{name: "env", req: &node.Request{Env: []string{"constraint:foo=bar"}}, wantExpr: "constraint:foo=bar"},
		{name: "label entry", req: &node.Request{Labels: map[string]string{ConstraintsLabel: `["==x"]`}}, wantExpr: "constraint:==x"},
		{name: "label not json", req: &node.Request{Labels: map[string]string{ConstraintsLabel: `storage==ssd`}}, wantExpr: ConstraintsLabel + "=storage==ssd"},
		{name: "build arg without value", req: &node.Request{BuildArgs: map[string]string{"constraint:node": ""}}, wantExpr: "constraint:node"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := RequestExprs(KindConstraint, tt.req)
			var ee *ExpressionError
			if !errors.As(err, &ee) {
				t.Fatalf("error = %v, want *ExpressionError", err)
			}
			if ee.Expr != tt.wantExpr {
				t.Errorf("Expr = %q, want %q", ee.Expr, tt.wantExpr)
			}
		})
	}
}
