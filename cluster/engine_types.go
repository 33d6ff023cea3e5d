package cluster

import "github.com/swarm-project/swarm/cluster/engine"

// The engine package's types under the names the cluster used before the
// engine moved into its own package.
type (
	Engine               = engine.Engine
	EngineOptions        = engine.Options
	Container            = engine.Container
	StartRead            = engine.StartRead
	Event                = engine.Event
	EventNode            = engine.EventNode
	NodeInfo             = engine.NodeInfo
	Health               = engine.Health
	Usage                = engine.Usage
	NotFoundError        = engine.NotFoundError
	NodeUnavailableError = engine.NodeUnavailableError
	NodeError            = engine.NodeError
	CreateRequest        = engine.CreateRequest
	NetworkOn            = engine.NetworkOn
	VolumeOn             = engine.VolumeOn
	NodePruneReport      = engine.NodePruneReport
	InUse                = engine.InUse
	NodeResults          = engine.NodeResults
	ImportRequest        = engine.ImportRequest
	ImportResult         = engine.ImportResult
)

var (
	ErrNotFound       = engine.ErrNotFound
	ErrConflict       = engine.ErrConflict
	ErrInvalid        = engine.ErrInvalid
	ErrUnavailable    = engine.ErrUnavailable
	ErrNoFit          = engine.ErrNoFit
	Errorf            = engine.Errorf
	EngineError       = engine.EngineError
	MatchAny          = engine.MatchAny
	SortedLabels      = engine.SortedLabels
	NormalizeImageRef = engine.NormalizeImageRef
)

const (
	Pending   = engine.Pending
	Healthy   = engine.Healthy
	Unhealthy = engine.Unhealthy
	NanoCPU   = engine.NanoCPU
)
