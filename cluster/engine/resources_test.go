package engine

import (
	"testing"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/image"

	"github.com/swarm-project/swarm/scheduler/node"
)

func TestImageMatches(t *testing.T) {
	img := image.Summary{
		ID:          "sha256:4b2f8a0c1e9d77aa",
		RepoTags:    []string{"busybox:latest", "registry.local:5000/team/app:1.2"},
		RepoDigests: []string{"busybox@sha256:ffff"},
	}
	tests := []struct {
		name string
		ref  string
		want bool
	}{
		{"repo implies latest", "busybox", true},
		{"repo tag", "busybox:latest", true},
		{"docker.io prefix", "docker.io/library/busybox", true},
		{"library prefix", "library/busybox:latest", true},
		{"other tag", "busybox:1.36", false},
		{"registry with port", "registry.local:5000/team/app:1.2", true},
		{"registry without tag", "registry.local:5000/team/app", false},
		{"full id", "sha256:4b2f8a0c1e9d77aa", true},
		{"short id", "4b2f8a0c", true},
		{"too short id", "4b2", false},
		{"digest", "busybox@sha256:ffff", true},
		{"empty", "", false},
		{"other", "alpine", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ImageMatches(img, tt.ref); got != tt.want {
				t.Fatalf("ImageMatches(%q) = %v, want %v", tt.ref, got, tt.want)
			}
		})
	}
}

func TestNanoCPUIsTheSchedulersUnit(t *testing.T) {
	if NanoCPU != node.NanoCPU {
		t.Fatalf("cluster.NanoCPU = %d, scheduler's node.NanoCPU = %d", NanoCPU, node.NanoCPU)
	}
}

func TestRequestedCPUs(t *testing.T) {
	tests := []struct {
		name      string
		shares    int64
		nano      int64
		wantNanos int64
	}{
		{name: "nothing", wantNanos: 0},
		{name: "shares are cores", shares: 2, wantNanos: 2 * NanoCPU},
		{name: "nano cpus win", shares: 2, nano: 1_500_000_000, wantNanos: 1_500_000_000},
		{name: "negative shares", shares: -1, wantNanos: 0},
		{name: "negative nano falls back to shares", shares: 1, nano: -5, wantNanos: NanoCPU},
		{name: "huge shares saturate", shares: 1 << 62, wantNanos: (int64(^uint64(0)>>1) / NanoCPU) * NanoCPU},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := RequestedCPUs(&container.HostConfig{Resources: container.Resources{CPUShares: tt.shares, NanoCPUs: tt.nano}}); got != tt.wantNanos {
				t.Errorf("RequestedCPUs(shares %d, nano %d) = %d, want %d", tt.shares, tt.nano, got, tt.wantNanos)
			}
		})
	}
}
