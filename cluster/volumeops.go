package cluster

import (
	"context"
	"strings"

	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/volume"
)

// This file holds the volume operations that change engines: create,
// remove and prune. Each one calls the engines it needs, then re-reads
// their volume caches.

// CreateVolume creates a volume on the node its name ("node/name") or its
// constraints choose; a named volume with no node is made on every healthy
// node (so that a container anywhere finds it), an unnamed one on the one
// node the strategy picks. Creating a volume that exists is not an error,
// as on one engine. The answer is the first node's volume.
func (c *Cluster) CreateVolume(ctx context.Context, req volume.CreateOptions) (volume.Volume, error) {
	pinned, name := c.SplitNodeRef(req.Name)
	if pinned != nil && strings.Contains(name, "/") {
		return volume.Volume{}, Errorf(ErrInvalid, "invalid volume name %q", req.Name)
	}
	preq, opts, constrained := objectRequest(req.Labels, req.DriverOpts)
	req.DriverOpts = opts
	req.Name = name
	targets, err := c.placeObject(pinned, preq, constrained, name != "")
	if err != nil {
		return volume.Volume{}, err
	}
	var first *volume.Volume
	for _, e := range targets {
		v, err := e.Client().VolumeCreate(ctx, req)
		if err != nil {
			return volume.Volume{}, onNode(e, err, len(targets) > 1)
		}
		if first == nil {
			first = &v
		}
		e.Resync(ctx, "volumes", e.RefreshVolumes)
	}
	return *first, nil
}

// RemoveVolume removes the volume from every node that holds it under ref
// ("node/name" for one node only). Every node is tried; the first failure
// is returned.
func (c *Cluster) RemoveVolume(ctx context.Context, ref string, force bool) error {
	vols, err := c.FindVolumes(ref)
	if err != nil {
		return err
	}
	var errs []error
	for _, v := range vols {
		if err := v.Engine.Available(); err != nil {
			errs = append(errs, err)
			continue
		}
		if err := v.Engine.Client().VolumeRemove(ctx, v.Volume.Name, force); err != nil {
			errs = append(errs, onNode(v.Engine, err, len(vols) > 1))
		}
		v.Engine.Resync(ctx, "volumes", v.Engine.RefreshVolumes)
	}
	if len(errs) > 0 {
		return errs[0]
	}
	return nil
}

// PruneVolumes prunes unused volumes on every healthy node (those the
// `node` filter names; the other filters go to the engines). It stops at
// the first node that fails; the nodes before it have been pruned.
func (c *Cluster) PruneVolumes(ctx context.Context, args filters.Args) ([]NodePruneReport, error) {
	engines, args := c.pruneTargets(args)
	out := make([]NodePruneReport, 0, len(engines))
	for _, e := range engines {
		rep, err := e.Client().VolumesPrune(ctx, args)
		if err != nil {
			return nil, onNode(e, err, len(engines) > 1)
		}
		out = append(out, NodePruneReport{Node: e.Name(), Deleted: rep.VolumesDeleted, SpaceReclaimed: rep.SpaceReclaimed})
		e.Resync(ctx, "volumes", e.RefreshVolumes)
	}
	return out, nil
}
