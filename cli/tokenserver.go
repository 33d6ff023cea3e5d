package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	log "github.com/sirupsen/logrus"
	"github.com/spf13/cobra"

	"github.com/swarm-project/swarm/discovery/tokenserver"
)

func newTokenServerCommand() *cobra.Command {
	var addr, data string
	var sweep time.Duration
	cmd := &cobra.Command{
		Use:   "token-server [OPTIONS]",
		Short: "Serve token discovery",
		Long: `Serve the token discovery protocol (swarm create, token://<token>) on --addr,
keeping clusters and registrations in the bbolt database --data, so that a
restart loses no cluster. Registrations expire after the ttl they were given.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if data == "" {
				return errors.New("token-server: --data=/path/to/db is required")
			}
			if sweep <= 0 {
				return fmt.Errorf("token-server: --sweep must be positive, got %s", sweep)
			}
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runTokenServer(ctx, addr, data, sweep)
		},
	}
	f := cmd.Flags()
	f.StringVar(&addr, "addr", "127.0.0.1:8090", "address to listen on, host:port")
	f.StringVar(&data, "data", "", "path of the database file (created when missing)")
	f.DurationVar(&sweep, "sweep", time.Minute, "how often expired registrations are deleted from disk")
	return cmd
}

func runTokenServer(ctx context.Context, addr, data string, sweep time.Duration) error {
	srv, err := tokenserver.Open(tokenserver.Config{DBPath: data, SweepInterval: sweep, Logf: log.Infof})
	if err != nil {
		return fmt.Errorf("token-server: %w", err)
	}
	defer srv.Close()
	var lc net.ListenConfig
	l, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("token-server: %w", err)
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		srv.Sweep(ctx)
	}()
	go func() {
		defer wg.Done()
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = hs.Shutdown(sctx)
	}()
	log.WithFields(log.Fields{"addr": l.Addr().String(), "data": data}).Info("token server listening")
	err = hs.Serve(l)
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	cancel() // Serve may have failed by itself: stop the helpers too
	wg.Wait()
	if err != nil {
		return fmt.Errorf("token-server: %w", err)
	}
	log.Info("token server stopped")
	return nil
}
