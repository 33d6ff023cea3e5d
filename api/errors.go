package api

import (
	"encoding/json"
	"errors"
	"net/http"

	cerrdefs "github.com/containerd/errdefs"
	log "github.com/sirupsen/logrus"

	"github.com/swarm-project/swarm/cluster/engine"
)

// handlerFunc is a handler that may fail; see adapt.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// adapt turns a handlerFunc into an http.HandlerFunc that renders errors.
func adapt(h handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			writeError(w, r, err)
		}
	}
}

// statusError is an error with an explicit status code.
type statusError struct {
	code int
	msg  string
}

func (e *statusError) Error() string { return e.msg }

func errorf(code int, msg string) error { return &statusError{code: code, msg: msg} }

// statusCode maps an error to the status Docker would answer with. It is
// the one place where the cluster's error classes become status codes.
func statusCode(err error) int {
	var se *statusError
	switch {
	case errors.As(err, &se):
		return se.code
	case errors.Is(err, engine.ErrNotFound), cerrdefs.IsNotFound(err):
		return http.StatusNotFound
	case errors.Is(err, engine.ErrConflict), cerrdefs.IsConflict(err):
		return http.StatusConflict
	case errors.Is(err, engine.ErrInvalid), cerrdefs.IsInvalidArgument(err):
		return http.StatusBadRequest
	case errors.Is(err, engine.ErrUnavailable), cerrdefs.IsUnavailable(err):
		return http.StatusServiceUnavailable
	case errors.Is(err, engine.ErrNodeDown):
		return http.StatusInternalServerError // classic Swarm's status for "running on unhealthy node"
	case errors.Is(err, engine.ErrNoFit):
		return http.StatusInternalServerError // classic Swarm's status for "Unable to find a node"
	case cerrdefs.IsUnauthorized(err):
		return http.StatusUnauthorized
	case cerrdefs.IsPermissionDenied(err):
		return http.StatusForbidden
	case cerrdefs.IsNotModified(err):
		return http.StatusNotModified
	}
	return http.StatusInternalServerError
}

// writeError writes err as Docker's JSON error body.
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	code := statusCode(err)
	if code >= 500 {
		log.WithFields(log.Fields{"method": r.Method, "path": r.URL.Path, "status": code}).WithError(err).Warn("request failed")
	}
	if code == http.StatusNotModified {
		w.WriteHeader(code)
		return
	}
	writeJSON(w, code, map[string]string{"message": err.Error()})
}

// writeJSON writes v as a JSON body with the given status.
func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	if err := json.NewEncoder(w).Encode(v); err != nil {
		log.WithError(err).Debug("response write failed")
	}
}
