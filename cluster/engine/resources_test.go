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

func TestEngineCPUShares(t *testing.T) {
	tests := []struct {
		name             string
		cpus             int64
		engineCPUs       int
		want             int64
		wantReadBackCPUs int64
	}{
		{name: "one of two", cpus: 1, engineCPUs: 2, want: 512, wantReadBackCPUs: 1},
		{name: "one of three rounds up", cpus: 1, engineCPUs: 3, want: 342, wantReadBackCPUs: 1},
		{name: "all of one", cpus: 1, engineCPUs: 1, want: 1024, wantReadBackCPUs: 1},
		{name: "two of eight", cpus: 2, engineCPUs: 8, want: 256, wantReadBackCPUs: 2},
		{name: "seven of seven", cpus: 7, engineCPUs: 7, want: 1024, wantReadBackCPUs: 7},
		{name: "the engine's minimum", cpus: 1, engineCPUs: 1024, want: MinCPUShares, wantReadBackCPUs: 2},
		{name: "the engine's maximum", cpus: 1 << 40, engineCPUs: 2, want: MaxCPUShares, wantReadBackCPUs: 512},
		{name: "no request", cpus: 0, engineCPUs: 2, want: 0, wantReadBackCPUs: 0},
		{name: "unknown engine size", cpus: 3, engineCPUs: 0, want: 3, wantReadBackCPUs: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := EngineCPUShares(tt.cpus, tt.engineCPUs)
			if got != tt.want {
				t.Fatalf("EngineCPUShares(%d, %d) = %d, want %d", tt.cpus, tt.engineCPUs, got, tt.want)
			}
			hc := &container.HostConfig{Resources: container.Resources{CPUShares: got}}
			if back := ReservedCPUs(hc, tt.engineCPUs); back != tt.wantReadBackCPUs*NanoCPU {
				t.Errorf("ReservedCPUs(%d shares, %d) = %d, want %d CPUs", got, tt.engineCPUs, back, tt.wantReadBackCPUs)
			}
		})
	}
}

func TestReservedCPUs(t *testing.T) {
	tests := []struct {
		name         string
		shares, nano int64
		engineCPUs   int
		want         int64
	}{
		{name: "made without -c", engineCPUs: 4, want: 0},
		{name: "the default weight is every CPU", shares: 1024, engineCPUs: 4, want: 4 * NanoCPU},
		{name: "rounded down", shares: 300, engineCPUs: 4, want: NanoCPU},
		{name: "nano cpus win", shares: 1024, nano: 1_500_000_000, engineCPUs: 4, want: 1_500_000_000},
		{name: "negative", shares: -2, engineCPUs: 4, want: 0},
		{name: "huge", shares: 1 << 62, engineCPUs: 4, want: MaxCPUShares * 4 * NanoCPU},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hc := &container.HostConfig{Resources: container.Resources{CPUShares: tt.shares, NanoCPUs: tt.nano}}
			if got := ReservedCPUs(hc, tt.engineCPUs); got != tt.want {
				t.Errorf("ReservedCPUs = %d, want %d", got, tt.want)
			}
		})
	}
}
