package state

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// Both stores answer the same way.
func TestStores(t *testing.T) {
	dir := t.TempDir()
	file, err := OpenFile(filepath.Join(dir, "state.json"))
	if err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]Store{"memory": NewMemory(), "file": file} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			if _, err := s.Get(ctx, "nodes/a"); !errors.Is(err, ErrNotFound) {
				t.Fatalf("Get of a missing key: %v, want ErrNotFound", err)
			}
			for _, kv := range [][2]string{{"nodes/a", `{"x":1}`}, {"nodes/b", `{"x":2}`}, {"nodes/b/deeper", `1`}, {"containers/c", `"c"`}} {
				if err := s.Put(ctx, kv[0], []byte(kv[1])); err != nil {
					t.Fatalf("Put %s: %v", kv[0], err)
				}
			}
			if v, err := s.Get(ctx, "nodes/a"); err != nil || string(v) != `{"x":1}` {
				t.Fatalf("Get nodes/a = %q, %v", v, err)
			}
			got, err := s.List(ctx, "nodes")
			if err != nil {
				t.Fatal(err)
			}
			if keys := Keys(got); !slices.Equal(keys, []string{"a", "b"}) || string(got["b"]) != `{"x":2}` {
				t.Fatalf("List nodes = %q", got)
			}
			if got, _ := s.List(ctx, "nothing"); len(got) != 0 {
				t.Fatalf("List of a missing dir = %q", got)
			}
			if err := s.Delete(ctx, "nodes/a"); err != nil {
				t.Fatal(err)
			}
			if err := s.Delete(ctx, "nodes/a"); err != nil {
				t.Fatalf("Delete of a missing key: %v", err)
			}
			if _, err := s.Get(ctx, "nodes/a"); !errors.Is(err, ErrNotFound) {
				t.Fatalf("Get after Delete: %v", err)
			}
			for _, bad := range []string{"", "/a", "a/", "a//b"} {
				if err := s.Put(ctx, bad, []byte("1")); err == nil {
					t.Errorf("Put %q succeeded, want an error", bad)
				}
			}
		})
	}
}

// A File keeps its state across a reopen, and refuses what is not JSON.
func TestFileSurvivesReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "state.json")
	f, err := OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := f.Put(ctx, "nodes/n1", []byte(`{"Availability":"drain"}`)); err != nil {
		t.Fatal(err)
	}
	if err := f.Put(ctx, "nodes/n2", []byte(`not json`)); err == nil {
		t.Fatal("Put of a value that is not JSON succeeded")
	}
	g, err := OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := g.Get(ctx, "nodes/n1"); err != nil || string(v) != `{"Availability":"drain"}` {
		t.Fatalf("after reopen: %q, %v", v, err)
	}
	if _, err := g.Get(ctx, "nodes/n2"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("refused value was kept: %v", err)
	}

	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenFile(bad); err == nil {
		t.Fatal("OpenFile of a file that is not a state file succeeded")
	}
	if data, _ := os.ReadFile(bad); string(data) != "hello" {
		t.Fatalf("the foreign file was changed: %q", data)
	}
}
