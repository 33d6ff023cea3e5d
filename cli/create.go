package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/swarm-project/swarm/discovery"
)

func newCreateCommand() *cobra.Command {
	var serviceURL string
	cmd := &cobra.Command{
		Use:   "create [OPTIONS]",
		Short: "Create a cluster token",
		Long: `Ask a token discovery service (see swarm token-server) for a new cluster token
and print it. The service URL comes from --url or $` + discovery.EnvTokenURL + `.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			service, err := discovery.TokenServiceURL(serviceURL)
			if err != nil {
				return fmt.Errorf("create: %w", err)
			}
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			tok, err := discovery.CreateToken(ctx, service)
			if err != nil {
				return fmt.Errorf("create: %w", err)
			}
			fmt.Fprintln(cmd.OutOrStdout(), tok)
			return nil
		},
	}
	cmd.Flags().StringVar(&serviceURL, "url", "", "token discovery service URL, e.g. http://127.0.0.1:8090 ($"+discovery.EnvTokenURL+")")
	return cmd
}
