package cli

import (
	"context"
	"fmt"
)

// merge combines the shards of a sharded run into the outputs an
// unsharded run writes, byte for byte.
func (c *command) merge(_ context.Context, args []string) error {
	fs := c.newFlagSet("merge", "OUTDIR")
	quiet := fs.Bool("quiet", false, "print no summary")
	pos, err := parseArgs(fs, args, 1, "one output directory")
	if err != nil {
		return err
	}
	out, err := c.en.Merge(pos[0])
	if err != nil || *quiet {
		return err
	}
	return summarize(c.stdout, out, fmt.Sprintf("merged %d shards; wrote", out.Shards), nil)
}
