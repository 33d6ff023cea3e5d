package cluster

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/docker/docker/api/types/image"

	"github.com/swarm-project/swarm/test/simengine"
)

// imageFleet starts three engines; images[i] are node-(i+1)'s images.
func imageFleet(t *testing.T, images ...[]string) (*Cluster, []*simengine.Engine) {
	t.Helper()
	return simFleet(t, len(images), func(i int, cfg *simengine.Config) {
		cfg.Images = []image.Summary{}
		for _, ref := range images[i] {
			cfg.Images = append(cfg.Images, simengine.NewImage(ref))
		}
	})
}

func TestSaveSource(t *testing.T) {
	c, _ := imageFleet(t, []string{"a:1", "b:1"}, []string{"b:1", "c:1"}, []string{"c:1"})
	tests := []struct {
		name     string
		names    []string
		want     string // node; "" when an error is expected
		wantErr  error
		wantText string
	}{
		{name: "all on one node", names: []string{"a:1", "b:1"}, want: "node-1"},
		{name: "first holder by name", names: []string{"c:1"}, want: "node-2"},
		{name: "missing image", names: []string{"b:1", "nosuch:1"}, wantErr: ErrNotFound, wantText: "No such image: nosuch:1"},
		{name: "spread over nodes", names: []string{"a:1", "c:1"}, wantErr: ErrNotFound,
			wantText: "Unable to find a healthy engine containing all images: [a:1 c:1]"},
		{name: "none named", names: nil, wantErr: ErrInvalid, wantText: "no images named: give at least one image"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, err := c.SaveSource(tc.names)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) || err.Error() != tc.wantText {
					t.Fatalf("SaveSource(%q) = %v, want %q (%v)", tc.names, err, tc.wantText, tc.wantErr)
				}
				return
			}
			if err != nil || e.Name() != tc.want {
				t.Fatalf("SaveSource(%q) = %v, %v; want %s", tc.names, e, err, tc.want)
			}
		})
	}
}

func TestPushSource(t *testing.T) {
	c, _ := imageFleet(t, []string{"a:1"}, []string{"a:2"})
	tests := []struct {
		name, image, tag string
		want             string
		wantErr          string
	}{
		{name: "tag", image: "a", tag: "2", want: "node-2"},
		{name: "every tag", image: "a", tag: "", wantErr: "No such image: a"},
		{name: "unknown tag", image: "a", tag: "3", wantErr: "No such image: a:3"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, err := c.PushSource(tc.image, tc.tag)
			if tc.wantErr != "" {
				if !errors.Is(err, ErrNotFound) || err.Error() != tc.wantErr {
					t.Fatalf("PushSource = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || e.Name() != tc.want {
				t.Fatalf("PushSource = %v, %v; want %s", e, err, tc.want)
			}
		})
	}
}

// TestTagRemoveEveryHolder: tag and rmi go to every node that holds the
// image, and their caches show the change when the call returns.
func TestTagRemoveEveryHolder(t *testing.T) {
	c, _ := imageFleet(t, []string{"x:1"}, []string{"busybox"}, []string{"x:1"})
	ctx := context.Background()
	holders := func(ref string) []string {
		var out []string
		for _, e := range c.Engines() {
			if e.HasImage(ref) {
				out = append(out, e.Name())
			}
		}
		return out
	}
	tests := []struct {
		name    string
		op      func() error
		ref     string   // image whose holders are checked after op
		want    []string // its holders
		wantErr error
	}{
		{name: "tag", op: func() error { return c.TagImage(ctx, "x:1", "x:2") }, ref: "x:2", want: []string{"node-1", "node-3"}},
		{name: "tag unknown", op: func() error { return c.TagImage(ctx, "nosuch", "y:1") }, ref: "y:1", wantErr: ErrNotFound},
		{name: "remove", op: func() error {
			out, err := c.RemoveImage(ctx, "x:1", image.RemoveOptions{Force: true})
			if err == nil && len(out) != 4 { // each node answers untagged and deleted
				return fmt.Errorf("delete responses %+v, want 4", out)
			}
			return err
		}, ref: "x:1", want: nil},
		{name: "remove unknown", op: func() error {
			_, err := c.RemoveImage(ctx, "x:1", image.RemoveOptions{})
			return err
		}, ref: "x:1", wantErr: ErrNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.op()
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("error %v, want %v", err, tc.wantErr)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if got := holders(tc.ref); !equalStrings(got, tc.want) {
				t.Errorf("%s held by %q, want %q", tc.ref, got, tc.want)
			}
		})
	}
}

func TestNodeParam(t *testing.T) {
	c, sims := imageFleet(t, []string{"busybox"}, []string{"busybox"})
	if e, err := c.Node("node-2"); err != nil || e.Name() != "node-2" {
		t.Fatalf("Node(node-2) = %v, %v", e, err)
	}
	if _, err := c.Node("node-9"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Node(node-9) = %v, want ErrNotFound", err)
	}
	sims[1].Stop()
	waitUntil(t, "node-2 is unhealthy", func() bool { return len(c.HealthyEngines()) == 1 })
	var unavailable *NodeUnavailableError
	if _, err := c.Node("node-2"); !errors.As(err, &unavailable) || !errors.Is(err, ErrUnavailable) {
		t.Errorf("Node of a stopped engine = %v, want a *NodeUnavailableError", err)
	}
}
