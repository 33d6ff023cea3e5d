package cli

import (
	"fmt"
	"time"
)

// durationText is a duration flag kept as typed and parsed by the command,
// so that a bad value gets the command's own message in the order it
// checks its flags (classic Swarm's "invalid --delay: <err>") rather than
// pflag's. It shows as a duration in the help.
type durationText string

func (d *durationText) String() string     { return string(*d) }
func (d *durationText) Set(s string) error { *d = durationText(s); return nil }
func (d *durationText) Type() string       { return "duration" }

// parse returns the duration, or "invalid --<flag>: <err>".
func (d *durationText) parse(flag string) (time.Duration, error) {
	v, err := time.ParseDuration(string(*d))
	if err != nil {
		return 0, fmt.Errorf("invalid --%s: %w", flag, err)
	}
	return v, nil
}
