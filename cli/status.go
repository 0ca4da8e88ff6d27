package cli

import (
	"context"
	"fmt"
	"path/filepath"
	"text/tabwriter"

	"github.com/simrun/simrun/engine"
)

// status shows how far a run (sharded or not, finished or in progress)
// has come, from its journals. It changes nothing.
func (c *command) status(_ context.Context, args []string) error {
	fs := c.newFlagSet("status", "OUTDIR")
	pos, err := parseArgs(fs, args, 1, "one output directory")
	if err != nil {
		return err
	}
	outDir := pos[0]
	st, err := c.en.Status(outDir)
	if err != nil {
		return err
	}
	e := st.Experiment
	if st.Shards == nil {
		fmt.Fprintf(c.stdout, "experiment %s (kernel %s): %d/%d chunks in %s\n", e.Name, e.Kernel.Name, st.Done, st.Total, filepath.Join(outDir, engine.JournalFile))
		return nil
	}
	n := len(st.Shards)
	tw := tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "experiment %s (kernel %s), %d shards\n", e.Name, e.Kernel.Name, n)
	fmt.Fprintln(tw, "shard\tchunks\tstate")
	complete := 0
	for _, s := range st.Shards {
		state := "not started"
		switch {
		case s.Done == s.Total:
			state = "complete"
			complete++
		case s.Exists:
			state = "incomplete (running, or stopped: resume it)"
		}
		fmt.Fprintf(tw, "%s\t%d/%d\t%s\n", s.Shard, s.Done, s.Total, state)
	}
	fmt.Fprintf(tw, "all\t%d/%d\t%d of %d shards complete\n", st.Done, st.Total, complete, n)
	if st.Merged {
		fmt.Fprintf(tw, "merged\t\t%s\n", filepath.Join(outDir, engine.ResultsJSON))
	} else if complete == n {
		fmt.Fprintf(tw, "merged\t\tnot yet: %s merge %s\n", c.en.Program, outDir)
	}
	return tw.Flush()
}
