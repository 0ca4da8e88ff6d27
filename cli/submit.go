package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/simrun/simrun/engine"
	"github.com/simrun/simrun/internal/shell"
	"github.com/simrun/simrun/internal/words"
	"github.com/simrun/simrun/sim"
	"github.com/simrun/simrun/slurm"
)

// simrun submit runs an experiment as a Slurm job array: it writes two
// scripts into OUTDIR/slurm, array.sbatch (task I runs shard I of N with
// `simrun run --shard I/N`) and merge.sbatch (`simrun merge OUTDIR`), and
// submits the second to run once every task of the first has ended.
// Package slurm writes and submits them; here are the flags, the [slurm]
// table they override, and --resume's choice of shards.

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, " ") }
func (l *stringList) Set(s string) error { *l = append(*l, s); return nil }

func (c *command) submit(ctx context.Context, args []string) error {
	stdout := c.stdout
	var f sim.SlurmSettings
	var extra stringList
	var out string
	var dryRun, resume bool
	fs := c.newFlagSet("submit", "[flags] FILE")
	fs.Usage = func() {
		fmt.Fprintf(c.stderr, "usage: %s submit [flags] FILE\n", c.en.Program)
		fs.PrintDefaults()
		io.WriteString(c.stderr, submitNotes)
	}
	fs.IntVar(&f.Array, "array", 0, "split the run into `N` shards, one Slurm array task each (overrides [slurm] array)")
	fs.IntVar(&f.Throttle, "throttle", 0, "run at most `K` array tasks at once; 0 for no limit (overrides [slurm] throttle)")
	fs.StringVar(&f.Partition, "partition", "", "Slurm partition `P` (overrides [slurm] partition)")
	fs.StringVar(&f.Time, "time", "", "time limit `T` of each task, such as 2:00:00 or 1-12:00:00 (overrides [slurm] time)")
	fs.StringVar(&f.Mem, "mem", "", "memory `M` per task, such as 4G (overrides [slurm] mem)")
	fs.IntVar(&f.CPUsPerTask, "cpus-per-task", 0, "CPUs `C` of each task, which runs as many workers (overrides [slurm] cpus_per_task)")
	fs.StringVar(&f.Account, "account", "", "Slurm account `A` to charge (overrides [slurm] account)")
	fs.StringVar(&f.MergeTime, "merge-time", "", "time limit `T` of the merge job; default the tasks' --time, at most 1:00:00 (overrides [slurm] merge_time)")
	fs.StringVar(&f.MergeMem, "merge-mem", "", "memory `M` of the merge job; default Slurm's, not the tasks' --mem (overrides [slurm] merge_mem)")
	fs.IntVar(&f.SignalBefore, "signal-before", 0, "send each task SIGTERM `S` seconds before its time limit, to finish and journal its running chunks; default 300, at most a tenth of --time (overrides [slurm] signal_before)")
	fs.Var(&extra, "sbatch-arg", "a further sbatch option `ARG` such as --qos=long; repeatable (replaces [slurm] sbatch_args)")
	fs.StringVar(&out, "out", "", "write results to `DIR` instead of the directory the file names")
	fs.BoolVar(&dryRun, "dry-run", false, "write and print the scripts and the sbatch commands, and submit nothing")
	fs.BoolVar(&resume, "resume", false, "submit only the shards whose journals in the output directory are incomplete, then the merge")
	pos, err := parseFlags(fs, args)
	if err != nil {
		if errors.Is(err, errHelp) {
			return nil
		}
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return usagef("simrun submit: want one experiment file, got %d arguments", len(pos))
	}
	e, err := c.en.Load(pos[0])
	if err != nil {
		return err
	}
	if err := e.CheckRunnable(); err != nil {
		return &engine.InputError{Err: err}
	}

	// The file's [slurm] table, overridden by the flags given.
	s, err := overrideSlurm(e.Slurm, fs, f, extra)
	if err != nil {
		return err
	}
	if s.Array == 0 {
		fs.Usage()
		return usagef("simrun submit: how many array tasks? give --array N, or array = N in the [slurm] table of %s", e.File)
	}
	if total, ok := e.NumChunks(); ok && int64(s.Array) > total {
		return usagef("simrun submit: --array %d: %s has only %d chunks in all, so %d of the tasks would have nothing to do; use --array %d or fewer",
			s.Array, e.File, total, int64(s.Array)-total, total)
	}
	var sc slurm.Client
	if limit, ok := sc.MaxArraySize(ctx); ok && s.Array > limit {
		return usagef("simrun submit: --array %d: this cluster's MaxArraySize is %d (scontrol show config), so array indices go up to %d only; use --array %d or fewer",
			s.Array, limit, limit-1, limit)
	}

	j := &slurm.Job{Name: e.Name, Settings: s}
	if out == "" {
		out = e.Output.Dir
	}
	if j.File, err = filepath.Abs(e.File); err != nil {
		return &engine.InputError{Err: fmt.Errorf("simrun submit: %w", err)}
	}
	if j.OutDir, err = filepath.Abs(out); err != nil {
		return &engine.InputError{Err: fmt.Errorf("simrun submit: %w", err)}
	}
	if j.Exe, err = os.Executable(); err != nil {
		return fmt.Errorf("simrun submit: cannot find the simrun binary for the scripts: %w", err)
	}
	if err := j.Check(); err != nil {
		return err
	}
	if !dryRun {
		// Before writing anything: without sbatch there is nothing to do
		// but --dry-run.
		if err := sc.CheckSbatch(ctx); err != nil {
			return err
		}
	}

	// Which shards to run: all, or with --resume those not complete.
	todo := make([]int, s.Array)
	for i := range todo {
		todo[i] = i
	}
	if resume {
		if todo, err = incompleteShards(c, e, j.OutDir, s.Array, stdout); err != nil {
			return err
		}
	}

	if err := j.WriteScripts(); err != nil {
		return err
	}
	if dryRun {
		return j.DryRun(stdout, todo)
	}
	arrayID, mergeID, err := sc.Submit(ctx, j, todo)
	if arrayID != "" {
		throttle := ""
		if s.Throttle > 0 {
			throttle = fmt.Sprintf(", at most %d at once", s.Throttle)
		}
		fmt.Fprintf(stdout, "submitted array job %s: %d %s of %s (%s%s); logs %s\n",
			arrayID, len(todo), words.Plural(len(todo), "task", "tasks"), e.Name, slurm.ShardList(todo, s.Array), throttle, j.ArrayLogs(arrayID))
	}
	if err != nil {
		return err
	}
	printSubmitted(stdout, j, arrayID, mergeID)
	return nil
}

// submitNotes end submit's help: what the scripts manage, and what a
// task's exit status means.
const submitNotes = `
The scripts set these sbatch options themselves, and --sbatch-arg (or
[slurm] sbatch_args) may not give them, nor abbreviate them as sbatch
would read them: --array, --job-name, --output, --open-mode=append,
--signal=B:TERM@S (see --signal-before), --requeue; --partition, --time,
--mem, --cpus-per-task and --account have flags of their own; --wrap and
an --export of BASH_ENV or ENV are refused.

Each array task runs one shard: SIGTERM (S seconds before its time limit,
or scancel) makes it finish and journal its running chunks, and a requeued
task resumes from its journal. Its exit status: 0 its shard is complete;
143 or 130 interrupted, resumable; 1 a chunk failed (a kernel error: a
resubmission repeats it); 2 bad input. The merge job runs once every task
has ended; if a shard is incomplete it fails, and its log names the shards
and the simrun submit --resume command that runs them and merges again.
`

// overrideSlurm returns s with the settings flags of fs that were given,
// whose values are in f and extra, checked as strictly as the file's.
func overrideSlurm(s sim.SlurmSettings, fs *flag.FlagSet, f sim.SlurmSettings, extra []string) (sim.SlurmSettings, error) {
	var flagErr error
	fs.Visit(func(fl *flag.Flag) {
		key := strings.ReplaceAll(fl.Name, "-", "_")
		var v any
		switch fl.Name {
		case "array":
			s.Array, v = f.Array, int64(f.Array)
		case "throttle":
			s.Throttle, v = f.Throttle, int64(f.Throttle)
		case "cpus-per-task":
			s.CPUsPerTask, v = f.CPUsPerTask, int64(f.CPUsPerTask)
		case "partition":
			s.Partition, v = f.Partition, f.Partition
		case "time":
			s.Time, v = f.Time, f.Time
		case "mem":
			s.Mem, v = f.Mem, f.Mem
		case "account":
			s.Account, v = f.Account, f.Account
		case "signal-before":
			s.SignalBefore, v = f.SignalBefore, int64(f.SignalBefore)
		case "merge-time":
			s.MergeTime, v = f.MergeTime, f.MergeTime
		case "merge-mem":
			s.MergeMem, v = f.MergeMem, f.MergeMem
		case "sbatch-arg":
			s.SbatchArgs = extra
			for _, a := range extra {
				if msg := sim.CheckSlurm("sbatch_args", a); msg != "" && flagErr == nil {
					flagErr = usagef("simrun submit: --sbatch-arg %q: %s", a, msg)
				}
			}
			return
		default:
			return
		}
		if msg := sim.CheckSlurm(key, v); msg != "" && flagErr == nil {
			val := fl.Value.String()
			if _, isString := v.(string); isString {
				val = strconv.Quote(val)
			}
			flagErr = usagef("simrun submit: --%s %s: %s", fl.Name, val, flagWant(msg))
		}
	})
	return s, flagErr
}

// printSubmitted tells the user how to follow the jobs submitted: the
// merge, and the array it waits for unless arrayID is "".
func printSubmitted(stdout io.Writer, j *slurm.Job, arrayID, mergeID string) {
	jobs := mergeID
	if arrayID != "" {
		fmt.Fprintf(stdout, "submitted merge job %s: runs once every task of job %s has ended\n", mergeID, arrayID)
		jobs = arrayID + "," + mergeID
	} else {
		fmt.Fprintf(stdout, "submitted merge job %s\n", mergeID)
	}
	fmt.Fprintf(stdout, "  watch:    squeue -j %s\n", jobs)
	fmt.Fprintf(stdout, "  progress: simrun status %s\n", shell.Quote(j.OutDir))
	fmt.Fprintf(stdout, "  results:  %s (and results.json, report.md) when job %s has finished; its log: %s\n",
		filepath.Join(j.OutDir, "results.csv"), mergeID, j.MergeLog(mergeID))
	if arrayID != "" {
		fmt.Fprintf(stdout, "If a task fails, runs out of time or is cancelled, job %s says which shards are incomplete, and the simrun submit --resume command that runs them and merges again, in its log.\n", mergeID)
	}
}

// flagWant drops the file example ("such as array = 16") from a [slurm]
// message about a flag.
func flagWant(msg string) string {
	if i := strings.LastIndex(msg, ", such as "); i >= 0 && strings.Contains(msg[i:], " = ") {
		return msg[:i]
	}
	return msg
}

// incompleteShards returns the shards of e's n in outDir whose journals
// lack chunks, and says which they are.
func incompleteShards(c *command, e *sim.Experiment, outDir string, n int, stdout io.Writer) ([]int, error) {
	states, err := c.en.ShardStatuses(outDir, e, n)
	var sce *engine.ShardCountError
	if errors.As(err, &sce) {
		return nil, usagef("simrun submit --resume: the shards in %s are of %d tasks, not %d: resume with --array %d", sce.Dir, sce.Found, n, sce.Found)
	}
	if err != nil {
		return nil, err
	}
	var todo []int
	var parts []string
	for _, st := range states {
		if !st.Exists || st.Done < st.Total {
			todo = append(todo, st.Index)
			parts = append(parts, fmt.Sprintf("%d (%d of %d chunks)", st.Index, st.Done, st.Total))
		}
	}
	switch {
	case len(todo) == 0:
		fmt.Fprintf(stdout, "resume: all %d shards are complete; submitting the merge only\n", n)
	default:
		fmt.Fprintf(stdout, "resume: resubmitting %d of %d shards: %s\n", len(todo), n, strings.Join(parts, ", "))
		fmt.Fprintln(stdout, "resume: make sure no task of an earlier submission is still running (squeue --me), or two runs would share a shard")
	}
	return todo, nil
}
