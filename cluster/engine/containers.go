package engine

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/go-connections/nat"
)

// Container is one cached container and the engine that holds it. A
// Container is immutable once cached.
//
// It is compact: the fields the manager reads (names, state, labels,
// reservations, host ports, networks, mounts) plus the container's
// `docker ps` entry, encoded once as JSON (see listEntry). The engine's
// whole inspect answer is kept only for containers with a reschedule
// policy, which may have to be created again from it while their node is
// down; `docker inspect` asks the engine (Info rebuilds the rest from the
// compact fields when the node cannot be asked).
type Container struct {
	Engine *Engine

	id, name       string // name without the leading slash
	image, imageID string // Config.Image and the image ID
	command        string
	labels         map[string]string // never nil; do not modify
	annotations    map[string]string

	state                          container.ContainerState
	running, paused, restarting    bool
	dead                           bool
	exitCode                       int
	health                         container.HealthStatus
	created, startedAt, finishedAt time.Time
	// listedStatus is the engine's own Status text for a container known
	// from a list answer only (listed), whose start and finish times the
	// manager has not read yet.
	listedStatus string

	networkMode      string
	memory           int64
	nanoCPUs, shares int64
	hostPorts        []HostPort
	networks         []NetworkRef
	mounts           []MountRef
	execIDs          []string
	path             string
	args             []string

	// full is the engine's inspect answer, kept for containers with a
	// reschedule policy only.
	full *container.InspectResponse
	// listed marks a container known from a list answer only: its
	// reservations and times are read by a background inspect (fill).
	listed bool
	// entry is the `docker ps` entry (listEntry).
	entry listEntry
	// seq orders the reads of the engine's state: the engine's read
	// counter taken just before the container was requested. A read that
	// started earlier never replaces one that started later.
	seq uint64
}

// HostPort is a host port a container takes on its node.
type HostPort struct {
	HostIP string
	Port   uint16
	Proto  string
}

// NetworkRef is a network a container is attached to.
type NetworkRef struct {
	Name, ID string
}

// MountRef is a mount of a container: the volume name ("" for a bind
// mount) and the destination.
type MountRef struct {
	Name, Destination string
}

// reschedulePoliciesLabel marks a container the manager may create again
// elsewhere (filters.ReschedulePoliciesLabel): its whole spec is kept.
const reschedulePoliciesLabel = "com.docker.swarm.reschedule-policies"

// Created is when the container was created.
func (c *Container) Created() time.Time { return c.created }

// ID is the container's full ID.
func (c *Container) ID() string { return c.id }

// Name is the container's name without the leading slash.
func (c *Container) Name() string { return c.name }

// Labels are the container's labels (never nil); do not modify them.
func (c *Container) Labels() map[string]string { return c.labels }

// Annotations are the container's annotations (HostConfig.Annotations).
func (c *Container) Annotations() map[string]string { return c.annotations }

// Image is the image reference the container was created from.
func (c *Container) Image() string { return c.image }

// ImageID is the ID of the container's image.
func (c *Container) ImageID() string { return c.imageID }

// Running reports whether the container runs (paused or not).
func (c *Container) Running() bool { return c.running }

// Paused reports whether the container is paused.
func (c *Container) Paused() bool { return c.paused }

// ExitCode is the container's last exit code.
func (c *Container) ExitCode() int { return c.exitCode }

// HealthStatus is the container's health check state, "" without one.
func (c *Container) HealthStatus() string { return string(c.health) }

// NetworkMode is the container's HostConfig.NetworkMode.
func (c *Container) NetworkMode() string { return c.networkMode }

// Memory is the memory the container reserves, in bytes.
func (c *Container) Memory() int64 { return c.memory }

// ReservedCPUs is what the container reserves on an engine with
// engineCPUs CPUs, in NanoCPU units (see ReservedCPUs).
func (c *Container) ReservedCPUs(engineCPUs int) int64 {
	return ReservedCPUs(&container.HostConfig{Resources: container.Resources{NanoCPUs: c.nanoCPUs, CPUShares: c.shares}}, engineCPUs)
}

// HostPorts are the host ports the container takes: its -p bindings with
// a fixed port, and in host network mode its exposed ports.
func (c *Container) HostPorts() []HostPort { return c.hostPorts }

// Networks are the networks the container is attached to.
func (c *Container) Networks() []NetworkRef { return c.networks }

// Mounts are the container's mounts.
func (c *Container) Mounts() []MountRef { return c.mounts }

// ExecIDs are the IDs of the container's exec instances.
func (c *Container) ExecIDs() []string { return c.execIDs }

// Listed reports whether the container is known from a list answer only,
// its inspection still to come.
func (c *Container) Listed() bool { return c.listed }

// SwarmIDLabel is the label that holds a container's swarm ID: 64
// hexadecimal characters the manager gives every container it creates,
// kept when the container is created again elsewhere. Every container
// reference accepts it, as it accepts the container's ID.
const SwarmIDLabel = "com.docker.swarm.id"

// SwarmID is the container's swarm ID, "" for a container created
// directly on its engine.
func (c *Container) SwarmID() string { return c.labels[SwarmIDLabel] }

// State is the container's state ("running", "exited", ...).
func (c *Container) State() string { return string(c.state) }

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

// Status renders Docker's human state at now ("Up 3 minutes", "Exited (0)
// 2 hours ago"), or "Host Down" when the node is down, as classic Swarm
// showed it.
func (c *Container) Status(now time.Time) string {
	return string(c.appendStatus(nil, now))
}

// appendStatus appends Status's text to buf without building a string:
// a ps of 300,000 containers renders as many.
func (c *Container) appendStatus(buf []byte, now time.Time) []byte {
	if c.NodeDown() {
		return append(buf, "Host Down"...)
	}
	return c.appendState(buf, now)
}

// appendState appends Docker's human state ("Up 3 minutes", "Exited (0)
// 2 hours ago") to buf.
func (c *Container) appendState(buf []byte, now time.Time) []byte {
	if c.listed {
		return append(buf, c.listedStatus...)
	}
	if c.state == "" {
		return buf
	}
	switch {
	case c.restarting:
		buf = append(buf, "Restarting ("...)
		buf = strconv.AppendInt(buf, int64(c.exitCode), 10)
		buf = append(buf, ") "...)
		buf = appendHumanDuration(buf, now.Sub(c.finishedAt))
		return append(buf, " ago"...)
	case c.running:
		buf = append(buf, "Up "...)
		buf = appendHumanDuration(buf, now.Sub(c.startedAt))
		if c.paused {
			buf = append(buf, " (Paused)"...)
		}
		switch c.health {
		case container.Starting:
			buf = append(buf, " (health: starting)"...)
		case container.Healthy, container.Unhealthy:
			buf = append(buf, " ("...)
			buf = append(buf, c.health...)
			buf = append(buf, ')')
		}
		return buf
	case c.state == container.StateRemoving:
		return append(buf, "Removal In Progress"...)
	case c.dead:
		return append(buf, "Dead"...)
	case c.state == container.StateCreated || c.startedAt.IsZero():
		return append(buf, "Created"...)
	case c.finishedAt.IsZero():
		return buf
	}
	buf = append(buf, "Exited ("...)
	buf = strconv.AppendInt(buf, int64(c.exitCode), 10)
	buf = append(buf, ") "...)
	buf = appendHumanDuration(buf, now.Sub(c.finishedAt))
	return append(buf, " ago"...)
}

// appendHumanDuration appends d as Docker's status text words it ("Less
// than a second", "5 minutes", "About an hour", "3 weeks"): the rounding
// of github.com/docker/go-units' HumanDuration, which the tests compare it
// with, without its allocations.
func appendHumanDuration(buf []byte, d time.Duration) []byte {
	count := func(n int, unit string) []byte {
		buf = strconv.AppendInt(buf, int64(n), 10)
		buf = append(buf, ' ')
		return append(buf, unit...)
	}
	seconds := int(d.Seconds())
	if seconds < 1 {
		return append(buf, "Less than a second"...)
	}
	if seconds == 1 {
		return append(buf, "1 second"...)
	}
	if seconds < 60 {
		return count(seconds, "seconds")
	}
	minutes := int(d.Minutes())
	if minutes == 1 {
		return append(buf, "About a minute"...)
	}
	if minutes < 60 {
		return count(minutes, "minutes")
	}
	hours := int(d.Hours() + 0.5)
	switch {
	case hours == 1:
		return append(buf, "About an hour"...)
	case hours < 48:
		return count(hours, "hours")
	case hours < 24*7*2:
		return count(hours/24, "days")
	case hours < 24*30*2:
		return count(hours/24/7, "weeks")
	case hours < 24*365*2:
		return count(hours/24/30, "months")
	}
	return count(int(d.Hours())/24/365, "years")
}

// newContainer builds the cached form of an inspect answer.
func newContainer(e *Engine, info container.InspectResponse) *Container {
	var in inspectAnswer
	if b := info.ContainerJSONBase; b != nil {
		in.ID, in.Name, in.Image, in.Path, in.Args, in.Created, in.ExecIDs = b.ID, b.Name, b.Image, b.Path, b.Args, b.Created, b.ExecIDs
		in.State = b.State
		if hc := b.HostConfig; hc != nil {
			in.HostConfig = &inspectHost{NetworkMode: hc.NetworkMode, Annotations: hc.Annotations, Memory: hc.Memory,
				NanoCPUs: hc.NanoCPUs, CPUShares: hc.CPUShares, PortBindings: hc.PortBindings}
		}
	}
	if cfg := info.Config; cfg != nil {
		in.Config = &inspectConfig{Image: cfg.Image, Labels: cfg.Labels, ExposedPorts: cfg.ExposedPorts}
	}
	if ns := info.NetworkSettings; ns != nil {
		in.NetworkSettings = &inspectNet{Networks: ns.Networks, Ports: ns.Ports}
	}
	in.Mounts = info.Mounts
	c := fromInspected(e, &in)
	if c.full != nil {
		c.full = &info
	}
	return c
}

// fromInspected builds the cached form of an inspect answer; the whole
// answer is kept (c.full) by the caller for a container with a
// reschedule policy, which fromInspected marks with a non-nil full.
func fromInspected(e *Engine, info *inspectAnswer) *Container {
	c := &Container{Engine: e}
	s := container.Summary{Names: []string{info.Name}, Mounts: info.Mounts}
	c.id, c.imageID = info.ID, intern(info.Image)
	c.name = strings.TrimPrefix(info.Name, "/")
	c.path, c.args = info.Path, info.Args
	c.execIDs = info.ExecIDs
	s.ID, s.ImageID = info.ID, info.Image
	var exposed nat.PortSet
	if info.Config != nil {
		c.image = intern(info.Config.Image)
		c.labels = internMap(info.Config.Labels)
		exposed = info.Config.ExposedPorts
	}
	if c.labels == nil {
		c.labels = map[string]string{}
	}
	s.Image, s.Labels = c.image, c.labels
	if st := info.State; st != nil {
		c.state = st.Status
		c.running, c.paused, c.restarting, c.dead = st.Running, st.Paused, st.Restarting, st.Dead
		c.exitCode = st.ExitCode
		if st.Health != nil {
			c.health = st.Health.Status
		}
		c.startedAt = parseTime(st.StartedAt)
		c.finishedAt = parseTime(st.FinishedAt)
		s.State = st.Status
	}
	c.command = strings.TrimSpace(strings.Join(append([]string{info.Path}, info.Args...), " "))
	s.Command = c.command
	if t := parseTime(info.Created); !t.IsZero() {
		c.created = t
		s.Created = t.Unix()
	}
	if hc := info.HostConfig; hc != nil {
		c.networkMode = intern(string(hc.NetworkMode))
		c.annotations = hc.Annotations
		c.memory, c.nanoCPUs, c.shares = hc.Memory, hc.NanoCPUs, hc.CPUShares
		c.hostPorts = hostPorts(&container.HostConfig{NetworkMode: hc.NetworkMode, PortBindings: hc.PortBindings}, exposed)
		s.HostConfig.NetworkMode = c.networkMode
		s.HostConfig.Annotations = hc.Annotations
	}
	if ns := info.NetworkSettings; ns != nil {
		s.NetworkSettings = &container.NetworkSettingsSummary{Networks: ns.Networks}
		s.Ports = portSummaries(ns.Ports)
		c.networks = networkRefs(ns.Networks)
	}
	c.mounts = mountRefs(info.Mounts)
	if _, ok := c.labels[reschedulePoliciesLabel]; ok {
		c.full = &container.InspectResponse{} // the caller keeps the whole answer
	}
	c.entry = encodeEntry(s, e.Name())
	return c
}

// newListedContainer builds the cached form of a list entry: what the
// manager knows of a container before it inspected it.
func newListedContainer(e *Engine, s container.Summary) *Container {
	c := &Container{
		Engine:       e,
		id:           s.ID,
		name:         primaryName(s.Names),
		image:        intern(s.Image),
		imageID:      intern(s.ImageID),
		command:      s.Command,
		labels:       internMap(s.Labels),
		annotations:  s.HostConfig.Annotations,
		state:        s.State,
		listedStatus: s.Status,
		networkMode:  intern(s.HostConfig.NetworkMode),
		listed:       true,
	}
	if c.labels == nil {
		c.labels = map[string]string{}
	}
	switch s.State {
	case container.StateRunning:
		c.running = true
	case container.StatePaused:
		c.running, c.paused = true, true
	case container.StateRestarting:
		c.running, c.restarting = true, true
	case container.StateDead:
		c.dead = true
	case container.StateExited:
		c.exitCode = exitCodeOf(s.Status)
	}
	if s.Created > 0 {
		c.created = time.Unix(s.Created, 0)
	}
	for _, p := range s.Ports {
		if p.PublicPort == 0 {
			continue
		}
		ip := p.IP
		if ip == "0.0.0.0" || ip == "::" {
			ip = ""
		}
		c.hostPorts = append(c.hostPorts, HostPort{HostIP: ip, Port: p.PublicPort, Proto: p.Type})
	}
	if s.NetworkSettings != nil {
		c.networks = networkRefs(s.NetworkSettings.Networks)
	}
	c.mounts = mountRefs(s.Mounts)
	entry := s
	entry.Names = []string{"/" + c.name}
	entry.Labels = c.labels
	entry.SizeRw, entry.SizeRootFs = 0, 0
	c.entry = encodeEntry(entry, e.Name())
	return c
}

// primaryName is a container's own name among the names a list gives
// (the others are link aliases, "/other/alias"), without the slash.
func primaryName(names []string) string {
	for _, n := range names {
		if strings.Count(n, "/") == 1 {
			return strings.TrimPrefix(n, "/")
		}
	}
	if len(names) > 0 {
		return strings.TrimPrefix(names[0], "/")
	}
	return ""
}

// exitCodeOf reads the exit code out of a list entry's status ("Exited
// (137) 2 hours ago").
func exitCodeOf(status string) int {
	_, rest, ok := strings.Cut(status, "(")
	if !ok {
		return 0
	}
	code, _, _ := strings.Cut(rest, ")")
	n, _ := strconv.Atoi(code)
	return n
}

func networkRefs(eps map[string]*network.EndpointSettings) []NetworkRef {
	if len(eps) == 0 {
		return nil
	}
	out := make([]NetworkRef, 0, len(eps))
	for name, ep := range eps {
		r := NetworkRef{Name: intern(name)}
		if ep != nil {
			r.ID = intern(ep.NetworkID)
		}
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func mountRefs(ms []container.MountPoint) []MountRef {
	if len(ms) == 0 {
		return nil
	}
	out := make([]MountRef, len(ms))
	for i, m := range ms {
		out[i] = MountRef{Name: m.Name, Destination: m.Destination}
	}
	return out
}

// HostPortsOf lists the host ports a container with host config hc and
// exposed ports takes: its -p bindings with a fixed port, and in host
// network mode its exposed ports.
func HostPortsOf(hc *container.HostConfig, exposed nat.PortSet) []HostPort {
	return hostPorts(hc, exposed)
}

func hostPorts(hc *container.HostConfig, exposed nat.PortSet) []HostPort {
	var out []HostPort
	if hc.NetworkMode.IsHost() {
		for p := range exposed {
			out = append(out, HostPort{Port: uint16(p.Int()), Proto: p.Proto()})
		}
		return out
	}
	for p, bindings := range hc.PortBindings {
		for _, b := range bindings {
			if b.HostPort == "" {
				continue // a random port cannot conflict
			}
			start, end, err := nat.ParsePortRange(b.HostPort)
			if err != nil || start != end {
				continue // the engine picks a free port from a range
			}
			out = append(out, HostPort{HostIP: b.HostIP, Port: uint16(start), Proto: p.Proto()})
		}
	}
	return out
}

// Containers returns the engine's cached containers.
func (e *Engine) Containers() []*Container {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.appendContainersLocked(make([]*Container, 0, len(e.containers)))
}

// AppendContainers appends the cached containers to dst, as Containers
// lists them, and returns it.
func (e *Engine) AppendContainers(dst []*Container) []*Container {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.appendContainersLocked(dst)
}

func (e *Engine) appendContainersLocked(dst []*Container) []*Container {
	for _, c := range e.containers {
		dst = append(dst, c)
	}
	return dst
}

// ContainerCount is the number of cached containers.
func (e *Engine) ContainerCount() int {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return len(e.containers)
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
	c, err := e.inspect(ctx, id)
	if cerrdefs.IsNotFound(err) {
		e.dropContainer(id, seq)
		return nil
	}
	if err != nil {
		return err
	}
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
		if !sameListing(old, c) {
			return
		}
		// A list that started later says what this inspect says, with
		// less (no reservations, times or mounts): keep the inspect, at
		// the list's place in the order. A create's re-read that a full
		// refresh overtook would otherwise leave the new container
		// without its reservations until the fill inspects it again.
		c.seq = old.seq
	}
	if ok {
		e.unindex(old)
		if old.listed {
			e.unread--
		}
	}
	if c.listed {
		e.unread++
	}
	e.containers[c.ID()] = c
	e.index(c)
	e.changed()
}

// sameListing reports whether listed is a list entry of the container
// inspected describes, with nothing a list shows changed since.
func sameListing(listed, inspected *Container) bool {
	return listed.listed && !inspected.listed && listed.state == inspected.state &&
		listed.imageID == inspected.imageID && listed.Name() == inspected.Name()
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
		if c.listed {
			e.unread--
		}
		e.unindex(c)
		e.changed()
		if mapSize(c.labels) >= largeObject {
			returnMemorySoon()
		}
	}
}

// Forget drops a container from the cache without asking the engine: the
// manager re-created it elsewhere while the engine is down. A read that
// starts later (the refresh when the engine is back) caches it again.
func (e *Engine) Forget(id string) { e.dropContainer(id, e.reads.Add(1)) }

// index records c's name and swarm ID, and c among the containers with a
// reschedule policy. The caller holds e.mu for writing.
func (e *Engine) index(c *Container) {
	if c.Reschedulable() {
		if e.policies == nil {
			e.policies = map[string]*Container{}
		}
		e.policies[c.id] = c
	}
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
	if e.policies[c.id] == c {
		delete(e.policies, c.id)
	}
	if e.names[c.Name()] == c.ID() {
		delete(e.names, c.Name())
	}
	if sid := c.SwarmID(); sid != "" && e.swarmIDs[sid] == c.ID() {
		delete(e.swarmIDs, sid)
	}
}

// Reschedulable reports whether the container has a reschedule policy
// label (its whole inspect answer is kept).
func (c *Container) Reschedulable() bool {
	_, ok := c.labels[reschedulePoliciesLabel]
	return ok
}

// Reschedulable returns the engine's containers with a reschedule policy
// label, without walking the others.
func (e *Engine) Reschedulable() []*Container {
	e.mu.RLock()
	defer e.mu.RUnlock()
	out := make([]*Container, 0, len(e.policies))
	for _, c := range e.policies {
		out = append(out, c)
	}
	return out
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

// refreshContainers lists every container in one call. Containers the
// cache holds in the same state keep their entry; new and changed ones are
// cached from the list entry at once (listed) and inspectAnswer in the
// background (fill), so that an engine with many containers is registered
// after one list call, not one inspect per container.
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
	changed := len(list) != len(old)
	for _, s := range list {
		if c, ok := old[s.ID]; ok && c.state == s.State && c.imageID == s.ImageID && sameName(c, s) {
			fresh[s.ID] = c
			continue
		}
		changed = true
		c := newListedContainer(e, s)
		c.seq = listSeq
		fresh[s.ID] = c
	}
	e.mu.Lock()
	// Reads that started after the list win over it: containers stored by
	// events meanwhile stay (newest read first), and containers dropped
	// meanwhile stay dropped.
	for id, c := range e.containers {
		if f, listed := fresh[id]; (listed && c.seq > f.seq) || (!listed && c.seq > listSeq) {
			fresh[id] = c
			changed = true
		}
	}
	for id, seq := range e.gone {
		if f, listed := fresh[id]; listed && seq > f.seq {
			delete(fresh, id)
			changed = true
		}
		if seq <= listSeq {
			delete(e.gone, id) // the list is newer than this drop
		}
	}
	if !changed {
		unread := e.unread > 0
		e.mu.Unlock()
		if unread {
			e.askFill()
		}
		return nil
	}
	for id, c := range e.containers {
		if _, kept := fresh[id]; !kept && mapSize(c.labels) >= largeObject {
			returnMemorySoon()
			break
		}
	}
	e.containers = fresh
	e.names = make(map[string]string, len(fresh))
	e.swarmIDs = make(map[string]string, len(fresh))
	e.policies = nil
	e.unread = 0
	for _, c := range fresh {
		e.index(c)
		if c.listed {
			e.unread++
		}
	}
	unread := e.unread > 0
	e.changed()
	e.mu.Unlock()
	if unread {
		e.askFill()
	}
	return nil
}

func sameName(c *Container, s container.Summary) bool {
	for _, n := range s.Names {
		if n == "/"+c.name {
			return true
		}
	}
	return false
}

// askFill wakes the engine's fill loop.
func (e *Engine) askFill() {
	select {
	case e.fillKick <- struct{}{}:
	default:
	}
}

// fillLoop inspects the containers known from a list answer only, one at
// a time and at most opts.InspectSlots at once across the fleet, until
// ctx ends.
func (e *Engine) fillLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-e.fillKick:
		}
		e.fill(ctx)
	}
}

// fill inspects every listed container once, holding one of the fleet's
// inspect slots for the whole engine: its requests reuse one connection.
func (e *Engine) fill(ctx context.Context) {
	e.mu.RLock()
	var ids []string
	for id, c := range e.containers {
		if c.listed {
			ids = append(ids, id)
		}
	}
	e.mu.RUnlock()
	if len(ids) == 0 || !e.waitJoined(ctx) {
		return
	}
	if slots := e.opts.InspectSlots; slots != nil {
		select {
		case slots <- struct{}{}:
			defer func() { <-slots }()
		case <-ctx.Done():
			return
		}
	}
	for _, id := range ids {
		e.mu.RLock()
		c := e.containers[id]
		e.mu.RUnlock()
		if c == nil || !c.listed {
			continue
		}
		if err := e.RefreshContainer(ctx, id); err != nil {
			// The refresh loop lists again later, and asks for a fill.
			return
		}
	}
}

// waitJoined waits until no engine is joining (Options.Joining); false
// when ctx ended first.
func (e *Engine) waitJoined(ctx context.Context) bool {
	if e.opts.Joining == nil {
		return true
	}
	return e.opts.Joining.Wait(ctx)
}

// Unread counts the containers known from a list answer only, whose
// inspection is still to come.
func (e *Engine) Unread() int {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.unread
}
