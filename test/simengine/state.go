package simengine

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/events"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/go-connections/nat"
)

// apiError is an error with the status code the engine answers it with.
type apiError struct {
	code int
	msg  string
}

func (e *apiError) Error() string { return e.msg }

func errorf(code int, format string, args ...any) error {
	return &apiError{code: code, msg: fmt.Sprintf(format, args...)}
}

func notFound(ref string) error { return errorf(404, "No such container: %s", ref) }

var validName = regexp.MustCompile(`^/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$`)

// NewImage returns an image summary for a reference ("busybox" is
// "busybox:latest"), with an ID derived from the reference.
func NewImage(ref string) image.Summary {
	ref = normalizeRef(ref)
	return image.Summary{
		ID:          "sha256:" + hexID("image/"+ref),
		RepoTags:    []string{ref},
		RepoDigests: []string{},
		Created:     1700000000,
		Size:        4 << 20,
		Labels:      map[string]string{},
		Containers:  -1,
	}
}

// normalizeRef turns "busybox" into "busybox:latest" and drops the default
// registry prefixes.
func normalizeRef(ref string) string {
	for _, p := range []string{"docker.io/", "index.docker.io/", "library/"} {
		ref = strings.TrimPrefix(ref, p)
	}
	if strings.Contains(ref, "@") {
		return ref
	}
	if !strings.Contains(ref[strings.LastIndex(ref, "/")+1:], ":") {
		ref += ":latest"
	}
	return ref
}

// findImage returns the index of the image ref names, or -1. The caller
// holds mu.
func (e *Engine) findImage(ref string) int {
	if ref == "" {
		return -1
	}
	short := strings.TrimPrefix(ref, "sha256:")
	want := normalizeRef(ref)
	for i, img := range e.images {
		if len(short) >= 4 && strings.HasPrefix(strings.TrimPrefix(img.ID, "sha256:"), short) {
			return i
		}
		for _, t := range img.RepoTags {
			if normalizeRef(t) == want {
				return i
			}
		}
	}
	return -1
}

// AddImage adds an image (or replaces the one with the same ID) and
// publishes an image "pull" event.
func (e *Engine) AddImage(img image.Summary) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.putImage(img)
	ref := img.ID
	if len(img.RepoTags) > 0 {
		ref = img.RepoTags[0]
	}
	e.emitLocked(events.ImageEventType, events.ActionPull, ref, map[string]string{"name": ref})
}

// putImage stores img. The caller holds mu.
func (e *Engine) putImage(img image.Summary) {
	images := make([]image.Summary, 0, len(e.images)+1)
	for _, old := range e.images {
		if old.ID != img.ID {
			images = append(images, old)
		}
	}
	e.images = append(images, img)
}

// lookup finds a container by full ID, name or unique ID prefix. The
// caller holds mu.
func (e *Engine) lookup(ref string) (*container.InspectResponse, error) {
	if ref == "" {
		return nil, notFound(ref)
	}
	if c, ok := e.containers[ref]; ok {
		return c, nil
	}
	name := "/" + strings.TrimPrefix(ref, "/")
	var prefixed []*container.InspectResponse
	for id, c := range e.containers {
		if c.Name == name {
			return c, nil
		}
		if strings.HasPrefix(id, ref) {
			prefixed = append(prefixed, c)
		}
	}
	switch len(prefixed) {
	case 0:
		return nil, notFound(ref)
	case 1:
		return prefixed[0], nil
	}
	return nil, errorf(400, "multiple IDs found with provided prefix: %s", ref)
}

// AddContainer adds a container and publishes its "create" event (and
// "start" when it runs). It returns the container's ID.
func (e *Engine) AddContainer(c Container) (string, error) {
	return e.addContainer(c, true)
}

func (e *Engine) addContainer(c Container, emit bool) (string, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	seq := e.seq.Add(1)
	if c.Name == "" {
		c.Name = fmt.Sprintf("sim_%s_%d", strings.ReplaceAll(e.name, "-", "_"), seq)
	}
	c.Name = strings.TrimPrefix(c.Name, "/")
	if !validName.MatchString(c.Name) {
		return "", errorf(400, "Invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", c.Name)
	}
	for _, other := range e.containers {
		if other.Name == "/"+c.Name {
			return "", errorf(409, "Conflict. The container name \"/%s\" is already in use by container \"%s\". You have to remove (or rename) that container to be able to reuse that name.", c.Name, other.ID)
		}
	}
	if c.ID == "" {
		c.ID = hexID(fmt.Sprintf("container/%s/%s/%d", e.id, c.Name, seq))
	}
	if _, ok := e.containers[c.ID]; ok {
		return "", errorf(409, "container ID %s exists", c.ID)
	}
	ic := e.build(c, seq)
	e.containers[c.ID] = ic
	if emit {
		attrs := map[string]string{"name": c.Name, "image": ic.Config.Image}
		e.emitLocked(events.ContainerEventType, events.ActionCreate, c.ID, attrs)
		if ic.State.Running {
			e.emitLocked(events.ContainerEventType, events.ActionStart, c.ID, attrs)
		}
	}
	return c.ID, nil
}

// build turns a Container into an inspect answer. The caller holds mu.
func (e *Engine) build(c Container, seq int64) *container.InspectResponse {
	created := c.Created
	if created.IsZero() {
		created = time.Now()
	}
	cfg := &container.Config{}
	if c.Config != nil {
		cp := *c.Config
		cfg = &cp
	}
	if cfg.Image == "" {
		cfg.Image = c.Image
	}
	if cfg.Image == "" {
		cfg.Image = DefaultImage
	}
	if cfg.Labels == nil {
		cfg.Labels = map[string]string{}
	}
	cfg.Hostname = c.ID[:min(12, len(c.ID))]
	hc := &container.HostConfig{}
	if c.HostConfig != nil {
		cp := *c.HostConfig
		hc = &cp
	}
	if hc.NetworkMode == "" || hc.NetworkMode == "default" {
		hc.NetworkMode = "bridge"
	}
	imageID := "sha256:" + hexID("image/"+normalizeRef(cfg.Image))
	if i := e.findImage(cfg.Image); i >= 0 {
		imageID = e.images[i].ID
	}
	path, args := "sh", []string(nil)
	if len(cfg.Cmd) > 0 {
		path, args = cfg.Cmd[0], cfg.Cmd[1:]
	}
	ns := &container.NetworkSettings{Networks: map[string]*network.EndpointSettings{}}
	if mode := string(hc.NetworkMode); mode != "host" && mode != "none" && !strings.HasPrefix(mode, "container:") {
		ns.Networks[mode] = &network.EndpointSettings{
			NetworkID: hexID("network/" + e.id + "/" + mode),
			IPAddress: fmt.Sprintf("172.17.%d.%d", (seq/250)%250, seq%250+2),
		}
	}
	ic := &container.InspectResponse{
		ContainerJSONBase: &container.ContainerJSONBase{
			ID:         c.ID,
			Created:    created.UTC().Format(time.RFC3339Nano),
			Path:       path,
			Args:       args,
			Image:      imageID,
			Name:       "/" + c.Name,
			Driver:     "overlay2",
			Platform:   "linux",
			HostConfig: hc,
			State:      &container.State{Status: container.StateCreated, StartedAt: zeroTime, FinishedAt: zeroTime},
		},
		Mounts:          []container.MountPoint{},
		Config:          cfg,
		NetworkSettings: ns,
	}
	state := c.State
	if state == "" {
		state = container.StateRunning
	}
	setState(ic, state, c.ExitCode, created)
	return ic
}

const zeroTime = "0001-01-01T00:00:00Z"

// clone copies the parts of an inspect answer that state changes replace,
// so that answers already handed out are never modified.
func clone(c *container.InspectResponse) *container.InspectResponse {
	base := *c.ContainerJSONBase
	st := *base.State
	base.State = &st
	base.ExecIDs = append([]string(nil), base.ExecIDs...)
	out := *c
	out.ContainerJSONBase = &base
	if c.NetworkSettings != nil {
		ns := *c.NetworkSettings
		out.NetworkSettings = &ns
	}
	return &out
}

// setState moves a (cloned) container to state at time now.
func setState(c *container.InspectResponse, state string, exitCode int, now time.Time) {
	st := c.State
	ts := now.UTC().Format(time.RFC3339Nano)
	st.Status = container.ContainerState(state)
	st.Running, st.Paused, st.Dead, st.Restarting = false, false, false, false
	switch state {
	case container.StateRunning, container.StatePaused:
		st.Running = true
		st.Paused = state == container.StatePaused
		if st.Pid == 0 {
			st.Pid = 1000 + int(now.UnixNano()%30000)
			st.StartedAt = ts
			st.ExitCode = 0
		}
	case container.StateExited, container.StateDead:
		st.Dead = state == container.StateDead
		st.Pid = 0
		st.ExitCode = exitCode
		if st.StartedAt == zeroTime {
			st.StartedAt = ts
		}
		st.FinishedAt = ts
	}
	c.NetworkSettings.Ports = nat.PortMap{}
	if st.Running {
		for p, bindings := range c.HostConfig.PortBindings {
			var out []nat.PortBinding
			for i, b := range bindings {
				hp := b.HostPort
				if hp == "" {
					hp = strconv.Itoa(32768 + int(p.Int())%1000 + i)
				}
				ip := b.HostIP
				if ip == "" {
					ip = "0.0.0.0"
				}
				out = append(out, nat.PortBinding{HostIP: ip, HostPort: hp})
			}
			c.NetworkSettings.Ports[p] = out
		}
	}
}

// stateEvents are the events a state change publishes, in order.
func stateEvents(from, to string) []events.Action {
	switch {
	case to == container.StateRunning && from == container.StatePaused:
		return []events.Action{events.ActionUnPause}
	case to == container.StateRunning:
		return []events.Action{events.ActionStart}
	case to == container.StatePaused:
		return []events.Action{events.ActionPause}
	case to == container.StateExited || to == container.StateDead:
		return []events.Action{events.ActionDie}
	}
	return nil
}

// SetState moves a container to "running", "paused", "exited" or "dead"
// and publishes the matching events (start, pause, unpause, die).
func (e *Engine) SetState(ref, state string, exitCode int) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.setStateLocked(ref, state, exitCode)
}

func (e *Engine) setStateLocked(ref, state string, exitCode int) error {
	c, err := e.lookup(ref)
	if err != nil {
		return err
	}
	from := string(c.State.Status)
	nc := clone(c)
	setState(nc, state, exitCode, time.Now())
	e.containers[c.ID] = nc
	attrs := map[string]string{"name": strings.TrimPrefix(c.Name, "/"), "image": c.Config.Image}
	for _, a := range stateEvents(from, state) {
		if a == events.ActionDie {
			attrs["exitCode"] = strconv.Itoa(exitCode)
		}
		e.emitLocked(events.ContainerEventType, a, c.ID, attrs)
	}
	return nil
}

// RemoveContainer removes a container and publishes its "destroy" event.
func (e *Engine) RemoveContainer(ref string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	c, err := e.lookup(ref)
	if err != nil {
		return err
	}
	delete(e.containers, c.ID)
	e.emitLocked(events.ContainerEventType, events.ActionDestroy, c.ID,
		map[string]string{"name": strings.TrimPrefix(c.Name, "/"), "image": c.Config.Image})
	return nil
}

// Inspect returns a container's inspect answer.
func (e *Engine) Inspect(ref string) (container.InspectResponse, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	c, err := e.lookup(ref)
	if err != nil {
		return container.InspectResponse{}, false
	}
	return *clone(c), true
}

// ContainerIDs returns the IDs of the engine's containers, sorted.
func (e *Engine) ContainerIDs() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]string, 0, len(e.containers))
	for id := range e.containers {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

// ImageRefs returns the first tag (or the ID) of every image, sorted.
func (e *Engine) ImageRefs() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]string, 0, len(e.images))
	for _, img := range e.images {
		if len(img.RepoTags) > 0 {
			out = append(out, img.RepoTags[0])
		} else {
			out = append(out, img.ID)
		}
	}
	sort.Strings(out)
	return out
}

// summary renders a container as GET /containers/json lists it.
func summary(c *container.InspectResponse) container.Summary {
	s := container.Summary{
		ID:      c.ID,
		Names:   []string{c.Name},
		Image:   c.Config.Image,
		ImageID: c.Image,
		Command: strings.TrimSpace(c.Path + " " + strings.Join(c.Args, " ")),
		State:   c.State.Status,
		Status:  string(c.State.Status),
		Labels:  c.Config.Labels,
		Mounts:  c.Mounts,
	}
	if t, err := time.Parse(time.RFC3339Nano, c.Created); err == nil {
		s.Created = t.Unix()
	}
	s.HostConfig.NetworkMode = string(c.HostConfig.NetworkMode)
	s.NetworkSettings = &container.NetworkSettingsSummary{Networks: c.NetworkSettings.Networks}
	s.Ports = []container.Port{}
	for p, bindings := range c.NetworkSettings.Ports {
		for _, b := range bindings {
			pub, _ := strconv.ParseUint(b.HostPort, 10, 16)
			s.Ports = append(s.Ports, container.Port{IP: b.HostIP, PrivatePort: uint16(p.Int()), PublicPort: uint16(pub), Type: p.Proto()})
		}
	}
	return s
}

// Containers builds n containers named prefix-0 .. prefix-(n-1), every
// other one running, each with an "app" label and 64 MiB of memory, for
// tests and benchmarks.
func Containers(prefix string, n int) []Container {
	out := make([]Container, n)
	for i := range out {
		state := container.StateRunning
		if i%2 == 1 {
			state = container.StateExited
		}
		out[i] = Container{
			Name:       fmt.Sprintf("%s-%d", prefix, i),
			State:      state,
			Config:     &container.Config{Image: DefaultImage, Cmd: []string{"sleep", "3600"}, Labels: map[string]string{"app": fmt.Sprintf("app%d", i%5)}},
			HostConfig: &container.HostConfig{Resources: container.Resources{Memory: 64 << 20}},
		}
	}
	return out
}
