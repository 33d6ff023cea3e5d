package cluster

import (
	"errors"
	"fmt"
	"testing"

	"github.com/swarm-project/swarm/test/simengine"
)

func strp(s string) *string { return &s }

func TestBuildTarget(t *testing.T) {
	c, _ := simFleet(t, 3, func(i int, cfg *simengine.Config) {
		cfg.Labels = []string{fmt.Sprintf("rack=%d", i%2)}
	})
	e, done, err := c.OpenBuildSession("sess-1")
	if err != nil {
		t.Fatal(err)
	}
	defer done()
	if e.Name() != "node-1" {
		t.Fatalf("session opened on %s, want node-1 (first by name)", e.Name())
	}
	tests := []struct {
		name    string
		args    map[string]*string
		labels  map[string]string
		session string
		want    []string // acceptable nodes
		kept    []string // argument names passed on
		wantErr error
	}{
		{name: "constraint build arg", args: map[string]*string{"constraint:node": strp("=node-3"), "V": strp("1"), "N": nil},
			want: []string{"node-3"}, kept: []string{"N", "V"}},
		{name: "constraint on a label", args: map[string]*string{"constraint:rack": strp("=1")}, want: []string{"node-2"}, kept: []string{}},
		{name: "constraints label", labels: map[string]string{"com.docker.swarm.constraints": `["node==node-2"]`}, want: []string{"node-2"}, kept: []string{}},
		{name: "no constraint", args: map[string]*string{"V": strp("1")}, want: []string{"node-1", "node-2", "node-3"}, kept: []string{"V"}},
		{name: "open session", session: "sess-1", args: map[string]*string{"constraint:node": strp("=node-3")}, want: []string{"node-1"}, kept: []string{}},
		{name: "unknown session", session: "sess-9", wantErr: ErrInvalid},
		{name: "no node fits", args: map[string]*string{"constraint:node": strp("=node-9")}, wantErr: ErrNoFit},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, kept, err := c.BuildTarget(tc.args, tc.labels, tc.session)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("BuildTarget = %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			ok := false
			for _, n := range tc.want {
				ok = ok || e.Name() == n
			}
			if !ok {
				t.Errorf("build placed on %s, want one of %q", e.Name(), tc.want)
			}
			var names []string
			for k := range kept {
				names = append(names, k)
			}
			if !equalStrings(sortedStrings(names...), tc.kept) {
				t.Errorf("kept %q, want %q", names, tc.kept)
			}
		})
	}
	done()
	if _, _, err := c.BuildTarget(nil, nil, "sess-1"); !errors.Is(err, ErrInvalid) {
		t.Errorf("closed session: %v, want ErrInvalid", err)
	}
}
