package cluster

import (
	"context"
	"errors"
	"strings"

	"github.com/docker/docker/api/types/container"
	log "github.com/sirupsen/logrus"

	swarmfilters "github.com/swarm-project/swarm/filters"
	"github.com/swarm-project/swarm/scheduler"
	"github.com/swarm-project/swarm/scheduler/node"
)

// This file places a container whose image the registry cannot supply on
// a node that already holds it, as classic Swarm's retry with an
// image==<name> affinity did.

// pullFailedError is createOn's error when the chosen node lacked the image
// and pulling it failed. It reads and classes as the pull's error.
type pullFailedError struct{ err error }

func (e *pullFailedError) Error() string { return e.err.Error() }
func (e *pullFailedError) Unwrap() error { return e.err }

// pinnedToNode reports whether the container's constraints (labels as
// scheduler.Normalize left them) hold a hard node== constraint: then a
// missing image is the user's to fix, never worked around on another node.
func pinnedToNode(labels map[string]string) bool {
	exprs, err := swarmfilters.ParseLabel(swarmfilters.KindConstraint, labels[scheduler.ConstraintsLabel])
	if err != nil {
		return false
	}
	for _, e := range exprs {
		if strings.EqualFold(e.Key, "node") && e.Op == swarmfilters.Equal && !e.Soft {
			return true
		}
	}
	return false
}

// placeOnHolder is called when the image of a create could not be pulled
// on first, the node the scheduler chose. When another healthy node holds
// the image, the container goes to the best of the holders the scheduler
// accepts; when none of them can take it, the image is copied from one to
// first and the container is created there. It returns failed (the pull's
// error) when no node holds the image.
func (c *Cluster) placeOnHolder(ctx context.Context, first *Engine, placement *node.Request, tried map[*Engine]bool,
	name string, cfg *container.Config, req CreateRequest, failed error) (container.CreateResponse, *Engine, error) {
	var none container.CreateResponse
	holders := c.ImageHolders(cfg.Image)
	if len(holders) == 0 {
		return none, nil, failed
	}
	fields := log.Fields{"image": cfg.Image, "node": first.Name()}
	// Only the holders not tried yet are candidates.
	skip := map[*Engine]bool{}
	for _, e := range c.Engines() {
		if tried[e] || !e.HasImage(cfg.Image) {
			skip[e] = true
		}
	}
	if resp, e, err := c.createReserved(ctx, placement, skip, name, cfg, req); err == nil || !errors.Is(err, ErrNoFit) {
		if err == nil {
			log.WithFields(fields).WithField("holder", e.Name()).Info("image not pullable; placed on a node that holds it")
		}
		return resp, e, err
	}
	// No holder can take the container: bring the image to first.
	skip = map[*Engine]bool{}
	for _, e := range c.Engines() {
		if e != first {
			skip[e] = true
		}
	}
	e, pending, err := c.reserve(placement, skip)
	if err != nil {
		return none, nil, failed
	}
	defer func() { c.release(e, pending) }()
	if err := c.CopyImage(ctx, cfg.Image, e); err != nil {
		log.WithFields(fields).WithError(err).Warn("cannot copy the image from a node that holds it")
		return none, nil, failed
	}
	log.WithFields(fields).Info("image not pullable; copied from a node that holds it")
	resp, err := c.createOn(ctx, e, name, cfg, req, &pending)
	return resp, e, err
}

// createReserved reserves a node for placement among the engines not in
// skip and creates the container there.
func (c *Cluster) createReserved(ctx context.Context, placement *node.Request, skip map[*Engine]bool,
	name string, cfg *container.Config, req CreateRequest) (container.CreateResponse, *Engine, error) {
	e, pending, err := c.reserve(placement, skip)
	if err != nil {
		return container.CreateResponse{}, nil, err
	}
	defer func() { c.release(e, pending) }()
	resp, err := c.createOn(ctx, e, name, cfg, req, &pending)
	return resp, e, err
}
