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
// not nil. registryAuth (the client's X-Registry-Auth) is passed on as is.
// An error in the stream is returned as an error; an error the engine
// answered with keeps its class (a registry's 404 stays not found). A
// failure to reach the engine counts against its health.
func (e *Engine) Pull(ctx context.Context, ref, registryAuth string, w io.Writer) error {
	rc, err := e.Client().ImagePull(ctx, ref, image.PullOptions{RegistryAuth: registryAuth})
	if err != nil {
		return EngineError(e.ObserveCall(err))
	}
	defer rc.Close()
	dec := json.NewDecoder(rc)
	for {
		var m jsonmessage.JSONMessage
		if err := dec.Decode(&m); err == io.EOF {
			break
		} else if err != nil {
			return fmt.Errorf("pull of %s on %s: %w", ref, e.Name(), e.ObserveCall(err))
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
