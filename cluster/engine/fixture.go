package engine

import (
	"net/http"
	"net/url"

	"github.com/docker/docker/api/types"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/volume"
)

// Fixture describes an engine with a fixed cache, for tests and
// benchmarks of the packages above the engine: it is never run and never
// contacts a daemon.
type Fixture struct {
	Addr, Name, ID string
	Health         Health
	// FailureRetry is the failures that make it Unhealthy (1 when 0).
	FailureRetry int
	// APIVersion and MinAPIVersion are what its /version would say.
	APIVersion, MinAPIVersion string
	Labels                    map[string]string
	Containers                []container.InspectResponse
	Images                    []image.Summary
	Networks                  []network.Summary
	Volumes                   []*volume.Volume
	// Transport, when set, is what Transport returns, and the engine's URL
	// is http://Addr: proxied calls then really reach Addr.
	Transport *http.Transport
}

// NewFixture builds the engine f describes.
func NewFixture(f Fixture) *Engine {
	e := &Engine{
		addr:       f.Addr,
		opts:       &Options{Transport: f.Transport},
		base:       &url.URL{Scheme: "http", Host: f.Addr},
		kick:       make(chan struct{}, 1),
		fillKick:   make(chan struct{}, 1),
		id:         f.ID,
		name:       f.Name,
		labels:     f.Labels,
		health:     healthState{state: f.Health, retry: f.FailureRetry},
		version:    types.Version{APIVersion: f.APIVersion, MinAPIVersion: f.MinAPIVersion},
		containers: map[string]*Container{},
		names:      map[string]string{},
		swarmIDs:   map[string]string{},
		gone:       map[string]uint64{},
		images:     f.Images,
		networks:   f.Networks,
		volumes:    f.Volumes,
	}
	for _, info := range f.Containers {
		c := newContainer(e, info)
		e.containers[c.ID()] = c
		e.index(c)
	}
	return e
}
