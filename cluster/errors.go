package cluster

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

// errNoHealthyNode is the answer when an operation needs a healthy node and
// the cluster has none.
func errNoHealthyNode() error { return Errorf(ErrUnavailable, "no healthy node in the cluster") }
