package cluster

import (
	"context"
	"io"
	"sync"

	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/image"
)

// This file holds the image operations that change the engines' images:
// pull, tag, remove and prune. Each re-reads the images of the engines it
// changed before it returns, so the next list shows the change.

// PullImage pulls ref on every healthy node at once, or on the node
// nodeRef names (the `node` parameter; "" for none). Each node's progress
// messages go, as JSON lines, to out(node) (out may be nil). The error is
// for a pull that could not start (unknown or unavailable node, no
// healthy node); the results hold each node's outcome.
func (c *Cluster) PullImage(ctx context.Context, ref, registryAuth, nodeRef string, out func(*Engine) io.Writer) (NodeResults, error) {
	engines, err := c.targets(nodeRef)
	if err != nil {
		return NodeResults{}, err
	}
	failed := make([]error, len(engines))
	var wg sync.WaitGroup
	for i, e := range engines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			failed[i] = e.Pull(ctx, ref, registryAuth, writerFor(out, e))
		}()
	}
	wg.Wait()
	return NodeResults{Nodes: engines, Errs: failed}, nil
}

// writerFor returns out(e), or nil when out is nil.
func writerFor(out func(*Engine) io.Writer, e *Engine) io.Writer {
	if out == nil {
		return nil
	}
	return out(e)
}

// TagImage tags image ref as target on every healthy node that holds it.
// It returns a *NotFoundError when none does, and stops at the first
// node's error.
func (c *Cluster) TagImage(ctx context.Context, ref, target string) error {
	engines := c.ImageHolders(ref)
	if len(engines) == 0 {
		return &NotFoundError{Kind: "image", Ref: ref}
	}
	for _, e := range engines {
		if err := e.Client().ImageTag(ctx, ref, target); err != nil {
			return EngineError(err)
		}
		e.Resync(ctx, "images", e.RefreshImages)
	}
	return nil
}

// RemoveImage removes image ref from every healthy node that holds it and
// returns what each removed, in node order. It returns a *NotFoundError
// when no node holds it, and stops at the first node's error.
func (c *Cluster) RemoveImage(ctx context.Context, ref string, opts image.RemoveOptions) ([]image.DeleteResponse, error) {
	engines := c.ImageHolders(ref)
	if len(engines) == 0 {
		return nil, &NotFoundError{Kind: "image", Ref: ref}
	}
	var out []image.DeleteResponse
	for _, e := range engines {
		resp, err := e.Client().ImageRemove(ctx, ref, opts)
		if err != nil {
			return nil, EngineError(err)
		}
		out = append(out, resp...)
		e.Resync(ctx, "images", e.RefreshImages)
	}
	return out, nil
}

// PruneImages prunes the images of every healthy node (those the manager's
// `node` filter names; the other filters go to the engines) and merges the
// reports.
func (c *Cluster) PruneImages(ctx context.Context, args filters.Args) (image.PruneReport, error) {
	engines, args := c.pruneTargets(args)
	out := image.PruneReport{ImagesDeleted: []image.DeleteResponse{}}
	for _, e := range engines {
		rep, err := e.Client().ImagesPrune(ctx, args)
		if err != nil {
			return out, onNode(e, err, len(engines) > 1)
		}
		out.ImagesDeleted = append(out.ImagesDeleted, rep.ImagesDeleted...)
		out.SpaceReclaimed += rep.SpaceReclaimed
		e.Resync(ctx, "images", e.RefreshImages)
	}
	return out, nil
}
