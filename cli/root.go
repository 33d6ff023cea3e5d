package cli

import (
	"fmt"
	"io"
	"os"
	"strings"

	log "github.com/sirupsen/logrus"
	"github.com/spf13/cobra"
)

// Version and GitCommit are set at build time with -ldflags -X.
var (
	Version   = "1.0.0-dev"
	GitCommit = "unknown"
)

// globalOptions are the flags every command takes.
type globalOptions struct {
	debug        bool
	logLevel     string
	logFormat    string
	experimental bool
}

// Run executes the command line and returns the process exit code: 0, or
// 1 after printing "swarm: <message>" on stderr.
func Run(args []string) int {
	return run(args, os.Stderr)
}

func run(args []string, stderr io.Writer) int {
	root := newRootCommand()
	root.SetArgs(longFlagArgs(root, args))
	if err := root.Execute(); err != nil {
		fmt.Fprintln(stderr, "swarm:", err)
		return 1
	}
	return 0
}

func newRootCommand() *cobra.Command {
	g := &globalOptions{}
	root := &cobra.Command{
		Use:   "swarm",
		Short: "A Docker-native clustering system",
		Long: `swarm turns a pool of Docker engines into one virtual Docker engine.

Long flags may be given with one dash or two (-experimental, --experimental),
as classic Swarm accepted.`,
		Version:       fmt.Sprintf("%s (%s)", Version, GitCommit),
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			return g.setupLogging()
		},
	}
	root.SetVersionTemplate("swarm version {{.Version}}\n")
	f := root.PersistentFlags()
	f.BoolVar(&g.debug, "debug", false, "debug mode (same as --log-level=debug)")
	f.StringVarP(&g.logLevel, "log-level", "l", "info", "log level: debug, info, warn, error, fatal or panic")
	f.StringVar(&g.logFormat, "log-format", "text", "log format: text or json")
	f.BoolVar(&g.experimental, "experimental", false, "enable experimental features")
	root.AddCommand(
		newManageCommand(g),
		newJoinCommand(),
		newListCommand(),
		newCreateCommand(),
		newTokenServerCommand(),
	)
	return root
}

func (g *globalOptions) setupLogging() error {
	level := g.logLevel
	if g.debug {
		level = "debug"
	}
	lvl, err := log.ParseLevel(level)
	if err != nil {
		return fmt.Errorf("invalid --log-level %q: use debug, info, warn, error, fatal or panic", level)
	}
	log.SetLevel(lvl)
	switch strings.ToLower(g.logFormat) {
	case "text", "":
		log.SetFormatter(&log.TextFormatter{FullTimestamp: true})
	case "json":
		log.SetFormatter(&log.JSONFormatter{})
	default:
		return fmt.Errorf("invalid --log-format %q: use text or json", g.logFormat)
	}
	log.SetOutput(os.Stderr)
	return nil
}

// envDefault returns the environment variable's value, or def.
func envDefault(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return def
}
