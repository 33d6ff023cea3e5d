package scheduler

import (
	"errors"
	"fmt"
	"strings"

	"github.com/swarm-project/swarm/scheduler/node"
)

// Strategy orders the nodes that passed the filters, best first.
type Strategy interface {
	Name() string
	// Rank returns nodes ordered best first in a new slice; it never
	// reorders its argument.
	Rank(req *node.Request, nodes []*node.Node) []*node.Node
}

// ErrUnknownStrategy is wrapped by the error New returns for a strategy name
// it does not know.
var ErrUnknownStrategy = errors.New("unknown strategy")

// DefaultStrategy is used when none is named.
const DefaultStrategy = "spread"

type strategyEntry struct {
	name    string
	factory func(Options) Strategy
}

// strategyList lists every strategy, in the order Strategies returns them.
var strategyList = []strategyEntry{
	{"spread", func(Options) Strategy { return spread{} }},
	{"binpack", func(Options) Strategy { return binpack{} }},
	{"random", func(o Options) Strategy { return newRandom(o.Rand) }},
}

// strategies maps each name to its factory; built once, here.
var strategies, strategiesErr = buildStrategies(strategyList)

func buildStrategies(list []strategyEntry) (map[string]func(Options) Strategy, error) {
	m := make(map[string]func(Options) Strategy, len(list))
	for _, e := range list {
		if _, dup := m[e.name]; dup {
			return nil, fmt.Errorf("scheduler: duplicate strategy name %q", e.name)
		}
		m[e.name] = e.factory
	}
	return m, nil
}

// Strategies returns the valid strategy names.
func Strategies() []string {
	out := make([]string, len(strategyList))
	for i, e := range strategyList {
		out[i] = e.name
	}
	return out
}

func newStrategy(name string, opts Options) (Strategy, error) {
	if strategiesErr != nil {
		return nil, strategiesErr
	}
	if name == "" {
		name = DefaultStrategy
	}
	f, ok := strategies[name]
	if !ok {
		return nil, fmt.Errorf("%w %q (valid: %s)", ErrUnknownStrategy, name, strings.Join(Strategies(), ", "))
	}
	return f(opts), nil
}
