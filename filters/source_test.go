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

// A `\!` in a label, left by escaping `!` for the shell, reads as `!`.
func TestParseLabelShellEscapedBang(t *testing.T) {
	tests := []struct {
		name  string
		value string
		want  []string
	}{
		{name: "escaped", value: `["container\!=c1"]`, want: []string{"container!=c1"}},
		{name: "escaped, soft", value: `["container\!=~c1", "image==redis"]`, want: []string{"container!=~c1", "image==redis"}},
		{name: "valid JSON is read as it is", value: `["node!=a"]`, want: []string{"node!=a"}},
		{name: "other escapes kept", value: `["com.x\u002ey\!=v"]`, want: []string{"com.x.y!=v"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, kind := range []Kind{KindAffinity, KindConstraint} {
				got, err := ParseLabel(kind, tt.value)
				if err != nil {
					t.Fatalf("ParseLabel(%s, %s): %v", kind, tt.value, err)
				}
				if !slices.Equal(bodies(got), tt.want) {
					t.Errorf("ParseLabel(%s, %s) = %q, want %q", kind, tt.value, bodies(got), tt.want)
				}
			}
		})
	}
}

// Other malformed labels still give an ExpressionError (HTTP 400).
func TestParseLabelMalformed(t *testing.T) {
	tests := []struct {
		name     string
		value    string
		wantExpr string // "" means the whole label
	}{
		{name: "not JSON", value: `container!=c1`},
		{name: "unclosed", value: `["container\!=c1"`},
		{name: "other bad escape", value: `["container\q=c1"]`},
		{name: "bad escape besides a bang", value: `["container\!=c1", "a\q"]`},
		{name: "bang outside a string", value: `[\!"container==c1"]`},
		{name: "not strings", value: `[1]`},
		// Valid JSON: the key is `container\`, which is not a valid key.
		{name: "escaped backslash then bang stays a backslash", value: `["container\\!=c1"]`, wantExpr: `affinity:container\!=c1`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseLabel(KindAffinity, tt.value)
			var ee *ExpressionError
			if !errors.As(err, &ee) {
				t.Fatalf("ParseLabel(%s) error = %v, want *ExpressionError", tt.value, err)
			}
			want := tt.wantExpr
			if want == "" {
				want = AffinitiesLabel + "=" + tt.value
			}
			if ee.Expr != want {
				t.Errorf("Expr = %q, want %q", ee.Expr, want)
			}
		})
	}
}
