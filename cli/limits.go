package cli

import (
	"fmt"
	"time"

	units "github.com/docker/go-units"
	"github.com/spf13/pflag"

	"github.com/swarm-project/swarm/api"
)

// limitFlags are the flags of `swarm manage` that bound what one client
// can make the manager hold or wait for (api.Limits).
type limitFlags struct {
	maxBody      string
	bodyTimeout  time.Duration
	writeTimeout time.Duration
	idleTimeout  time.Duration
}

func (l *limitFlags) register(f *pflag.FlagSet) {
	f.StringVar(&l.maxBody, "max-request-body", units.BytesSize(api.DefaultMaxBody),
		"largest JSON request body (e.g. 16MiB, 64m); build contexts, image loads and imports, archive uploads, attach and exec are not limited")
	f.DurationVar(&l.bodyTimeout, "body-timeout", api.DefaultBodyTimeout, "longest pause while a client sends a request body")
	f.DurationVar(&l.writeTimeout, "write-timeout", api.DefaultWriteTimeout, "longest a client may stop reading an answer that is not a stream (streams: logs, events, attach, exec, build, pull...)")
	f.DurationVar(&l.idleTimeout, "idle-timeout", api.DefaultIdleTimeout, "how long an idle keep-alive connection is kept")
}

// parse checks the flags and returns the limits they set.
func (l *limitFlags) parse() (api.Limits, error) {
	max, err := units.RAMInBytes(l.maxBody)
	if err != nil || max <= 0 {
		return api.Limits{}, fmt.Errorf("manage: --max-request-body %q: want a positive size such as 16MiB", l.maxBody)
	}
	for _, d := range []struct {
		flag string
		v    time.Duration
	}{{"--body-timeout", l.bodyTimeout}, {"--write-timeout", l.writeTimeout}, {"--idle-timeout", l.idleTimeout}} {
		if d.v <= 0 {
			return api.Limits{}, fmt.Errorf("manage: %s %s: want a positive duration such as 60s", d.flag, d.v)
		}
	}
	return api.Limits{MaxBody: max, BodyTimeout: l.bodyTimeout, WriteTimeout: l.writeTimeout, IdleTimeout: l.idleTimeout}, nil
}
