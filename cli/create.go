package cli

import (
	"errors"

	"github.com/spf13/cobra"
)

// newCreateCommand is a placeholder until the discovery work lands.
func newCreateCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "create",
		Short: "not available yet",
		RunE: func(cmd *cobra.Command, args []string) error {
			return errors.New("swarm create: not available yet")
		},
	}
}
