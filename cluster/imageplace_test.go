package cluster

import (
	"context"
	"strings"
	"testing"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/image"

	"github.com/swarm-project/swarm/test/simengine"
)

// TestCreateImageOnlyOnOneNode: node-1 (fewer containers, so spread's
// choice) lacks the image and its registry does not have it; node-2 holds
// it.
func TestCreateImageOnlyOnOneNode(t *testing.T) {
	tests := []struct {
		name     string
		env      []string
		wantNode string // "" when the create must fail
		wantErr  string
	}{
		{name: "placed where the image is", wantNode: "node-2"},
		{name: "soft node constraint", env: []string{"constraint:node==~node-1"}, wantNode: "node-2"},
		{name: "other constraint", env: []string{"constraint:rack==a"}, wantNode: "node-2"},
		{name: "hard node constraint: the pull's error", env: []string{"constraint:node==node-1"},
			wantErr: "pull access denied for only-here, repository does not exist or may require 'docker login'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, sims := simFleet(t, 2, func(i int, cfg *simengine.Config) {
				cfg.Labels = []string{"rack=a"}
				cfg.Pullable = []string{"busybox"}
				if i == 1 {
					cfg.Images = []image.Summary{simengine.NewImage("only-here:1")}
					cfg.Containers = simengine.Containers("x", 1)
				}
			})
			req := CreateRequest{Config: &container.Config{Image: "only-here:1", Env: tt.env}}
			resp, e, err := c.CreateContainer(context.Background(), req)
			pulls := pullsOn(sims[0])
			if pulls != 1 {
				t.Errorf("%d pulls on node-1, want 1 (the registry is asked first)", pulls)
			}
			if tt.wantNode == "" {
				if err == nil {
					t.Fatalf("create succeeded on %s", e.Name())
				}
				if err.Error() != tt.wantErr || !cerrdefs.IsNotFound(err) {
					t.Fatalf("error %q (not found: %v), want %q, not found", err, cerrdefs.IsNotFound(err), tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if e.Name() != tt.wantNode {
				t.Fatalf("placed on %s, want %s", e.Name(), tt.wantNode)
			}
			if _, ok := sims[1].Inspect(resp.ID); !ok {
				t.Fatalf("container %s is not on node-2", resp.ID)
			}
		})
	}
}

// TestCreatePrefersImageHolder: with the strategy's scores equal, the node
// that holds the image wins, so nothing is pulled.
func TestCreatePrefersImageHolder(t *testing.T) {
	c, sims := simFleet(t, 3, func(i int, cfg *simengine.Config) {
		cfg.Images = []image.Summary{}
		if i == 2 {
			cfg.Images = []image.Summary{simengine.NewImage("redis:7")}
		}
	})
	_, e, err := c.CreateContainer(context.Background(), CreateRequest{Config: &container.Config{Image: "redis:7"}})
	if err != nil {
		t.Fatal(err)
	}
	if e.Name() != "node-3" {
		t.Fatalf("placed on %s, want node-3, which holds redis:7", e.Name())
	}
	for _, s := range sims {
		for _, r := range s.RequestLog() {
			if strings.HasSuffix(r.Path, "/images/create") {
				t.Errorf("%s pulled", s.Name())
			}
		}
	}
}
