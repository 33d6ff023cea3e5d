package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/pkg/jsonmessage"
)

// Pull pulls ref on the engine, copying the progress stream to w when w is
// not nil. An error in the stream is returned as an error.
func (e *Engine) Pull(ctx context.Context, ref, registryAuth string, w io.Writer) error {
	rc, err := e.Client().ImagePull(ctx, ref, image.PullOptions{RegistryAuth: registryAuth})
	if err != nil {
		return EngineError(err)
	}
	defer rc.Close()
	dec := json.NewDecoder(rc)
	for {
		var m jsonmessage.JSONMessage
		if err := dec.Decode(&m); err == io.EOF {
			break
		} else if err != nil {
			return fmt.Errorf("pull of %s on %s: %w", ref, e.Name(), err)
		}
		if m.Error != nil {
			return Errorf(ErrUnavailable, "%s", m.Error.Message)
		}
		if w != nil {
			if err := json.NewEncoder(w).Encode(m); err != nil {
				return err
			}
		}
	}
	return e.RefreshImages(ctx)
}
