package api

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/pkg/jsonmessage"
	"github.com/gorilla/mux"

	"github.com/swarm-project/swarm/cluster/engine"
)

// This file holds the image calls that move image content in or out of
// the cluster: save, load, import, push, and prune.

// imageMover is what the calls that move image content need of the
// cluster: the node a save or push goes to, and the loads and imports it
// spreads over the nodes.
type imageMover interface {
	SaveSource(names []string) (*engine.Engine, error)
	PushSource(name, tag string) (*engine.Engine, error)
	LoadImage(ctx context.Context, body io.Reader, quiet bool, nodeRef string, out func(*engine.Engine) io.Writer) (engine.NodeResults, error)
	ImportImage(ctx context.Context, req engine.ImportRequest, out func(*engine.Engine) io.Writer) (engine.ImportResult, error)
}

// saveImages forwards GET /images/{name}/get and GET /images/get?names=...
// to a node that holds every image asked for.
func (s *Server) saveImages(w http.ResponseWriter, r *http.Request) error {
	names := r.URL.Query()["names"]
	if n := mux.Vars(r)["name"]; n != "" {
		names = []string{n}
	}
	e, err := s.mover.SaveSource(names)
	if err != nil {
		return err
	}
	return s.forward(w, r, e, stripVersion(r.URL.Path), nil)
}

// pushImage forwards a push to a node that holds the image; the client's
// X-Registry-Auth goes along.
func (s *Server) pushImage(w http.ResponseWriter, r *http.Request) error {
	e, err := s.mover.PushSource(mux.Vars(r)["name"], r.URL.Query().Get("tag"))
	if err != nil {
		return err
	}
	return s.forward(w, r, e, stripVersion(r.URL.Path), nil)
}

// pruneImages prunes every healthy node (those the `node` filter names)
// and merges the reports.
func (s *Server) pruneImages(w http.ResponseWriter, r *http.Request) error {
	args, err := filters.FromJSON(r.URL.Query().Get("filters"))
	if err != nil {
		return errorf(http.StatusBadRequest, err.Error())
	}
	out, err := s.images.PruneImages(r.Context(), args)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// loadImages streams the tarball of POST /images/load to every healthy
// node at once (or to the node the `node` parameter names), merging their
// output. It fails only when every node failed; each failing node is
// reported on its own line.
func (s *Server) loadImages(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	pw := &progressWriter{w: w}
	res, err := s.mover.LoadImage(r.Context(), r.Body, boolValue(q.Get("quiet")), q.Get("node"), pw.writerFor)
	if err != nil {
		return err
	}
	if !pw.hasStarted() {
		if err := res.Err(); err != nil {
			return err
		}
	}
	reportFailures(pw, res)
	return nil
}

// importImage answers POST /images/create?fromSrc=... (docker import). The
// image is imported on one node, the one the `node` parameter names or
// else the one the strategy ranks first, then copied to every other
// healthy node, so that it has the same ID everywhere.
func (s *Server) importImage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	src := q.Get("fromSrc")
	req := engine.ImportRequest{
		Source:  image.ImportSource{SourceName: src},
		Repo:    q.Get("repo"),
		Options: image.ImportOptions{Tag: q.Get("tag"), Message: q.Get("message"), Changes: q["changes"], Platform: q.Get("platform")},
		Node:    q.Get("node"),
	}
	if src == "-" {
		req.Source.Source = r.Body
	}
	pw := &progressWriter{w: w}
	res, err := s.mover.ImportImage(r.Context(), req, pw.writerFor)
	if err != nil {
		return err
	}
	switch {
	case res.Err != nil:
		pw.fail(res.Err.Error())
	case res.CopyErr != nil:
		pw.fail(res.CopyErr.Error())
	default:
		if errs := nodeFailures(res.Copies); len(errs) > 0 {
			pw.write(jsonmessage.JSONMessage{Status: "not copied to " + strings.Join(errs, "; ")})
		}
	}
	return nil
}

// nodeFailures renders each failed node's error as "node: message".
func nodeFailures(res engine.NodeResults) []string {
	var errs []string
	for i, err := range res.Errs {
		if err != nil {
			errs = append(errs, res.Nodes[i].Name()+": "+err.Error())
		}
	}
	return errs
}

// reportFailures writes one line per failed node, and a final error when
// every node failed (the docker CLI then exits non-zero).
func reportFailures(pw *progressWriter, res engine.NodeResults) {
	errs := nodeFailures(res)
	for _, msg := range errs {
		pw.write(jsonmessage.JSONMessage{Status: msg})
	}
	if len(errs) == len(res.Nodes) && len(errs) > 0 {
		pw.fail(strings.Join(errs, "; "))
	}
}

// fail writes an error message, which ends the docker CLI's output with
// that error.
func (p *progressWriter) fail(msg string) {
	p.write(jsonmessage.JSONMessage{Error: &jsonmessage.JSONError{Message: msg}, ErrorMessage: msg})
}

// refreshImagesAfter makes the proxied response re-read e's images once
// its body has been copied to the client, so that a build or commit shows
// in the next `docker images`.
func refreshImagesAfter(resp *http.Response, e *engine.Engine) {
	ctx := context.WithoutCancel(resp.Request.Context())
	resp.Body = &afterClose{ReadCloser: resp.Body, fn: func() { e.ImagesChanged(ctx) }}
}

// afterClose runs fn once, when the body is closed.
type afterClose struct {
	io.ReadCloser
	once sync.Once
	fn   func()
}

func (a *afterClose) Close() error {
	err := a.ReadCloser.Close()
	a.once.Do(a.fn)
	return err
}
