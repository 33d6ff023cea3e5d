package api

import (
	"encoding/json"
	"net/http"
	"reflect"
	"sort"
	"strings"
	"sync"

	"github.com/docker/docker/api/types"
	"github.com/docker/docker/api/types/container"

	"github.com/swarm-project/swarm/cluster/engine"
)

// This file serves clients newer than the manager's own types (API 1.52 to
// 1.56, TypesAPIVersion to MaxAPIVersion): create fields the types do not
// know are carried through as they came, answers lose what those versions
// removed, and `docker system df` gets the usage summaries 1.52 added.

// newerThanTypes reports whether client version v is beyond what the
// manager's types know.
func newerThanTypes(v string) bool { return !before(v, "1.52") }

// jsonFields lists the JSON names of a struct type's fields, embedded
// structs' included.
func jsonFields(t reflect.Type, out map[string]bool) map[string]bool {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				jsonFields(ft, out)
				continue
			}
		}
		switch name {
		case "-":
		case "":
			out[f.Name] = true
		default:
			out[name] = true
		}
	}
	return out
}

// knownFields are the create body's top-level and HostConfig field names
// the manager's types know.
var knownFields = sync.OnceValues(func() (top, host map[string]bool) {
	return jsonFields(reflect.TypeOf(container.CreateRequest{}), map[string]bool{}),
		jsonFields(reflect.TypeOf(container.HostConfig{}), map[string]bool{})
})

// unknownCreateFields returns the fields of a create body that the
// manager's types do not know, top level and in HostConfig, as sent.
func unknownCreateFields(body []byte) (top, host map[string]json.RawMessage) {
	knownTop, knownHost := knownFields()
	var raw map[string]json.RawMessage
	if json.Unmarshal(body, &raw) != nil {
		return nil, nil
	}
	for k, v := range raw {
		if !knownFields0(knownTop, k) {
			if top == nil {
				top = map[string]json.RawMessage{}
			}
			top[k] = v
		}
	}
	var hc map[string]json.RawMessage
	if json.Unmarshal(raw["HostConfig"], &hc) == nil {
		for k, v := range hc {
			if !knownFields0(knownHost, k) {
				if host == nil {
					host = map[string]json.RawMessage{}
				}
				host[k] = v
			}
		}
	}
	return top, host
}

// knownFields0 matches a JSON key as encoding/json does: exactly, else
// case-insensitively.
func knownFields0(known map[string]bool, k string) bool {
	if known[k] {
		return true
	}
	for name := range known {
		if strings.EqualFold(name, k) {
			return true
		}
	}
	return false
}

// removedIn152 are the NetworkSettings fields API 1.52 no longer returns.
var removedIn152 = []string{"Bridge", "HairpinMode", "LinkLocalIPv6Address", "LinkLocalIPv6PrefixLen",
	"SecondaryIPAddresses", "SecondaryIPv6Addresses", "EndpointID", "Gateway", "GlobalIPv6Address",
	"GlobalIPv6PrefixLen", "IPAddress", "IPPrefixLen", "IPv6Gateway", "MacAddress"}

// writeInspect writes a container's inspect answer for a client at v:
// from 1.52 on without the fields 1.52 removed.
func writeInspect(w http.ResponseWriter, resp inspectResponse, v string) error {
	if !newerThanTypes(v) {
		writeJSON(w, http.StatusOK, resp)
		return nil
	}
	b, err := json.Marshal(resp)
	if err != nil {
		return err
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(b, &m) == nil {
		var ns map[string]json.RawMessage
		if json.Unmarshal(m["NetworkSettings"], &ns) == nil {
			for _, k := range removedIn152 {
				delete(ns, k)
			}
			m["NetworkSettings"], _ = json.Marshal(ns)
		}
		var cfg map[string]json.RawMessage
		if json.Unmarshal(m["Config"], &cfg) == nil && (string(cfg["OnBuild"]) == "null" || string(cfg["OnBuild"]) == "[]") {
			delete(cfg, "OnBuild")
			m["Config"], _ = json.Marshal(cfg)
		}
	}
	writeJSON(w, http.StatusOK, m)
	return nil
}

// withNode adds classic Swarm's Node object to a forwarded inspect answer,
// leaving every other field as the engine wrote it.
func withNode(node *engine.NodeInfo) func(*http.Response) error {
	return func(resp *http.Response) error {
		if resp.StatusCode != http.StatusOK {
			return nil
		}
		body, whole, err := readAnswer(resp)
		if err != nil || !whole {
			return err
		}
		var m map[string]json.RawMessage
		if json.Unmarshal(body, &m) == nil {
			if n, err := json.Marshal(node); err == nil {
				m["Node"] = n
				if b, err := json.Marshal(m); err == nil {
					body = append(b, '\n')
				}
			}
		}
		setBody(resp, body)
		return nil
	}
}

// usage is one object type's summary in /system/df from API 1.52.
type usage struct {
	ActiveCount int64 `json:"ActiveCount,omitempty"`
	Items       any   `json:"Items,omitempty"`
	Reclaimable int64 `json:"Reclaimable,omitempty"`
	TotalCount  int64 `json:"TotalCount,omitempty"`
	TotalSize   int64 `json:"TotalSize,omitempty"`
}

// diskUsageFor shapes the cluster's disk usage for a client at v: the
// legacy lists before 1.52, both at 1.52, the summaries only from 1.53 on;
// the summaries list their items only when verbose.
func diskUsageFor(du types.DiskUsage, v string, verbose bool) any {
	if !newerThanTypes(v) {
		return du
	}
	img := &usage{TotalCount: int64(len(du.Images))}
	for _, i := range du.Images {
		img.TotalSize += i.Size
		if i.Containers > 0 {
			img.ActiveCount++
		} else {
			img.Reclaimable += i.Size
		}
	}
	ctr := &usage{TotalCount: int64(len(du.Containers))}
	for _, c := range du.Containers {
		ctr.TotalSize += c.SizeRw
		if c.State == container.StateRunning {
			ctr.ActiveCount++
		} else {
			ctr.Reclaimable += c.SizeRw
		}
	}
	vol := &usage{TotalCount: int64(len(du.Volumes))}
	for _, vl := range du.Volumes {
		if vl.UsageData == nil {
			continue
		}
		if vl.UsageData.Size > 0 {
			vol.TotalSize += vl.UsageData.Size
		}
		if vl.UsageData.RefCount > 0 {
			vol.ActiveCount++
		} else if vl.UsageData.Size > 0 {
			vol.Reclaimable += vl.UsageData.Size
		}
	}
	bc := &usage{TotalCount: int64(len(du.BuildCache))}
	for _, b := range du.BuildCache {
		bc.TotalSize += b.Size
		if b.InUse {
			bc.ActiveCount++
		} else if !b.Shared {
			bc.Reclaimable += b.Size
		}
	}
	if verbose {
		img.Items, ctr.Items, vol.Items, bc.Items = du.Images, du.Containers, du.Volumes, du.BuildCache
	}
	type summaries struct {
		ImageUsage      *usage `json:"ImageUsage,omitempty"`
		ContainerUsage  *usage `json:"ContainerUsage,omitempty"`
		VolumeUsage     *usage `json:"VolumeUsage,omitempty"`
		BuildCacheUsage *usage `json:"BuildCacheUsage,omitempty"`
	}
	sum := summaries{img, ctr, vol, bc}
	if v == "1.52" && !verbose {
		return struct {
			types.DiskUsage
			summaries
		}{du, sum}
	}
	return sum
}

// annotationsMatch applies the `annotation` filter of GET /containers/json
// (API 1.56): "key" or "key=value".
func annotationsMatch(want []string, got map[string]string) bool {
	for _, w := range want {
		k, v, hasValue := strings.Cut(w, "=")
		gv, ok := got[k]
		if !ok || (hasValue && gv != v) {
			return false
		}
	}
	return true
}

// sortedKeys lists a map's keys in order, for messages.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
