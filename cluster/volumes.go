package cluster

import (
	"strings"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"
)

// Volumes returns every engine's cached volumes, engines in name order.
func (c *Cluster) Volumes() []VolumeOn {
	var out []VolumeOn
	for _, e := range c.Engines() {
		for _, v := range e.Volumes() {
			if v != nil {
				out = append(out, VolumeOn{Engine: e, Volume: v})
			}
		}
	}
	return out
}

// FindVolumes resolves a volume reference: "node/name" names one engine's
// volume, a plain name names the volume of that name on every engine that
// has one (engine name order). An unknown reference is a *NotFoundError.
func (c *Cluster) FindVolumes(ref string) ([]VolumeOn, error) {
	if ref == "" {
		return nil, &NotFoundError{Kind: "volume", Ref: ref}
	}
	if e, rest := c.SplitNodeRef(ref); e != nil {
		if v, ok := e.FindVolume(rest); ok {
			return []VolumeOn{{Engine: e, Volume: v}}, nil
		}
		return nil, &NotFoundError{Kind: "volume", Ref: ref}
	}
	var out []VolumeOn
	for _, v := range c.Volumes() {
		if v.Volume.Name == ref {
			out = append(out, v)
		}
	}
	if len(out) == 0 {
		return nil, &NotFoundError{Kind: "volume", Ref: ref}
	}
	return out, nil
}

// LocalizeVolumes rewrites the named volumes of a container create bound
// for engine e: "node/name" (in Binds or volume Mounts) loses its node
// prefix when node is e. Other references are left for the engine. hc is
// modified in place; it may be nil.
func (c *Cluster) LocalizeVolumes(e *Engine, hc *container.HostConfig) {
	if hc == nil {
		return
	}
	for i, b := range hc.Binds {
		src, rest, ok := strings.Cut(b, ":")
		if !ok || strings.HasPrefix(src, "/") {
			continue
		}
		if owner, name := c.SplitNodeRef(src); owner == e {
			hc.Binds[i] = name + ":" + rest
		}
	}
	for i, m := range hc.Mounts {
		if m.Type != mount.TypeVolume || m.Source == "" {
			continue
		}
		if owner, name := c.SplitNodeRef(m.Source); owner == e {
			hc.Mounts[i].Source = name
		}
	}
}

// VolumesInUse maps each engine to the names of the volumes its cached
// containers mount.
func (c *Cluster) VolumesInUse() InUse {
	out := InUse{}
	for _, ctr := range c.Containers() {
		for _, m := range ctr.Mounts() {
			if m.Name != "" {
				out.Add(ctr.Engine, m.Name)
			}
		}
	}
	return out
}
