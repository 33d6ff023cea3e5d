package simengine

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"

	"github.com/docker/docker/api/types"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/events"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/system"
	"github.com/docker/docker/api/types/versions"
	"github.com/docker/docker/api/types/volume"
)

// handler is the engine's HTTP entry point: it records the request, applies
// the injected failure, checks the API version and routes.
func (e *Engine) handler(down <-chan struct{}) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.record(r)
		w.Header().Set("Api-Version", e.cfg.APIVersion)
		w.Header().Set("Server", "Docker/"+e.cfg.ServerVersion+" (linux)")
		switch e.currentFailure() {
		case FailError:
			writeError(w, errorf(500, "simulated engine failure"))
			return
		case FailClose:
			if hj, ok := w.(http.Hijacker); ok {
				if conn, _, err := hj.Hijack(); err == nil {
					_ = conn.Close()
					return
				}
			}
			panic(http.ErrAbortHandler)
		}
		path, version := splitVersion(r.URL.Path)
		if version != "" && versions.GreaterThan(version, e.cfg.APIVersion) {
			writeError(w, errorf(400, "client version %s is too new. Maximum supported API version is %s", version, e.cfg.APIVersion))
			return
		}
		if path == "/events" && r.Method == http.MethodGet {
			e.serveEvents(w, r, down)
			return
		}
		if err := e.route(w, r, path); err != nil {
			writeError(w, err)
		}
	})
}

// splitVersion splits "/v1.41/info" into "/info" and "1.41".
func splitVersion(p string) (path, version string) {
	if !strings.HasPrefix(p, "/v") {
		return p, ""
	}
	i := strings.Index(p[1:], "/")
	if i < 0 {
		return p, ""
	}
	v := p[2 : i+1]
	if v == "" || strings.Trim(v, "0123456789.") != "" {
		return p, ""
	}
	return p[i+1:], v
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, err error) {
	code := 500
	var ae *apiError
	if errors.As(err, &ae) {
		code = ae.code
	}
	writeJSON(w, code, map[string]string{"message": err.Error()})
}

// route dispatches a request whose version prefix was removed.
func (e *Engine) route(w http.ResponseWriter, r *http.Request, path string) error {
	get, post := r.Method == http.MethodGet, r.Method == http.MethodPost
	switch {
	case path == "/_ping" && (get || r.Method == http.MethodHead):
		w.Header().Set("Ostype", "linux")
		w.Header().Set("Docker-Experimental", "false")
		w.Header().Set("Cache-Control", "no-cache, no-store, must-revalidate")
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		if get {
			_, _ = io.WriteString(w, "OK")
		}
		return nil
	case path == "/version" && get:
		writeJSON(w, 200, e.versionAnswer())
		return nil
	case path == "/info" && get:
		writeJSON(w, 200, e.infoAnswer())
		return nil
	case path == "/containers/json" && get:
		writeJSON(w, 200, e.list(r))
		return nil
	case path == "/containers/create" && post:
		return e.create(w, r)
	case strings.HasPrefix(path, "/containers/"):
		return e.containerRoute(w, r, strings.TrimPrefix(path, "/containers/"))
	case path == "/images/json" && get:
		e.mu.Lock()
		images := append([]image.Summary(nil), e.images...)
		e.mu.Unlock()
		writeJSON(w, 200, images)
		return nil
	case path == "/images/create" && post:
		return e.pull(w, r)
	case strings.HasPrefix(path, "/images/"):
		return e.imageRoute(w, r, strings.TrimPrefix(path, "/images/"))
	case path == "/networks" && get:
		e.mu.Lock()
		networks := e.networks
		e.mu.Unlock()
		writeJSON(w, 200, networks)
		return nil
	case path == "/volumes" && get:
		e.mu.Lock()
		vols := e.volumes
		e.mu.Unlock()
		if vols == nil {
			vols = []*volume.Volume{}
		}
		writeJSON(w, 200, volume.ListResponse{Volumes: vols, Warnings: []string{}})
		return nil
	case strings.HasPrefix(path, "/exec/"):
		return e.execRoute(w, r, strings.TrimPrefix(path, "/exec/"))
	}
	return errorf(404, "page not found")
}

func (e *Engine) versionAnswer() types.Version {
	return types.Version{
		Version:       e.cfg.ServerVersion,
		APIVersion:    e.cfg.APIVersion,
		MinAPIVersion: "1.12",
		GitCommit:     "simulated",
		GoVersion:     "go-sim",
		Os:            "linux",
		Arch:          "amd64",
		KernelVersion: "5.15.0-sim",
	}
}

func (e *Engine) infoAnswer() system.Info {
	e.mu.Lock()
	defer e.mu.Unlock()
	info := system.Info{
		ID:              e.id,
		Name:            e.name,
		NCPU:            e.cfg.NCPU,
		MemTotal:        e.cfg.MemTotal,
		Labels:          append([]string{}, e.cfg.Labels...),
		Images:          len(e.images),
		Driver:          "overlay2",
		KernelVersion:   "5.15.0-sim",
		OperatingSystem: "Simulated Linux",
		OSType:          "linux",
		Architecture:    "x86_64",
		ServerVersion:   e.cfg.ServerVersion,
		DockerRootDir:   "/var/lib/docker",
		DefaultRuntime:  "runc",
	}
	for _, c := range e.containers {
		info.Containers++
		switch {
		case c.State.Paused:
			info.ContainersPaused++
		case c.State.Running:
			info.ContainersRunning++
		default:
			info.ContainersStopped++
		}
	}
	return info
}

// list answers GET /containers/json (all and limit; filters are ignored).
func (e *Engine) list(r *http.Request) []container.Summary {
	q := r.URL.Query()
	all := q.Get("all") == "1" || q.Get("all") == "true"
	e.mu.Lock()
	out := make([]container.Summary, 0, len(e.containers))
	for _, c := range e.containers {
		if all || c.State.Running {
			out = append(out, summary(c))
		}
	}
	e.mu.Unlock()
	sort.Slice(out, func(i, j int) bool {
		if out[i].Created != out[j].Created {
			return out[i].Created > out[j].Created
		}
		return out[i].ID < out[j].ID
	})
	var limit int
	if _, err := fmt.Sscan(q.Get("limit"), &limit); err == nil && limit > 0 && limit < len(out) {
		out = out[:limit]
	}
	return out
}

// create answers POST /containers/create: the image must be present.
func (e *Engine) create(w http.ResponseWriter, r *http.Request) error {
	var body container.CreateRequest
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		return errorf(400, "invalid JSON: %v", err)
	}
	if body.Config == nil || body.Config.Image == "" {
		return errorf(400, "No command specified")
	}
	e.mu.Lock()
	hasImage := e.findImage(body.Config.Image) >= 0
	e.mu.Unlock()
	if !hasImage {
		return errorf(404, "No such image: %s", normalizeRef(body.Config.Image))
	}
	id, err := e.AddContainer(Container{
		Name:       r.URL.Query().Get("name"),
		Config:     body.Config,
		HostConfig: body.HostConfig,
		State:      container.StateCreated,
	})
	if err != nil {
		return err
	}
	writeJSON(w, 201, container.CreateResponse{ID: id, Warnings: []string{}})
	return nil
}

// containerRoute serves /containers/{ref} and /containers/{ref}/{action}.
func (e *Engine) containerRoute(w http.ResponseWriter, r *http.Request, rest string) error {
	code, body, err := e.containerAction(r, rest)
	if err != nil {
		return err
	}
	writeAnswer(w, code, body)
	return nil
}

// writeAnswer writes body as JSON, or only the status when body is nil.
func writeAnswer(w http.ResponseWriter, code int, body any) {
	if body == nil {
		w.WriteHeader(code)
		return
	}
	writeJSON(w, code, body)
}

// containerAction applies a container call to the state and returns the
// answer to write (nothing is written while mu is held).
func (e *Engine) containerAction(r *http.Request, rest string) (int, any, error) {
	ref, action, _ := strings.Cut(rest, "/")
	e.mu.Lock()
	defer e.mu.Unlock()
	c, err := e.lookup(ref)
	if err != nil {
		return 0, nil, err
	}
	q := r.URL.Query()
	switch {
	case action == "" && r.Method == http.MethodDelete:
		if c.State.Running && q.Get("force") != "1" && q.Get("force") != "true" {
			return 0, nil, errorf(409, "You cannot remove a running container %s. Stop the container before attempting removal or force remove", c.ID)
		}
		delete(e.containers, c.ID)
		e.emitLocked(events.ContainerEventType, events.ActionDestroy, c.ID, map[string]string{"name": strings.TrimPrefix(c.Name, "/"), "image": c.Config.Image})
		return 204, nil, nil
	case action == "json" && r.Method == http.MethodGet:
		out := c
		if q.Get("size") == "1" || q.Get("size") == "true" {
			out = clone(c)
			size := int64(4096)
			out.SizeRw, out.SizeRootFs = &size, &size
		}
		return 200, out, nil
	case r.Method != http.MethodPost:
		// logs, top, changes, export, stats, archive, attach/ws: not
		// modelled, answered so that proxied routes can be exercised.
		return 200, map[string]any{}, nil
	}
	switch action {
	case "start", "unpause":
		if c.State.Running && !c.State.Paused {
			return 304, nil, nil
		}
		if err := e.setStateLocked(c.ID, container.StateRunning, 0); err != nil {
			return 0, nil, err
		}
	case "stop", "kill":
		if !c.State.Running {
			if action == "kill" {
				return 0, nil, errorf(409, "Container %s is not running", c.ID)
			}
			return 304, nil, nil
		}
		code := 0
		if action == "kill" {
			code = 137
		}
		if err := e.setStateLocked(c.ID, container.StateExited, code); err != nil {
			return 0, nil, err
		}
	case "restart":
		if err := e.setStateLocked(c.ID, container.StateExited, 0); err != nil {
			return 0, nil, err
		}
		if err := e.setStateLocked(c.ID, container.StateRunning, 0); err != nil {
			return 0, nil, err
		}
	case "pause":
		if !c.State.Running || c.State.Paused {
			return 0, nil, errorf(409, "Container %s is not running", c.ID)
		}
		if err := e.setStateLocked(c.ID, container.StatePaused, 0); err != nil {
			return 0, nil, err
		}
	case "rename":
		name := strings.TrimPrefix(q.Get("name"), "/")
		if !validName.MatchString(name) {
			return 0, nil, errorf(400, "Invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", name)
		}
		if other, err := e.lookup(name); err == nil && other.Name == "/"+name {
			return 0, nil, errorf(409, "Conflict. The container name \"/%s\" is already in use by container \"%s\". You have to remove (or rename) that container to be able to reuse that name.", name, other.ID)
		}
		nc := clone(c)
		nc.Name = "/" + name
		e.containers[c.ID] = nc
		e.emitLocked(events.ContainerEventType, events.ActionRename, c.ID, map[string]string{"name": name, "oldName": c.Name, "image": c.Config.Image})
	case "wait":
		return 200, container.WaitResponse{StatusCode: int64(c.State.ExitCode)}, nil
	case "update":
		return 200, container.UpdateResponse{Warnings: []string{}}, nil
	case "exec":
		id := hexID(fmt.Sprintf("exec/%s/%d", c.ID, e.seq.Add(1)))
		nc := clone(c)
		nc.ExecIDs = append(nc.ExecIDs, id)
		e.containers[c.ID] = nc
		e.execs[id] = c.ID
		return 201, types.IDResponse{ID: id}, nil
	default:
		// attach, resize, copy: not modelled.
		return 200, nil, nil
	}
	return 204, nil, nil
}

// execRoute serves /exec/{id}/json|start|resize.
func (e *Engine) execRoute(w http.ResponseWriter, r *http.Request, rest string) error {
	id, action, _ := strings.Cut(rest, "/")
	e.mu.Lock()
	cid, ok := e.execs[id]
	e.mu.Unlock()
	if !ok {
		return errorf(404, "No such exec instance: %s", id)
	}
	switch {
	case action == "json" && r.Method == http.MethodGet:
		writeJSON(w, 200, container.ExecInspect{ExecID: id, ContainerID: cid})
	case (action == "start" || action == "resize") && r.Method == http.MethodPost:
		w.WriteHeader(200)
	default:
		return errorf(404, "page not found")
	}
	return nil
}

// imageRoute serves /images/{name}/json|history|tag and DELETE /images/{name}.
func (e *Engine) imageRoute(w http.ResponseWriter, r *http.Request, rest string) error {
	code, body, err := e.imageAction(r, rest)
	if err != nil {
		return err
	}
	writeAnswer(w, code, body)
	return nil
}

// imageAction applies an image call to the state and returns the answer.
func (e *Engine) imageAction(r *http.Request, rest string) (int, any, error) {
	name, action := rest, ""
	for _, a := range []string{"/json", "/history", "/tag"} {
		if strings.HasSuffix(rest, a) {
			name, action = strings.TrimSuffix(rest, a), a[1:]
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	i := e.findImage(name)
	if i < 0 {
		return 0, nil, errorf(404, "No such image: %s", name)
	}
	img := e.images[i]
	switch {
	case action == "json" && r.Method == http.MethodGet:
		return 200, image.InspectResponse{ID: img.ID, RepoTags: img.RepoTags, RepoDigests: img.RepoDigests, Os: "linux", Architecture: "amd64", Size: img.Size}, nil
	case action == "history" && r.Method == http.MethodGet:
		return 200, []image.HistoryResponseItem{{ID: img.ID, Created: img.Created, CreatedBy: "simulated", Size: img.Size}}, nil
	case action == "tag" && r.Method == http.MethodPost:
		q := r.URL.Query()
		ref := q.Get("repo")
		if t := q.Get("tag"); t != "" {
			ref += ":" + t
		}
		ref = normalizeRef(ref)
		cp := img
		cp.RepoTags = append(append([]string(nil), img.RepoTags...), ref)
		e.putImage(cp)
		e.emitLocked(events.ImageEventType, events.ActionTag, img.ID, map[string]string{"name": ref})
		return 201, nil, nil
	case action == "" && r.Method == http.MethodDelete:
		images := make([]image.Summary, 0, len(e.images))
		for _, other := range e.images {
			if other.ID != img.ID {
				images = append(images, other)
			}
		}
		e.images = images
		e.emitLocked(events.ImageEventType, events.ActionDelete, img.ID, map[string]string{"name": name})
		return 200, []image.DeleteResponse{{Untagged: name}, {Deleted: img.ID}}, nil
	}
	return 0, nil, errorf(404, "page not found")
}

// pull answers POST /images/create?fromImage=x&tag=y with a short progress
// stream, then adds the image.
func (e *Engine) pull(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	ref := q.Get("fromImage")
	if ref == "" {
		return errorf(400, "fromImage is required")
	}
	if t := q.Get("tag"); t != "" {
		if strings.HasPrefix(t, "sha256:") {
			ref += "@" + t
		} else {
			ref += ":" + t
		}
	}
	ref = normalizeRef(ref)
	if e.cfg.Pullable != nil {
		ok := false
		for _, p := range e.cfg.Pullable {
			if normalizeRef(p) == ref {
				ok = true
			}
		}
		if !ok {
			repo, _, _ := strings.Cut(ref, ":")
			return errorf(404, "pull access denied for %s, repository does not exist or may require 'docker login'", repo)
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(200)
	enc := json.NewEncoder(w)
	tag := ref[strings.LastIndex(ref, ":")+1:]
	_ = enc.Encode(map[string]string{"status": "Pulling from " + strings.TrimSuffix(ref, ":"+tag), "id": tag})
	_ = enc.Encode(map[string]string{"status": "Digest: sha256:" + hexID("digest/"+ref)})
	_ = enc.Encode(map[string]string{"status": "Status: Downloaded newer image for " + ref})
	e.AddImage(NewImage(ref))
	return nil
}
