package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/docker/docker/api/types/events"
	log "github.com/sirupsen/logrus"

	"github.com/swarm-project/swarm/cluster/engine"
	"github.com/swarm-project/swarm/cluster/state"
)

// This file is the manager's own record of each node: its availability
// (active, pause, drain) and its manager-side labels, set with `docker node
// update` and kept in the state store under nodes/<engine ID>, so that they
// survive a restart of the manager (a state file) or a failover (a
// key/value store shared by the managers).
//
// The records are cached in memory: placement reads them on every create.
// They are read from the store when the cluster starts (LoadNodes), when an
// engine answers with its ID for the first time, and again when ReloadNodes
// is called (a manager that becomes the primary).

// nodesDir is the state store directory of the node records.
const nodesDir = "nodes"

// storeTimeout bounds one state store call made for a node record.
const storeTimeout = 10 * time.Second

// nodeRecords caches the node records by engine ID.
type nodeRecords struct {
	mu sync.RWMutex // guards m and loaded
	m  map[string]engine.NodeMeta
	// loaded holds the engine IDs whose record was looked up in the
	// store (found or not), so that an engine's refresh reads it once.
	loaded map[string]bool
	// updateMu serializes updates: version check, store write, cache.
	updateMu sync.Mutex
	// moveOff, when set (tests), replaces Cluster.MoveOff for drains.
	moveOff func(ctx context.Context, e *Engine, why string) (moved, warnings []string)
}

func nodeKey(id string) string { return nodesDir + "/" + id }

// LoadNodes reads every node record from the state store into the cache.
func (c *Cluster) LoadNodes(ctx context.Context) error {
	// No update may write between the read and the swap.
	c.nodes.updateMu.Lock()
	defer c.nodes.updateMu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, storeTimeout)
	defer cancel()
	all, err := c.opts.State.List(ctx, nodesDir)
	if err != nil {
		return fmt.Errorf("reading node records: %w", err)
	}
	m := make(map[string]engine.NodeMeta, len(all))
	for id, raw := range all {
		var meta engine.NodeMeta
		if err := json.Unmarshal(raw, &meta); err != nil {
			log.WithError(err).WithField("node", id).Warn("ignoring a node record that does not parse")
			continue
		}
		m[id] = normalizeMeta(meta)
	}
	c.nodes.mu.Lock()
	c.nodes.m = m
	c.nodes.loaded = map[string]bool{}
	for id := range m {
		c.nodes.loaded[id] = true
	}
	c.nodes.mu.Unlock()
	c.nodesGen.Add(1)
	return nil
}

// ReloadNodes reads the node records again (a manager that becomes the
// primary may hold records an older primary changed since).
func (c *Cluster) ReloadNodes(ctx context.Context) {
	if err := c.LoadNodes(ctx); err != nil {
		log.WithError(err).Error("cannot reload node records")
	}
}

// loadNode reads one engine's record from the store the first time the
// engine answers with its ID.
func (c *Cluster) loadNode(id string) {
	c.nodes.mu.RLock()
	done := c.nodes.loaded[id]
	c.nodes.mu.RUnlock()
	if done || id == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	raw, err := c.opts.State.Get(ctx, nodeKey(id))
	var meta engine.NodeMeta
	switch {
	case errors.Is(err, state.ErrNotFound):
	case err != nil:
		log.WithError(err).WithField("node", id).Warn("cannot read the node record; will try again")
		return
	default:
		if err := json.Unmarshal(raw, &meta); err != nil {
			log.WithError(err).WithField("node", id).Warn("ignoring a node record that does not parse")
			raw = nil
		}
	}
	c.nodes.mu.Lock()
	if c.nodes.loaded == nil {
		c.nodes.loaded = map[string]bool{}
	}
	if c.nodes.m == nil {
		c.nodes.m = map[string]engine.NodeMeta{}
	}
	found := false
	if !c.nodes.loaded[id] {
		c.nodes.loaded[id] = true
		if raw != nil {
			c.nodes.m[id] = normalizeMeta(meta)
			found = true
		} else if _, ok := c.nodes.m[id]; !ok {
			// No record yet: the node joined now, as far as this manager
			// knows. Kept in memory; the first update stores it.
			c.nodes.m[id] = engine.NodeMeta{Spec: engine.NodeSpec{Availability: engine.AvailabilityActive}, CreatedAt: time.Now().UTC()}
		}
	}
	c.nodes.mu.Unlock()
	if found {
		// Only a stored record can change placement: the views of every
		// engine are built again, so do not do it for each engine joining.
		c.nodesGen.Add(1)
	}
}

// normalizeMeta fills in what an older or hand-written record may lack.
func normalizeMeta(m engine.NodeMeta) engine.NodeMeta {
	if a, err := engine.ParseAvailability(string(m.Spec.Availability)); err == nil {
		m.Spec.Availability = a
	} else {
		m.Spec.Availability = engine.AvailabilityActive
	}
	return m
}

// nodeMeta is the record of the engine with ID id: the stored one, or the
// default (active, no labels, version 0).
func (c *Cluster) nodeMeta(id string) engine.NodeMeta {
	c.nodes.mu.RLock()
	m, ok := c.nodes.m[id]
	c.nodes.mu.RUnlock()
	if !ok || id == "" {
		return engine.NodeMeta{Spec: engine.NodeSpec{Availability: engine.AvailabilityActive}}
	}
	return m
}

// availability is the availability of e.
func (c *Cluster) availability(e *Engine) engine.Availability {
	return c.nodeMeta(e.ID()).Spec.Availability
}

// SwarmNodes returns every engine with its record, sorted by name: the
// nodes of `docker node ls`.
func (c *Cluster) SwarmNodes() []engine.Node {
	engines := c.Engines()
	out := make([]engine.Node, len(engines))
	for i, e := range engines {
		out[i] = engine.Node{Engine: e, Meta: c.nodeMeta(e.ID())}
	}
	return out
}

// SwarmNode finds a node as swarm mode does: by full engine ID, then by
// name, then by a unique prefix of an engine ID. An engine that never
// answered is found by its address.
func (c *Cluster) SwarmNode(ref string) (engine.Node, error) {
	e, err := c.findNode(ref)
	if err != nil {
		return engine.Node{}, err
	}
	return engine.Node{Engine: e, Meta: c.nodeMeta(e.ID())}, nil
}

func (c *Cluster) findNode(ref string) (*Engine, error) {
	if ref == "" {
		return nil, Errorf(ErrNotFound, "node %s not found", ref)
	}
	engines := c.Engines()
	for _, e := range engines {
		if e.ID() == ref {
			return e, nil
		}
	}
	var byName, byPrefix []*Engine
	for _, e := range engines {
		switch {
		case e.Name() == ref || e.Addr() == ref:
			byName = append(byName, e)
		case e.ID() != "" && strings.HasPrefix(e.ID(), ref):
			byPrefix = append(byPrefix, e)
		}
	}
	matches := byName
	if len(matches) == 0 {
		matches = byPrefix
	}
	switch len(matches) {
	case 0:
		return nil, Errorf(ErrNotFound, "node %s not found", ref)
	case 1:
		return matches[0], nil
	}
	return nil, Errorf(ErrInvalid, "node %s is ambiguous (%d matches found)", ref, len(matches))
}

// UpdateNode sets the spec of the node ref names. version is the version
// the caller read (docker node update sends it back); a stale one is an
// "update out of sequence" conflict, as in swarm mode. Draining a node
// moves its containers that have a reschedule policy (MoveOff); the
// warnings name what stays.
func (c *Cluster) UpdateNode(ctx context.Context, ref string, version uint64, spec engine.NodeSpec) (warnings []string, err error) {
	e, err := c.findNode(ref)
	if err != nil {
		return nil, err
	}
	id := e.ID()
	if id == "" {
		return nil, Errorf(ErrUnavailable, "node %s has not answered yet: its engine ID is not known, so it cannot be updated", e.Name())
	}
	if spec.Availability, err = engine.ParseAvailability(string(spec.Availability)); err != nil {
		return nil, err
	}
	for k := range spec.Labels {
		if k == "" {
			return nil, Errorf(ErrInvalid, "invalid label: the key is empty")
		}
	}
	c.loadNode(id)

	c.nodes.updateMu.Lock()
	old := c.nodeMeta(id)
	if version != old.Version {
		c.nodes.updateMu.Unlock()
		return nil, Errorf(ErrConflict, "update out of sequence")
	}
	now := time.Now().UTC()
	meta := engine.NodeMeta{Spec: spec, Version: old.Version + 1, CreatedAt: old.CreatedAt, UpdatedAt: now}
	if meta.CreatedAt.IsZero() {
		meta.CreatedAt = now
	}
	if len(meta.Spec.Labels) == 0 {
		meta.Spec.Labels = nil
	}
	err = c.saveNode(ctx, id, meta)
	c.nodes.updateMu.Unlock()
	if err != nil {
		return nil, err
	}
	log.WithFields(log.Fields{"node": e.Name(), "id": id, "availability": meta.Spec.Availability,
		"labels": strings.Join(SortedLabels(meta.Spec.Labels), ","), "version": meta.Version}).Info("node updated")
	c.publishNodeUpdate(e, old.Spec, meta.Spec)

	if meta.Spec.Availability == engine.AvailabilityDrain && old.Spec.Availability != engine.AvailabilityDrain {
		move := c.MoveOff
		if c.nodes.moveOff != nil {
			move = c.nodes.moveOff
		}
		// MoveOff logs each move and each container left, with reason=drain.
		_, warns := move(ctx, e, "drain")
		warnings = append(warnings, warns...)
	}
	return warnings, nil
}

// publishNodeUpdate emits swarm mode's `node update` event, with the old
// and new availability when it changed.
func (c *Cluster) publishNodeUpdate(e *Engine, old, cur engine.NodeSpec) {
	attrs := map[string]string{"name": e.Name(), "addr": e.Addr()}
	if old.Availability != cur.Availability {
		attrs["availability.old"] = string(old.Availability)
		attrs["availability.new"] = string(cur.Availability)
	}
	now := time.Now()
	c.broker.Publish(Event{
		Message: events.Message{
			Type:     events.NodeEventType,
			Action:   events.ActionUpdate,
			ID:       e.ID(),
			Scope:    "swarm",
			Time:     now.Unix(),
			TimeNano: now.UnixNano(),
			Actor:    events.Actor{ID: e.ID(), Attributes: attrs},
		},
		Node: e.EventNode(),
	})
}

// saveNode writes the record to the store, then to the cache. The caller
// holds c.nodes.updateMu.
func (c *Cluster) saveNode(ctx context.Context, id string, meta engine.NodeMeta) error {
	raw, err := json.Marshal(meta)
	if err != nil {
		return err
	}
	sctx, cancel := context.WithTimeout(ctx, storeTimeout)
	defer cancel()
	if err := c.opts.State.Put(sctx, nodeKey(id), raw); err != nil {
		return Errorf(ErrUnavailable, "cannot save the node's state: %v", err)
	}
	c.nodes.mu.Lock()
	if c.nodes.m == nil {
		c.nodes.m = map[string]engine.NodeMeta{}
	}
	if c.nodes.loaded == nil {
		c.nodes.loaded = map[string]bool{}
	}
	c.nodes.m[id] = meta
	c.nodes.loaded[id] = true
	c.nodes.mu.Unlock()
	c.nodesGen.Add(1)
	return nil
}

// placementLabels is what constraint: expressions see of e: its engine
// labels and default tags, with its manager-side labels over them.
func (c *Cluster) placementLabels(e *Engine) map[string]string {
	labels := e.Labels()
	for k, v := range c.nodeMeta(e.ID()).Spec.Labels {
		labels[k] = v
	}
	return labels
}

// unavailableNote explains a placement that failed while some nodes were
// paused or drained: it names those nodes and their availability.
func unavailableNote(skipped map[*Engine]engine.Availability) string {
	parts := make([]string, 0, len(skipped))
	for e, a := range skipped {
		parts = append(parts, fmt.Sprintf("%s (availability %s)", e.Name(), a))
	}
	sort.Strings(parts)
	return "nodes that take no new containers: " + strings.Join(parts, ", ")
}

// unavailableError is a no-fit error that also names the paused and
// drained nodes that would have fitted.
type unavailableError struct {
	err  error
	note string
}

func (e *unavailableError) Error() string { return e.err.Error() + "\n" + e.note }
func (e *unavailableError) Unwrap() error { return e.err }
