package engine

import (
	"context"
	"reflect"
	"strings"

	"github.com/docker/docker/api/types/container"

	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/volume"
)

// Images returns the engine's cached image list.
func (e *Engine) Images() []image.Summary {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.images
}

// Networks returns the engine's cached network list.
func (e *Engine) Networks() []network.Summary {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.networks
}

// Volumes returns the engine's cached volume list.
func (e *Engine) Volumes() []*volume.Volume {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.volumes
}

// listKind is one of the engine's object lists, whose reads are ordered
// as container reads are: a list read that started earlier never replaces
// one that started later. Otherwise a reconciliation's network list read
// before a removal, answered after the removal's own re-read, brought the
// removed network back until the next round.
type listKind int

const (
	listImages listKind = iota
	listNetworks
	listVolumes
	listKinds
)

// newestList reports whether the list read numbered seq started after the
// last one stored of its kind, and if so records it as stored. The caller
// holds e.mu.
func (e *Engine) newestList(kind listKind, seq uint64) bool {
	if seq < e.listed[kind] {
		return false
	}
	e.listed[kind] = seq
	return true
}

// RefreshImages re-reads the engine's image list, intermediate images
// included (all=1): `docker images -a` lists them, and the callers that
// want the default list drop them (the untagged parents of another image).
func (e *Engine) RefreshImages(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	seq := e.lists.Add(1)
	images, err := e.Client().ImageList(ctx, image.ListOptions{All: true})
	if err != nil {
		return err
	}
	e.mu.Lock()
	if e.newestList(listImages, seq) && !reflect.DeepEqual(e.images, images) {
		e.images = images
		e.changed()
	}
	e.mu.Unlock()
	return nil
}

// RefreshNetworks re-reads the engine's network list.
func (e *Engine) RefreshNetworks(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	seq := e.lists.Add(1)
	networks, err := e.Client().NetworkList(ctx, network.ListOptions{})
	if err != nil {
		return err
	}
	e.mu.Lock()
	if e.newestList(listNetworks, seq) && !reflect.DeepEqual(e.networks, networks) {
		e.networks = networks
		e.changed()
	}
	e.mu.Unlock()
	return nil
}

// RefreshVolumes re-reads the engine's volume list.
func (e *Engine) RefreshVolumes(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	seq := e.lists.Add(1)
	resp, err := e.Client().VolumeList(ctx, volume.ListOptions{})
	if err != nil {
		return err
	}
	e.mu.Lock()
	if e.newestList(listVolumes, seq) && !reflect.DeepEqual(e.volumes, resp.Volumes) {
		e.volumes = resp.Volumes
		e.changed()
	}
	e.mu.Unlock()
	return nil
}

// HasImage reports whether the engine holds the image, by ID (or ID
// prefix), repo tag (":latest" implied) or repo digest.
func (e *Engine) HasImage(ref string) bool {
	_, ok := e.FindImage(ref)
	return ok
}

// FindImage looks an image up in the engine's cache.
func (e *Engine) FindImage(ref string) (image.Summary, bool) {
	for _, img := range e.Images() {
		if ImageMatches(img, ref) {
			return img, true
		}
	}
	return image.Summary{}, false
}

// ImageMatches reports whether ref names img: full or short ID (with or
// without "sha256:"), repo:tag (":latest" implied, "docker.io/library/"
// optional) or repo@digest.
func ImageMatches(img image.Summary, ref string) bool {
	if ref == "" {
		return false
	}
	id := strings.TrimPrefix(img.ID, "sha256:")
	r := strings.TrimPrefix(ref, "sha256:")
	if len(r) >= 4 && strings.HasPrefix(id, r) && IsHex(r) {
		return true
	}
	want := NormalizeImageRef(ref)
	for _, t := range img.RepoTags {
		if NormalizeImageRef(t) == want {
			return true
		}
	}
	for _, d := range img.RepoDigests {
		if NormalizeImageRef(d) == want {
			return true
		}
	}
	return false
}

// NormalizeImageRef turns "busybox" into "busybox:latest" and drops the
// default registry prefixes, so that references compare equal.
func NormalizeImageRef(ref string) string {
	ref = strings.TrimPrefix(ref, "docker.io/")
	ref = strings.TrimPrefix(ref, "index.docker.io/")
	ref = strings.TrimPrefix(ref, "library/")
	if strings.Contains(ref, "@") {
		return ref
	}
	slash := strings.LastIndex(ref, "/")
	if !strings.Contains(ref[slash+1:], ":") {
		ref += ":latest"
	}
	return ref
}

// IDLength is the length of a full container ID: 64 hexadecimal digits.
const IDLength = 64

// IsHex reports whether s is lower-case hexadecimal (an ID or ID prefix).
func IsHex(s string) bool {
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// NanoCPU is one CPU in the units of Usage's CPU fields (the scheduler's
// unit, node.NanoCPU).
const NanoCPU int64 = 1e9

// Usage sums up an engine for `docker info`.
type Usage struct {
	Containers, Running, Paused, Stopped int
	ReservedCPUs, TotalCPUs              int64 // NanoCPU units
	ReservedMemory, TotalMemory          int64 // bytes
}

// Usage returns the engine's container counts and reserved resources.
func (e *Engine) Usage() Usage {
	info := e.Info()
	u := Usage{TotalCPUs: int64(info.NCPU) * NanoCPU, TotalMemory: info.MemTotal}
	for _, c := range e.Containers() {
		u.ReservedCPUs += c.ReservedCPUs(info.NCPU)
		u.ReservedMemory += c.memory
		u.Containers++
		switch {
		case c.paused:
			u.Paused++
		case c.running:
			u.Running++
		default:
			u.Stopped++
		}
	}
	return u
}

// RequestedCPUs reads the CPU request of a container create in NanoCPU
// units. NanoCpus, when set, wins. Otherwise CpuShares is read as a number
// of whole CPUs, as classic Swarm did (`docker run -c 2` asks for two
// CPUs); the engine then gets EngineCPUShares of it. Negative values count
// as no request.
func RequestedCPUs(hc *container.HostConfig) int64 {
	if hc.NanoCPUs > 0 {
		return hc.NanoCPUs
	}
	if hc.CPUShares <= 0 {
		return 0
	}
	return min(hc.CPUShares, maxCores) * NanoCPU
}

// maxCores is the most whole CPUs a NanoCPU count can hold.
const maxCores = int64(^uint64(0)>>1) / NanoCPU

// The CpuShares an engine accepts (Linux).
const (
	MinCPUShares = 2
	MaxCPUShares = 262144
)

// EngineCPUShares is the CpuShares an engine with engineCPUs CPUs gets for
// a request of cpus whole CPUs: cpus' fraction of the engine's 1024 shares
// per CPU, ceil(cpus*1024/engineCPUs), kept within the range the engine
// accepts. An engine that reported no CPUs gets cpus unchanged.
func EngineCPUShares(cpus int64, engineCPUs int) int64 {
	if cpus <= 0 || engineCPUs <= 0 {
		return cpus
	}
	if cpus > MaxCPUShares { // so that cpus*1024 cannot overflow
		return MaxCPUShares
	}
	n := int64(engineCPUs)
	shares := (cpus*1024 + n - 1) / n
	return min(max(shares, MinCPUShares), MaxCPUShares)
}

// ReservedCPUs reads what an existing container on an engine with
// engineCPUs CPUs reserves, in NanoCPU units: its NanoCpus when set, else
// the whole CPUs its CpuShares stand for, shares*engineCPUs/1024 rounded
// down (the inverse of EngineCPUShares, as classic Swarm read them back).
// A container made on the engine without -c reserves nothing.
func ReservedCPUs(hc *container.HostConfig, engineCPUs int) int64 {
	if hc.NanoCPUs > 0 {
		return hc.NanoCPUs
	}
	if hc.CPUShares <= 0 || engineCPUs <= 0 {
		return 0
	}
	shares := min(hc.CPUShares, MaxCPUShares*1024) // keeps the product in range
	return min(shares*int64(engineCPUs)/1024, maxCores) * NanoCPU
}

// FindNetwork looks a network up in the engine's cache by full ID, name or
// unique ID prefix.
func (e *Engine) FindNetwork(ref string) (network.Summary, bool) {
	var prefix []network.Summary
	var byName *network.Summary
	for _, n := range e.Networks() {
		if n.ID == ref {
			return n, true
		}
		if n.Name == ref && byName == nil {
			cp := n
			byName = &cp
		}
		if ref != "" && strings.HasPrefix(n.ID, ref) {
			prefix = append(prefix, n)
		}
	}
	if byName != nil {
		return *byName, true
	}
	if len(prefix) == 1 {
		return prefix[0], true
	}
	return network.Summary{}, false
}

// FindVolume looks a volume up in the engine's cache by name.
func (e *Engine) FindVolume(name string) (*volume.Volume, bool) {
	for _, v := range e.Volumes() {
		if v != nil && v.Name == name {
			return v, true
		}
	}
	return nil, false
}

// ImagesChanged re-reads the engine's images after an operation forwarded
// to it (a build, a commit) made one, so that it shows in the next list.
func (e *Engine) ImagesChanged(ctx context.Context) {
	e.Resync(ctx, "images", e.RefreshImages)
}
