package api

import (
	"net/http"

	"github.com/docker/docker/api/types/versions"
	"github.com/swarm-project/swarm/cluster/engine"
)

// The manager's API versions. A client speaks one version; each engine
// serves a range. The manager advertises the range it can answer for the
// whole fleet, and translates each forwarded call to a version the engine
// accepts (translate.go); cached answers are shaped to the client's
// version (shape.go). docs/api.md, "Versions", says why.
const (
	// MaxAPIVersion is the newest API the manager serves: Engine 29's. The
	// differences of 1.52 to 1.56 it translates itself (versions.go,
	// shape.go, newer.go).
	MaxAPIVersion = "1.56"
	// TypesAPIVersion is the newest API whose shapes the manager's own
	// types know (github.com/docker/docker v28.5), and the version its
	// client reads engines at.
	TypesAPIVersion = "1.51"
	// MinAPIVersion is the oldest API clients may ask for.
	MinAPIVersion = "1.24"
	// DefaultAPIVersion is advertised while no engine is healthy: the API
	// of Docker 20.10.
	DefaultAPIVersion = "1.41"
)

// advertisedAPI is the newest API version the manager answers now: the
// newest API among its healthy engines (an older engine is reached through
// translation), capped at MaxAPIVersion; DefaultAPIVersion while no engine
// is healthy.
func (s *Server) advertisedAPI() string { return capAPI(s.summary.NewestAPI()) }

// capAPI bounds the newest engine API by what the manager can serve.
func capAPI(newest string) string {
	switch {
	case newest == "":
		return DefaultAPIVersion
	case versions.GreaterThan(newest, MaxAPIVersion):
		return MaxAPIVersion
	case versions.LessThan(newest, MinAPIVersion):
		return MinAPIVersion
	}
	return newest
}

// clientVersion is the API version a request speaks: the one in its path,
// else (an unversioned request) the newest the manager advertises, as an
// engine answers unversioned requests at its newest version.
func (s *Server) clientVersion(r *http.Request) string {
	if v := versionOf(r); v != "" {
		return v
	}
	return s.advertisedAPI()
}

// engineVersion is the version a request of client version v is sent to an
// engine serving [lo, hi] at: v itself when the engine serves it, else the
// nearest version the engine serves. An engine not reached yet ("") gets v.
func engineVersion(v, lo, hi string) string {
	switch {
	case hi != "" && versions.GreaterThan(v, hi):
		return hi
	case lo != "" && versions.LessThan(v, lo):
		return lo
	}
	return v
}

// serves reports whether engine e serves API version v.
func serves(e *engine.Engine, v string) bool {
	lo, hi := e.APIRange()
	return hi != "" && !versions.LessThan(v, lo) && !versions.GreaterThan(v, hi)
}
