package cluster

import (
	"context"

	"github.com/docker/docker/api/types"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/volume"
	"github.com/swarm-project/swarm/cluster/engine"
)

// This file holds the system-wide calls that go to every node: disk usage
// and container prune.

// AnyEngine returns an engine for a call any engine can answer (auth,
// registry lookups): the first healthy one by name. It returns an
// ErrUnavailable error when there is none.
func (c *Cluster) AnyEngine() (*Engine, error) {
	engines, err := c.healthyEngines()
	if err != nil {
		return nil, err
	}
	return engines[0], nil
}

// DiskUsage merges the disk usage of every healthy node: an image counts
// once per node that holds it (its tags merged), containers are listed
// per node with the node's name in front of theirs ("/node-1/web"), and
// so are local volumes ("node-1/data") when prefixVolumes is set.
func (c *Cluster) DiskUsage(ctx context.Context, prefixVolumes bool) (types.DiskUsage, error) {
	engines := c.HealthyEngines()
	out := types.DiskUsage{Images: []*image.Summary{}, Containers: []*container.Summary{}, Volumes: []*volume.Volume{}}
	images := map[string]*image.Summary{}
	var order []string
	for _, e := range engines {
		du, err := e.Client().DiskUsage(ctx, types.DiskUsageOptions{})
		if err != nil {
			return out, onNode(e, err, len(engines) > 1)
		}
		out.LayersSize += du.LayersSize
		for _, img := range du.Images {
			if img == nil {
				continue
			}
			if m, ok := images[img.ID]; ok {
				m.RepoTags = engine.Union(m.RepoTags, img.RepoTags)
				m.Containers += img.Containers
				m.SharedSize += img.SharedSize
				continue
			}
			cp := *img
			images[img.ID] = &cp
			order = append(order, img.ID)
		}
		for _, ct := range du.Containers {
			if ct == nil {
				continue
			}
			cp := *ct
			cp.Names = make([]string, len(ct.Names))
			for i, n := range ct.Names {
				cp.Names[i] = "/" + e.Name() + n
			}
			out.Containers = append(out.Containers, &cp)
		}
		for _, v := range du.Volumes {
			if v == nil {
				continue
			}
			cp := *v
			if prefixVolumes && (cp.Scope == "" || cp.Scope == "local") {
				cp.Name = e.Name() + "/" + cp.Name
			}
			out.Volumes = append(out.Volumes, &cp)
		}
		out.BuildCache = append(out.BuildCache, du.BuildCache...)
	}
	for _, id := range order {
		out.Images = append(out.Images, images[id])
	}
	return out, nil
}

// PruneContainers prunes the stopped containers of every healthy node
// (those the manager's `node` filter names; the other filters go to the
// engines), drops them from the caches, and merges the reports.
func (c *Cluster) PruneContainers(ctx context.Context, args filters.Args) (container.PruneReport, error) {
	engines, args := c.pruneTargets(args)
	out := container.PruneReport{ContainersDeleted: []string{}}
	for _, e := range engines {
		rep, err := e.Client().ContainersPrune(ctx, args)
		if err != nil {
			return out, onNode(e, err, len(engines) > 1)
		}
		out.ContainersDeleted = append(out.ContainersDeleted, rep.ContainersDeleted...)
		out.SpaceReclaimed += rep.SpaceReclaimed
		for _, id := range rep.ContainersDeleted {
			e.Resync(ctx, "containers", func(ctx context.Context) error { return e.RefreshContainer(ctx, id) })
		}
	}
	return out, nil
}
