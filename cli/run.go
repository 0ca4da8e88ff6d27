package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/simrun/simrun/engine"
	"github.com/simrun/simrun/internal/shell"
	"github.com/simrun/simrun/internal/words"
	"github.com/simrun/simrun/report"
	"github.com/simrun/simrun/sim"
)

func (c *command) run(ctx context.Context, args []string) error {
	var o engine.Options
	var quiet bool
	var retries int
	var timeout time.Duration
	var onError string
	fs := c.newFlagSet("run", "[flags] FILE")
	fs.IntVar(&o.Workers, "workers", runtime.NumCPU(), "number of worker `N` (processes, or goroutines with --inprocess)")
	fs.BoolVar(&o.InProcess, "inprocess", false, "run chunks on goroutines in this process instead of worker processes (same results)")
	fs.StringVar(&o.Dir, "out", "", "write results to `DIR` instead of the directory the file names")
	fs.BoolVar(&quiet, "quiet", false, "print no progress, no notices and no summary; only errors")
	fs.BoolVar(&o.Force, "force", false, "discard the chunks journaled in the output directory and start over")
	fs.DurationVar(&o.Grace, "grace", engine.DefaultGrace, "after SIGINT or SIGTERM, wait up to `D` for running chunks before stopping them")
	fs.IntVar(&retries, "retries", sim.DefaultRun.Retries, "rerun a chunk whose worker died at most `N` times (overrides [run] retries)")
	fs.DurationVar(&timeout, "timeout", 0, "time limit `D` of one chunk, such as 10m; 0 for none (overrides [run] timeout)")
	fs.StringVar(&onError, "on-error", sim.OnErrorStop, "what a failed chunk does: `stop` the run, or continue with its point marked failed (overrides [run] on_error)")
	shardFlag := fs.String("shard", "", "run only shard `I/N` of the chunks, into OUTDIR/shards/I-of-N, or shards I-J/N one after another; auto: this array task's shard, from the environment of Slurm, Grid Engine or LSF; auto/N: of N, for PBS and Kubernetes, which do not say N (without --shard, an array task runs the whole experiment)")
	pos, err := parseArgs(fs, args, 1, "one experiment file")
	if err != nil {
		return err
	}
	if o.Workers < 1 {
		return usagef("simrun run: --workers %d: want at least 1", o.Workers)
	}
	if onError != sim.OnErrorStop && onError != sim.OnErrorContinue {
		return usagef("simrun run: --on-error %q: want %q or %q", onError, sim.OnErrorStop, sim.OnErrorContinue)
	}
	if retries < 0 || timeout < 0 {
		return usagef("simrun run: --retries and --timeout must not be negative")
	}
	// Sharding is asked for, never inferred: a researcher's own array
	// script that runs one whole experiment per task must not get a
	// third of each.
	var shards []engine.Shard
	switch {
	case *shardFlag == "":
	case strings.HasPrefix(*shardFlag, "auto"):
		s, err := engine.AutoShard(*shardFlag, os.Getenv)
		if err != nil {
			return err
		}
		shards = []engine.Shard{s}
	default:
		if shards, err = engine.ParseShards(*shardFlag); err != nil {
			return usagef("simrun run: --%v (or auto, in an array task)", err)
		}
	}
	if n, err := strconv.Atoi(os.Getenv("SLURM_CPUS_PER_TASK")); err == nil && n > 0 && !isSet(fs, "workers") {
		o.Workers = n
	}
	e, err := c.en.Load(pos[0])
	if err != nil {
		return err
	}
	if !quiet {
		c.warnings("run", e)
	}
	settings := e.Run
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "retries":
			settings.Retries = retries
		case "timeout":
			settings.Timeout = timeout
		case "on-error":
			settings.OnError = onError
		}
	})
	o.Run = &settings
	if o.Grace == 0 { // --grace 0: stop the running chunks at once
		o.Grace = -1
	}
	o.Stderr = c.stderr
	o.Logger = newLogger(c.stderr, quiet)
	if shards == nil {
		out, err := c.runOnce(ctx, e, o, quiet)
		if out == nil || quiet {
			return err
		}
		if out.UpToDate {
			return upToDate(c.stdout, out)
		}
		return summarize(c.stdout, out, "wrote", err)
	}
	// A range of shards runs one after another, each as `--shard I/N`
	// would: a shard already complete costs only the reading of its
	// journal, so a resubmitted task skips to the first incomplete one.
	for _, s := range shards {
		if err := ctx.Err(); err != nil {
			return err
		}
		o.Shard = &s
		out, err := c.runOnce(ctx, e, o, quiet)
		if out != nil && !quiet {
			fmt.Fprintf(c.stdout, "shard %s: %d of %d chunks in %s\n", o.Shard, out.Done, out.Total, filepath.Join(out.Dir, engine.JournalFile))
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// runOnce runs e with o, showing progress unless quiet.
func (c *command) runOnce(ctx context.Context, e *sim.Experiment, o engine.Options, quiet bool) (*engine.Outcome, error) {
	prog := startProgress(c.stderr, quiet)
	o.Progress, o.Stalls = prog.update, prog.watch
	out, err := c.en.Run(ctx, e, o)
	prog.stop()
	return out, err
}

// summarize prints a run's summary table and the files it wrote, then
// returns err.
func summarize(w io.Writer, out *engine.Outcome, verb string, err error) error {
	if serr := report.Summary(w, out.Results); serr != nil {
		return serr
	}
	fmt.Fprintf(w, "\n%s %d files in %s: %s\n", verb, len(out.Written), out.Dir, baseNames(out.Written))
	return err
}

// upToDate says that a run had nothing to do, with its summary when
// results.json lists the points.
func upToDate(w io.Writer, out *engine.Outcome) error {
	res := out.Results
	if len(res.Points) > 0 {
		if err := report.Summary(w, res); err != nil {
			return err
		}
		fmt.Fprintln(w)
	}
	pv := res.Provenance
	fmt.Fprintf(w, "%s is up to date: all %s of its %s are done (made %s on %s); nothing to run, no file rewritten.\n",
		out.Dir, words.Count(out.Total, "chunk"), words.Count(int64(len(res.Points))+res.PointsOmitted, "point"), pv.End.Local().Format("2006-01-02 15:04:05 MST"), pv.Host)
	fmt.Fprintf(w, "simrun report %s rewrites its tables and figures; --force runs it all again.\n", shell.Quote(out.Dir))
	return nil
}

// isSet reports whether the flag name was given.
func isSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

func baseNames(paths []string) string {
	names := make([]string, len(paths))
	for i, p := range paths {
		names[i] = filepath.Base(p)
	}
	return strings.Join(names, ", ")
}
