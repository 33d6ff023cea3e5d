package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"
	"github.com/docker/docker/pkg/jsonmessage"
	"github.com/gorilla/mux"

	"github.com/swarm-project/swarm/cluster"
	"github.com/swarm-project/swarm/scheduler/node"
)

// This file holds the image calls that move image content in or out of
// the cluster: save, load, import, push, and prune.

// saveImages forwards GET /images/{name}/get and GET /images/get?names=...
// to a node that holds every image asked for.
func (s *Server) saveImages(w http.ResponseWriter, r *http.Request) error {
	names := r.URL.Query()["names"]
	if n := mux.Vars(r)["name"]; n != "" {
		names = []string{n}
	}
	if len(names) == 0 {
		return errorf(http.StatusBadRequest, "no images named: give at least one image")
	}
	for _, e := range s.cluster.HealthyEngines() {
		all := true
		for _, n := range names {
			if !e.HasImage(n) {
				all = false
				break
			}
		}
		if all {
			return s.forward(w, r, e, versionedPath(r, "/v"+APIVersion+stripVersion(r.URL.Path)), nil)
		}
	}
	for _, n := range names {
		if len(s.enginesWithImage(n)) == 0 {
			return &cluster.NotFoundError{Kind: "image", Ref: n}
		}
	}
	return errorf(http.StatusNotFound, fmt.Sprintf("no single node holds all of %s: save them one by one", strings.Join(names, ", ")))
}

// pushImage forwards a push to a node that holds the image; the client's
// X-Registry-Auth goes along.
func (s *Server) pushImage(w http.ResponseWriter, r *http.Request) error {
	name := mux.Vars(r)["name"]
	ref := name
	if tag := r.URL.Query().Get("tag"); tag != "" {
		ref = name + ":" + tag
	}
	engines := s.enginesWithImage(ref)
	if len(engines) == 0 {
		engines = s.enginesWithImage(name) // "push all tags"
	}
	if len(engines) == 0 {
		return &cluster.NotFoundError{Kind: "image", Ref: ref}
	}
	return s.forward(w, r, engines[0], versionedPath(r, "/v"+APIVersion+stripVersion(r.URL.Path)), nil)
}

// pruneImages prunes every healthy node (those the `node` filter names)
// and merges the reports.
func (s *Server) pruneImages(w http.ResponseWriter, r *http.Request) error {
	engines, args, err := s.pruneTargets(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	out := image.PruneReport{ImagesDeleted: []image.DeleteResponse{}}
	for _, e := range engines {
		rep, err := e.Client().ImagesPrune(ctx, args)
		if err != nil {
			return nodeError(e, err, len(engines) > 1)
		}
		out.ImagesDeleted = append(out.ImagesDeleted, rep.ImagesDeleted...)
		out.SpaceReclaimed += rep.SpaceReclaimed
		_ = e.RefreshImages(ctx)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// nodeParam reads the manager's own `node` query parameter, which pins a
// load or an import to one node. "" means none.
func (s *Server) nodeParam(r *http.Request) ([]*cluster.Engine, error) {
	ref := r.URL.Query().Get("node")
	if ref == "" {
		return nil, nil
	}
	e, err := s.cluster.Engine(ref)
	if err != nil {
		return nil, err
	}
	if !e.IsHealthy() {
		return nil, errorf(http.StatusServiceUnavailable, fmt.Sprintf("node %s (%s) is %s", e.Name(), e.Addr(), e.Health()))
	}
	return []*cluster.Engine{e}, nil
}

// loadImages streams the tarball of POST /images/load to every healthy
// node at once (or to the node the `node` parameter names), merging their
// output. It fails only when every node failed; each failing node is
// reported on its own line.
func (s *Server) loadImages(w http.ResponseWriter, r *http.Request) error {
	targets, err := s.nodeParam(r)
	if err != nil {
		return err
	}
	if targets == nil {
		if targets, err = s.healthyEngines(); err != nil {
			return err
		}
	}
	quiet := boolValue(r.URL.Query().Get("quiet"))
	pw := &progressWriter{w: w}
	failed := loadInto(r.Context(), r.Body, targets, quiet, pw)
	if !pw.hasStarted() {
		if err := allFailed(targets, failed); err != nil {
			return err
		}
	}
	reportFailures(pw, targets, failed)
	return nil
}

// loadInto loads the image tarball read from body into every target at
// once, relaying their output; it returns each target's error.
func loadInto(ctx context.Context, body io.Reader, targets []*cluster.Engine, quiet bool, pw *progressWriter) []error {
	readers, copyDone := fanOut(body, len(targets))
	failed := make([]error, len(targets))
	var wg sync.WaitGroup
	for i, e := range targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer readers[i].Close()
			resp, err := e.Client().ImageLoad(ctx, readers[i], client.ImageLoadWithQuiet(quiet))
			if err != nil {
				failed[i] = cluster.EngineError(err)
				return
			}
			defer resp.Body.Close()
			failed[i] = relay(resp.Body, pw.forNode(e.Name()))
			if err := e.RefreshImages(ctx); err != nil && failed[i] == nil {
				failed[i] = err
			}
		}()
	}
	wg.Wait()
	if err := <-copyDone; err != nil {
		for i := range failed {
			if failed[i] == nil {
				failed[i] = err
			}
		}
	}
	return failed
}

// importImage answers POST /images/create?fromSrc=... (docker import). The
// image is imported on one node, the one the `node` parameter names or
// else the one the strategy ranks first, then copied to every other
// healthy node with save and load, so that it has the same ID everywhere
// and a container may use it on any node, as after a pull.
func (s *Server) importImage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	pinned, err := s.nodeParam(r)
	if err != nil {
		return err
	}
	var first *cluster.Engine
	if pinned != nil {
		first = pinned[0]
	} else {
		engines, err := s.cluster.SelectEngines(&node.Request{})
		if err != nil {
			return err
		}
		first = engines[0]
	}
	src := q.Get("fromSrc")
	source := image.ImportSource{SourceName: src}
	if src == "-" {
		source.Source = r.Body
	}
	repo, tag := q.Get("repo"), q.Get("tag")
	opts := image.ImportOptions{Tag: tag, Message: q.Get("message"), Changes: q["changes"], Platform: q.Get("platform")}
	ctx := r.Context()
	rc, err := first.Client().ImageImport(ctx, source, repo, opts)
	if err != nil {
		return cluster.EngineError(err)
	}
	defer rc.Close()

	pw := &progressWriter{w: w}
	np := pw.forNode(first.Name())
	var id string
	err = relayEach(rc, func(m jsonmessage.JSONMessage) {
		if strings.HasPrefix(m.Status, "sha256:") {
			id = strings.TrimSpace(m.Status)
		}
		np.relay(m)
	})
	if err != nil {
		pw.fail(first.Name() + ": " + err.Error())
		return nil
	}
	_ = first.RefreshImages(ctx)
	if pinned != nil || id == "" {
		return nil
	}
	var others []*cluster.Engine
	for _, e := range s.cluster.HealthyEngines() {
		if e != first {
			others = append(others, e)
		}
	}
	if len(others) == 0 {
		return nil
	}
	ref := id
	if repo != "" {
		ref = repo
		if tag != "" {
			ref += ":" + tag
		}
	}
	save, err := first.Client().ImageSave(ctx, []string{ref})
	if err != nil {
		pw.fail(fmt.Sprintf("%s: copying %s to the other nodes: %v", first.Name(), ref, cluster.EngineError(err)))
		return nil
	}
	defer save.Close()
	failed := loadInto(ctx, save, others, true, pw)
	var errs []string
	for i, err := range failed {
		if err != nil {
			errs = append(errs, others[i].Name()+": "+err.Error())
		}
	}
	if len(errs) > 0 {
		pw.write(jsonmessage.JSONMessage{Status: "not copied to " + strings.Join(errs, "; ")})
	}
	return nil
}

// relay copies a node's JSON message stream to np; an error message in
// the stream ends it and is returned.
func relay(rc io.Reader, np *nodeProgress) error {
	return relayEach(rc, np.relay)
}

// relayEach decodes a JSON message stream, handing every message to fn,
// and returns the stream's error message as an error.
func relayEach(rc io.Reader, fn func(jsonmessage.JSONMessage)) error {
	dec := json.NewDecoder(rc)
	for {
		var m jsonmessage.JSONMessage
		if err := dec.Decode(&m); errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return err
		}
		if m.Error != nil {
			return errors.New(m.Error.Message)
		}
		fn(m)
	}
}

// reportFailures writes one line per failed node, and a final error when
// every node failed (the docker CLI then exits non-zero).
func reportFailures(pw *progressWriter, targets []*cluster.Engine, failed []error) {
	var errs []string
	for i, err := range failed {
		if err != nil {
			msg := targets[i].Name() + ": " + err.Error()
			errs = append(errs, msg)
			pw.write(jsonmessage.JSONMessage{Status: msg})
		}
	}
	if len(errs) == len(targets) && len(errs) > 0 {
		pw.fail(strings.Join(errs, "; "))
	}
}

// fail writes an error message, which ends the docker CLI's output with
// that error.
func (p *progressWriter) fail(msg string) {
	p.write(jsonmessage.JSONMessage{Error: &jsonmessage.JSONError{Message: msg}, ErrorMessage: msg})
}

// fanOut returns n readers that each see everything read from src. The
// copy runs in its own goroutine until src ends or every reader is
// closed; its error (nil at a clean end of src) arrives on done. A reader
// closed early drops out without stalling the others, so each reader must
// be read to the end or closed.
func fanOut(src io.Reader, n int) ([]*io.PipeReader, <-chan error) {
	readers := make([]*io.PipeReader, n)
	writers := make([]*io.PipeWriter, n)
	for i := range readers {
		readers[i], writers[i] = io.Pipe()
	}
	done := make(chan error, 1)
	go func() {
		f := &fanWriter{ws: writers, dead: make([]bool, n)}
		_, err := io.Copy(f, src)
		for _, pw := range writers {
			_ = pw.CloseWithError(err) // nil err: readers see io.EOF
		}
		if errors.Is(err, errAllReadersGone) {
			err = nil
		}
		done <- err
	}()
	return readers, done
}

var errAllReadersGone = errors.New("every reader is gone")

// fanWriter writes to every live pipe; a pipe whose reader was closed is
// dropped.
type fanWriter struct {
	ws   []*io.PipeWriter
	dead []bool
}

func (f *fanWriter) Write(p []byte) (int, error) {
	alive := 0
	for i, w := range f.ws {
		if f.dead[i] {
			continue
		}
		if _, err := w.Write(p); err != nil {
			f.dead[i] = true
			continue
		}
		alive++
	}
	if alive == 0 {
		return 0, errAllReadersGone
	}
	return len(p), nil
}

// refreshImagesAfter makes the proxied response refresh e's images once
// its body has been copied to the client, so that a build or commit shows
// in the next `docker images`.
func refreshImagesAfter(resp *http.Response, e *cluster.Engine) {
	ctx := context.WithoutCancel(resp.Request.Context())
	resp.Body = &afterClose{ReadCloser: resp.Body, fn: func() {
		if err := e.RefreshImages(ctx); err != nil {
			e.Kick()
		}
	}}
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
