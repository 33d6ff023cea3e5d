package engine

import (
	"bytes"
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unique"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/go-connections/nat"
)

// listEntry is a container's `docker ps` entry (GET /containers/json),
// encoded once when the container is cached: the JSON of its
// container.Summary with the node-prefixed name, and a cut where the
// Status text goes, since that text depends on the time of the answer.
// A list answer is these entries written one after the other.
type listEntry struct {
	b    []byte // the JSON, Status's value cut out
	cut  int    // offset in b of Status's value (after its opening quote)
	node string // the node name in Names
	// shaped is set when an older client must not see some of the
	// entry's fields (annotations, the image manifest descriptor, a
	// gateway priority): the API shapes such entries for them.
	shaped bool
}

// EntryShaped reports whether the container's list entry has a field that
// clients before API 1.48 must not see (see shapeSummary in the api).
func (c *Container) EntryShaped() bool { return c.entry.shaped }

// statusMark stands for the Status value while the entry is encoded.
const statusMark = "\x00"

var statusCut = []byte(`"Status":"\u0000"`)

// encodeEntry encodes s (whose Names are the engine's, "/name") as the
// list entry of a container of node.
func encodeEntry(s container.Summary, node string) listEntry {
	names := make([]string, len(s.Names))
	for i, n := range s.Names {
		names[i] = "/" + node + n
	}
	s.Names = names
	s.Status = statusMark
	shaped := len(s.HostConfig.Annotations) > 0 || s.ImageManifestDescriptor != nil
	if s.NetworkSettings != nil {
		for _, ep := range s.NetworkSettings.Networks {
			shaped = shaped || (ep != nil && ep.GwPriority != 0)
		}
	}
	b, err := json.Marshal(s)
	if err != nil {
		return listEntry{cut: -1, node: node}
	}
	i := bytes.Index(b, statusCut)
	if i < 0 {
		return listEntry{b: b, cut: -1, node: node, shaped: shaped}
	}
	head := i + len(`"Status":"`)
	out := make([]byte, 0, len(b)-len(`\u0000`))
	out = append(out, b[:head]...)
	out = append(out, b[head+len(`\u0000`):]...)
	return listEntry{b: out, cut: head, node: node, shaped: shaped}
}

// AppendEntry appends the container's list entry at now to buf, as
// json.Marshal would encode Summary(now).
func (c *Container) AppendEntry(buf []byte, now time.Time) []byte {
	if node := c.Engine.Name(); node != c.entry.node || c.entry.cut < 0 {
		// The node was renamed since the entry was encoded (rare).
		b, err := json.Marshal(c.Summary(now))
		if err != nil {
			return buf
		}
		return append(buf, b...)
	}
	buf = append(buf, c.entry.b[:c.entry.cut]...)
	start := len(buf)
	buf = c.appendStatus(buf, now)
	if needsEscape(buf[start:]) { // an engine's own text (listed, not inspected)
		s := string(buf[start:])
		buf = appendJSONText(buf[:start], s)
	}
	return append(buf, c.entry.b[c.entry.cut:]...)
}

// needsEscape reports whether b holds a byte that JSON (as encoding/json
// writes it) escapes inside a string.
func needsEscape(b []byte) bool {
	for _, c := range b {
		if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return true
		}
	}
	return false
}

// appendJSONText appends s escaped as the inside of a JSON string, as
// encoding/json escapes it (HTML characters included).
func appendJSONText(buf []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if b := s[i]; b < 0x20 || b >= 0x7f || b == '"' || b == '\\' || b == '<' || b == '>' || b == '&' {
			q, _ := json.Marshal(s)
			return append(buf, q[1:len(q)-1]...)
		}
	}
	return append(buf, s...)
}

// Summary renders the container as GET /containers/json lists it, names
// prefixed with the node name as classic Swarm showed them.
func (c *Container) Summary(now time.Time) container.Summary {
	var s container.Summary
	if c.entry.cut >= 0 && len(c.entry.b) > 0 {
		b := make([]byte, 0, len(c.entry.b)+len(statusMark)+6)
		b = append(b, c.entry.b[:c.entry.cut]...)
		b = append(b, c.entry.b[c.entry.cut:]...)
		_ = json.Unmarshal(b, &s)
	}
	node := c.Engine.Name()
	s.Names = []string{"/" + node + "/" + c.name}
	s.Status = c.Status(now)
	if s.Labels == nil {
		s.Labels = c.labels
	}
	return s
}

// Info is the container as the engine's inspect answered it: the whole
// answer for a container with a reschedule policy, else what the cache
// holds (identity, config image and labels, state, reservations, host
// network mode, networks, mounts and ports). `docker inspect` asks the
// engine itself while the node is up.
func (c *Container) Info() container.InspectResponse {
	if c.full != nil {
		return *c.full
	}
	s := c.Summary(time.Now())
	st := &container.State{
		Status: c.state, Running: c.running, Paused: c.paused, Restarting: c.restarting,
		Dead: c.dead, ExitCode: c.exitCode,
		StartedAt: formatTime(c.startedAt), FinishedAt: formatTime(c.finishedAt),
	}
	if c.health != "" {
		st.Health = &container.Health{Status: c.health}
	}
	hc := &container.HostConfig{NetworkMode: container.NetworkMode(c.networkMode), Annotations: c.annotations}
	hc.Memory, hc.NanoCPUs, hc.CPUShares = c.memory, c.nanoCPUs, c.shares
	for _, p := range c.hostPorts {
		if hc.PortBindings == nil {
			hc.PortBindings = nat.PortMap{}
		}
		k := nat.Port(strconv.Itoa(int(p.Port)) + "/" + p.Proto)
		hc.PortBindings[k] = append(hc.PortBindings[k], nat.PortBinding{HostIP: p.HostIP, HostPort: strconv.Itoa(int(p.Port))})
	}
	info := container.InspectResponse{
		ContainerJSONBase: &container.ContainerJSONBase{
			ID: c.id, Name: "/" + c.name, Image: c.imageID, Path: c.path, Args: c.args,
			Created: formatTime(c.created), State: st, HostConfig: hc, ExecIDs: c.execIDs,
		},
		Mounts: s.Mounts,
		Config: &container.Config{Image: c.image, Labels: c.labels},
	}
	ns := &container.NetworkSettings{}
	if s.NetworkSettings != nil {
		ns.Networks = s.NetworkSettings.Networks
	}
	info.NetworkSettings = ns
	return info
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return "0001-01-01T00:00:00Z"
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func portSummaries(ports nat.PortMap) []container.Port {
	out := []container.Port{}
	for p, bindings := range ports {
		priv := uint16(p.Int())
		if len(bindings) == 0 {
			out = append(out, container.Port{PrivatePort: priv, Type: p.Proto()})
			continue
		}
		for _, b := range bindings {
			pub, _ := strconv.ParseUint(b.HostPort, 10, 16)
			out = append(out, container.Port{IP: b.HostIP, PrivatePort: priv, PublicPort: uint16(pub), Type: p.Proto()})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].PrivatePort != out[j].PrivatePort {
			return out[i].PrivatePort < out[j].PrivatePort
		}
		return out[i].IP < out[j].IP
	})
	return out
}

func parseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || t.Year() <= 1 {
		return time.Time{}
	}
	return t
}

// internLimit bounds the strings interned: long values are rare and not
// worth a shared copy.
const internLimit = 256

// intern returns the one shared copy of s: the thousands of containers
// that name the same image, network mode or label share its bytes.
func intern(s string) string {
	if s == "" || len(s) > internLimit {
		return s
	}
	return unique.Make(s).Value()
}

// internMap returns m with its keys and values interned, and the one
// shared copy of that label set when another container has the same one
// (the replicas of a service usually do): the maps are never modified.
func internMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	key, ok := labelSetKey(m)
	if ok {
		labelSets.Lock()
		shared, found := labelSets.m[key]
		labelSets.Unlock()
		if found {
			return shared
		}
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[intern(k)] = intern(v)
	}
	if ok {
		labelSets.Lock()
		if shared, found := labelSets.m[key]; found {
			out = shared
		} else if len(labelSets.m) < maxLabelSets {
			labelSets.m[key] = out
		}
		labelSets.Unlock()
	}
	return out
}

// labelSets holds the label sets shared between containers, by labelSetKey.
var labelSets = struct {
	sync.Mutex
	m map[string]map[string]string
}{m: map[string]map[string]string{}}

// maxLabelSets bounds labelSets: past it, new sets are not shared.
const maxLabelSets = 1 << 16

// labelSetKey is a label set's key in labelSets; ok is false for sets not
// worth sharing (large ones, and those with a swarm ID, which no other
// container has).
func labelSetKey(m map[string]string) (string, bool) {
	if len(m) == 0 || len(m) > 32 {
		return "", false
	}
	if _, ok := m[SwarmIDLabel]; ok {
		return "", false
	}
	keys := make([]string, 0, len(m))
	size := 0
	for k, v := range m {
		keys = append(keys, k)
		size += len(k) + len(v) + 2
	}
	if size > 4096 {
		return "", false
	}
	sort.Strings(keys)
	var b strings.Builder
	b.Grow(size)
	for _, k := range keys {
		b.WriteString(k)
		b.WriteByte(0)
		b.WriteString(m[k])
		b.WriteByte(0)
	}
	return b.String(), true
}
