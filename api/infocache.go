package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"strings"
	"sync"
	"time"

	"github.com/docker/docker/api/types"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/go-units"

	"github.com/swarm-project/swarm/cluster/engine"
)

// This file keeps `docker info`'s per-node sections encoded. A node's
// SystemStatus rows and its share of the cluster totals are rendered and
// JSON-encoded when something they show changed, and an answer is the
// encoded top of the Info object with every node's rows spliced into its
// SystemStatus array: at 10,000 engines, an answer costs a walk over the
// engines comparing keys, not a walk over 300,000 containers and the
// encoding of 120,000 rows.

// infoNode is what a node section reads of an engine (*engine.Engine).
type infoNode interface {
	// Generation moves on every change of the engine's cache and health.
	Generation() uint64
	Addr() string
	Name() string
	ID() string
	Health() engine.Health
	LastError() string
	// UpdatedAt may move without the generation.
	UpdatedAt() time.Time
	Version() types.Version
	Usage() engine.Usage
	Images() []image.Summary
	Labels() map[string]string
}

// sectionKey is everything a node section shows, apart from what the
// engine's generation covers (its containers, images, engine labels, CPUs
// and memory): the section is current while its key is unchanged.
type sectionKey struct {
	gen          uint64
	name, id     string
	health       engine.Health
	lastErr      string
	updatedAt    time.Time
	version      string
	availability engine.Availability
	labels       map[string]string // the manager-side labels (a copy)
}

// readKey reads n's key. The generation is read first: a section built
// after it shows this generation or a newer one, and a newer one moves
// the generation again, so the next answer builds the section again.
func readKey(n infoNode, meta *engine.NodeMeta) sectionKey {
	return sectionKey{
		gen:          n.Generation(),
		name:         n.Name(),
		id:           n.ID(),
		health:       n.Health(),
		lastErr:      n.LastError(),
		updatedAt:    n.UpdatedAt(),
		version:      n.Version().Version,
		availability: meta.Spec.Availability,
		labels:       meta.Spec.Labels,
	}
}

func (k sectionKey) equal(o sectionKey) bool {
	return k.gen == o.gen && k.name == o.name && k.id == o.id && k.health == o.health &&
		k.lastErr == o.lastErr && k.updatedAt.Equal(o.updatedAt) && k.version == o.version &&
		k.availability == o.availability && maps.Equal(k.labels, o.labels)
}

// infoTotals is a node's share of the cluster totals of `docker info`.
type infoTotals struct {
	containers, running, paused, stopped int
	ncpu                                 int
	memory                               int64
	images                               int // distinct image IDs on the node
}

func (t *infoTotals) add(o infoTotals) {
	t.containers += o.containers
	t.running += o.running
	t.paused += o.paused
	t.stopped += o.stopped
	t.ncpu += o.ncpu
	t.memory += o.memory
	t.images += o.images
}

// infoSection is one node's part of the answer. It is never changed once
// built (a change builds a new one), so an answer may write it after the
// cache's lock is released.
type infoSection struct {
	key    sectionKey
	totals infoTotals
	// rows are the node's SystemStatus rows encoded as JSON array
	// elements, each preceded by a comma: `,["  └ ID","..."],...`.
	rows []byte
}

// nodeRows renders n's SystemStatus rows as classic Swarm did, from the
// values of key and n's usage; labels are n's engine labels.
func nodeRows(n infoNode, key sectionKey, u engine.Usage, labels map[string]string) [][2]string {
	errMsg := key.lastErr
	if errMsg == "" {
		errMsg = "(none)"
	}
	updated := "never"
	if t := key.updatedAt; !t.IsZero() {
		updated = t.UTC().Format(time.RFC3339)
	}
	rows := [][2]string{
		{" " + key.name, n.Addr()},
		{"  └ ID", key.id},
		{"  └ Status", key.health.String()},
	}
	// A node that takes no new containers says so (nodes.go); an active
	// node's block is classic Swarm's.
	if a := key.availability; a != "" && a != engine.AvailabilityActive {
		rows = append(rows, [2]string{"  └ Availability", string(a)})
	}
	// The manager-side labels over the engine's, as constraints see them
	// (nodeLabels).
	for k, v := range key.labels {
		labels[k] = v
	}
	return append(rows,
		[2]string{"  └ Containers", fmt.Sprintf("%d (%d Running, %d Paused, %d Stopped)", u.Containers, u.Running, u.Paused, u.Stopped)},
		[2]string{"  └ Reserved CPUs", cpus(u.ReservedCPUs) + " / " + cpus(u.TotalCPUs)},
		[2]string{"  └ Reserved Memory", units.BytesSize(float64(u.ReservedMemory)) + " / " + units.BytesSize(float64(u.TotalMemory))},
		[2]string{"  └ Labels", strings.Join(engine.SortedLabels(labels), ", ")},
		[2]string{"  └ Error", errMsg},
		[2]string{"  └ UpdatedAt", updated},
		[2]string{"  └ ServerVersion", key.version},
	)
}

// buildSection renders and encodes n's section for key.
func buildSection(n infoNode, key sectionKey) (*infoSection, error) {
	key.labels = maps.Clone(key.labels) // the caller's map may be the cluster's
	u := n.Usage()
	images := n.Images()
	ids := make(map[string]struct{}, len(images))
	for _, img := range images {
		ids[img.ID] = struct{}{}
	}
	rows, err := json.Marshal(nodeRows(n, key, u, n.Labels()))
	if err != nil {
		return nil, err
	}
	// `[[...],[...]]` becomes `,[...],[...]`.
	rows[0] = ','
	rows = rows[:len(rows)-1]
	return &infoSection{
		key: key,
		totals: infoTotals{
			containers: u.Containers, running: u.Running, paused: u.Paused, stopped: u.Stopped,
			ncpu: int(u.TotalCPUs / engine.NanoCPU), memory: u.TotalMemory,
			images: len(ids),
		},
		rows: rows,
	}, nil
}

// infoCache holds the current section of every node. Its zero value is
// ready to use.
type infoCache struct {
	mu       sync.Mutex // guards sections
	sections map[infoNode]*infoSection
}

// collect returns the sections of nodes (metaOf(i) is the record of
// nodes[i]), building again the ones whose key moved, and the sum of
// their totals. Sections of nodes no longer listed are dropped. (A
// function of the node type, so that the cluster's []*engine.Engine is
// read as it is, without a copy as []infoNode.)
func collect[N infoNode](c *infoCache, nodes []N, metaOf func(i int) *engine.NodeMeta) ([]*infoSection, infoTotals, error) {
	out := make([]*infoSection, len(nodes))
	var total infoTotals
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sections == nil {
		c.sections = make(map[infoNode]*infoSection, len(nodes))
	}
	for i, n := range nodes {
		key := readKey(n, metaOf(i))
		sec := c.sections[n]
		if sec == nil || !sec.key.equal(key) {
			var err error
			if sec, err = buildSection(n, key); err != nil {
				return nil, infoTotals{}, err
			}
			c.sections[n] = sec
		}
		out[i] = sec
		total.add(sec.totals)
	}
	// Every listed node has a section now: more sections than nodes
	// means some engines were removed.
	if len(c.sections) > len(nodes) {
		listed := make(map[infoNode]bool, len(nodes))
		for _, n := range nodes {
			listed[n] = true
		}
		for n := range c.sections {
			if !listed[n] {
				delete(c.sections, n)
			}
		}
	}
	return out, total, nil
}

// len is the number of sections held.
func (c *infoCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.sections)
}

// infoAnswer is an encoded `docker info` answer: head is the top-level
// Info object (with a newline, as json.Encoder writes it) whose
// SystemStatus array ends at head[at], before its closing bracket; the
// sections' rows go there.
type infoAnswer struct {
	head     []byte
	at       int
	sections []*infoSection
}

// spliceInfo encodes head, whose SystemStatus holds the cluster-wide rows,
// and returns the answer that adds the rows of sections after them.
func spliceInfo(head any, status [][2]string, sections []*infoSection) (infoAnswer, error) {
	if len(status) == 0 {
		// An empty SystemStatus is left out of the object (omitempty):
		// there would be no array to splice into.
		return infoAnswer{}, fmt.Errorf("docker info: no cluster-wide status rows")
	}
	b, err := json.Marshal(head)
	if err != nil {
		return infoAnswer{}, err
	}
	arr, err := json.Marshal(status)
	if err != nil {
		return infoAnswer{}, err
	}
	// A JSON string holds no unescaped quote, so the key is found only
	// where it is the field's name.
	field := append([]byte(`"SystemStatus":`), arr...)
	i := bytes.Index(b, field)
	if i < 0 {
		return infoAnswer{}, fmt.Errorf("docker info: SystemStatus not found in the encoded answer")
	}
	return infoAnswer{head: append(b, '\n'), at: i + len(field) - 1, sections: sections}, nil
}

// WriteTo writes the answer.
func (a infoAnswer) WriteTo(w io.Writer) (int64, error) {
	var n int64
	write := func(b []byte) error {
		m, err := w.Write(b)
		n += int64(m)
		return err
	}
	if err := write(a.head[:a.at]); err != nil {
		return n, err
	}
	for _, s := range a.sections {
		if err := write(s.rows); err != nil {
			return n, err
		}
	}
	err := write(a.head[a.at:])
	return n, err
}
