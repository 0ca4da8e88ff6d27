package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/simrun/simrun/engine"
	"github.com/simrun/simrun/sim"
	"github.com/simrun/simrun/sim/rng"
)

// planShow is how many points plan lists at each end of the sweep.
const planShow = 5

func (c *command) plan(_ context.Context, args []string) error {
	fs := c.newFlagSet("plan", "FILE")
	pos, err := parseArgs(fs, args, 1, "one experiment file")
	if err != nil {
		return err
	}
	e, err := c.en.Load(pos[0])
	if err != nil {
		return err
	}
	c.warnings("plan", e)
	return writePlan(c.stdout, e)
}

// writePlan describes what a run would do. It never enumerates the sweep,
// so it answers at once for any number of points.
func writePlan(w io.Writer, e *sim.Experiment) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	np := e.NumPoints()
	fmt.Fprintf(tw, "experiment\t%s\t(%s)\n", e.Name, e.File)
	if e.Description != "" {
		fmt.Fprintf(tw, "description\t%s\n", e.Description)
	}
	fmt.Fprintf(tw, "kernel\t%s (version %d)\n", e.Kernel.Name, e.Kernel.Version)
	fmt.Fprintf(tw, "seed\t%d\n", e.Seed)
	fmt.Fprintf(tw, "points\t%d\n", np)
	b := e.Budget
	most := ""
	if b.Adaptive() {
		most = "at most "
	}
	if b.ChunkSize > 0 {
		fmt.Fprintf(tw, "samples per point\t%s%d in %d chunks of %d", most, b.Samples, b.Chunks, b.ChunkSize)
		if last := b.ChunkSamples(b.Chunks - 1); last != b.ChunkSize {
			fmt.Fprintf(tw, " (last %d)", last)
		}
		fmt.Fprintln(tw)
	} else {
		fmt.Fprintf(tw, "samples per point\t%s%d in %d chunks of %d to %d\n", most, b.Samples, b.Chunks, b.ChunkSamples(b.Chunks-1), b.ChunkSamples(0))
	}
	if b.Adaptive() {
		fmt.Fprintf(tw, "targets\t%s, in rounds from %d chunks\n", targetsText(b.Targets), b.MinChunks)
	}
	if total, ok := e.NumChunks(); ok {
		fmt.Fprintf(tw, "chunks in all\t%s%d\n", most, total)
	} else {
		fmt.Fprintf(tw, "chunks in all\tmore than 2^63\n")
	}
	if s, ok := mulOK(np, b.Samples); ok {
		fmt.Fprintf(tw, "samples in all\t%s%d\n", most, s)
	} else {
		fmt.Fprintf(tw, "samples in all\tmore than 2^63\n")
	}
	fmt.Fprintf(tw, "output\t%s\n", e.Output.Dir)
	fmt.Fprintf(tw, "tables\t%s\n", strings.Join(engine.TableNames(e), ", "))
	fmt.Fprintf(tw, "generator\t%s\n", rng.Algorithm)
	fmt.Fprintf(tw, "chunk seeds\t%s\n", sim.SeedScheme)
	if err := e.CheckRunnable(); err != nil {
		fmt.Fprintf(tw, "runnable\tno: %v\n", err)
	} else {
		fmt.Fprintf(tw, "runnable\tyes\n")
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	if fixed := e.Fixed(); len(fixed) > 0 {
		fmt.Fprintf(w, "\nfixed parameters: %v\n", fixed)
	}
	if axes := e.Axes(); len(axes) > 0 {
		fmt.Fprintln(w, "\nsweep (first axis varies slowest):")
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		for _, a := range axes {
			fmt.Fprintf(tw, "  %v\t%d values\t%s\n", a.Names, a.Len, a.Desc)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	fmt.Fprintln(w, "\npoints:")
	show := func(i int64) {
		fmt.Fprintf(w, "  %d\t%s\n", i, e.Point(i).Key)
	}
	if np <= 2*planShow {
		for i := range np {
			show(i)
		}
		return nil
	}
	for i := range int64(planShow) {
		show(i)
	}
	fmt.Fprintf(w, "  ... %d more ...\n", np-2*planShow)
	for i := np - planShow; i < np; i++ {
		show(i)
	}
	return nil
}

func mulOK(a, b int64) (int64, bool) {
	if a == 0 || b == 0 {
		return 0, true
	}
	c := a * b
	return c, c/b == a && c > 0
}

// targetsText describes the targets of an adaptive budget: "call:
// stderr ≤ 0.05 + 0.01·|mean|".
func targetsText(ts []sim.Target) string {
	parts := make([]string, len(ts))
	for i, t := range ts {
		var bound []string
		if t.Abs > 0 {
			bound = append(bound, sim.FormatFloat(t.Abs))
		}
		if t.Rel > 0 {
			bound = append(bound, sim.FormatFloat(t.Rel)+"·|mean|")
		}
		parts[i] = t.Stat + ": stderr ≤ " + strings.Join(bound, " + ")
	}
	return strings.Join(parts, ", ")
}
