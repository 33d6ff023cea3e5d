package harness

import (
	"errors"
	"path/filepath"
	"testing"
)

func TestNewEngine(t *testing.T) {
	t.Setenv("SWARM_TEST_DIR", "/tmp/st")
	tests := []struct {
		name    string
		base    string
		n       int
		labels  []string
		want    Engine
		wantErr error
	}{
		{name: "default base", n: 1, labels: []string{"zone=a"}, want: Engine{
			N: 1, Name: "node-1", Addr: "127.0.0.1:23751", Labels: []string{"zone=a"},
			PublishIP: "127.99.1.1", Dir: filepath.Join("/tmp/st", "engine-1"),
		}},
		{name: "custom base", base: "30000", n: 42, want: Engine{
			N: 42, Name: "node-42", Addr: "127.0.0.1:30042", PublishIP: "127.99.42.1", Dir: "/tmp/st/engine-42",
		}},
		{name: "label without =", n: 1, labels: []string{"zone"}, wantErr: ErrBadLabel},
		{name: "label with empty key", n: 1, labels: []string{"=a"}, wantErr: ErrBadLabel},
		{name: "number too small", n: 0, wantErr: errAny},
		{name: "number too big", n: 100, wantErr: errAny},
		{name: "bad port base", base: "x", n: 1, wantErr: errAny},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("SWARM_ENGINE_PORT_BASE", tt.base)
			e, err := NewEngine(tt.n, tt.labels)
			if tt.wantErr != nil {
				if err == nil {
					t.Fatalf("NewEngine(%d, %q) = %+v, want an error", tt.n, tt.labels, e)
				}
				if tt.wantErr != errAny && !errors.Is(err, tt.wantErr) {
					t.Fatalf("error = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("NewEngine: %v", err)
			}
			got := *e
			got.claim = nil
			if got.N != tt.want.N || got.Name != tt.want.Name || got.Addr != tt.want.Addr ||
				got.PublishIP != tt.want.PublishIP || got.Dir != tt.want.Dir || len(got.Labels) != len(tt.want.Labels) {
				t.Fatalf("NewEngine = %+v\nwant        %+v", got, tt.want)
			}
			for i := range got.Labels {
				if got.Labels[i] != tt.want.Labels[i] {
					t.Fatalf("labels = %q, want %q", got.Labels, tt.want.Labels)
				}
			}
		})
	}
}

func TestStartEnginesRejectsBadInput(t *testing.T) {
	t.Setenv("SWARM_TEST_DIR", t.TempDir())
	tests := []struct {
		name   string
		n      int
		labels map[int][]string
		first  string
	}{
		{name: "no engines", n: 0},
		{name: "labels for a missing engine", n: 1, labels: map[int][]string{1: {"a=b"}}},
		{name: "bad label", n: 1, labels: map[int][]string{0: {"ab"}}},
		{name: "bad first engine", n: 1, first: "0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("SWARM_HARNESS_FIRST_ENGINE", tt.first)
			engs, err := StartEngines(tt.n, tt.labels)
			if err == nil {
				StopEngines(engs)
				t.Fatalf("StartEngines(%d, %v) did not fail", tt.n, tt.labels)
			}
		})
	}
}
