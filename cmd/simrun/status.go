package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"text/tabwriter"
)

// statusCmd shows how far a run (sharded or not, finished or in progress)
// has come, from its journals. It changes nothing.
func statusCmd(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("status", "OUTDIR", stderr)
	pos, err := parseArgs(fs, args, 1, "one output directory")
	if err != nil {
		return err
	}
	outDir := pos[0]
	if _, err := os.Stat(filepath.Join(outDir, "shards")); err != nil {
		return unshardedStatus(outDir, stdout)
	}
	n, have, err := foundShards(outDir)
	if err != nil {
		return err
	}
	e, err := shardExperiment(outDir, n, have)
	if err != nil {
		return err
	}
	states, err := shardStates(outDir, e, n)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "experiment %s (kernel %s), %d shards\n", e.Name, e.Kernel.Name, n)
	fmt.Fprintln(tw, "shard\tchunks\tstate")
	var done, total int64
	complete := 0
	for _, s := range states {
		state := "not started"
		switch {
		case s.Done == s.Total:
			state = "complete"
			complete++
		case s.Exists:
			state = "incomplete (running, or stopped: resume it)"
		}
		fmt.Fprintf(tw, "%d/%d\t%d/%d\t%s\n", s.Index, s.Count, s.Done, s.Total, state)
		done += s.Done
		total += s.Total
	}
	fmt.Fprintf(tw, "all\t%d/%d\t%d of %d shards complete\n", done, total, complete, n)
	if _, err := os.Stat(filepath.Join(outDir, resultsJSON)); err == nil {
		fmt.Fprintf(tw, "merged\t\t%s\n", filepath.Join(outDir, resultsJSON))
	} else if complete == n {
		fmt.Fprintf(tw, "merged\t\tnot yet: simrun merge %s\n", outDir)
	}
	return tw.Flush()
}

func unshardedStatus(outDir string, stdout io.Writer) error {
	e, err := loadRunExperiment(outDir)
	if err != nil {
		return err
	}
	got, _, err := journaledChunks(outDir, e)
	if err != nil {
		return err
	}
	total, _ := e.NumChunks()
	fmt.Fprintf(stdout, "experiment %s (kernel %s): %d/%d chunks in %s\n", e.Name, e.Kernel.Name, len(got), total, filepath.Join(outDir, journalFile))
	return nil
}
