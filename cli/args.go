package cli

import (
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// longFlagArgs rewrites Go-style single-dash long flags (-experimental,
// -cluster-opt k=v, -engine-refresh-max-interval=20s) to the double-dash
// form cobra parses, as classic Swarm's command line accepted both.
//
// It walks args the way cobra will: an argument naming a subcommand (before
// any other positional argument) moves to that command, so the flags known
// at each point are the command's own and its parents' persistent flags.
// -name and -name=value become --name and --name=value only when name is
// longer than one character and is a long flag known there; so -H, -l, -f,
// -c and their attached-value forms (-Hunix:///s, -cswarm) keep their
// meaning, and a word that names a long flag wins over reading it as a
// short flag with an attached value (-cors is --cors, not -c ors). The
// value after a flag that takes one, positional arguments and everything
// after "--" are left alone.
func longFlagArgs(root *cobra.Command, args []string) []string {
	out := make([]string, 0, len(args))
	cmd := root
	initDefaultFlags(cmd)
	positional := false // a non-command positional argument was seen
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return append(out, args[i:]...)
		case strings.HasPrefix(a, "--"):
			out = append(out, a)
			if takesNextArg(cmd, a[2:]) && i+1 < len(args) {
				i++
				out = append(out, args[i])
			}
		case strings.HasPrefix(a, "-") && len(a) > 1:
			if name, _, _ := strings.Cut(a[1:], "="); len(name) > 1 && lookupFlag(cmd, name) != nil {
				out = append(out, "-"+a)
				if takesNextArg(cmd, a[1:]) && i+1 < len(args) {
					i++
					out = append(out, args[i])
				}
				continue
			}
			out = append(out, a)
			if shortTakesNextArg(cmd, a[1:]) && i+1 < len(args) {
				i++
				out = append(out, args[i])
			}
		default:
			out = append(out, a)
			if positional {
				continue
			}
			if sub := childCommand(cmd, a); sub != nil {
				cmd = sub
				initDefaultFlags(cmd)
			} else {
				positional = true
			}
		}
	}
	return out
}

// initDefaultFlags adds the flags cobra only adds when it executes (--help,
// and --version on the root), so that -help and -version are known.
func initDefaultFlags(cmd *cobra.Command) {
	cmd.InitDefaultHelpFlag()
	if !cmd.HasParent() {
		cmd.InitDefaultVersionFlag()
	}
}

// lookupFlag returns the long flag name known to cmd: its own flags or a
// persistent flag of it or of a parent; nil if none.
func lookupFlag(cmd *cobra.Command, name string) *pflag.Flag {
	if name == "" {
		return nil
	}
	if f := cmd.Flags().Lookup(name); f != nil {
		return f
	}
	for c := cmd; c != nil; c = c.Parent() {
		if f := c.PersistentFlags().Lookup(name); f != nil {
			return f
		}
	}
	return nil
}

// lookupShorthand is lookupFlag for a one-letter shorthand.
func lookupShorthand(cmd *cobra.Command, short string) *pflag.Flag {
	if f := cmd.Flags().ShorthandLookup(short); f != nil {
		return f
	}
	for c := cmd; c != nil; c = c.Parent() {
		if f := c.PersistentFlags().ShorthandLookup(short); f != nil {
			return f
		}
	}
	return nil
}

// takesNextArg reports whether the long flag in arg ("name" or
// "name=value", without dashes) reads its value from the next argument: it
// is known to cmd, has no "=value" and is not a boolean (or other flag with
// a no-option default).
func takesNextArg(cmd *cobra.Command, arg string) bool {
	if strings.Contains(arg, "=") {
		return false
	}
	f := lookupFlag(cmd, arg)
	return f != nil && f.NoOptDefVal == ""
}

// shortTakesNextArg reports whether a group of shorthands (the part after
// the dash: "l", "dl", "Hunix:///s", "H=x") reads a value from the next
// argument, as pflag does: the first shorthand that takes a value takes the
// rest of the group, or the next argument when the group ends there.
func shortTakesNextArg(cmd *cobra.Command, group string) bool {
	for i := 0; i < len(group); i++ {
		f := lookupShorthand(cmd, group[i:i+1])
		if f == nil {
			return false // unknown: cobra reports it
		}
		if f.NoOptDefVal != "" {
			continue
		}
		return i == len(group)-1
	}
	return false
}

// childCommand returns cmd's subcommand called name (or with that alias).
func childCommand(cmd *cobra.Command, name string) *cobra.Command {
	for _, c := range cmd.Commands() {
		if c.Name() == name || c.HasAlias(name) {
			return c
		}
	}
	return nil
}
