package harness

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"
)

// EngineKind is which Docker engine test/engines.sh runs for an Engine.
type EngineKind string

const (
	// Engine2010 is Debian's docker.io: dockerd 20.10, API 1.41.
	Engine2010 EngineKind = "20.10"
	// Engine29 is Docker Engine 29, built from its Go module by
	// test/engine29.sh: API 1.56, minimum API 1.44.
	Engine29 EngineKind = "29"
)

// ErrBadKind is returned for an engine kind that is neither Engine2010 nor
// Engine29.
var ErrBadKind = errors.New("harness: engine kind must be 20.10 or 29")

// engine29BuildTimeout bounds test/engine29.sh build: the first build takes
// about 7 minutes on 2 cores; later ones return at once.
const engine29BuildTimeout = 30 * time.Minute

// kindAPI is the API version range each kind serves.
var kindAPI = map[EngineKind]struct{ max, min string }{
	Engine2010: {"1.41", "1.12"},
	Engine29:   {"1.56", "1.44"},
}

// ParseEngineKind reads a kind as written in SWARM_ENGINE_KIND or
// engines.sh --engine: "20.10" or "29".
func ParseEngineKind(s string) (EngineKind, error) {
	k := EngineKind(strings.TrimSpace(s))
	if _, ok := kindAPI[k]; !ok {
		return "", fmt.Errorf("%w, got %q", ErrBadKind, s)
	}
	return k, nil
}

// DefaultEngineKind is the kind of engines a test does not choose:
// $SWARM_ENGINE_KIND, or Engine2010. Setting SWARM_ENGINE_KIND=29 runs every
// integration test that does not ask for a kind on Engine 29.
func DefaultEngineKind() (EngineKind, error) {
	s := os.Getenv("SWARM_ENGINE_KIND")
	if s == "" {
		return Engine2010, nil
	}
	k, err := ParseEngineKind(s)
	if err != nil {
		return "", fmt.Errorf("SWARM_ENGINE_KIND: %w", err)
	}
	return k, nil
}

// APIVersion is the highest Docker API version engines of the kind serve
// ("" for an unknown kind).
func (k EngineKind) APIVersion() string { return kindAPI[k].max }

// MinAPIVersion is the lowest Docker API version engines of the kind accept
// ("" for an unknown kind). Engine 29's is set by engines.sh's daemon.json.
func (k EngineKind) MinAPIVersion() string { return kindAPI[k].min }

// String is the kind as engines.sh spells it.
func (k EngineKind) String() string { return string(k) }

// needsBuild reports whether the kind's binaries are built by the harness
// (Engine29) rather than installed from Debian.
func (k EngineKind) needsBuild() bool { return k == Engine29 }

var (
	// engine29Mu serializes BuildEngine29 within the process; engine29.sh
	// itself serializes builds across processes with a lock file.
	engine29Mu  sync.Mutex
	engine29Dir string
)

// BuildEngine29 builds Docker Engine 29 once (test/engine29.sh build) and
// returns the directory of its cached binaries. The first build on a
// machine takes minutes; afterwards it returns at once. StartEnginesWith and
// Engine.Start call it before starting an Engine29 engine, so the build does
// not count against the engine start timeout.
func BuildEngine29() (string, error) {
	engine29Mu.Lock()
	defer engine29Mu.Unlock()
	if engine29Dir != "" {
		return engine29Dir, nil
	}
	script, err := scriptPath("engine29.sh")
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(context.Background(), engine29BuildTimeout)
	defer cancel()
	out, _, err := run(ctx, "", "bash", script, "build")
	if err != nil {
		return "", fmt.Errorf("harness: building Docker Engine 29: %w", err)
	}
	engine29Dir = strings.TrimSpace(out)
	return engine29Dir, nil
}

// kindsFor resolves the kind of each of n engines from cfg: Kinds by
// position, else Kind, else DefaultEngineKind.
func kindsFor(n int, cfg EnginesConfig) ([]EngineKind, error) {
	def := cfg.Kind
	if def == "" {
		var err error
		if def, err = DefaultEngineKind(); err != nil {
			return nil, fmt.Errorf("harness: %w", err)
		}
	} else if _, err := ParseEngineKind(string(def)); err != nil {
		return nil, err
	}
	kinds := make([]EngineKind, n)
	for i := range kinds {
		kinds[i] = def
	}
	for i, k := range cfg.Kinds {
		if i < 0 || i >= n {
			return nil, fmt.Errorf("harness: kind for engine %d, but only %d engines", i, n)
		}
		if _, err := ParseEngineKind(string(k)); err != nil {
			return nil, err
		}
		kinds[i] = k
	}
	return kinds, nil
}
