package cli

import (
	"errors"
	"flag"
	"io"
)

// newFlagSet returns a FlagSet of the subcommand name that reports errors
// instead of exiting.
func (c *command) newFlagSet(name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	fs.Usage = func() {
		io.WriteString(c.stderr, "usage: "+c.en.Program+" "+name+" "+synopsis+"\n")
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args allowing flags after positional arguments, as in
// `simrun run exp.toml --workers 4`, and returns the positional ones.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, errHelp
			}
			return nil, errUsagePrinted
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// anyArgs tells parseArgs to accept any number of positional arguments.
const anyArgs = -2

// parseArgs parses args with parseFlags and checks the number of positional
// arguments: exactly n, at least one for n = -1, any for anyArgs. what
// describes them for the error, such as "one experiment file".
func parseArgs(fs *flag.FlagSet, args []string, n int, what string) ([]string, error) {
	pos, err := parseFlags(fs, args)
	if err != nil {
		return nil, err
	}
	if n >= 0 && len(pos) != n || n == -1 && len(pos) == 0 {
		fs.Usage()
		return nil, usagef("simrun %s: want %s, got %d arguments", fs.Name(), what, len(pos))
	}
	return pos, nil
}

// errHelp is returned after -h printed the usage: not a failure (exit 0).
var errHelp = errors.New("help requested")
