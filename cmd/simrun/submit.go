package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/simrun/simrun/report"
	"github.com/simrun/simrun/sim"
)

// simrun submit runs an experiment as a Slurm job array: it writes two
// scripts into OUTDIR/slurm, array.sbatch (task I runs shard I of N with
// `simrun run --shard I/N`) and merge.sbatch (`simrun merge OUTDIR`), and
// submits the second to run once every task of the first has succeeded.

// slurmCommand makes the command that runs a Slurm client program (sbatch,
// scontrol); tests may replace it.
var slurmCommand = func(ctx context.Context, name string, args ...string) *exec.Cmd {
	return exec.CommandContext(ctx, name, args...)
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, " ") }
func (l *stringList) Set(s string) error { *l = append(*l, s); return nil }

// submitJob is everything the scripts and the sbatch commands need.
type submitJob struct {
	e      *sim.Experiment
	s      sim.SlurmSettings // the file's [slurm] table, overridden by flags
	file   string            // absolute path of the experiment file
	outDir string            // absolute output directory
	exe    string            // absolute path of this simrun binary
}

func (j *submitJob) slurmDir() string    { return filepath.Join(j.outDir, "slurm") }
func (j *submitJob) arrayScript() string { return filepath.Join(j.slurmDir(), "array.sbatch") }
func (j *submitJob) mergeScript() string { return filepath.Join(j.slurmDir(), "merge.sbatch") }

func submitCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var f sim.SlurmSettings
	var extra stringList
	var out string
	var dryRun, resume bool
	fs := newFlagSet("submit", "[flags] FILE", stderr)
	fs.IntVar(&f.Array, "array", 0, "split the run into `N` shards, one Slurm array task each (overrides [slurm] array)")
	fs.IntVar(&f.Throttle, "throttle", 0, "run at most `K` array tasks at once; 0 for no limit (overrides [slurm] throttle)")
	fs.StringVar(&f.Partition, "partition", "", "Slurm partition `P` (overrides [slurm] partition)")
	fs.StringVar(&f.Time, "time", "", "time limit `T` of each task, such as 2:00:00 or 1-12:00:00 (overrides [slurm] time)")
	fs.StringVar(&f.Mem, "mem", "", "memory `M` per task, such as 4G (overrides [slurm] mem)")
	fs.IntVar(&f.CPUsPerTask, "cpus-per-task", 0, "CPUs `C` of each task, which runs as many workers (overrides [slurm] cpus_per_task)")
	fs.StringVar(&f.Account, "account", "", "Slurm account `A` to charge (overrides [slurm] account)")
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
	e, err := loadExperiment(pos[0])
	if err != nil {
		return err
	}
	if err := e.CheckRunnable(); err != nil {
		return &inputError{err}
	}

	// The file's [slurm] table, overridden by the flags given, which are
	// checked as strictly as the file.
	s := e.Slurm
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
	if flagErr != nil {
		return flagErr
	}
	if s.Array == 0 {
		fs.Usage()
		return usagef("simrun submit: how many array tasks? give --array N, or array = N in the [slurm] table of %s", e.File)
	}
	if total, ok := e.NumChunks(); ok && int64(s.Array) > total {
		return usagef("simrun submit: --array %d: %s has only %d chunks in all, so %d of the tasks would have nothing to do; use --array %d or fewer",
			s.Array, e.File, total, int64(s.Array)-total, total)
	}
	if limit, ok := maxArraySize(ctx); ok && s.Array > limit {
		return usagef("simrun submit: --array %d: this cluster's MaxArraySize is %d (scontrol show config), so array indices go up to %d only; use --array %d or fewer",
			s.Array, limit, limit-1, limit)
	}

	j := &submitJob{e: e, s: s}
	if out == "" {
		out = e.Output.Dir
	}
	if j.file, err = filepath.Abs(e.File); err != nil {
		return &inputError{fmt.Errorf("simrun submit: %w", err)}
	}
	if j.outDir, err = filepath.Abs(out); err != nil {
		return &inputError{fmt.Errorf("simrun submit: %w", err)}
	}
	if j.exe, err = os.Executable(); err != nil {
		return fmt.Errorf("simrun submit: cannot find the simrun binary for the scripts: %w", err)
	}
	if err := checkScriptPaths(j); err != nil {
		return err
	}
	if !dryRun {
		// Before writing anything: without sbatch there is nothing to do
		// but --dry-run.
		if cmd := slurmCommand(ctx, "sbatch"); cmd.Err != nil {
			return &inputError{fmt.Errorf("simrun submit: cannot run sbatch (%v): submit from a machine with the Slurm client tools, or use --dry-run to write the scripts without submitting them", cmd.Err)}
		}
	}

	// Which shards to run: all, or with --resume those not complete.
	todo := make([]int, s.Array)
	for i := range todo {
		todo[i] = i
	}
	if resume {
		if todo, err = incompleteShards(j, stdout); err != nil {
			return err
		}
	}

	if err := prepareOutDir(j.slurmDir()); err != nil {
		return &inputError{err}
	}
	arrayText, mergeText := j.arrayScriptText(), j.mergeScriptText()
	for _, w := range []struct{ path, text string }{{j.arrayScript(), arrayText}, {j.mergeScript(), mergeText}} {
		if err := report.WriteFile(w.path, func(out io.Writer) error {
			_, err := io.WriteString(out, w.text)
			return err
		}); err != nil {
			return fmt.Errorf("simrun submit: %w", err)
		}
		if err := os.Chmod(w.path, 0o755); err != nil {
			return fmt.Errorf("simrun submit: %w", err)
		}
	}

	var arrayArgs []string
	if len(todo) > 0 {
		arrayArgs = []string{"--parsable"}
		if len(todo) < s.Array {
			arrayArgs = append(arrayArgs, "--array="+arraySpec(todo, s.Throttle))
		}
		arrayArgs = append(arrayArgs, j.arrayScript())
	}
	mergeArgs := func(dep string) []string {
		if dep == "" {
			return []string{"--parsable", j.mergeScript()}
		}
		return []string{"--parsable", "--dependency=afterok:" + dep, j.mergeScript()}
	}

	if dryRun {
		fmt.Fprintf(stdout, "# %s\n%s\n# %s\n%s\n", j.arrayScript(), arrayText, j.mergeScript(), mergeText)
		fmt.Fprintln(stdout, "Dry run: nothing submitted. To submit, run simrun submit without --dry-run, or by hand:")
		if arrayArgs != nil {
			fmt.Fprintf(stdout, "  jobid=$(%s)\n", shellCommand("sbatch", arrayArgs...))
			fmt.Fprintf(stdout, "  sbatch --parsable --dependency=afterok:\"${jobid%%%%;*}\" %s\n", shellQuote(j.mergeScript()))
		} else {
			fmt.Fprintf(stdout, "  %s\n", shellCommand("sbatch", mergeArgs("")...))
		}
		return nil
	}

	var arrayID string
	if arrayArgs != nil {
		if arrayID, err = sbatch(ctx, arrayArgs); err != nil {
			return err
		}
		throttle := ""
		if s.Throttle > 0 {
			throttle = fmt.Sprintf(", at most %d at once", s.Throttle)
		}
		fmt.Fprintf(stdout, "submitted array job %s: %d %s of %s (%s%s); logs %s\n",
			arrayID, len(todo), pluralWord(len(todo), "task", "tasks"), e.Name, shardList(todo, s.Array), throttle,
			filepath.Join(j.slurmDir(), "array-"+arrayID+"_*.out"))
	}
	mergeID, err := sbatch(ctx, mergeArgs(arrayID))
	if err != nil {
		if arrayID != "" {
			return fmt.Errorf("%w\nthe array job %s is submitted; submit the merge by hand: %s", err, arrayID, shellCommand("sbatch", mergeArgs(arrayID)[1:]...))
		}
		return err
	}
	jobs := mergeID
	if arrayID != "" {
		fmt.Fprintf(stdout, "submitted merge job %s: runs once every task of job %s has succeeded\n", mergeID, arrayID)
		jobs = arrayID + "," + mergeID
	} else {
		fmt.Fprintf(stdout, "submitted merge job %s\n", mergeID)
	}
	fmt.Fprintf(stdout, "  watch:    squeue -j %s\n", jobs)
	fmt.Fprintf(stdout, "  progress: simrun status %s\n", shellQuote(j.outDir))
	fmt.Fprintf(stdout, "  results:  %s (and results.json, report.md) when job %s has finished; its log: %s\n",
		filepath.Join(j.outDir, "results.csv"), mergeID, filepath.Join(j.slurmDir(), "merge-"+mergeID+".out"))
	if arrayID != "" {
		fmt.Fprintf(stdout, "If a task fails, job %s stays pending (DependencyNeverSatisfied): scancel %s, then simrun submit --resume with the same file and --array.\n", mergeID, mergeID)
	}
	return nil
}

// flagWant drops the file example ("such as array = 16") from a [slurm]
// message about a flag.
func flagWant(msg string) string {
	if i := strings.LastIndex(msg, ", such as "); i >= 0 && strings.Contains(msg[i:], " = ") {
		return msg[:i]
	}
	return msg
}

// incompleteShards returns the shards of j whose journals lack chunks, and
// says which they are.
func incompleteShards(j *submitJob, stdout io.Writer) ([]int, error) {
	n := j.s.Array
	if _, err := os.Stat(filepath.Join(j.outDir, "shards")); err == nil {
		if found, _, err := foundShards(j.outDir); err == nil && found != n {
			return nil, usagef("simrun submit --resume: the shards in %s are of %d tasks, not %d: resume with --array %d",
				filepath.Join(j.outDir, "shards"), found, n, found)
		}
	}
	states, err := shardStates(j.outDir, j.e, n)
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

// checkScriptPaths refuses paths the scripts cannot carry: the output
// directory goes into #SBATCH lines, which have no quoting for spaces, and
// where % starts a file name pattern; no path may hold a line break.
func checkScriptPaths(j *submitJob) error {
	for _, p := range []string{j.file, j.outDir, j.exe} {
		if strings.ContainsFunc(p, unicode.IsControl) {
			return &inputError{fmt.Errorf("simrun submit: %q holds a control character, which a script cannot carry; move or rename it", p)}
		}
	}
	if i := strings.IndexFunc(j.outDir, func(r rune) bool {
		return unicode.IsSpace(r) || strings.ContainsRune(`"'\%`, r)
	}); i >= 0 {
		return &inputError{fmt.Errorf("simrun submit: the output directory %s holds %q, which an #SBATCH --output line cannot carry; choose another with --out DIR", j.outDir, j.outDir[i:i+1])}
	}
	return nil
}

// maxArraySize asks the cluster for its MaxArraySize; ok is false when
// scontrol is missing or does not answer.
func maxArraySize(ctx context.Context) (int, bool) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	cmd := slurmCommand(ctx, "scontrol", "show", "config")
	cmd.WaitDelay = time.Second
	out, err := cmd.Output()
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(out), "\n") {
		k, v, ok := strings.Cut(line, "=")
		if ok && strings.TrimSpace(k) == "MaxArraySize" {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			return n, err == nil && n > 0
		}
	}
	return 0, false
}

// sbatch runs sbatch --parsable ... and returns the job id it prints
// ("JOBID" or "JOBID;CLUSTER").
func sbatch(ctx context.Context, args []string) (string, error) {
	cmd := slurmCommand(ctx, "sbatch", args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	line := shellCommand("sbatch", args...)
	if err := cmd.Run(); err != nil {
		if errors.Is(err, exec.ErrNotFound) {
			return "", &inputError{fmt.Errorf("simrun submit: cannot run sbatch (%v): use --dry-run to write the scripts without submitting them", err)}
		}
		msg := strings.TrimSpace(errb.String())
		if msg == "" {
			msg = strings.TrimSpace(out.String())
		}
		return "", fmt.Errorf("simrun submit: %s: %v: %s", line, err, msg)
	}
	first, _, _ := strings.Cut(strings.TrimSpace(out.String()), "\n")
	id, _, _ := strings.Cut(strings.TrimSpace(first), ";")
	if _, err := strconv.ParseUint(id, 10, 64); err != nil {
		return "", fmt.Errorf("simrun submit: %s printed %q, not a job id", line, strings.TrimSpace(out.String()))
	}
	return id, nil
}

// arraySpec formats array indices for sbatch --array, runs of consecutive
// indices as ranges ("0-3,7,9-10"), with the throttle as "%K".
func arraySpec(idx []int, throttle int) string {
	var b strings.Builder
	for k := 0; k < len(idx); {
		end := k
		for end+1 < len(idx) && idx[end+1] == idx[end]+1 {
			end++
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		if end > k {
			fmt.Fprintf(&b, "%d-%d", idx[k], idx[end])
		} else {
			fmt.Fprintf(&b, "%d", idx[k])
		}
		k = end + 1
	}
	if throttle > 0 {
		fmt.Fprintf(&b, "%%%d", throttle)
	}
	return b.String()
}

// shardList describes the shards submitted, for the user.
func shardList(idx []int, n int) string {
	if len(idx) == n {
		return fmt.Sprintf("shards 0 to %d of %d", n-1, n)
	}
	return fmt.Sprintf("%s %s of %d", pluralWord(len(idx), "shard", "shards"), strings.ReplaceAll(arraySpec(idx, 0), ",", ", "), n)
}

// shellCommand formats a command line for a shell.
func shellCommand(name string, args ...string) string {
	parts := []string{name}
	for _, a := range args {
		parts = append(parts, shellQuote(a))
	}
	return strings.Join(parts, " ")
}

// sbatchLines are the #SBATCH options the file and flags set, shared by
// both scripts.
func (j *submitJob) sbatchLines(b *strings.Builder, cpus bool) {
	s := j.s
	if cpus && s.CPUsPerTask > 0 {
		fmt.Fprintf(b, "#SBATCH --cpus-per-task=%d\n", s.CPUsPerTask)
	}
	if s.Time != "" {
		fmt.Fprintf(b, "#SBATCH --time=%s\n", s.Time)
	}
	if s.Mem != "" {
		fmt.Fprintf(b, "#SBATCH --mem=%s\n", s.Mem)
	}
	if s.Partition != "" {
		fmt.Fprintf(b, "#SBATCH --partition=%s\n", s.Partition)
	}
	if s.Account != "" {
		fmt.Fprintf(b, "#SBATCH --account=%s\n", s.Account)
	}
	for _, a := range s.SbatchArgs {
		fmt.Fprintf(b, "#SBATCH %s\n", a)
	}
}

// arrayScriptText is array.sbatch: task I of the array runs shard I of N.
func (j *submitJob) arrayScriptText() string {
	n, name := j.s.Array, j.e.Name
	script, out := shellQuote(j.arrayScript()), shellQuote(j.outDir)
	var b strings.Builder
	fmt.Fprintf(&b, "#!/bin/bash\n")
	fmt.Fprintf(&b, "# Slurm job array for the simrun experiment %s, written by simrun submit.\n", name)
	fmt.Fprintf(&b, "#\n")
	fmt.Fprintf(&b, "#   experiment: %s\n", shellQuote(j.file))
	fmt.Fprintf(&b, "#   results:    %s\n", out)
	fmt.Fprintf(&b, "#\n")
	fmt.Fprintf(&b, "# The experiment's chunks are split into %d shards. Task I of the array runs\n", n)
	fmt.Fprintf(&b, "# shard I, journaling its chunks in %s; if it is\n", shellQuote(filepath.Join(j.outDir, "shards", "I-of-"+strconv.Itoa(n))))
	fmt.Fprintf(&b, "# stopped, running it again resumes from its journal. merge.sbatch then\n")
	fmt.Fprintf(&b, "# combines the shards into results.csv, results.json, the figures and report.md.\n")
	fmt.Fprintf(&b, "#\n")
	fmt.Fprintf(&b, "#   all shards:          sbatch %s\n", script)
	fmt.Fprintf(&b, "#   some of them:        sbatch --array=1,3 %s\n", script)
	fmt.Fprintf(&b, "#   shard I, no Slurm:   SLURM_ARRAY_TASK_ID=I bash %s\n", script)
	fmt.Fprintf(&b, "#\n")
	fmt.Fprintf(&b, "#SBATCH --job-name=simrun-%s\n", name)
	all := make([]int, n)
	for i := range all {
		all[i] = i
	}
	fmt.Fprintf(&b, "#SBATCH --array=%s\n", arraySpec(all, j.s.Throttle))
	fmt.Fprintf(&b, "#SBATCH --output=%s\n", filepath.Join(j.slurmDir(), "array-%A_%a.out"))
	j.sbatchLines(&b, true)
	fmt.Fprintf(&b, "\nset -euo pipefail\n\n")
	fmt.Fprintf(&b, "# The shard is this task's index in the array, SLURM_ARRAY_TASK_ID, out of\n")
	fmt.Fprintf(&b, "# %d: the sharding stays fixed whichever indices the array lists (an sbatch\n", n)
	fmt.Fprintf(&b, "# --array=... on the command line overrides the #SBATCH line above). The\n")
	fmt.Fprintf(&b, "# workers default to the task's CPUs, SLURM_CPUS_PER_TASK.\n")
	fmt.Fprintf(&b, "shard=\"${SLURM_ARRAY_TASK_ID:?is not set: submit this script with sbatch, or set it to a shard index from 0 to %d}\"\n", n-1)
	fmt.Fprintf(&b, "exec %s run --quiet --shard \"$shard/%d\" --out %s %s\n", shellQuote(j.exe), n, out, shellQuote(j.file))
	return b.String()
}

// mergeScriptText is merge.sbatch: simrun merge OUTDIR on one CPU.
func (j *submitJob) mergeScriptText() string {
	n, name := j.s.Array, j.e.Name
	script, out := shellQuote(j.mergeScript()), shellQuote(j.outDir)
	var b strings.Builder
	fmt.Fprintf(&b, "#!/bin/bash\n")
	fmt.Fprintf(&b, "# Slurm job that merges the %d shards of the simrun experiment %s, written by\n", n, name)
	fmt.Fprintf(&b, "# simrun submit, into %s: results.csv, results.json,\n", out)
	fmt.Fprintf(&b, "# the figures and report.md, the same bytes as an unsharded run.\n")
	fmt.Fprintf(&b, "#\n")
	fmt.Fprintf(&b, "# simrun submit runs it with --dependency=afterok:ARRAYJOB, so that it starts once\n")
	fmt.Fprintf(&b, "# every task of the array job has succeeded. By hand:\n")
	fmt.Fprintf(&b, "#\n")
	fmt.Fprintf(&b, "#   sbatch --dependency=afterok:ARRAYJOB %s\n", script)
	fmt.Fprintf(&b, "#   bash %s\n", script)
	fmt.Fprintf(&b, "#\n")
	fmt.Fprintf(&b, "#SBATCH --job-name=simrun-%s-merge\n", name)
	fmt.Fprintf(&b, "#SBATCH --output=%s\n", filepath.Join(j.slurmDir(), "merge-%j.out"))
	fmt.Fprintf(&b, "#SBATCH --ntasks=1\n")
	fmt.Fprintf(&b, "#SBATCH --cpus-per-task=1\n")
	j.sbatchLines(&b, false)
	fmt.Fprintf(&b, "\nset -euo pipefail\n\n")
	fmt.Fprintf(&b, "exec %s merge %s\n", shellQuote(j.exe), out)
	return b.String()
}
