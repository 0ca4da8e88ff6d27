package cli

import (
	"context"
	"fmt"
	"strconv"
	"text/tabwriter"
)

// chunk runs exactly one chunk in this process, without a worker pool and
// without recovering a panic, so that a failing chunk can be debugged
// (with a debugger, or by reading the full stack). It is the command a
// failed run prints.
func (c *command) chunk(_ context.Context, args []string) error {
	fs := c.newFlagSet("chunk", "FILE POINT CHUNK")
	pos, err := parseArgs(fs, args, 3, "FILE POINT CHUNK")
	if err != nil {
		return err
	}
	e, err := c.en.Load(pos[0])
	if err != nil {
		return err
	}
	point, err1 := strconv.ParseInt(pos[1], 10, 64)
	chunk, err2 := strconv.ParseInt(pos[2], 10, 64)
	if err1 != nil || err2 != nil || point < 0 || point >= e.NumPoints() || chunk < 0 || chunk >= e.Budget.Chunks {
		return usagef("simrun chunk: point %q and chunk %q: want a point in [0, %d) and a chunk in [0, %d)", pos[1], pos[2], e.NumPoints(), e.Budget.Chunks)
	}
	fmt.Fprintf(c.stdout, "point %d (%s), chunk %d of %d, %d samples, seed %d\n", point, e.Point(point).Key, chunk, e.Budget.Chunks, e.Budget.ChunkSamples(chunk), e.Seed)
	accs, err := c.en.Chunk(e, point, chunk)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "observable\tn\tmean\tvariance\tmin\tmax")
	for i, a := range accs {
		fmt.Fprintf(tw, "%s\t%d\t%v\t%v\t%v\t%v\n", e.Kernel.Observables[i].Name, a.N, a.Mean, a.Variance(), a.Min, a.Max)
	}
	return tw.Flush()
}
