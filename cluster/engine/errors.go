package engine

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors. The API layer maps them to HTTP status codes with errors.Is.
var (
	// ErrNotFound: the object does not exist anywhere in the cluster (404).
	ErrNotFound = errors.New("not found")
	// ErrConflict: a name is already in use (409).
	ErrConflict = errors.New("conflict")
	// ErrInvalid: the request itself is wrong (400).
	ErrInvalid = errors.New("invalid parameter")
	// ErrUnavailable: no engine can serve the request now (503).
	ErrUnavailable = errors.New("unavailable")
)

// NotFoundError names the missing object the way Docker does
// ("No such container: web").
type NotFoundError struct {
	Kind string // "container", "image", "network", "volume", "exec instance", "node"
	Ref  string
}

func (e *NotFoundError) Error() string {
	switch e.Kind {
	case "image":
		return fmt.Sprintf("No such image: %s", e.Ref)
	case "exec instance":
		return fmt.Sprintf("No such exec instance: %s", e.Ref)
	}
	return fmt.Sprintf("No such %s: %s", e.Kind, e.Ref)
}

// Is makes errors.Is(err, ErrNotFound) true.
func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }

// statusError carries a message and one of the sentinels.
type statusError struct {
	kind error
	msg  string
}

func (e *statusError) Error() string        { return e.msg }
func (e *statusError) Is(target error) bool { return target == e.kind }

// Errorf returns an error with the given message that matches kind
// (one of the sentinels above) under errors.Is.
func Errorf(kind error, format string, args ...any) error {
	return &statusError{kind: kind, msg: fmt.Sprintf(format, args...)}
}

// engineError strips the Docker client's "Error response from daemon: "
// prefix (the docker CLI adds its own) and keeps the error's class, so
// errdefs checks still see what the engine answered.
type engineError struct {
	err error
	msg string
}

func (e *engineError) Error() string { return e.msg }
func (e *engineError) Unwrap() error { return e.err }

// EngineError wraps an error from an engine call for the API's clients.
func EngineError(err error) error {
	if err == nil {
		return nil
	}
	msg := strings.TrimPrefix(err.Error(), "Error response from daemon: ")
	return &engineError{err: err, msg: msg}
}

// ErrNoFit: the scheduler found no node for the request. Docker has no
// such status; classic Swarm answered 500 with the scheduler's message.
var ErrNoFit = errors.New("no node fits")

// NodeUnavailableError says that the node an operation needs does not take
// requests now. It matches ErrUnavailable (503).
type NodeUnavailableError struct {
	Name, Addr string
	State      Health
}

func (e *NodeUnavailableError) Error() string {
	return fmt.Sprintf("node %s (%s) is %s", e.Name, e.Addr, e.State)
}

// Is makes errors.Is(err, ErrUnavailable) true.
func (e *NodeUnavailableError) Is(target error) bool { return target == ErrUnavailable }

// Available returns nil when the engine takes requests, else a
// *NodeUnavailableError naming it and its state.
func (e *Engine) Available() error {
	if h := e.Health(); h != Healthy {
		return &NodeUnavailableError{Name: e.Name(), Addr: e.addr, State: h}
	}
	return nil
}

// ErrNodeDown: a request names a container whose node is Unhealthy.
// Docker has no such status; classic Swarm answered 500.
var ErrNodeDown = errors.New("container on an unhealthy node")

// ContainerNodeDownError refuses a call on a container whose node is
// Unhealthy: the node takes no requests and what the cache holds of the
// container may be stale. Ref is the reference as the client gave it. It
// matches ErrNodeDown.
type ContainerNodeDownError struct {
	Ref, Node string
}

func (e *ContainerNodeDownError) Error() string {
	return fmt.Sprintf("Container %s running on unhealthy node %s", e.Ref, e.Node)
}

// Is makes errors.Is(err, ErrNodeDown) true.
func (e *ContainerNodeDownError) Is(target error) bool { return target == ErrNodeDown }

// NodeError is an engine's error with the node named, for operations that
// went to several nodes. It keeps the class of the engine's error (404,
// 409...). Msg, when set, replaces the whole message (errors of several
// nodes at once).
type NodeError struct {
	Node string
	Err  error
	Msg  string
}

func (e *NodeError) Error() string {
	if e.Msg != "" {
		return e.Msg
	}
	return e.Node + ": " + e.Err.Error()
}

func (e *NodeError) Unwrap() error { return e.Err }
