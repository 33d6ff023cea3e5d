package cluster

import (
	"slices"
	"testing"
)

func TestPlacementExprs(t *testing.T) {
	tests := []struct {
		name string
		maps []map[string]string
		want []string
	}{
		{name: "none", maps: []map[string]string{{"a": "b"}}, want: nil},
		{name: "CLI split key=value", maps: []map[string]string{{"constraint:node": "=node-1"}}, want: []string{"constraint:node==node-1"}},
		{name: "whole expression as key", maps: []map[string]string{{"affinity:image==busybox": ""}}, want: []string{"affinity:image==busybox"}},
		{name: "whitelist", maps: []map[string]string{{"whitelist:node": "=a|b"}}, want: []string{"whitelist:node==a|b"}},
		{name: "labels then options, sorted", maps: []map[string]string{
			{"constraint:z": "=1", "constraint:a": "=2", "x": "y"},
			{"affinity:container": "=db"},
		}, want: []string{"constraint:a==2", "constraint:z==1", "affinity:container==db"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := placementExprs(tc.maps...); !slices.Equal(got, tc.want) {
				t.Errorf("placementExprs = %q, want %q", got, tc.want)
			}
		})
	}
	opts := withoutPlacement(map[string]string{"constraint:node": "=x", "whitelist:node": "=x", "com.docker.network.bridge.name": "br0"})
	if len(opts) != 1 || opts["com.docker.network.bridge.name"] != "br0" {
		t.Errorf("withoutPlacement kept %v", opts)
	}
	if withoutPlacement(nil) != nil {
		t.Errorf("withoutPlacement(nil) is not nil")
	}
}
