package engine

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/go-units"
)

// Container is one cached container and the engine that holds it. A
// Container is immutable once cached.
type Container struct {
	Engine *Engine
	Info   container.InspectResponse
	// summary is built from Info once; Status is rendered at read time.
	summary container.Summary
	// created, startedAt and finishedAt are parsed from Info.
	created, startedAt, finishedAt time.Time
	// seq orders the reads of the engine's state: the engine's read
	// counter taken just before Info was requested. A read that started
	// earlier never replaces one that started later.
	seq uint64
}

// Created is when the container was created.
func (c *Container) Created() time.Time { return c.created }

// ID is the container's full ID.
func (c *Container) ID() string { return c.summary.ID }

// Name is the container's name without the leading slash.
func (c *Container) Name() string { return strings.TrimPrefix(c.Info.Name, "/") }

// Labels are the container's labels (never nil); do not modify them.
func (c *Container) Labels() map[string]string { return c.summary.Labels }

// SwarmIDLabel is the label that holds a container's swarm ID: 64
// hexadecimal characters the manager gives every container it creates,
// kept when the container is created again elsewhere. Every container
// reference accepts it, as it accepts the container's ID.
const SwarmIDLabel = "com.docker.swarm.id"

// SwarmID is the container's swarm ID, "" for a container created
// directly on its engine.
func (c *Container) SwarmID() string { return c.summary.Labels[SwarmIDLabel] }

// State is the container's state ("running", "exited", ...).
func (c *Container) State() string { return string(c.summary.State) }

// NodeDown reports whether the container's node is Unhealthy: the node
// takes no requests, and the cached state is what the node last said, not
// what the container does now.
func (c *Container) NodeDown() bool { return c.Engine.Health() == Unhealthy }

// Available returns nil when a call on the container can go to its node.
// ref is the reference the client used, for the message: a
// *ContainerNodeDownError when the node is Unhealthy, else what
// Engine.Available says.
func (c *Container) Available(ref string) error {
	if c.NodeDown() {
		return &ContainerNodeDownError{Ref: ref, Node: c.Engine.Name()}
	}
	return c.Engine.Available()
}

// Summary renders the container as GET /containers/json lists it, names
// prefixed with the node name as classic Swarm showed them.
func (c *Container) Summary(now time.Time) container.Summary {
	s := c.summary
	s.Status = c.status(now)
	node := c.Engine.Name()
	s.Names = make([]string, len(c.summary.Names))
	for i, n := range c.summary.Names {
		s.Names[i] = "/" + node + n
	}
	if c.NodeDown() {
		s.Status = "Host Down" // classic Swarm's words
	}
	return s
}

// status renders Docker's human state ("Up 3 minutes", "Exited (0) 2 hours ago").
func (c *Container) status(now time.Time) string {
	st := c.Info.State
	if st == nil {
		return ""
	}
	ago := func(t time.Time) string { return units.HumanDuration(now.Sub(t)) + " ago" }
	switch {
	case st.Restarting:
		return fmt.Sprintf("Restarting (%d) %s", st.ExitCode, ago(c.finishedAt))
	case st.Running:
		s := "Up " + units.HumanDuration(now.Sub(c.startedAt))
		if st.Paused {
			s += " (Paused)"
		}
		if st.Health != nil {
			switch st.Health.Status {
			case container.Starting:
				s += " (health: starting)"
			case container.Healthy, container.Unhealthy:
				s += " (" + st.Health.Status + ")"
			}
		}
		return s
	case st.Status == container.StateRemoving:
		return "Removal In Progress"
	case st.Dead:
		return "Dead"
	case st.Status == container.StateCreated || c.startedAt.IsZero():
		return "Created"
	case c.finishedAt.IsZero():
		return ""
	}
	return fmt.Sprintf("Exited (%d) %s", st.ExitCode, ago(c.finishedAt))
}

// newContainer builds the cached form of an inspect answer.
func newContainer(e *Engine, info container.InspectResponse) *Container {
	c := &Container{Engine: e, Info: info}
	s := container.Summary{ID: info.ID, Names: []string{info.Name}, ImageID: info.Image, Mounts: info.Mounts}
	if info.Config != nil {
		s.Image = info.Config.Image
		s.Labels = info.Config.Labels
	}
	if s.Labels == nil {
		s.Labels = map[string]string{}
	}
	if info.State != nil {
		s.State = info.State.Status
		c.startedAt = parseTime(info.State.StartedAt)
		c.finishedAt = parseTime(info.State.FinishedAt)
	}
	s.Command = strings.TrimSpace(strings.Join(append([]string{info.Path}, info.Args...), " "))
	if t := parseTime(info.Created); !t.IsZero() {
		c.created = t
		s.Created = t.Unix()
	}
	if info.HostConfig != nil {
		s.HostConfig.NetworkMode = string(info.HostConfig.NetworkMode)
	}
	if ns := info.NetworkSettings; ns != nil {
		s.NetworkSettings = &container.NetworkSettingsSummary{Networks: ns.Networks}
		s.Ports = portSummaries(ns)
	}
	c.summary = s
	return c
}

func portSummaries(ns *container.NetworkSettings) []container.Port {
	out := []container.Port{}
	for p, bindings := range ns.Ports {
		priv := uint16(p.Int())
		if len(bindings) == 0 {
			out = append(out, container.Port{PrivatePort: priv, Type: p.Proto()})
			continue
		}
		for _, b := range bindings {
			pub, _ := strconv.ParseUint(b.HostPort, 10, 16)
			out = append(out, container.Port{IP: b.HostIP, PrivatePort: priv, PublicPort: uint16(pub), Type: p.Proto()})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].PrivatePort != out[j].PrivatePort {
			return out[i].PrivatePort < out[j].PrivatePort
		}
		return out[i].IP < out[j].IP
	})
	return out
}

func parseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || t.Year() <= 1 {
		return time.Time{}
	}
	return t
}

// Containers returns the engine's cached containers.
func (e *Engine) Containers() []*Container {
	e.mu.RLock()
	defer e.mu.RUnlock()
	out := make([]*Container, 0, len(e.containers))
	for _, c := range e.containers {
		out = append(out, c)
	}
	return out
}

// RefreshContainer re-reads one container into the cache, or drops it when
// the engine no longer has it.
//
// Event handling and the API's refresh-after-change run concurrently; the
// read sequence makes sure an inspect that started before another one
// cannot overwrite its newer answer when it happens to finish later.
func (e *Engine) RefreshContainer(ctx context.Context, id string) error {
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	seq := e.reads.Add(1)
	info, err := e.Client().ContainerInspect(ctx, id)
	if cerrdefs.IsNotFound(err) {
		e.dropContainer(id, seq)
		return nil
	}
	if err != nil {
		return err
	}
	c := newContainer(e, info)
	c.seq = seq
	e.storeContainer(c)
	return nil
}

// storeContainer caches c unless a read that started later already stored
// or dropped that container.
func (e *Engine) storeContainer(c *Container) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.gone[c.ID()] > c.seq {
		return
	}
	old, ok := e.containers[c.ID()]
	if ok && old.seq > c.seq {
		return
	}
	if ok {
		e.unindex(old)
	}
	e.containers[c.ID()] = c
	e.index(c)
	e.changed()
}

// dropContainer removes a container (by full ID) from the cache, unless a
// read that started after seq saw it, and remembers the drop so that an
// older read cannot bring it back.
func (e *Engine) dropContainer(id string, seq uint64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	c, ok := e.containers[id]
	if ok && c.seq > seq {
		return
	}
	e.gone[id] = max(e.gone[id], seq)
	if ok {
		delete(e.containers, id)
		e.unindex(c)
		e.changed()
		if mapSize(c.summary.Labels) >= largeObject {
			returnMemorySoon()
		}
	}
}

// Forget drops a container from the cache without asking the engine: the
// manager re-created it elsewhere while the engine is down. A read that
// starts later (the refresh when the engine is back) caches it again.
func (e *Engine) Forget(id string) { e.dropContainer(id, e.reads.Add(1)) }

// index records c's name and swarm ID. The caller holds e.mu for writing.
func (e *Engine) index(c *Container) {
	if e.names == nil {
		e.names = map[string]string{}
	}
	e.names[c.Name()] = c.ID()
	if sid := c.SwarmID(); sid != "" {
		if e.swarmIDs == nil {
			e.swarmIDs = map[string]string{}
		}
		e.swarmIDs[sid] = c.ID()
	}
}

// unindex forgets c's name and swarm ID unless another container holds
// them now. The caller holds e.mu for writing.
func (e *Engine) unindex(c *Container) {
	if e.names[c.Name()] == c.ID() {
		delete(e.names, c.Name())
	}
	if sid := c.SwarmID(); sid != "" && e.swarmIDs[sid] == c.ID() {
		delete(e.swarmIDs, sid)
	}
}

// Lookup finds a container of this engine by full ID or by name (without
// the leading slash).
func (e *Engine) Lookup(ref string) *Container {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if c, ok := e.containers[ref]; ok {
		return c
	}
	if id, ok := e.names[ref]; ok {
		return e.containers[id]
	}
	return nil
}

// BySwarmID finds a container of this engine by its full swarm ID (the
// com.docker.swarm.id label).
func (e *Engine) BySwarmID(sid string) *Container {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if id, ok := e.swarmIDs[sid]; ok {
		return e.containers[id]
	}
	return nil
}

// refreshContainers lists every container and inspects the ones that are
// new or changed since the cache last saw them.
func (e *Engine) refreshContainers(ctx context.Context) error {
	listSeq := e.reads.Add(1)
	list, err := e.Client().ContainerList(ctx, container.ListOptions{All: true})
	if err != nil {
		return err
	}
	e.mu.RLock()
	old := make(map[string]*Container, len(e.containers))
	for id, c := range e.containers {
		old[id] = c
	}
	e.mu.RUnlock()
	fresh := make(map[string]*Container, len(list))
	for _, s := range list {
		if c, ok := old[s.ID]; ok && c.summary.State == s.State && c.summary.ImageID == s.ImageID && sameName(c, s) {
			fresh[s.ID] = c
			continue
		}
		seq := e.reads.Add(1)
		info, err := e.Client().ContainerInspect(ctx, s.ID)
		if cerrdefs.IsNotFound(err) {
			continue // removed between list and inspect
		}
		if err != nil {
			return err
		}
		c := newContainer(e, info)
		c.seq = seq
		fresh[s.ID] = c
	}
	e.mu.Lock()
	// Reads that started after the list win over it: containers stored by
	// events meanwhile stay (newest read first), and containers dropped
	// meanwhile stay dropped.
	for id, c := range e.containers {
		if f, listed := fresh[id]; (listed && c.seq > f.seq) || (!listed && c.seq > listSeq) {
			fresh[id] = c
		}
	}
	for id, seq := range e.gone {
		if f, listed := fresh[id]; listed && seq > f.seq {
			delete(fresh, id)
		}
		if seq <= listSeq {
			delete(e.gone, id) // the list is newer than this drop
		}
	}
	for id, c := range e.containers {
		if _, kept := fresh[id]; !kept && mapSize(c.summary.Labels) >= largeObject {
			returnMemorySoon()
			break
		}
	}
	e.containers = fresh
	e.names = make(map[string]string, len(fresh))
	e.swarmIDs = make(map[string]string, len(fresh))
	for _, c := range fresh {
		e.index(c)
	}
	e.changed()
	e.mu.Unlock()
	return nil
}

func sameName(c *Container, s container.Summary) bool {
	for _, n := range s.Names {
		if n == c.Info.Name {
			return true
		}
	}
	return false
}
