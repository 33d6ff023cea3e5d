package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/go-connections/nat"
)

// inspectAnswer is the part of a container inspect answer the cache keeps.
// Decoding into it skips the rest of the answer (most of HostConfig, the
// graph driver, the log and resolv paths, ...), which the manager never
// reads: about half the work and a tenth of the memory of the whole type.
type inspectAnswer struct {
	ID, Name, Image, Path, Created string
	Args, ExecIDs                  []string
	State                          *container.State
	Config                         *inspectConfig
	HostConfig                     *inspectHost
	NetworkSettings                *inspectNet
	Mounts                         []container.MountPoint
}

type inspectConfig struct {
	Image        string
	Labels       map[string]string
	ExposedPorts nat.PortSet
}

type inspectHost struct {
	NetworkMode  container.NetworkMode
	Annotations  map[string]string `json:",omitempty"`
	Memory       int64
	NanoCPUs     int64 `json:"NanoCpus"`
	CPUShares    int64 `json:"CpuShares"`
	PortBindings nat.PortMap
}

type inspectNet struct {
	Networks map[string]*network.EndpointSettings
	Ports    nat.PortMap
}

// maxInspectBody bounds an inspect answer the cache reads (a container
// with labels of many megabytes is refused by the API's body limit; one
// made on the engine directly is still read, up to this).
const maxInspectBody = 256 << 20

// inspect reads one container from the engine, at the negotiated API
// version, into its cached form. A container the engine does not know is
// a not-found error (cerrdefs.IsNotFound).
func (e *Engine) inspect(ctx context.Context, id string) (*Container, error) {
	u := e.URL()
	u.Path = "/v" + e.Client().ClientVersion() + "/containers/" + url.PathEscape(id) + "/json"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	resp, err := (&http.Client{Transport: e.opts.Transport}).Do(req)
	if err != nil {
		return nil, fmt.Errorf("inspect %s: %w", id, err)
	}
	defer resp.Body.Close()
	buf := inspectBufs.Get().(*bytes.Buffer)
	defer putInspectBuf(buf)
	if n := resp.ContentLength; n > 0 && n <= maxInspectBody {
		buf.Grow(int(n))
	}
	if _, err := buf.ReadFrom(io.LimitReader(resp.Body, maxInspectBody)); err != nil {
		return nil, fmt.Errorf("inspect %s: %w", id, err)
	}
	body := buf.Bytes() // decoded into copies below: nothing keeps it
	if resp.StatusCode != http.StatusOK {
		msg := engineMessage(body)
		if resp.StatusCode == http.StatusNotFound {
			return nil, cerrdefs.ErrNotFound.WithMessage(msg)
		}
		return nil, fmt.Errorf("inspect %s: %s: %s", id, resp.Status, msg)
	}
	var in inspectAnswer
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, fmt.Errorf("inspect %s: %w", id, err)
	}
	c := fromInspected(e, &in)
	if c.full != nil {
		var full container.InspectResponse
		if err := json.Unmarshal(body, &full); err != nil {
			return nil, fmt.Errorf("inspect %s: %w", id, err)
		}
		c.full = &full
	}
	if len(body) >= largeObject {
		returnMemorySoon()
	}
	return c, nil
}

// inspectBufs holds the buffers inspect answers are read into: four
// inspects per `docker run`, whose answers io.ReadAll read into a buffer
// grown from 512 bytes, were a tenth of what a run allocated.
var inspectBufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// putInspectBuf returns buf to the pool, unless an unusually large answer
// grew it past 1 MiB: such a buffer is left to the collector.
func putInspectBuf(buf *bytes.Buffer) {
	if buf.Cap() > 1<<20 {
		return
	}
	buf.Reset()
	inspectBufs.Put(buf)
}

// engineMessage is the message of an engine's error answer.
func engineMessage(body []byte) string {
	var m struct{ Message string }
	if json.Unmarshal(body, &m) == nil && m.Message != "" {
		return m.Message
	}
	return strings.TrimSpace(string(bytes.TrimSpace(body)))
}
