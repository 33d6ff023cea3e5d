package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/spf13/cobra"

	"github.com/swarm-project/swarm/discovery"
)

// listOptions are the flags of `swarm list`.
type listOptions struct {
	timeout       durationText
	discoveryOpts []string
}

func newListCommand() *cobra.Command {
	o := &listOptions{timeout: "10s"}
	cmd := &cobra.Command{
		Use:   "list [OPTIONS] <discovery>",
		Short: "List the engines of a cluster",
		Long: `Print the address of every engine the discovery backend holds, one per line,
and exit. The discovery argument may also come from $SWARM_DISCOVERY.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			uri, err := discoveryArg("list", args)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			return runList(ctx, o, uri, cmd)
		},
	}
	f := cmd.Flags()
	f.Var(&o.timeout, "timeout", "how long to wait for the discovery backend")
	f.StringArrayVar(&o.discoveryOpts, "discovery-opt", nil, "discovery option key=value: kv.cacertfile, kv.certfile, kv.keyfile, kv.path, token.url (repeatable)")
	return cmd
}

func runList(ctx context.Context, o *listOptions, uri string, cmd *cobra.Command) error {
	timeout, err := o.timeout.parse("timeout")
	if err != nil {
		return err
	}
	if timeout <= 0 {
		return errors.New("--timeout should be a positive number")
	}
	opts, err := parseDiscoveryOpts("list", o.discoveryOpts)
	if err != nil {
		return err
	}
	backend, err := discovery.New(uri, discovery.Options{Heartbeat: time.Second, Opts: opts})
	if err != nil {
		return fmt.Errorf("list: %w", err)
	}
	defer discovery.Close(backend)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	entries, errs := backend.Watch(ctx)
	var lastErr error
	for {
		select {
		case es, ok := <-entries:
			if !ok {
				return listTimeout(uri, timeout, lastErr)
			}
			for _, e := range es {
				fmt.Fprintln(cmd.OutOrStdout(), e.String())
			}
			return nil
		case err, ok := <-errs:
			if !ok {
				errs = nil
				continue
			}
			if permanent(err) {
				return fmt.Errorf("list: %w", err)
			}
			lastErr = err
		case <-ctx.Done():
			return listTimeout(uri, timeout, lastErr)
		}
	}
}

// permanent reports errors that waiting will not fix: a missing or bad
// discovery file, an unknown token.
func permanent(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, discovery.ErrInvalidEntry) ||
		errors.Is(err, discovery.ErrInvalidRange) || errors.Is(err, discovery.ErrUnknownToken)
}

func listTimeout(uri string, timeout time.Duration, lastErr error) error {
	if lastErr != nil {
		return fmt.Errorf("list: no answer from %s within %s: %w", uri, timeout, lastErr)
	}
	return fmt.Errorf("list: no answer from %s within %s (is the store reachable?)", uri, timeout)
}
