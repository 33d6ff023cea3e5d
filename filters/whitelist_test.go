package filters

import (
	"errors"
	"slices"
	"testing"

	nt "github.com/swarm-project/swarm/scheduler/node/nodetest"

	"github.com/swarm-project/swarm/scheduler/node"
)

func whitelistNodes() []*node.Node {
	return []*node.Node{
		nt.New("node-1", nt.ID("AAAA:1111")),
		nt.New("node-2", nt.ID("BBBB:2222")),
		nt.New("node-3", nt.ID("CCCC:3333")),
		nt.New("Node-4"),
	}
}

func TestWhitelist(t *testing.T) {
	tests := []struct {
		name       string
		req        *node.Request
		wantFit    []string
		wantReason string // reason given for every rejected node
		wantSoft   [][]string
		wantConds  []string
	}{
		{name: "no whitelist", req: envReq("A=b", "constraint:node==node-1"), wantFit: []string{"node-1", "node-2", "node-3", "Node-4"}},
		{
			name: "one name", req: envReq("whitelist:node==node-2"),
			wantFit: []string{"node-2"}, wantReason: "whitelist:node==node-2", wantConds: []string{"node==node-2"},
		},
		{
			name: "names split on bar", req: envReq("whitelist:node==node-1|node-3"),
			wantFit: []string{"node-1", "node-3"}, wantReason: "whitelist:node==node-1|node-3", wantConds: []string{"node==node-1|node-3"},
		},
		{
			name: "any key is the node name", req: envReq("whitelist:foo==node-1|node-2"),
			wantFit: []string{"node-1", "node-2"}, wantReason: "whitelist:foo==node-1|node-2", wantConds: []string{"foo==node-1|node-2"},
		},
		{
			name: "name key", req: envReq("whitelist:name==node-3"),
			wantFit: []string{"node-3"}, wantReason: "whitelist:name==node-3", wantConds: []string{"name==node-3"},
		},
		{
			name: "exact case", req: envReq("whitelist:node==node-4"),
			wantReason: "whitelist:node==node-4", wantConds: []string{"node==node-4"},
		},
		{
			name: "no glob", req: envReq("whitelist:node==node-*"),
			wantReason: "whitelist:node==node-*", wantConds: []string{"node==node-*"},
		},
		{
			name: "no partial match", req: envReq("whitelist:node==node"),
			wantReason: "whitelist:node==node", wantConds: []string{"node==node"},
		},
		{
			name: "not the ID", req: envReq("whitelist:node==AAAA:1111"),
			wantReason: "whitelist:node==AAAA:1111", wantConds: []string{"node==AAAA:1111"},
		},
		{
			name: "empty names ignored", req: envReq("whitelist:node==|node-2||"),
			wantFit: []string{"node-2"}, wantReason: "whitelist:node==|node-2||", wantConds: []string{"node==|node-2||"},
		},
		{
			name: "every list must hold", req: envReq("whitelist:node==node-1|node-2", "whitelist:node==node-2|node-3"),
			wantFit: []string{"node-2"}, wantConds: []string{"node==node-1|node-2", "node==node-2|node-3"},
		},
		{
			name:    "from label",
			req:     &node.Request{Labels: map[string]string{WhitelistsLabel: `["node==node-1|node-3"]`}},
			wantFit: []string{"node-1", "node-3"}, wantReason: "whitelist:node==node-1|node-3", wantConds: []string{"node==node-1|node-3"},
		},
		{
			name: "label and env without duplicates",
			req: &node.Request{
				Labels: map[string]string{WhitelistsLabel: `["node==node-1|node-3"]`},
				Env:    []string{"whitelist:node==node-1|node-3", "whitelist:node==node-3"},
			},
			wantFit: []string{"node-3"}, wantConds: []string{"node==node-1|node-3", "node==node-3"},
		},
		{
			name:    "from build args",
			req:     &node.Request{BuildArgs: map[string]string{"whitelist:node": "=node-2"}},
			wantFit: []string{"node-2"}, wantReason: "whitelist:node==node-2", wantConds: []string{"node==node-2"},
		},
		{
			name:      "soft is a preference",
			req:       envReq("whitelist:node==~node-3|nowhere"),
			wantFit:   []string{"node-1", "node-2", "node-3", "Node-4"},
			wantSoft:  [][]string{{"node-3"}},
			wantConds: []string{"node==node-3|nowhere"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nodes := whitelistNodes()
			o := run(t, Whitelist{}, tt.req, nodes)
			if !equalNames(o.fit, tt.wantFit) {
				t.Errorf("fit = %s, want %s", show(o.fit), show(tt.wantFit))
			}
			if tt.wantReason != "" {
				for name, r := range o.reasons {
					if r != tt.wantReason {
						t.Errorf("reason for %s = %q, want %q", name, r, tt.wantReason)
					}
				}
			}
			if len(o.soft) != len(tt.wantSoft) {
				t.Fatalf("got %d preferences, want %d", len(o.soft), len(tt.wantSoft))
			}
			for i := range o.soft {
				if !equalNames(o.soft[i], tt.wantSoft[i]) {
					t.Errorf("preference %s passes %s, want %s", o.conds[i], show(o.soft[i]), show(tt.wantSoft[i]))
				}
			}
			if got := whitelistConds(tt.req); !equalNames(got, tt.wantConds) {
				t.Errorf("Plan.Conditions = %q, want %q", got, tt.wantConds)
			}
		})
	}
}

func TestWhitelistEveryListReason(t *testing.T) {
	// A node outside the first list is rejected naming the first; one
	// inside it but outside the second names the second.
	req := envReq("whitelist:node==node-1|node-2", "whitelist:node==node-2|node-3")
	o := run(t, Whitelist{}, req, whitelistNodes())
	want := map[string]string{
		"node-1": "whitelist:node==node-2|node-3",
		"node-3": "whitelist:node==node-1|node-2",
		"Node-4": "whitelist:node==node-1|node-2",
	}
	for name, r := range want {
		if o.reasons[name] != r {
			t.Errorf("reason for %s = %q, want %q", name, o.reasons[name], r)
		}
	}
}

func TestWhitelistBadExpression(t *testing.T) {
	tests := []struct {
		name     string
		req      *node.Request
		wantExpr string
	}{
		{name: "not equal", req: envReq("whitelist:node!=node-1"), wantExpr: "whitelist:node!=node-1"},
		{name: "single equal", req: envReq("whitelist:node=node-1"), wantExpr: "whitelist:node=node-1"},
		{name: "no value", req: envReq("whitelist:node=="), wantExpr: "whitelist:node=="},
		{name: "label not json", req: &node.Request{Labels: map[string]string{WhitelistsLabel: "node==a"}}, wantExpr: WhitelistsLabel + "=node==a"},
		{name: "bad label entry", req: &node.Request{Labels: map[string]string{WhitelistsLabel: `["node"]`}}, wantExpr: "whitelist:node"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Whitelist{}.Prepare(tt.req, whitelistNodes())
			var ee *ExpressionError
			if !errors.As(err, &ee) || !errors.Is(err, ErrBadExpression) {
				t.Fatalf("err = %v, want an *ExpressionError", err)
			}
			if ee.Expr != tt.wantExpr {
				t.Errorf("Expr = %q, want %q", ee.Expr, tt.wantExpr)
			}
			if got := whitelistConds(tt.req); got != nil {
				t.Errorf("Plan.Conditions = %q, want none", got)
			}
		})
	}
}

func TestWhitelistNames(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"a", []string{"a"}},
		{"a|b", []string{"a", "b"}},
		{" a | b ", []string{"a", "b"}},
		{"a||b|", []string{"a", "b"}},
		{"|", nil},
	}
	for _, tt := range tests {
		if got := WhitelistNames(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("WhitelistNames(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// whitelistConds is the Conditions of the whitelist's plan for req, nil
// when Prepare refuses it.
func whitelistConds(req *node.Request) []string {
	plan, err := Whitelist{}.Prepare(req, whitelistNodes())
	if err != nil {
		return nil
	}
	return plan.Conditions
}
