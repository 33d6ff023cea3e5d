package main

import (
	"strings"
	"testing"
)

// TestLayerRuleChecker runs the checker of TestLayering on a made-up
// import graph, so that a broken rule is known to fail.
func TestLayerRuleChecker(t *testing.T) {
	const m = "example.com/m"
	g := importGraph{
		m + "/api":            {m + "/cluster", m + "/filters", "fmt"},
		m + "/cluster":        {m + "/scheduler", m + "/discovery"},
		m + "/scheduler":      {m + "/scheduler/node", m + "/filters"},
		m + "/scheduler/node": nil,
		m + "/filters":        {m + "/scheduler/node"},
		m + "/discovery":      {m + "/discovery/kv"},
		m + "/discovery/kv":   {m + "/cluster"}, // the violation below
		"fmt":                 nil,
	}
	tests := []struct {
		name    string
		rule    layerRule
		want    []string
		wantErr string
	}{
		{
			name: "transitive violation through a subpackage",
			rule: layerRule{pkg: "discovery/...", forbidden: []string{"api/...", "cluster/..."}},
			want: []string{
				"discovery -> discovery/kv -> cluster",
				"discovery/kv -> cluster",
			},
		},
		{
			name: "transitive rule reaches through the closure",
			rule: layerRule{pkg: "api", forbidden: []string{"scheduler/..."}},
			want: []string{
				"api -> cluster -> scheduler",
				"api -> filters -> scheduler/node", // the shortest chain
			},
		},
		{
			name: "direct rule sees only the package's own imports",
			rule: layerRule{pkg: "api", forbidden: []string{"scheduler/..."}, direct: true},
		},
		{
			name: "direct violation",
			rule: layerRule{pkg: "api", forbidden: []string{"filters/...", "scheduler/..."}, direct: true},
			want: []string{"api -> filters"},
		},
		{
			name: "shortest chain",
			rule: layerRule{pkg: "api", forbidden: []string{"filters"}},
			want: []string{"api -> filters"},
		},
		{
			name: "holding rule",
			rule: layerRule{pkg: "scheduler/...", forbidden: []string{"api/...", "cluster/..."}},
		},
		{
			name: "a pattern matches the package, not a name prefix",
			rule: layerRule{pkg: "filters/...", forbidden: []string{"scheduler/node/..."}},
			want: []string{"filters -> scheduler/node"},
		},
		{
			name:    "unknown package",
			rule:    layerRule{pkg: "gone/...", forbidden: []string{"api"}},
			wantErr: "no package matches " + m + "/gone/...",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := g.violations(m, tt.rule)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Fatalf("violations:\n\t%s\nwant:\n\t%s", strings.Join(got, "\n\t"), strings.Join(tt.want, "\n\t"))
			}
		})
	}
}

func TestLayerMatch(t *testing.T) {
	tests := []struct {
		pattern, path string
		want          bool
	}{
		{"a/b", "a/b", true},
		{"a/b", "a/b/c", false},
		{"a/b/...", "a/b", true},
		{"a/b/...", "a/b/c/d", true},
		{"a/b/...", "a/bc", false},
		{"a/b/...", "a", false},
	}
	for _, tt := range tests {
		if got := match(tt.pattern, tt.path); got != tt.want {
			t.Errorf("match(%q, %q) = %v, want %v", tt.pattern, tt.path, got, tt.want)
		}
	}
}
