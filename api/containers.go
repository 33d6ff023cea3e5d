package api

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/gorilla/mux"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/swarm-project/swarm/cluster/engine"
)

// containerFilters are the `filters` keys GET /containers/json accepts.
var containerFilters = map[string]bool{
	"id": true, "name": true, "label": true, "status": true, "node": true, "annotation": true,
	"ancestor": true, "exited": true, "before": true, "since": true,
	"health": true, "network": true, "volume": true, "is-task": true,
	"publish": true, "expose": true,
}

// listContainers answers GET /containers/json from the cache.
func (s *Server) listContainers(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return errorf(http.StatusBadRequest, err.Error())
	}
	args, err := filters.FromJSON(r.Form.Get("filters"))
	if err != nil {
		return errorf(http.StatusBadRequest, err.Error())
	}
	if err := args.Validate(containerFilters); err != nil {
		return errorf(http.StatusBadRequest, err.Error())
	}
	all := boolValue(r.Form.Get("all"))
	limit := -1
	if v := r.Form.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil {
			return errorf(http.StatusBadRequest, fmt.Sprintf("invalid limit %q", v))
		}
	}
	for _, st := range args.Get("status") {
		if !containerStates[st] {
			return errorf(http.StatusBadRequest, fmt.Sprintf("invalid filter 'status=%s'", st))
		}
	}
	cs := byCreated(s.lister.ContainersOn(args.Get("node")))
	m, err := newContainerMatcher(s.containers, args)
	if err != nil {
		return err
	}
	// As dockerd: these filters look at stopped containers too.
	if limit > 0 || args.Contains("before") || args.Contains("since") || args.Contains("exited") || args.Contains("status") {
		all = true
	}
	now := time.Now()
	client := s.clientVersion(r)
	// The answer is the containers' pre-encoded entries written one after
	// the other as they are matched: nothing is decoded or encoded again,
	// except for an old client that must not see a field of the entry.
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	const chunk = 256 << 10 // entries are written in chunks of about this size
	buf := make([]byte, 0, chunk+8<<10)
	buf = append(buf, '[')
	n := 0
	for _, c := range cs {
		// A container whose node is down is not known to run: only -a
		// lists it, with the status "Host Down".
		if !all && (!c.Running() || c.NodeDown()) {
			continue
		}
		if !m.match(c) {
			continue
		}
		if n > 0 {
			buf = append(buf, ',')
		}
		if c.EntryShaped() && before(client, "1.48") && client != readVersion(c.Engine) {
			b, err := json.Marshal(shapeSummary(c.Summary(now), readVersion(c.Engine), client))
			if err != nil {
				return nil // the status line is out: end the answer
			}
			buf = append(buf, b...)
		} else {
			buf = c.AppendEntry(buf, now)
		}
		if len(buf) >= chunk {
			if _, err := w.Write(buf); err != nil {
				return nil // the client went away
			}
			buf = buf[:0]
		}
		n++
		if limit > 0 && n == limit {
			break
		}
	}
	buf = append(buf, ']', '\n')
	_, _ = w.Write(buf)
	return nil
}

// byCreated sorts containers newest first, as dockerd lists them.
func byCreated(cs []*engine.Container) []*engine.Container {
	type keyed struct {
		t int64
		c *engine.Container
	}
	ks := make([]keyed, len(cs))
	for i, c := range cs {
		ks[i] = keyed{c.Created().UnixNano(), c}
	}
	slices.SortFunc(ks, func(a, b keyed) int { return cmp.Compare(b.t, a.t) })
	for i := range ks {
		cs[i] = ks[i].c
	}
	return cs
}

// containerStates are the values the status filter accepts.
var containerStates = map[string]bool{
	"created": true, "restarting": true, "running": true, "removing": true,
	"paused": true, "exited": true, "dead": true,
}

// taskLabel marks the containers of a swarm-mode task; `is-task` filters on
// its presence.
const taskLabel = "com.docker.swarm.task"

// containerMatcher applies the parsed `filters` of a list call.
type containerMatcher struct {
	args          filters.Args
	before, since time.Time // created-time bounds
	task          *bool     // is-task: keep only tasks (true) or non-tasks (false)
}

func newContainerMatcher(c containerFinder, args filters.Args) (*containerMatcher, error) {
	m := &containerMatcher{args: args}
	if args.Contains("is-task") {
		task, err := isTaskFilter(args)
		if err != nil {
			return nil, err
		}
		m.task = &task
	}
	for _, key := range []string{"before", "since"} {
		for _, ref := range args.Get(key) {
			ct, err := c.Container(ref)
			if err != nil {
				return nil, err
			}
			if key == "before" {
				m.before = ct.Created()
			} else {
				m.since = ct.Created()
			}
		}
	}
	return m, nil
}

func (m *containerMatcher) match(c *engine.Container) bool {
	a := m.args
	if a.Contains("id") && !anyPrefix(a.Get("id"), c.ID()) {
		return false
	}
	if a.Contains("name") && !a.Match("name", c.Name()) && !a.Match("name", c.Engine.Name()+"/"+c.Name()) {
		return false
	}
	if a.Contains("label") && !a.MatchKVList("label", c.Labels()) {
		return false
	}
	if a.Contains("annotation") && !annotationsMatch(a.Get("annotation"), c.Annotations()) {
		return false
	}
	if (a.Contains("status") || a.Contains("exited") || a.Contains("health")) && c.NodeDown() {
		return false // its state is what a node that went down last said
	}
	if a.Contains("status") && !a.ExactMatch("status", c.State()) {
		return false
	}
	if a.Contains("node") && !matchAny(a.Get("node"), c.Engine.Name(), c.Engine.ID(), c.Engine.Addr()) {
		return false
	}
	if a.Contains("ancestor") && !matchAncestor(a.Get("ancestor"), c) {
		return false
	}
	if a.Contains("exited") {
		if c.State() != "exited" || !a.ExactMatch("exited", strconv.Itoa(c.ExitCode())) {
			return false
		}
	}
	if a.Contains("health") {
		h := c.HealthStatus()
		if h == "" {
			h = "none"
		}
		if !a.ExactMatch("health", h) {
			return false
		}
	}
	if a.Contains("network") {
		found := false
		for _, n := range c.Networks() {
			if a.ExactMatch("network", n.Name) || (n.ID != "" && anyPrefix(a.Get("network"), n.ID)) {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	if a.Contains("volume") {
		found := false
		for _, mp := range c.Mounts() {
			if a.ExactMatch("volume", mp.Name) || a.ExactMatch("volume", mp.Destination) {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	if m.task != nil {
		_, labelled := c.Labels()[taskLabel]
		if labelled != *m.task {
			return false
		}
	}
	if !m.before.IsZero() && !c.Created().Before(m.before) {
		return false
	}
	if !m.since.IsZero() && !c.Created().After(m.since) {
		return false
	}
	return true
}

// isTaskFilter reads the is-task filter as dockerd 20.10 does: "true" if
// given, else "false" if given, else 400 "Invalid filter 'is-task=[maybe]'".
func isTaskFilter(args filters.Args) (bool, error) {
	switch {
	case args.ExactMatch("is-task", "true"):
		return true, nil
	case args.ExactMatch("is-task", "false"):
		return false, nil
	}
	values := args.Get("is-task")
	sort.Strings(values)
	return false, errorf(http.StatusBadRequest, fmt.Sprintf("Invalid filter 'is-task=%s'", values))
}

func anyPrefix(prefixes []string, s string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// matchAny matches values against list-filter patterns.
func matchAny(patterns []string, values ...string) bool { return engine.MatchAny(patterns, values...) }

func matchAncestor(refs []string, c *engine.Container) bool {
	for _, ref := range refs {
		if c.Image() != "" && engine.NormalizeImageRef(c.Image()) == engine.NormalizeImageRef(ref) {
			return true
		}
		if img, ok := c.Engine.FindImage(ref); ok && img.ID == c.ImageID() {
			return true
		}
	}
	return false
}

// inspectResponse is a container's inspect answer plus classic Swarm's Node.
type inspectResponse struct {
	container.InspectResponse
	Node *engine.NodeInfo `json:"Node"`
}

// inspectContainer answers GET /containers/{name}/json from the cache
// (or from the engine when sizes are asked for).
func (s *Server) inspectContainer(w http.ResponseWriter, r *http.Request) error {
	ref := mux.Vars(r)["name"]
	c, err := liveContainer(s.containers, ref)
	if err != nil {
		return err
	}
	if boolValue(r.URL.Query().Get("size")) {
		return s.forward(w, r, c.Engine, containerPath(r.URL.Path, ref, c.ID()), nil)
	}
	client := s.clientVersion(r)
	// The cache keeps only what the manager reads: the answer is the
	// engine's, plus the node.
	var info container.InspectResponse
	read := false
	if !c.NodeDown() && c.Engine.Available() == nil {
		if serves(c.Engine, client) {
			// At the client's version, with every field the engine has.
			return s.forward(w, r, c.Engine, containerPath(r.URL.Path, ref, c.ID()), withNode(c.Engine.NodeInfo()))
		}
		// A version the engine does not serve: read at the engine's and
		// shaped for the client, as the cache's answers are.
		fresh, err := c.Engine.Client().ContainerInspect(r.Context(), c.ID())
		info, read = fresh, c.Engine.ObserveCall(err) == nil
	}
	if !read {
		info = c.Info() // the node cannot be asked: what the cache holds
	}
	info = shapeContainer(info, readVersion(c.Engine), client)
	return writeInspect(w, inspectResponse{InspectResponse: info, Node: c.Engine.NodeInfo()}, client)
}

// createContainer places a new container through the scheduler.
func (s *Server) createContainer(w http.ResponseWriter, r *http.Request) error {
	if err := checkJSON(r); err != nil {
		return err
	}
	// The body was limited by limitMiddleware; the limit is checked again
	// for a handler reached without it.
	max := s.opts.Limits.withDefaults().MaxBody
	raw, err := io.ReadAll(io.LimitReader(r.Body, max+1))
	if err != nil {
		return err
	}
	if int64(len(raw)) > max {
		return bodyTooLarge(max)
	}
	var body container.CreateRequest
	if err := json.Unmarshal(raw, &body); err != nil {
		if len(bytes.TrimSpace(raw)) == 0 {
			return errorf(http.StatusBadRequest, "invalid JSON: request body is empty")
		}
		return errorf(http.StatusBadRequest, "invalid JSON: "+err.Error())
	}
	if body.Config == nil {
		body.Config = &container.Config{}
	}
	req := engine.CreateRequest{
		Name:             r.URL.Query().Get("name"),
		Config:           body.Config,
		HostConfig:       body.HostConfig,
		NetworkingConfig: body.NetworkingConfig,
		RegistryAuth:     r.Header.Get("X-Registry-Auth"),
	}
	if p := r.URL.Query().Get("platform"); p != "" {
		req.Platform = parsePlatform(p)
	}
	if v := s.clientVersion(r); newerThanTypes(v) {
		// Fields of API 1.52 and later go through as the client sent them.
		req.Extra, req.HostConfigExtra = unknownCreateFields(raw)
		req.APIVersion = v
	}
	resp, _, err := s.creator.CreateContainer(r.Context(), req)
	if err != nil {
		return err
	}
	if resp.Warnings == nil {
		resp.Warnings = []string{}
	}
	writeJSON(w, http.StatusCreated, resp)
	return nil
}

func parsePlatform(p string) *ocispec.Platform {
	parts := strings.SplitN(p, "/", 3)
	pl := &ocispec.Platform{OS: parts[0]}
	if len(parts) > 1 {
		pl.Architecture = parts[1]
	}
	if len(parts) > 2 {
		pl.Variant = parts[2]
	}
	return pl
}

// containerPath rewrites a request path, without its version, so that it
// names the container by its full ID (the client may have used
// "node-1/web").
func containerPath(p, ref, id string) string {
	p = stripVersion(p)
	prefix := "/containers/" + ref
	if strings.HasPrefix(p, prefix) {
		return "/containers/" + id + p[len(prefix):]
	}
	return p
}

// liveContainer resolves a container reference of a per-container call
// (a full or short ID or swarm ID, a name) and refuses a container whose
// node does not take requests: on an Unhealthy node, "Container <ref>
// running on unhealthy node <node>" (500), as classic Swarm answered,
// rather than stale cached data.
func liveContainer(f containerFinder, ref string) (*engine.Container, error) {
	c, err := f.Container(ref)
	if err != nil {
		return nil, err
	}
	if err := c.Available(ref); err != nil {
		return nil, err
	}
	return c, nil
}

// proxyContainer forwards a container call to the engine that holds the
// container; after, if given, runs on success.
func (s *Server) proxyContainer(after func(resp *http.Response, c *engine.Container) error) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		ref := mux.Vars(r)["name"]
		c, err := liveContainer(s.containers, ref)
		if err != nil {
			return err
		}
		var hook func(*http.Response) error
		if after != nil {
			hook = func(resp *http.Response) error { return after(resp, c) }
		}
		return s.forward(w, r, c.Engine, containerPath(r.URL.Path, ref, c.ID()), hook)
	}
}

// startContainer forwards a start; the re-read after it also stands for
// the start event the engine publishes, which is then applied without a
// read of its own (engine.PromiseStart).
func (s *Server) startContainer(w http.ResponseWriter, r *http.Request) error {
	ref := mux.Vars(r)["name"]
	c, err := liveContainer(s.containers, ref)
	if err != nil {
		return err
	}
	read := s.creator.StartRead(c)
	defer read.Break()
	return s.forward(w, r, c.Engine, containerPath(r.URL.Path, ref, c.ID()), func(resp *http.Response) error {
		read.Read(resp.Request.Context())
		return nil
	})
}

// refreshAfter re-reads the container into the cache once the engine
// answered, so that the next ps or inspect sees the change.
func (s *Server) refreshAfter(resp *http.Response, c *engine.Container) error {
	s.creator.ContainerChanged(resp.Request.Context(), c)
	return nil
}

// refreshBeforeResult makes a wait answer re-read the container before the
// client gets the result: the engine sends the headers at once and the
// result when the container stopped, and a client that inspects right
// after the result must see the container stopped, not wait for the
// engine's die event to reach the cache.
func (s *Server) refreshBeforeResult(resp *http.Response, c *engine.Container) error {
	ctx := context.WithoutCancel(resp.Request.Context())
	resp.Body = &beforeFirstByte{ReadCloser: resp.Body, fn: func() { s.creator.ContainerChanged(ctx, c) }}
	return nil
}

// beforeFirstByte reads the whole answer at the first Read, runs fn, then
// hands the answer out: for small answers that come late (a wait result).
type beforeFirstByte struct {
	io.ReadCloser
	fn   func()
	done bool
	buf  *bytes.Reader
	err  error
}

func (b *beforeFirstByte) Read(p []byte) (int, error) {
	if !b.done {
		b.done = true
		data, err := io.ReadAll(io.LimitReader(b.ReadCloser, maxTranslatedBody))
		b.buf, b.err = bytes.NewReader(data), err
		b.fn()
	}
	if b.buf.Len() > 0 {
		return b.buf.Read(p)
	}
	if b.err != nil {
		return 0, b.err
	}
	return 0, io.EOF
}

// rememberExec notes which engine holds a new exec instance.
func (s *Server) rememberExec(resp *http.Response, c *engine.Container) error {
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	var created struct {
		ID string `json:"Id"`
	}
	if json.Unmarshal(body, &created) == nil && created.ID != "" {
		s.execs.RememberExec(created.ID, c.Engine)
	}
	return nil
}

// renameContainer refuses a name used anywhere in the cluster, then
// forwards the rename.
func (s *Server) renameContainer(w http.ResponseWriter, r *http.Request) error {
	if newName := strings.TrimPrefix(r.URL.Query().Get("name"), "/"); newName != "" {
		if err := s.creator.NameAvailable(newName); err != nil {
			return err
		}
	}
	return s.proxyContainer(s.refreshAfter)(w, r)
}

// proxyExec forwards an exec call to the engine holding the exec instance.
func (s *Server) proxyExec(w http.ResponseWriter, r *http.Request) error {
	id := mux.Vars(r)["id"]
	e, err := s.execs.ExecEngine(id)
	if err != nil {
		return err
	}
	return s.forward(w, r, e, stripVersion(r.URL.Path), nil)
}

func boolValue(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "", "0", "no", "false", "none":
		return false
	}
	return true
}
