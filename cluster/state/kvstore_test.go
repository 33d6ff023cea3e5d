package state

import (
	"context"
	"errors"
	"slices"
	"testing"
)

// memKV is a KVData over a Memory store, so that KV can be checked
// without a real store (test/ha runs it against etcd, Consul and ZooKeeper).
type memKV struct{ *Memory }

func (m memKV) Set(ctx context.Context, key string, value []byte) error {
	return m.Memory.Put(ctx, key, value)
}

func TestKV(t *testing.T) {
	ctx := context.Background()
	backing := NewMemory()
	tests := []struct {
		name, base, wantPrefix string
	}{
		{name: "with a path", base: "/swarm/", wantPrefix: "swarm/docker/swarm/state"},
		{name: "no path", base: "", wantPrefix: "docker/swarm/state"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewKV(memKV{backing}, tt.base, ErrNotFound)
			if _, err := s.Get(ctx, "nodes/a"); !errors.Is(err, ErrNotFound) {
				t.Fatalf("Get of a missing key: %v, want ErrNotFound", err)
			}
			if err := s.Put(ctx, "nodes/a", []byte("1")); err != nil {
				t.Fatal(err)
			}
			if v, err := backing.Get(ctx, tt.wantPrefix+"/nodes/a"); err != nil || string(v) != "1" {
				t.Fatalf("the key is not under %s: %q, %v", tt.wantPrefix, v, err)
			}
			got, err := s.List(ctx, "nodes")
			if err != nil || !slices.Equal(Keys(got), []string{"a"}) {
				t.Fatalf("List nodes = %q, %v", got, err)
			}
			if err := s.Delete(ctx, "nodes/a"); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Get(ctx, "nodes/a"); !errors.Is(err, ErrNotFound) {
				t.Fatalf("Get after Delete: %v", err)
			}
			if err := s.Put(ctx, "a//b", nil); err == nil {
				t.Fatal("Put of a bad key succeeded")
			}
		})
	}
}
