package cluster

import (
	"context"
	"strings"
	"testing"

	"github.com/docker/docker/api/types/container"

	"github.com/swarm-project/swarm/cluster/engine"
	"github.com/swarm-project/swarm/test/simengine"
)

// TestCreateCPUShares: -c N reserves N CPUs; the engine gets
// ceil(N*1024/its CPUs) shares, which read back as N CPUs.
func TestCreateCPUShares(t *testing.T) {
	tests := []struct {
		ncpu, asked int
		wantShares  int64
	}{
		{ncpu: 2, asked: 1, wantShares: 512},
		{ncpu: 3, asked: 1, wantShares: 342},
		{ncpu: 4, asked: 3, wantShares: 768},
		{ncpu: 1, asked: 1, wantShares: 1024},
	}
	for _, tt := range tests {
		t.Run(strings.Repeat("c", tt.asked)+"/"+strings.Repeat("n", tt.ncpu), func(t *testing.T) {
			c, sims := simFleet(t, 1, func(_ int, cfg *simengine.Config) { cfg.NCPU = tt.ncpu })
			req := busybox("")
			req.HostConfig = &container.HostConfig{Resources: container.Resources{CPUShares: int64(tt.asked)}}
			resp, e, err := c.CreateContainer(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := sims[0].Inspect(resp.ID)
			if !ok || got.HostConfig.CPUShares != tt.wantShares {
				t.Fatalf("engine got CpuShares %d, want %d", got.HostConfig.CPUShares, tt.wantShares)
			}
			if req.HostConfig.CPUShares != int64(tt.asked) {
				t.Errorf("the request was modified: CpuShares %d", req.HostConfig.CPUShares)
			}
			want := int64(tt.asked) * engine.NanoCPU
			if u := e.Usage(); u.ReservedCPUs != want {
				t.Errorf("usage reserves %d, want %d", u.ReservedCPUs, want)
			}
			c.schedMu.Lock()
			nodes, _ := c.snapshotLocked(nil)
			c.schedMu.Unlock()
			if n := nodes[0]; n.ReservedCPUs != want {
				t.Errorf("the scheduler sees %d reserved, want %d", n.ReservedCPUs, want)
			}
		})
	}
}
