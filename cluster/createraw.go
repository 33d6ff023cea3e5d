package cluster

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/versions"
)

// createRaw creates a container with fields the manager's types do not
// know (API 1.52 and later): the request is built from the typed parts the
// cluster rewrote (names, labels, networks) plus the unknown fields as the
// client sent them, and posted at the client's version, which the engine
// must serve.
func createRaw(ctx context.Context, e *Engine, name string, cfg *container.Config, hc *container.HostConfig,
	nc *network.NetworkingConfig, req CreateRequest) (container.CreateResponse, error) {
	var out container.CreateResponse
	lo, hi := e.APIRange()
	if hi == "" || versions.LessThan(req.APIVersion, lo) || versions.GreaterThan(req.APIVersion, hi) {
		return out, Errorf(ErrInvalid, "%s: API %s fields; node %s serves API %s to %s, so they cannot reach it: "+
			"leave them out, or place the container on an engine that serves API %s (-e constraint:node==NAME)",
			strings.Join(extraNames(req), ", "), req.APIVersion, e.Name(), lo, hi, req.APIVersion)
	}
	body, err := rawCreateBody(cfg, hc, nc, req)
	if err != nil {
		return out, err
	}
	q := url.Values{}
	if name != "" {
		q.Set("name", name)
	}
	if p := req.Platform; p != nil && p.OS != "" {
		pl := p.OS
		if p.Architecture != "" {
			pl += "/" + p.Architecture
			if p.Variant != "" {
				pl += "/" + p.Variant
			}
		}
		q.Set("platform", pl)
	}
	u := e.URL()
	u.Path = "/v" + req.APIVersion + "/containers/create"
	u.RawQuery = q.Encode()
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return out, err
	}
	hr.Header.Set("Content-Type", "application/json")
	resp, err := (&http.Client{Transport: e.Transport()}).Do(hr)
	if err != nil {
		return out, err
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return out, err
	}
	if resp.StatusCode != http.StatusCreated {
		var msg struct{ Message string }
		_ = json.Unmarshal(answer, &msg)
		if msg.Message == "" {
			msg.Message = strings.TrimSpace(string(answer))
		}
		return out, statusClass(resp.StatusCode, msg.Message)
	}
	if err := json.Unmarshal(answer, &out); err != nil {
		return out, fmt.Errorf("container create on %s: %w", e.Name(), err)
	}
	return out, nil
}

// rawCreateBody merges the client's unknown fields into the typed body.
func rawCreateBody(cfg *container.Config, hc *container.HostConfig, nc *network.NetworkingConfig, req CreateRequest) ([]byte, error) {
	typed, err := json.Marshal(container.CreateRequest{Config: cfg, HostConfig: hc, NetworkingConfig: nc})
	if err != nil {
		return nil, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(typed, &m); err != nil {
		return nil, err
	}
	for k, v := range req.Extra {
		m[k] = v
	}
	if len(req.HostConfigExtra) > 0 {
		h := map[string]json.RawMessage{}
		if raw, ok := m["HostConfig"]; ok && string(raw) != "null" {
			if err := json.Unmarshal(raw, &h); err != nil {
				return nil, err
			}
		}
		for k, v := range req.HostConfigExtra {
			h[k] = v
		}
		if m["HostConfig"], err = json.Marshal(h); err != nil {
			return nil, err
		}
	}
	return json.Marshal(m)
}

// extraNames names a request's unknown fields ("HostConfig.Umask").
func extraNames(req CreateRequest) []string {
	var out []string
	for k := range req.Extra {
		out = append(out, k)
	}
	for k := range req.HostConfigExtra {
		out = append(out, "HostConfig."+k)
	}
	sort.Strings(out)
	return out
}

// statusErr is an engine's error answer to a raw call; it keeps the class
// of the status for the errdefs checks (NotFound, Conflict, ...).
type statusErr struct {
	code int
	msg  string
}

func (e *statusErr) Error() string { return e.msg }

// statusClass gives a raw call's error the errdefs class of its status,
// so that the checks the typed client's errors pass (IsNotFound, ...) see
// it too.
func statusClass(code int, msg string) error {
	e := &statusErr{code: code, msg: msg}
	switch code {
	case http.StatusNotFound:
		return notFoundErr{e}
	case http.StatusConflict:
		return conflictErr{e}
	case http.StatusBadRequest:
		return invalidErr{e}
	case http.StatusServiceUnavailable:
		return unavailableErr{e}
	}
	return e
}

type (
	notFoundErr    struct{ *statusErr }
	conflictErr    struct{ *statusErr }
	invalidErr     struct{ *statusErr }
	unavailableErr struct{ *statusErr }
)

func (notFoundErr) NotFound()        {}
func (conflictErr) Conflict()        {}
func (invalidErr) InvalidParameter() {}
func (unavailableErr) Unavailable()  {}
