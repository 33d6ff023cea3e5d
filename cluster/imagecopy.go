package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/docker/docker/client"
	"github.com/docker/docker/pkg/jsonmessage"

	"github.com/swarm-project/swarm/scheduler/node"
)

// This file moves image content between the client and the engines, and
// between engines: load, import, and copy with save and load. Every load
// goes through loadInto, which streams one tarball to several engines at
// once.

// CopyImage copies image ref from a healthy engine that holds it to engine
// to, with save and load (the image keeps its ID). It is how a container
// built or imported on one node can run on another without a registry.
// It returns a *NotFoundError when no other healthy engine holds ref.
func (c *Cluster) CopyImage(ctx context.Context, ref string, to *Engine) error {
	var from *Engine
	for _, e := range c.HealthyEngines() {
		if e != to && e.HasImage(ref) {
			from = e
			break
		}
	}
	if from == nil {
		return &NotFoundError{Kind: "image", Ref: ref}
	}
	failed, err := copyImage(ctx, ref, from, []*Engine{to}, nil)
	if err != nil {
		return fmt.Errorf("copy %s from %s: %w", ref, from.Name(), err)
	}
	var se *streamError
	switch err := failed[0]; {
	case errors.As(err, &se):
		return Errorf(ErrUnavailable, "copy %s to %s: %s", ref, to.Name(), se.msg)
	case err != nil:
		return fmt.Errorf("copy %s to %s: %w", ref, to.Name(), err)
	}
	return nil
}

// copyImage saves ref on from and loads it into every engine of to at
// once, quietly, handing each target's output to out(target) (out may be
// nil). err is the save's error; failed holds each target's.
func copyImage(ctx context.Context, ref string, from *Engine, to []*Engine, out func(*Engine) io.Writer) (failed []error, err error) {
	save, err := from.Client().ImageSave(ctx, []string{ref})
	if err != nil {
		return nil, EngineError(err)
	}
	defer save.Close()
	return loadInto(ctx, save, to, true, out), nil
}

// LoadImage loads the image tarball read from body into every healthy
// node at once, or into the node nodeRef names (the `node` parameter; ""
// for none). Each node's output messages go, as JSON lines, to out(node).
// The error is for a load that could not start; the results hold each
// node's outcome.
func (c *Cluster) LoadImage(ctx context.Context, body io.Reader, quiet bool, nodeRef string, out func(*Engine) io.Writer) (NodeResults, error) {
	targets, err := c.targets(nodeRef)
	if err != nil {
		return NodeResults{}, err
	}
	return NodeResults{Nodes: targets, Errs: loadInto(ctx, body, targets, quiet, out)}, nil
}

// ImportImage imports an image on one node, the one req.Node names or
// else the one the strategy ranks first, then (unless pinned) copies it to
// every other healthy node with save and load, so that it has the same ID
// everywhere and a container may use it on any node, as after a pull.
// Output messages go, as JSON lines, to out(node). The error is for an
// import that failed before any output.
func (c *Cluster) ImportImage(ctx context.Context, req ImportRequest, out func(*Engine) io.Writer) (ImportResult, error) {
	first, err := c.importTarget(req.Node)
	if err != nil {
		return ImportResult{}, err
	}
	rc, err := first.Client().ImageImport(ctx, req.Source, req.Repo, req.Options)
	if err != nil {
		return ImportResult{}, EngineError(err)
	}
	defer rc.Close()
	res := ImportResult{Node: first}
	w := writerFor(out, first)
	err = relayEach(rc, func(m jsonmessage.JSONMessage) error {
		if strings.HasPrefix(m.Status, "sha256:") {
			res.ID = strings.TrimSpace(m.Status)
		}
		return encodeTo(w, m)
	})
	if err != nil {
		res.Err = &NodeError{Node: first.Name(), Err: err}
		return res, nil
	}
	first.Resync(ctx, "images", first.RefreshImages)
	if req.Node != "" || res.ID == "" {
		return res, nil
	}
	var others []*Engine
	for _, e := range c.HealthyEngines() {
		if e != first {
			others = append(others, e)
		}
	}
	if len(others) == 0 {
		return res, nil
	}
	ref := res.ID
	if req.Repo != "" {
		ref = req.Repo
		if req.Options.Tag != "" {
			ref += ":" + req.Options.Tag
		}
	}
	failed, err := copyImage(ctx, ref, first, others, out)
	if err != nil {
		res.CopyErr = fmt.Errorf("%s: copying %s to the other nodes: %w", first.Name(), ref, err)
		return res, nil
	}
	res.Copies = NodeResults{Nodes: others, Errs: failed}
	return res, nil
}

// importTarget is the node an import goes to: the pinned one, else the one
// the strategy ranks first.
func (c *Cluster) importTarget(nodeRef string) (*Engine, error) {
	if nodeRef != "" {
		return c.Node(nodeRef)
	}
	engines, err := c.SelectEngines(&node.Request{})
	if err != nil {
		return nil, err
	}
	return engines[0], nil
}

// loadInto loads the image tarball read from body into every target at
// once, handing each one's output to out(target) (out may be nil), and
// re-reads each target's images. It returns each target's error.
func loadInto(ctx context.Context, body io.Reader, targets []*Engine, quiet bool, out func(*Engine) io.Writer) []error {
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
				failed[i] = EngineError(err)
				return
			}
			defer resp.Body.Close()
			w := writerFor(out, e)
			failed[i] = relayEach(resp.Body, func(m jsonmessage.JSONMessage) error { return encodeTo(w, m) })
			e.Resync(ctx, "images", e.RefreshImages)
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

// streamError is the error message that ended an engine's JSON message
// stream.
type streamError struct{ msg string }

func (e *streamError) Error() string { return e.msg }

// relayEach decodes an engine's JSON message stream, handing every message
// to fn; it returns the stream's error message as a *streamError, or fn's
// error.
func relayEach(r io.Reader, fn func(jsonmessage.JSONMessage) error) error {
	dec := json.NewDecoder(r)
	for {
		var m jsonmessage.JSONMessage
		if err := dec.Decode(&m); errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return err
		}
		if m.Error != nil {
			return &streamError{msg: m.Error.Message}
		}
		if err := fn(m); err != nil {
			return err
		}
	}
}

// encodeTo writes m to w as a JSON line; a nil w drops it.
func encodeTo(w io.Writer, m jsonmessage.JSONMessage) error {
	if w == nil {
		return nil
	}
	return json.NewEncoder(w).Encode(m)
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
