package cli

import (
	"errors"

	"github.com/spf13/cobra"
)

// newTokenServerCommand is a placeholder until the discovery work lands.
func newTokenServerCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "token-server",
		Short: "not available yet",
		RunE: func(cmd *cobra.Command, args []string) error {
			return errors.New("swarm token-server: not available yet")
		},
	}
}
