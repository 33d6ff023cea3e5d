package cluster

import "strings"

// Helpers that turn engines' errors into the cluster's answers; the error
// types themselves are in package engine.

// onNode wraps an engine's error for the client; when the operation went to
// several nodes (multi) it says which node failed.
func onNode(e *Engine, err error, multi bool) error {
	err = EngineError(err)
	if !multi {
		return err
	}
	return &NodeError{Node: e.Name(), Err: err}
}

// allFailed returns an error naming every node's failure when every node
// failed, nil otherwise. It has the class (404, 500...) of the first.
func allFailed(engines []*Engine, failed []error) error {
	var msgs []string
	for i, err := range failed {
		if err == nil {
			return nil
		}
		msgs = append(msgs, engines[i].Name()+": "+err.Error())
	}
	if len(failed) == 1 {
		return failed[0]
	}
	return &NodeError{Node: engines[0].Name(), Err: failed[0], Msg: strings.Join(msgs, "; ")}
}

// errNoHealthyNode is the answer when an operation needs a healthy node and
// the cluster has none.
func errNoHealthyNode() error { return Errorf(ErrUnavailable, "no healthy node in the cluster") }
