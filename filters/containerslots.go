package filters

import (
	"strconv"
	"strings"

	"github.com/swarm-project/swarm/scheduler/node"
)

// SlotsLabel is the node label that caps how many containers a node takes.
const SlotsLabel = "containerslots"

// slotsKey is SlotsLabel prepared for Node.Label.
var slotsKey = node.NewLabelKey(SlotsLabel)

// ReasonSlots is the reason Slots gives for a full node.
const ReasonSlots = "available container slots"

// Slots rejects the nodes labelled containerslots=N that already hold N
// containers. Every container counts: running, stopped and pending. A label
// that is not a non-negative integer sets no limit.
type Slots struct{}

// Name returns "containerslots".
func (Slots) Name() string { return "containerslots" }

// Cost returns CostNode: the check reads node fields only.
func (Slots) Cost() Cost { return CostNode }

// Prepare returns the slot check; it reads nothing from the request. Its
// condition is always listed, as classic Swarm did.
func (Slots) Prepare(*node.Request, []*node.Node) (Plan, error) {
	return Plan{Conditions: []string{ReasonSlots}, Hard: func(n *node.Node) (bool, string) {
		v, ok := n.Label(slotsKey)
		if !ok {
			return true, ""
		}
		limit, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || limit < 0 {
			return true, ""
		}
		if len(n.Containers) < limit {
			return true, ""
		}
		return false, ReasonSlots
	}}, nil
}
