package cluster

import (
	"context"
	"strings"

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

// RefreshImages re-reads the engine's image list.
func (e *Engine) RefreshImages(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	images, err := e.api.ImageList(ctx, image.ListOptions{All: false})
	if err != nil {
		return err
	}
	e.mu.Lock()
	e.images = images
	e.node = nil
	e.mu.Unlock()
	return nil
}

// RefreshNetworks re-reads the engine's network list.
func (e *Engine) RefreshNetworks(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	networks, err := e.api.NetworkList(ctx, network.ListOptions{})
	if err != nil {
		return err
	}
	e.mu.Lock()
	e.networks = networks
	e.node = nil
	e.mu.Unlock()
	return nil
}

// RefreshVolumes re-reads the engine's volume list.
func (e *Engine) RefreshVolumes(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	resp, err := e.api.VolumeList(ctx, volume.ListOptions{})
	if err != nil {
		return err
	}
	e.mu.Lock()
	e.volumes = resp.Volumes
	e.node = nil
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
	if len(r) >= 4 && strings.HasPrefix(id, r) && isHex(r) {
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

func isHex(s string) bool {
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
