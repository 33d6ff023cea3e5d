package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/docker/docker/client"
	"github.com/docker/docker/pkg/jsonmessage"
)

// CopyImage copies image ref from a healthy engine that holds it to engine
// to, with save and load (the image keeps its ID). It is how a container
// built or imported on one node can run on another without a registry.
// It returns a *NotFoundError when no other healthy engine holds ref.
func (c *Cluster) CopyImage(ctx context.Context, ref string, to *Engine) error {
	var from *Engine
	for _, e := range c.HealthyEngines() {
		if e != to && e.HasImage(ref) {
			from = e
			break
		}
	}
	if from == nil {
		return &NotFoundError{Kind: "image", Ref: ref}
	}
	save, err := from.Client().ImageSave(ctx, []string{ref})
	if err != nil {
		return fmt.Errorf("copy %s from %s: %w", ref, from.Name(), EngineError(err))
	}
	defer save.Close()
	resp, err := to.Client().ImageLoad(ctx, save, client.ImageLoadWithQuiet(true))
	if err != nil {
		return fmt.Errorf("copy %s to %s: %w", ref, to.Name(), EngineError(err))
	}
	defer resp.Body.Close()
	dec := json.NewDecoder(resp.Body)
	for {
		var m jsonmessage.JSONMessage
		if err := dec.Decode(&m); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return fmt.Errorf("copy %s to %s: %w", ref, to.Name(), err)
		}
		if m.Error != nil {
			return Errorf(ErrUnavailable, "copy %s to %s: %s", ref, to.Name(), m.Error.Message)
		}
	}
	return to.RefreshImages(ctx)
}
