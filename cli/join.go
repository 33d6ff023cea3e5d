package cli

import (
	"errors"

	"github.com/spf13/cobra"
)

// newJoinCommand is a placeholder until the discovery work lands.
func newJoinCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "join",
		Short: "not available yet",
		RunE: func(cmd *cobra.Command, args []string) error {
			return errors.New("swarm join: not available yet")
		},
	}
}
