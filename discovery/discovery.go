package discovery

import (
	"context"
	"errors"
	"time"
)

// Backend finds the engines of a cluster. One implementation per URL scheme,
// built by New.
type Backend interface {
	// Watch sends the full current set of entries once at start and again
	// each time it changes (never the same set twice in a row); transient
	// errors go to the error channel and the watch goes on by itself. Both
	// channels are closed once ctx is done.
	Watch(ctx context.Context) (<-chan Entries, <-chan error)
	// Register advertises addr (host:port) to the backend, for `swarm join`.
	// Join calls it once per heartbeat; the registration lives Options.TTL.
	// Backends that are read-only return ErrNotSupported.
	Register(ctx context.Context, addr string) error
}

// Deregisterer is implemented by backends that can remove an entry at once
// (used by `swarm join` when it stops).
type Deregisterer interface {
	Deregister(ctx context.Context, addr string) error
}

// Backends that hold a connection to a store (consul, etcd, zk) also
// implement io.Closer; call Close once the backend is no longer used.
// Close is a no-op helper for callers that do not want to type-assert.
func Close(b Backend) error {
	if c, ok := b.(interface{ Close() error }); ok {
		return c.Close()
	}
	return nil
}

// readOnly marks backends whose Register always returns ErrNotSupported.
type readOnly interface{ readOnly() }

// ReadOnly reports whether b cannot take registrations (nodes, file), so
// that join can refuse it before doing anything else.
func ReadOnly(b Backend) bool {
	_, ok := b.(readOnly)
	return ok
}

// Options configure a backend.
type Options struct {
	// Heartbeat is how often join registers. Polling backends (file, token)
	// poll at most this often and never less often than once per second.
	Heartbeat time.Duration
	// TTL is how long a registration lives when it is not renewed.
	TTL time.Duration
	// Opts are the --discovery-opt key=value pairs (kv.cacertfile, kv.path,
	// token.url, ...). A key the selected backend does not use is an error.
	Opts map[string]string
}

// Default values used when Options leave a field zero.
const (
	DefaultHeartbeat = 60 * time.Second
	DefaultTTL       = 180 * time.Second
)

func (o Options) heartbeat() time.Duration {
	if o.Heartbeat <= 0 {
		return DefaultHeartbeat
	}
	return o.Heartbeat
}

func (o Options) ttl() time.Duration {
	if o.TTL <= 0 {
		return DefaultTTL
	}
	return o.TTL
}

// pollPeriod is how often a polling backend looks again: the heartbeat, but
// at least once per second so that changes show up promptly.
func (o Options) pollPeriod() time.Duration {
	p := o.heartbeat()
	if p > time.Second {
		p = time.Second
	}
	return p
}

// Errors returned by this package; match them with errors.Is.
var (
	// ErrNotSupported is returned by Register on read-only backends.
	ErrNotSupported = errors.New("discovery: not supported by this backend")
	// ErrUnknownScheme is returned by New for a URL scheme with no backend.
	ErrUnknownScheme = errors.New("unknown discovery scheme")
	// ErrInvalidURL is returned by New for a discovery URL it cannot use.
	ErrInvalidURL = errors.New("invalid discovery URL")
	// ErrInvalidEntry is returned for an address that is not host:port.
	ErrInvalidEntry = errors.New("invalid address")
	// ErrInvalidRange is returned for a malformed [from:to] range.
	ErrInvalidRange = errors.New("invalid range")
	// ErrInvalidOption is returned for a --discovery-opt the backend cannot use.
	ErrInvalidOption = errors.New("invalid discovery option")
)
