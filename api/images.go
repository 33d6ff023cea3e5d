package api

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/distribution/reference"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/pkg/jsonmessage"
	"github.com/gorilla/mux"

	"github.com/swarm-project/swarm/cluster/engine"
)

var imageFilters = map[string]bool{
	"node": true, "reference": true, "dangling": true, "label": true, "before": true, "since": true,
}

// imageRoutes are the /images routes.
func (s *Server) imageRoutes() []route {
	return []route{
		{"GET", "/images/json", s.listImages},
		{"POST", "/images/create", s.pullImage},
		{"POST", "/images/load", s.loadImages},
		{"POST", "/images/prune", s.pruneImages},
		{"GET", "/images/search", s.forwardAny},
		{"GET", "/images/get", s.saveImages},
		{"GET", "/images/{name:.*}/get", s.saveImages},
		{"GET", "/images/{name:.*}/json", s.proxyImage},
		{"GET", "/images/{name:.*}/history", s.proxyImage},
		{"POST", "/images/{name:.*}/push", s.pushImage},
		{"POST", "/images/{name:.*}/tag", s.tagImage},
		{"DELETE", "/images/{name:.*}", s.removeImage},
	}
}

// listImages answers GET /images/json from the caches: one entry per image
// ID, its tags merged over the nodes that hold it.
func (s *Server) listImages(w http.ResponseWriter, r *http.Request) error {
	args, err := filters.FromJSON(r.URL.Query().Get("filters"))
	if err != nil {
		return errorf(http.StatusBadRequest, err.Error())
	}
	if err := args.Validate(imageFilters); err != nil {
		return errorf(http.StatusBadRequest, err.Error())
	}
	before, since, err := s.imageBounds(args)
	if err != nil {
		return err
	}
	all := boolValue(r.URL.Query().Get("all"))
	merged := map[string]*image.Summary{}
	for _, e := range s.images.Engines() {
		if args.Contains("node") && !matchAny(args.Get("node"), e.Name(), e.ID(), e.Addr()) {
			continue
		}
		imgs := e.Images()
		var parents map[string]bool
		if !all {
			parents = parentIDs(imgs)
		}
		for _, img := range imgs {
			if !all && parents[img.ID] && untagged(img) {
				continue // an intermediate image: listed with all=1 only
			}
			if !matchImage(args, img) || (before != 0 && img.Created >= before) || (since != 0 && img.Created <= since) {
				continue
			}
			if args.Contains("reference") {
				img.RepoTags = referencedTags(args, img.RepoTags)
			}
			m, ok := merged[img.ID]
			if !ok {
				cp := img
				cp.RepoTags = append([]string(nil), img.RepoTags...)
				cp.RepoDigests = append([]string(nil), img.RepoDigests...)
				merged[img.ID] = &cp
				continue
			}
			m.RepoTags = engine.Union(m.RepoTags, img.RepoTags)
			m.RepoDigests = engine.Union(m.RepoDigests, img.RepoDigests)
			if m.Containers >= 0 && img.Containers > 0 {
				m.Containers += img.Containers
			}
		}
	}
	client := s.clientVersion(r)
	out := make([]image.Summary, 0, len(merged))
	for _, m := range merged {
		// Untagged on one node, tagged on another: the tags only.
		m.RepoTags = withoutPlaceholder(m.RepoTags, noneTag)
		m.RepoDigests = withoutPlaceholder(m.RepoDigests, noneDigest)
		if m.RepoTags == nil {
			m.RepoTags = []string{}
		}
		if m.RepoDigests == nil {
			m.RepoDigests = []string{}
		}
		out = append(out, shapeImage(*m, client))
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Created != out[j].Created {
			return out[i].Created > out[j].Created
		}
		return out[i].ID < out[j].ID
	})
	writeJSON(w, http.StatusOK, out)
	return nil
}

// The placeholders dockerd lists for an image with no tag or no digest.
const (
	noneTag    = "<none>:<none>"
	noneDigest = "<none>@<none>"
)

// parentIDs returns the IDs of the images that are the parent of another
// in imgs (one engine's list, taken with all=1).
func parentIDs(imgs []image.Summary) map[string]bool {
	out := map[string]bool{}
	for _, img := range imgs {
		if img.ParentID != "" {
			out[img.ParentID] = true
		}
	}
	return out
}

// untagged reports whether img has neither a tag nor a digest.
func untagged(img image.Summary) bool {
	for _, t := range img.RepoTags {
		if t != noneTag {
			return false
		}
	}
	for _, d := range img.RepoDigests {
		if d != noneDigest {
			return false
		}
	}
	return true
}

// withoutPlaceholder drops placeholder from list when list holds anything
// else.
func withoutPlaceholder(list []string, placeholder string) []string {
	if len(list) < 2 || !slices.Contains(list, placeholder) {
		return list
	}
	out := make([]string, 0, len(list)-1)
	for _, s := range list {
		if s != placeholder {
			out = append(out, s)
		}
	}
	return out
}

// imageBounds reads the `before` and `since` filters: the creation times
// of the images they name (0 when absent).
func (s *Server) imageBounds(args filters.Args) (before, since int64, err error) {
	for _, key := range []string{"before", "since"} {
		for _, ref := range args.Get(key) {
			var created int64
			found := false
			for _, e := range s.images.Engines() {
				if img, ok := e.FindImage(ref); ok {
					created, found = img.Created, true
					break
				}
			}
			if !found {
				return 0, 0, &engine.NotFoundError{Kind: "image", Ref: ref}
			}
			if key == "before" {
				before = created
			} else {
				since = created
			}
		}
	}
	return before, since, nil
}

func matchImage(args filters.Args, img image.Summary) bool {
	if args.Contains("dangling") {
		dangling := len(img.RepoTags) == 0 || (len(img.RepoTags) == 1 && img.RepoTags[0] == noneTag)
		if args.ExactMatch("dangling", "true") != dangling {
			return false
		}
	}
	if args.Contains("label") && !args.MatchKVList("label", img.Labels) {
		return false
	}
	if args.Contains("reference") && len(referencedTags(args, img.RepoTags)) == 0 {
		return false
	}
	return true
}

// referencedTags returns the tags the `reference` filter matches; Docker
// lists only those for an image it matched by reference.
func referencedTags(args filters.Args, tags []string) []string {
	var out []string
	for _, t := range tags {
		repo := t
		if i := strings.LastIndex(t, ":"); i > strings.LastIndex(t, "/") {
			repo = t[:i]
		}
		if matchAny(args.Get("reference"), t, repo) {
			out = append(out, t)
		}
	}
	return out
}

// imageStore is what the image handlers need of the cluster: its cached
// images, the node that answers for an image, and the changes that go to
// every node holding or pulling one.
type imageStore interface {
	Engines() []*engine.Engine
	ImageHolder(ref string) (*engine.Engine, error)
	PullImage(ctx context.Context, ref, registryAuth, nodeRef string, out func(*engine.Engine) io.Writer) (engine.NodeResults, error)
	TagImage(ctx context.Context, ref, target string) error
	RemoveImage(ctx context.Context, ref string, opts image.RemoveOptions) ([]image.DeleteResponse, error)
	PruneImages(ctx context.Context, args filters.Args) (image.PruneReport, error)
}

// proxyImage forwards inspect and history to a node holding the image.
func (s *Server) proxyImage(w http.ResponseWriter, r *http.Request) error {
	e, err := s.images.ImageHolder(mux.Vars(r)["name"])
	if err != nil {
		return err
	}
	return s.forward(w, r, e, stripVersion(r.URL.Path), nil)
}

// tagImage tags the image on every node that holds it.
func (s *Server) tagImage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	target := q.Get("repo")
	if t := q.Get("tag"); t != "" {
		target += ":" + t
	}
	if err := s.images.TagImage(r.Context(), mux.Vars(r)["name"], target); err != nil {
		return err
	}
	w.WriteHeader(http.StatusCreated)
	return nil
}

// removeImage removes the image from every node that holds it.
func (s *Server) removeImage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	opts := image.RemoveOptions{Force: boolValue(q.Get("force")), PruneChildren: !boolValue(q.Get("noprune"))}
	out, err := s.images.RemoveImage(r.Context(), mux.Vars(r)["name"], opts)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// pullImage pulls on every healthy node (or the one the `node` parameter
// names), merging the progress streams: each node's lines carry its name.
func (s *Server) pullImage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if q.Get("fromSrc") != "" {
		return s.importImage(w, r)
	}
	ref := q.Get("fromImage")
	if ref == "" {
		return errorf(http.StatusBadRequest, "fromImage is required")
	}
	if tag := q.Get("tag"); tag != "" {
		if strings.HasPrefix(tag, "sha256:") {
			ref += "@" + tag
		} else {
			ref += ":" + tag
		}
	}
	// As dockerd: a reference that does not parse is the client's error,
	// refused before any engine is asked.
	if _, err := reference.ParseNormalizedNamed(ref); err != nil {
		return errorf(http.StatusBadRequest, err.Error())
	}
	pw := &progressWriter{w: w}
	res, err := s.images.PullImage(r.Context(), ref, r.Header.Get("X-Registry-Auth"), q.Get("node"), pw.writerFor)
	if err != nil {
		return err
	}
	if !pw.hasStarted() {
		// Nothing streamed yet: an error can still have its own status,
		// as when the engine refuses a pull before it starts.
		if err := res.Err(); err != nil {
			return err
		}
	}
	reportFailures(pw, res)
	return nil
}

// progressWriter serializes the JSON progress messages of several nodes.
// The 200 header goes out with the first message, so that a call that
// fails on every node before any output answers with the error's status.
type progressWriter struct {
	mu      sync.Mutex // guards w and started
	w       http.ResponseWriter
	started bool
}

func (p *progressWriter) hasStarted() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.started
}

func (p *progressWriter) write(m jsonmessage.JSONMessage) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.started {
		p.started = true
		p.w.Header().Set("Content-Type", "application/json")
		p.w.WriteHeader(http.StatusOK)
	}
	_ = json.NewEncoder(p.w).Encode(m)
	if f, ok := p.w.(http.Flusher); ok {
		f.Flush()
	}
}

// writerFor is the writer for node e's JSON lines: its messages, tagged
// with its name.
func (p *progressWriter) writerFor(e *engine.Engine) io.Writer { return p.forNode(e.Name()) }

// forNode returns a writer that tags each message with the node's name.
func (p *progressWriter) forNode(name string) *nodeProgress {
	return &nodeProgress{p: p, node: name}
}

type nodeProgress struct {
	p    *progressWriter
	node string
	buf  []byte
}

// Write receives the node's JSON lines from the engine.
func (n *nodeProgress) Write(b []byte) (int, error) {
	n.buf = append(n.buf, b...)
	for {
		i := strings.IndexByte(string(n.buf), '\n')
		if i < 0 {
			return len(b), nil
		}
		line := n.buf[:i]
		n.buf = n.buf[i+1:]
		var m jsonmessage.JSONMessage
		if json.Unmarshal(line, &m) != nil {
			continue
		}
		n.relay(m)
	}
}

// relay writes one message of the node's stream, tagged with the node.
func (n *nodeProgress) relay(m jsonmessage.JSONMessage) {
	switch {
	case m.ID != "":
		m.ID = n.node + ": " + m.ID
	case m.Stream != "":
		m.Stream = n.node + ": " + m.Stream
	default:
		m.Status = n.node + ": " + m.Status
	}
	n.p.write(m)
}
