package engine

import "time"

// This file holds the values of the manager's own record of a node: its
// availability and its manager-side labels (`docker node update`). The
// cluster keeps and persists them (cluster/nodes.go); the API renders them
// as swarm-mode Node objects.

// Availability says whether the scheduler may place new containers on a
// node, as swarm mode's node availability does.
type Availability string

// The availabilities, spelled as swarm mode spells them.
const (
	// AvailabilityActive: the node takes new containers.
	AvailabilityActive Availability = "active"
	// AvailabilityPause: no new containers; the ones there stay.
	AvailabilityPause Availability = "pause"
	// AvailabilityDrain: no new containers, and the ones with a
	// reschedule policy are moved to other nodes.
	AvailabilityDrain Availability = "drain"
)

// ParseAvailability reads an availability; "" is active.
func ParseAvailability(s string) (Availability, error) {
	switch a := Availability(s); a {
	case "":
		return AvailabilityActive, nil
	case AvailabilityActive, AvailabilityPause, AvailabilityDrain:
		return a, nil
	}
	return "", Errorf(ErrInvalid, "invalid availability %q: want active, pause or drain", s)
}

// NodeSpec is what a person sets on a node through the manager.
type NodeSpec struct {
	Availability Availability      `json:"availability"`
	Labels       map[string]string `json:"labels,omitempty"` // manager-side labels
}

// NodeMeta is the manager's record of a node: its spec, a version bumped
// on every update (the optimistic lock `docker node update` sends back),
// and when the record was created and last updated.
type NodeMeta struct {
	Spec      NodeSpec  `json:"spec"`
	Version   uint64    `json:"version"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// Node is an engine together with the manager's record of it.
type Node struct {
	Engine *Engine
	Meta   NodeMeta
}

// NodeID is the ID a node is listed under: the engine ID, or the address
// of an engine that never answered (its ID is not known yet).
func (n Node) NodeID() string {
	if id := n.Engine.ID(); id != "" {
		return id
	}
	return n.Engine.Addr()
}
