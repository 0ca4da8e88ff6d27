package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

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
	fs.IntVar(&f.Array, "array", 0, "split the run into `N` shards, one Slurm array task each, or several to a task beyond the cluster's limits (overrides [slurm] array)")
	fs.IntVar(&f.Throttle, "throttle", 0, "run at most `K` array tasks at once; 0 for no limit (overrides [slurm] throttle)")
	fs.StringVar(&f.Partition, "partition", "", "Slurm partition `P` (overrides [slurm] partition)")
	fs.StringVar(&f.Time, "time", "", "time limit `T` of each task, such as 2:00:00 or 1-12:00:00 (overrides [slurm] time)")
	fs.StringVar(&f.Mem, "mem", "", "memory `M` per task, such as 4G (overrides [slurm] mem)")
	fs.IntVar(&f.CPUsPerTask, "cpus-per-task", 0, "CPUs `C` of each task, which runs as many workers (overrides [slurm] cpus_per_task)")
	fs.StringVar(&f.Account, "account", "", "Slurm account `A` to charge (overrides [slurm] account)")
	fs.StringVar(&f.MergeTime, "merge-time", "", "time limit `T` of the merge job; default the tasks' --time, at most 1:00:00 (overrides [slurm] merge_time)")
	fs.StringVar(&f.MergeMem, "merge-mem", "", "memory `M` of the merge job; default Slurm's, not the tasks' --mem (overrides [slurm] merge_mem)")
	fs.IntVar(&f.SignalBefore, "signal-before", 0, "send each task SIGTERM `S` seconds before its time limit, to finish and journal its running chunks; default 300, at most a tenth of --time (overrides [slurm] signal_before)")
	fs.IntVar(&f.MaxTasks, "max-tasks", 0, "submit at most `K` array tasks, for a limit the cluster does not publish (a QOS's MaxSubmitJobs); more shards are packed several to a task, as beyond MaxArraySize (overrides [slurm] max_tasks)")
	fs.IntVar(&f.AutoResume, "auto-resume", 0, "let the merge job submit the incomplete shards again itself, at most `N` times, unless a chunk failed in the kernel (overrides [slurm] auto_resume)")
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
	if e.Budget.Adaptive() {
		return &engine.InputError{Err: fmt.Errorf("simrun submit: %s samples its points to a target ([samples.target]): its decisions need every chunk of a point, which no array task has; run it whole in one job (sbatch --wrap %s), or give it a fixed budget", e.File, shell.Quote("simrun run "+shell.Quote(e.File)))}
	}
	if total, ok := e.NumChunks(); ok && int64(s.Array) > total {
		return usagef("simrun submit: --array %d: %s has only %d chunks in all, so %d of the tasks would have nothing to do; use --array %d or fewer",
			s.Array, e.File, total, int64(s.Array)-total, total)
	}
	var sc slurm.Client
	j := &slurm.Job{Name: e.Name, Settings: s}
	limits := sc.Limits(ctx)
	packing(stdout, j, limits)
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
	// done is how many chunks are journaled already: the start from which
	// status measures the campaign's rate.
	var done int64
	if resume {
		if todo, done, err = incompleteShards(c, e, j.OutDir, s.Array, stdout); err != nil {
			return err
		}
	} else if states, err := c.en.ShardStatuses(j.OutDir, e, s.Array); err == nil {
		for _, st := range states {
			done += st.Done
		}
	}

	if err := j.WriteScripts(); err != nil {
		return err
	}
	if dryRun {
		if err := j.DryRun(stdout, todo); err != nil {
			return err
		}
		if !limits.Known || sc.CheckSbatch(ctx) != nil {
			return nil
		}
		// On a machine whose controller answers, ask Slurm whether it
		// would take the scripts: partition, time, memory, account and
		// the array's size are checked against the cluster, and nothing
		// is queued.
		said, err := sc.TestOnly(ctx, j, todo)
		if err != nil {
			return err
		}
		for _, s := range said {
			fmt.Fprintf(stdout, "accepted: %s\n", s)
		}
		return nil
	}
	arrayID, mergeID, err := sc.Submit(ctx, j, todo)
	if arrayID != "" {
		throttle := ""
		if s.Throttle > 0 {
			throttle = fmt.Sprintf(", at most %d at once", s.Throttle)
		}
		tasks := len(j.ShardTasks(todo))
		packed := ""
		if j.PerTask > 1 {
			packed = fmt.Sprintf(", up to %d to a task", j.PerTask)
		}
		fmt.Fprintf(stdout, "submitted array job %s: %d %s of %s (%s%s%s); logs %s\n",
			arrayID, tasks, words.Plural(tasks, "task", "tasks"), e.Name, slurm.ShardList(todo, s.Array), packed, throttle, j.ArrayLogs(arrayID))
	}
	if err != nil {
		return err
	}
	if err := j.Record(j.NewSubmission(arrayID, mergeID, todo, done, time.Now())); err != nil {
		fmt.Fprintf(c.stderr, "simrun submit: warning: the jobs are submitted, but simrun status will not know them: %v\n", err)
	}
	printSubmitted(stdout, j, engine.TableNames(e), arrayID, mergeID)
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

More shards than the cluster allows array tasks (MaxArraySize and
MaxJobCount from scontrol show config, the user's MaxSubmitJobs from
sacctmgr where accounting answers, --max-tasks) are packed: each task runs
several shards one after another (run --shard I-J/N). Without an answer
from scontrol, Slurm's defaults are assumed (MaxArraySize 1001). A dry
run on a machine whose controller answers also asks sbatch --test-only
whether Slurm would accept the scripts.

Each array task runs its shards: SIGTERM (S seconds before its time
limit, or scancel --signal=TERM --batch) makes it finish and journal its
running chunks, and a requeued task resumes from its journal. Its exit
status: 0 its shards are complete; 143 or 130 interrupted, resumable; 1 a
chunk failed (a kernel error: a resubmission repeats it); 2 bad input.
The merge job runs once every task has ended; if a shard is incomplete
it fails, and its log names the shards and the simrun submit --resume
command that runs them and merges again. With --auto-resume N it runs
that command itself, at most N times, unless a chunk failed in the
kernel. simrun status OUTDIR shows each shard's chunks and its task's
state in Slurm, the merge job and the campaign's ETA.
`

// packing packs the shards of j into as many array tasks as the cluster
// allows, and says so if they do not fit one to a task.
func packing(stdout io.Writer, j *slurm.Job, l slurm.Limits) {
	limit, why := l.MaxTasks(), "this cluster"
	if !l.Known {
		why = "a cluster left at Slurm's defaults (scontrol show config did not answer)"
	}
	switch {
	case l.MaxSubmitJobs > 0 && limit == l.MaxSubmitJobs-1:
		why += fmt.Sprintf(" lets you queue %d jobs (MaxSubmitJobs, sacctmgr), one of them the merge", l.MaxSubmitJobs)
	case l.MaxJobCount > 0 && limit == l.MaxJobCount-1:
		why += fmt.Sprintf(" holds %d jobs at most (MaxJobCount), one of them the merge", l.MaxJobCount)
	default:
		why += fmt.Sprintf(" allows array indices up to %d (MaxArraySize %d)", l.MaxArraySize-1, l.MaxArraySize)
	}
	if m := j.Settings.MaxTasks; m > 0 && m < limit {
		limit, why = m, fmt.Sprintf("--max-tasks (or [slurm] max_tasks) is %d", m)
	}
	j.Pack(limit)
	if j.PerTask > 1 {
		fmt.Fprintf(stdout, "packing: %s, so each of the %d array tasks runs up to %d of the %d shards, one after another\n", why, j.Tasks(), j.PerTask, j.Settings.Array)
	}
}

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
		case "max-tasks":
			s.MaxTasks, v = f.MaxTasks, int64(f.MaxTasks)
		case "auto-resume":
			s.AutoResume, v = f.AutoResume, int64(f.AutoResume)
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
func printSubmitted(stdout io.Writer, j *slurm.Job, tables []string, arrayID, mergeID string) {
	jobs := mergeID
	if arrayID != "" {
		fmt.Fprintf(stdout, "submitted merge job %s: runs once every task of job %s has ended\n", mergeID, arrayID)
		jobs = arrayID + "," + mergeID
	} else {
		fmt.Fprintf(stdout, "submitted merge job %s\n", mergeID)
	}
	fmt.Fprintf(stdout, "  watch:    squeue -j %s\n", jobs)
	fmt.Fprintf(stdout, "  progress: simrun status %s\n", shell.Quote(j.OutDir))
	files := append(slices.Clone(tables), "results.json", "report.md", "report.html")
	fmt.Fprintf(stdout, "  results:  %s (and %s) when job %s has finished; its log: %s\n",
		filepath.Join(j.OutDir, files[0]), strings.Join(files[1:], ", "), mergeID, j.MergeLog(mergeID))
	switch {
	case arrayID != "" && j.Settings.AutoResume > 0:
		fmt.Fprintf(stdout, "If a task fails, runs out of time or is cancelled, job %s submits its shards again with a new merge, at most %d %s, unless a chunk failed in the kernel; its log says what it did.\n",
			mergeID, j.Settings.AutoResume, words.Plural(j.Settings.AutoResume, "time", "times"))
	case arrayID != "":
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
// lack chunks, and says which they are, and the chunks journaled in all.
func incompleteShards(c *command, e *sim.Experiment, outDir string, n int, stdout io.Writer) (todo []int, done int64, err error) {
	states, err := c.en.ShardStatuses(outDir, e, n)
	var sce *engine.ShardCountError
	if errors.As(err, &sce) {
		return nil, 0, usagef("simrun submit --resume: the shards in %s are of %d tasks, not %d: resume with --array %d", sce.Dir, sce.Found, n, sce.Found)
	}
	if err != nil {
		return nil, 0, err
	}
	var parts []string
	for _, st := range states {
		done += st.Done
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
	return todo, done, nil
}
