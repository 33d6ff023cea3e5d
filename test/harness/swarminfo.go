package harness

import (
	"encoding/json"
	"fmt"
	"strings"
)

// SwarmInfo is the classic Swarm part of a manager's `docker info`: the
// SystemStatus pairs, split into the cluster's own fields and one block
// per node.
type SwarmInfo struct {
	Fields map[string]string // Role, Strategy, Filters, Nodes
	Nodes  []SwarmNode       // in the manager's order
}

// SwarmNode is one node block of SystemStatus.
type SwarmNode struct {
	Name   string            // e.g. node-11
	Addr   string            // e.g. 127.0.0.1:23761
	Fields map[string]string // ID, Status, Containers, Reserved CPUs, Reserved Memory, Labels, Error, UpdatedAt, ServerVersion
}

// Node returns the node named name.
func (s *SwarmInfo) Node(name string) (SwarmNode, bool) {
	for _, n := range s.Nodes {
		if n.Name == name {
			return n, true
		}
	}
	return SwarmNode{}, false
}

// ParseSystemStatus splits the SystemStatus pairs of a manager's /info. A
// key starting with one space opens a node block ("node-1" ->
// "127.0.0.1:2375"); keys with "└" belong to the open block.
func ParseSystemStatus(status [][2]string) SwarmInfo {
	info := SwarmInfo{Fields: map[string]string{}}
	for _, kv := range status {
		key, val := kv[0], kv[1]
		switch {
		case strings.Contains(key, "└"):
			if len(info.Nodes) == 0 {
				continue // a node field before any node: ignore it
			}
			_, name, _ := strings.Cut(key, "└")
			info.Nodes[len(info.Nodes)-1].Fields[strings.TrimSpace(name)] = val
		case strings.HasPrefix(key, " "):
			info.Nodes = append(info.Nodes, SwarmNode{Name: strings.TrimSpace(key), Addr: val, Fields: map[string]string{}})
		default:
			info.Fields[key] = val
		}
	}
	return info
}

// SwarmStatus asks the manager at host (over TLS with certs' client
// certificate when certs is not nil) for `docker info` and parses its
// SystemStatus.
func SwarmStatus(host string, certs *Certs) (*SwarmInfo, error) {
	out, _, err := DockerTLS(host, certs, "info", "--format", "{{json .SystemStatus}}")
	if err != nil {
		return nil, err
	}
	var status [][2]string
	if err := json.Unmarshal([]byte(strings.TrimSpace(out)), &status); err != nil {
		return nil, fmt.Errorf("harness: docker info SystemStatus %q: %w", out, err)
	}
	info := ParseSystemStatus(status)
	return &info, nil
}
