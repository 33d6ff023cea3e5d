package harness

import (
	"reflect"
	"testing"
)

func TestParseSystemStatus(t *testing.T) {
	tests := []struct {
		name   string
		status [][2]string
		want   SwarmInfo
	}{
		{
			name:   "empty",
			status: nil,
			want:   SwarmInfo{Fields: map[string]string{}},
		},
		{
			name: "two nodes",
			status: [][2]string{
				{"Role", "primary"}, {"Strategy", "spread"}, {"Nodes", "2"},
				{" node-1", "127.0.0.1:1"}, {"  └ Status", "Healthy"}, {"  └ Containers", "1 (1 Running, 0 Paused, 0 Stopped)"},
				{" node-2", "127.0.0.1:2"}, {"  └ Status", "Unhealthy"}, {"  └ Error", "boom"},
			},
			want: SwarmInfo{
				Fields: map[string]string{"Role": "primary", "Strategy": "spread", "Nodes": "2"},
				Nodes: []SwarmNode{
					{Name: "node-1", Addr: "127.0.0.1:1", Fields: map[string]string{"Status": "Healthy", "Containers": "1 (1 Running, 0 Paused, 0 Stopped)"}},
					{Name: "node-2", Addr: "127.0.0.1:2", Fields: map[string]string{"Status": "Unhealthy", "Error": "boom"}},
				},
			},
		},
		{
			name:   "node field before any node is dropped",
			status: [][2]string{{"  └ Status", "Healthy"}, {"Nodes", "0"}},
			want:   SwarmInfo{Fields: map[string]string{"Nodes": "0"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ParseSystemStatus(tt.status)
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
	info := ParseSystemStatus([][2]string{{" node-7", "a:1"}})
	if n, ok := info.Node("node-7"); !ok || n.Addr != "a:1" {
		t.Fatalf("Node(node-7) = %+v, %v", n, ok)
	}
	if _, ok := info.Node("node-8"); ok {
		t.Fatal("Node(node-8) found")
	}
}
