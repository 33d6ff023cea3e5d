package cli

import (
	"errors"

	"github.com/spf13/cobra"
)

// newListCommand is a placeholder until the discovery work lands.
func newListCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "not available yet",
		RunE: func(cmd *cobra.Command, args []string) error {
			return errors.New("swarm list: not available yet")
		},
	}
}
