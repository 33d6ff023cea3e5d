package cluster

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
