package api

import (
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/versions"

	"github.com/swarm-project/swarm/cluster/engine"
)

// This file shapes answers to the client's API version, the way dockerd
// adapts its own answers: a field newer than the client's version is left
// out, and a field an older version had is filled in. Each answer was read
// from an engine at some version (the source: what the manager's client
// negotiated with that engine, or the version a forwarded call was sent
// at); only the differences between source and client are touched. Every
// rule names the API version of the change (docs/api.md, "Versions").
//
// Cached values are shared, so a shaper copies what it changes.

// before reports whether version v is older than since.
func before(v, since string) bool { return versions.LessThan(v, since) }

// readVersion is the version the manager's cache read engine e at: the
// Docker client the cluster uses negotiates the engine's newest version,
// capped at the client's own (TypesAPIVersion).
func readVersion(e *engine.Engine) string {
	_, hi := e.APIRange()
	if hi == "" || versions.GreaterThan(hi, TypesAPIVersion) {
		return TypesAPIVersion
	}
	return hi
}

// shapeContainer shapes a container's inspect answer read at src for a
// client at v.
func shapeContainer(c container.InspectResponse, src, v string) container.InspectResponse {
	if v == src {
		return c
	}
	if ns := c.NetworkSettings; ns != nil && len(ns.Networks) > 0 {
		shortID := ""
		if c.ContainerJSONBase != nil && len(c.ID) >= 12 {
			shortID = c.ID[:12]
		}
		name := ""
		if c.ContainerJSONBase != nil && len(c.Name) > 1 {
			name = c.Name[1:]
		}
		cp := *ns
		cp.Networks = shapeEndpoints(ns.Networks, src, v, shortID, name)
		c.NetworkSettings = &cp
	}
	if before(v, "1.48") {
		c.ImageManifestDescriptor = nil // 1.48 added it
	}
	if c.ContainerJSONBase != nil && c.HostConfig != nil && (before(v, "1.43") && len(c.HostConfig.Annotations) > 0 ||
		before(v, "1.44") && hasRecursiveBindOptions(c.HostConfig.Mounts)) {
		base := *c.ContainerJSONBase
		hc := *base.HostConfig
		if before(v, "1.43") {
			hc.Annotations = nil // 1.43 added HostConfig.Annotations
		}
		if before(v, "1.44") {
			hc.Mounts = withoutRecursiveBindOptions(hc.Mounts)
		}
		base.HostConfig = &hc
		c.ContainerJSONBase = &base
	}
	if before(v, "1.44") && c.Config != nil && c.Config.Healthcheck != nil && c.Config.Healthcheck.StartInterval != 0 {
		cfg := *c.Config
		hc := *cfg.Healthcheck
		hc.StartInterval = 0 // 1.44 added HealthConfig.StartInterval
		cfg.Healthcheck = &hc
		c.Config = &cfg
	}
	return c
}

// shapeEndpoints shapes a container's network endpoints. From 1.45 on, the
// short container ID is no longer one of an endpoint's Aliases but one of
// its DNSNames (which 1.45 added); 1.48 added GwPriority.
func shapeEndpoints(eps map[string]*network.EndpointSettings, src, v, shortID, name string) map[string]*network.EndpointSettings {
	out := make(map[string]*network.EndpointSettings, len(eps))
	for netName, ep := range eps {
		if ep == nil {
			out[netName] = nil
			continue
		}
		cp := *ep
		userDefined := netName != "bridge" && netName != "host" && netName != "none"
		switch {
		case before(v, "1.45") && !before(src, "1.45"):
			cp.DNSNames = nil
			if userDefined && shortID != "" && !contains(cp.Aliases, shortID) {
				cp.Aliases = append(append([]string(nil), cp.Aliases...), shortID)
			}
		case !before(v, "1.45") && before(src, "1.45"):
			cp.Aliases = without(cp.Aliases, shortID)
			if userDefined && len(cp.DNSNames) == 0 {
				cp.DNSNames = append([]string{name, shortID}, cp.Aliases...)
			}
		}
		if before(v, "1.48") {
			cp.GwPriority = 0
		}
		out[netName] = &cp
	}
	return out
}

func hasRecursiveBindOptions(ms []mount.Mount) bool {
	for _, m := range ms {
		if m.BindOptions != nil && (m.BindOptions.ReadOnlyNonRecursive || m.BindOptions.ReadOnlyForceRecursive) {
			return true
		}
	}
	return false
}

// withoutRecursiveBindOptions drops what 1.44 added to bind options.
func withoutRecursiveBindOptions(ms []mount.Mount) []mount.Mount {
	out := append([]mount.Mount(nil), ms...)
	for i, m := range out {
		if m.BindOptions != nil {
			bo := *m.BindOptions
			bo.ReadOnlyNonRecursive, bo.ReadOnlyForceRecursive = false, false
			out[i].BindOptions = &bo
		}
	}
	return out
}

// shapeSummary shapes a `docker ps` entry read at src for a client at v.
func shapeSummary(s container.Summary, src, v string) container.Summary {
	if v == src {
		return s
	}
	if before(v, "1.46") {
		s.HostConfig.Annotations = nil // 1.46 listed annotations
	}
	if before(v, "1.48") {
		s.ImageManifestDescriptor = nil // 1.48 added it
		if s.NetworkSettings != nil && hasGwPriority(s.NetworkSettings.Networks) {
			eps := make(map[string]*network.EndpointSettings, len(s.NetworkSettings.Networks))
			for k, ep := range s.NetworkSettings.Networks {
				if ep != nil {
					cp := *ep
					cp.GwPriority = 0
					ep = &cp
				}
				eps[k] = ep
			}
			s.NetworkSettings = &container.NetworkSettingsSummary{Networks: eps}
		}
	}
	return s
}

func hasGwPriority(eps map[string]*network.EndpointSettings) bool {
	for _, ep := range eps {
		if ep != nil && ep.GwPriority != 0 {
			return true
		}
	}
	return false
}

// shapeImage shapes an image list entry for a client at v. Before 1.44
// VirtualSize repeated Size; 1.44 left it out; 1.47 added Manifests, 1.48
// Descriptor.
func shapeImage(img image.Summary, v string) image.Summary {
	if before(v, "1.44") {
		img.VirtualSize = img.Size //nolint:staticcheck // the field old clients read
	} else {
		img.VirtualSize = 0 //nolint:staticcheck
	}
	if before(v, "1.47") {
		img.Manifests = nil
	}
	if before(v, "1.48") {
		img.Descriptor = nil
	}
	return img
}

// shapeImageInspect shapes an image's inspect answer for a client at v.
func shapeImageInspect(img image.InspectResponse, v string) image.InspectResponse {
	if before(v, "1.44") {
		img.VirtualSize = img.Size //nolint:staticcheck
	} else {
		img.VirtualSize = 0 //nolint:staticcheck
	}
	if before(v, "1.48") {
		img.Descriptor = nil
		img.Manifests = nil
	}
	return img
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func without(list []string, s string) []string {
	if s == "" || !contains(list, s) {
		return list
	}
	out := make([]string, 0, len(list))
	for _, x := range list {
		if x != s {
			out = append(out, x)
		}
	}
	return out
}
