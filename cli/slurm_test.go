package cli

// Integration tests of `simrun submit` on a real Slurm cluster. They skip
// unless sbatch is on PATH and squeue answers; scripts/slurm-local.sh start
// brings up a private one-node cluster on this machine (CI does so).
//
// The job scripts that submit writes call simrun by the path of the binary
// that ran submit, so submit, status and merge run here as a real simrun
// binary built from this package, never as the test binary.

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/simrun/simrun/engine"
	"github.com/simrun/simrun/internal/shell"
	"github.com/simrun/simrun/slurm"
)

const (
	slurmWait = 120 * time.Second      // bound of each wait for jobs to end
	slurmPoll = 300 * time.Millisecond // squeue/scontrol polling interval
	slurmCmd  = 30 * time.Second       // bound of one Slurm client command
)

// needSlurm skips the test unless a Slurm cluster answers. The probe runs
// once: squeue takes about 10 s to give up on a controller that is down.
func needSlurm(t *testing.T) {
	t.Helper()
	slurmOnce.Do(func() {
		if _, err := exec.LookPath("sbatch"); err != nil {
			slurmSkip = "slurm: sbatch not on PATH; run scripts/slurm-local.sh start to run the Slurm tests"
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		if out, err := exec.CommandContext(ctx, "squeue", "-h").CombinedOutput(); err != nil {
			slurmSkip = fmt.Sprintf("slurm: squeue does not answer (%v: %s); run scripts/slurm-local.sh start to run the Slurm tests", err, bytes.TrimSpace(out))
		}
	})
	if slurmSkip != "" {
		t.Skip(slurmSkip)
	}
}

var (
	slurmOnce sync.Once
	slurmSkip string // why the Slurm tests skip, if they do
)

// slurmClient runs name with args, bounded in time, and returns its output
// and error.
func slurmClient(name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), slurmCmd)
	defer cancel()
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// runBin runs the built simrun binary and fails the test unless it exits 0.
func runBin(t *testing.T, bin string, args ...string) string {
	t.Helper()
	out, err := slurmClient(bin, args...)
	if err != nil {
		t.Fatalf("simrun %s: %v:\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

var (
	arrayJobRE = regexp.MustCompile(`(?m)^submitted array job (\d+)`)
	mergeJobRE = regexp.MustCompile(`(?m)^submitted merge job (\d+)`)
)

// slurmJobs is one submission: the array and its merge job.
type slurmJobs struct{ array, merge string }

// submit runs simrun submit and returns the job IDs it prints, and its
// output. A cleanup
// cancels the jobs if they are still queued when the test ends, and waits
// for them to go, so that none writes into a removed directory.
func submit(t *testing.T, bin string, args ...string) (slurmJobs, string) {
	t.Helper()
	out := runBin(t, bin, append([]string{"submit"}, args...)...)
	a, m := arrayJobRE.FindStringSubmatch(out), mergeJobRE.FindStringSubmatch(out)
	if a == nil || m == nil {
		t.Fatalf("simrun submit printed no array and merge job IDs:\n%s", out)
	}
	j := slurmJobs{a[1], m[1]}
	t.Logf("simrun submit %s:\n%s", strings.Join(args, " "), out)
	t.Cleanup(func() {
		if len(queued(t, j)) == 0 {
			return
		}
		slurmClient("scancel", j.array, j.merge)
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline) && len(queued(t, j)) > 0; {
			time.Sleep(slurmPoll)
		}
	})
	return j, out
}

// queued returns the jobs of j that squeue still lists, one line each:
// "ID STATE REASON", array tasks as ARRAY_TASK.
func queued(t *testing.T, j slurmJobs) []string {
	t.Helper()
	out, err := slurmClient("squeue", "-h", "-r", "-o", "%F %i %T %r")
	if err != nil {
		t.Fatalf("squeue: %v: %s", err, out)
	}
	var lines []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.Fields(line)
		if len(f) >= 3 && (f[0] == j.array || f[0] == j.merge) {
			lines = append(lines, strings.Join(f[1:], " "))
		}
	}
	return lines
}

// jobStates returns the state of each job and array task of j from
// scontrol, which keeps finished jobs for MinJobAge (300 s on the local
// cluster): ID (ARRAY_TASK for array tasks) -> state.
func jobStates(t *testing.T, j slurmJobs) map[string]string {
	t.Helper()
	states := make(map[string]string)
	for _, id := range []string{j.array, j.merge} {
		out, err := slurmClient("scontrol", "show", "job", "-o", id)
		if err != nil {
			t.Logf("scontrol show job %s: %v: %s", id, err, out)
			continue
		}
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			kv := make(map[string]string)
			for _, f := range strings.Fields(line) {
				if k, v, ok := strings.Cut(f, "="); ok {
					kv[k] = v
				}
			}
			name := kv["JobId"]
			if kv["ArrayTaskId"] != "" {
				name = kv["ArrayJobId"] + "_" + kv["ArrayTaskId"]
			}
			if name != "" {
				states[name] = kv["JobState"]
			}
		}
	}
	return states
}

// waitJobs polls squeue until the jobs of j have left it, calling each (if
// not nil) with what is still queued on every poll. It fails the test after
// slurmWait, with what Slurm and the job logs say.
func waitJobs(t *testing.T, j slurmJobs, out string, each func(queued []string)) {
	t.Helper()
	waitJobsFor(t, slurmWait, j, out, each)
}

// waitJobsFor is waitJobs with another bound than slurmWait.
func waitJobsFor(t *testing.T, limit time.Duration, j slurmJobs, out string, each func(queued []string)) {
	t.Helper()
	start := time.Now()
	for {
		q := queued(t, j)
		if len(q) == 0 {
			t.Logf("jobs %s and %s ended after %.1f s: %s", j.array, j.merge, time.Since(start).Seconds(), summarizeStates(jobStates(t, j)))
			return
		}
		if each != nil {
			each(q)
		}
		if time.Since(start) > limit {
			t.Fatalf("jobs still queued after %v: %v\n%s", limit, q, jobLogs(j, out))
		}
		time.Sleep(slurmPoll)
	}
}

// summarizeStates shows the states of a few jobs each, and of many as a
// count of each state.
func summarizeStates(states map[string]string) string {
	if len(states) <= 10 {
		return fmt.Sprint(states)
	}
	count := make(map[string]int)
	for _, st := range states {
		count[st]++
	}
	return fmt.Sprintf("%d jobs: %v", len(states), count)
}

// jobLogs gathers what may explain a failure: the jobs' lines of the local
// cluster's jobcomp.log and the last lines of the job output files.
func jobLogs(j slurmJobs, out string) string {
	var b strings.Builder
	base := os.Getenv("SLURM_BASE")
	if base == "" {
		base = filepath.Join(os.TempDir(), "slurm-local")
	}
	if log, err := os.ReadFile(filepath.Join(base, "log", "jobcomp.log")); err == nil {
		for _, line := range strings.Split(string(log), "\n") {
			for _, id := range []string{j.array, j.merge} {
				if strings.Contains(line, "JobId="+id+" ") || strings.Contains(line, "ArrayJobId="+id+" ") {
					fmt.Fprintln(&b, line)
				}
			}
		}
	}
	files, _ := filepath.Glob(filepath.Join(out, "slurm", "*"))
	for _, f := range files {
		if strings.HasSuffix(f, ".sbatch") {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		lines := strings.Split(strings.TrimSpace(string(data)), "\n")
		fmt.Fprintf(&b, "--- %s\n%s\n", f, strings.Join(lines[max(0, len(lines)-15):], "\n"))
	}
	return b.String()
}

// checkCompleted fails unless scontrol shows the tasks array tasks of j
// and its merge job, all COMPLETED.
func checkCompleted(t *testing.T, j slurmJobs, out string, tasks int) {
	t.Helper()
	states := jobStates(t, j)
	n := 0
	for id, st := range states {
		if strings.HasPrefix(id, j.array+"_") {
			n++
		}
		if st != "COMPLETED" {
			t.Errorf("job %s ended %s\n%s", id, st, jobLogs(j, out))
		}
	}
	if n != tasks || states[j.merge] == "" {
		t.Errorf("scontrol shows %d array tasks and merge state %q, want %d tasks and the merge: %v", n, states[j.merge], tasks, states)
	}
}

// TestSlurmArray submits a 4-task array with its merge job and checks that
// the merged results are the bytes of a local run.
func TestSlurmArray(t *testing.T) {
	needSlurm(t)
	dir := t.TempDir()
	file := writeFile(t, dir, "walk.toml", walkExperiment) // 3 points × 13 chunks
	csv, stats := cleanRun(t, file, filepath.Join(dir, "clean"))
	bin := buildSimrun(t)
	out := filepath.Join(dir, "slurm-run")

	start := time.Now()
	j, _ := submit(t, bin, "--array", "4", "--cpus-per-task", "1", "--time", "5", "--out", out, file)
	for _, f := range []string{"array.sbatch", "merge.sbatch"} {
		if _, err := os.Stat(filepath.Join(out, "slurm", f)); err != nil {
			t.Errorf("submit wrote no job script: %v", err)
		}
	}
	waitJobs(t, j, out, nil)
	t.Logf("submit to merged results: %.1f s", time.Since(start).Seconds())
	checkCompleted(t, j, out, 4)
	for i := range 4 {
		if _, err := os.Stat(engine.ShardDir(out, engine.Shard{Index: i, Count: 4})); err != nil {
			t.Errorf("shard %d: %v", i, err)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "results.csv")); err != nil {
		t.Fatalf("no merged results: %v\n%s", err, jobLogs(j, out))
	}
	sameResults(t, out, csv, stats)
}

// spinSlurm has 80 chunks of about 0.15 s of CPU: with 4 tasks on 2 cores,
// each shard runs for several seconds, long enough to cancel it part way.
const spinSlurm = `name = "spinslurm"
kernel = "spin"
seed = 7
[sweep]
work = [2000000, 3000000]
[samples]
samples = 2000
chunk_size = 50
`

// spinClean is the clean run of spinSlurm that the Slurm tests of it
// compare with: 22 s of CPU, run once for all of them.
var spinClean struct {
	once       sync.Once
	csv, stats []byte
	failed     bool
}

// cleanSpin returns the results of spinSlurm run in-process, as cleanRun
// does, from the first test that asks.
func cleanSpin(t *testing.T) (csv, stats []byte) {
	t.Helper()
	c := &spinClean
	c.once.Do(func() {
		c.failed = true
		dir, err := os.MkdirTemp("", "simrun-spin-clean-")
		if err != nil {
			t.Fatal(err)
		}
		defer os.RemoveAll(dir)
		c.csv, c.stats = cleanRun(t, writeFile(t, dir, "spin.toml", spinSlurm), filepath.Join(dir, "clean"))
		c.failed = false
	})
	if c.failed {
		t.Fatal("the clean run of spinSlurm failed (see the first test that ran it)")
	}
	return c.csv, c.stats
}

// TestSlurmResume cancels one array task part way: the merge job runs,
// fails and says which shard is missing and the command that resumes it,
// simrun status shows the incomplete shard, and that command completes the
// run with the bytes of a local run.
func TestSlurmResume(t *testing.T) {
	needSlurm(t)
	dir := t.TempDir()
	file := writeFile(t, dir, "spin.toml", spinSlurm)
	csv, stats := cleanSpin(t)
	bin := buildSimrun(t)
	out := filepath.Join(dir, "slurm-run")
	args := []string{"--array", "4", "--cpus-per-task", "1", "--time", "5", "--out", out, file}

	t0 := time.Now()
	j, _ := submit(t, bin, args...)
	// Cancel task 2, which runs shard 2, once it has journaled a few of its
	// 20 chunks.
	victim := j.array + "_2"
	cancelled := false
	waitJobs(t, j, out, func(q []string) {
		if !cancelled && journaled(engine.ShardDir(out, engine.Shard{Index: 2, Count: 4})) >= 3 {
			if o, err := slurmClient("scancel", victim); err != nil {
				t.Fatalf("scancel %s: %v: %s", victim, err, o)
			}
			t.Logf("cancelled %s after %.1f s, with %d chunks journaled", victim, time.Since(t0).Seconds(), journaled(engine.ShardDir(out, engine.Shard{Index: 2, Count: 4})))
			cancelled = true
		}
	})
	if !cancelled {
		t.Fatalf("the array ended before shard 2 had journaled 3 chunks; make spinSlurm slower\n%s", jobLogs(j, out))
	}
	states := jobStates(t, j)
	if states[victim] != "CANCELLED" {
		t.Errorf("task %s ended %q, want CANCELLED: %v", victim, states[victim], states)
	}
	if st := states[j.merge]; st != "FAILED" {
		t.Errorf("merge job %s ended %s after a cancelled task, want FAILED: %v", j.merge, st, states)
	}
	mergeLog, _ := os.ReadFile(filepath.Join(out, "slurm", "merge-"+j.merge+".out"))
	resumeCmd := shell.Join(bin, append([]string{"submit", "--resume"}, args...)...)
	for _, want := range []string{"shard 2/4", "not merged", resumeCmd} {
		if !strings.Contains(string(mergeLog), want) {
			t.Errorf("the merge job's log does not say %q:\n%s", want, mergeLog)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "results.csv")); err == nil {
		t.Errorf("results.csv written although shard 2 was cancelled")
	}

	status := runBin(t, bin, "status", out)
	t.Logf("simrun status after the cancel:\n%s", status)
	shard2 := ""
	for _, line := range strings.Split(status, "\n") {
		if strings.HasPrefix(line, "2/4") {
			shard2 = line
		}
	}
	if f := strings.Fields(shard2); len(f) < 3 || f[len(f)-1] == "complete" {
		t.Errorf("simrun status does not show shard 2/4 incomplete (%q):\n%s", shard2, status)
	}
	if strings.Contains(status, "4 of 4 shards complete") {
		t.Errorf("simrun status says all shards are complete:\n%s", status)
	}

	t0 = time.Now()
	j, submitted := submit(t, bin, append([]string{"--resume"}, args...)...)
	if !strings.Contains(submitted, "resubmitting 1 of 4 shards: 2 (") {
		t.Errorf("submit --resume does not resubmit shard 2 alone:\n%s", submitted)
	}
	waitJobs(t, j, out, nil)
	t.Logf("resume to merged results: %.1f s", time.Since(t0).Seconds())
	checkCompleted(t, j, out, 1)
	if _, err := os.Stat(filepath.Join(out, "results.csv")); err != nil {
		t.Fatalf("no merged results after the resume: %v\n%s", err, jobLogs(j, out))
	}
	sameResults(t, out, csv, stats)
}

// TestSlurmPythonKernel runs the Python example (examples/walk-python, a
// kernel program with numpy) as a 3-task array with its merge job: the
// merged results are the bytes of a local run, and check passes.
func TestSlurmPythonKernel(t *testing.T) {
	needSlurm(t)
	dir := t.TempDir()
	copyDir(t, filepath.Join("..", "examples", "walk-python"), dir)
	usePythonWithNumpy(t, dir) // the jobs inherit PATH
	file := filepath.Join(dir, "walk.toml")
	csv, stats := cleanRun(t, file, filepath.Join(dir, "clean"))
	bin := buildSimrun(t)
	out := filepath.Join(dir, "slurm-run")
	j, _ := submit(t, bin, "--array", "3", "--cpus-per-task", "1", "--time", "5", "--out", out, file)
	waitJobs(t, j, out, nil)
	checkCompleted(t, j, out, 3)
	if _, err := os.Stat(filepath.Join(out, "results.csv")); err != nil {
		t.Fatalf("no merged results: %v\n%s", err, jobLogs(j, out))
	}
	sameResults(t, out, csv, stats)
	if stdout, stderr, code := simrun(t, "check", out); code != 0 {
		t.Errorf("check of the merged run: exit %d:\n%s%s", code, stdout, stderr)
	}
}

// TestSlurmRequeue requeues a running array task, as a preemption would:
// Slurm sends it SIGTERM, simrun journals its running chunks and exits,
// the task runs again once Slurm's hold on a requeued job is over (the
// job credential's lifetime, 10 s on the local cluster) and resumes from
// its shard's journal, and the merge job (afterany) waits for it: the
// campaign ends with the bytes of a local run.
func TestSlurmRequeue(t *testing.T) {
	needSlurm(t)
	dir := t.TempDir()
	file := writeFile(t, dir, "spin.toml", spinSlurm)
	csv, stats := cleanSpin(t)
	bin := buildSimrun(t)
	out := filepath.Join(dir, "slurm-run")
	j, _ := submit(t, bin, "--array", "4", "--cpus-per-task", "1", "--time", "5", "--out", out, file)
	victim := j.array + "_1"
	shard := engine.ShardDir(out, engine.Shard{Index: 1, Count: 4})
	requeued, before := false, 0
	waitJobs(t, j, out, func(q []string) {
		for _, line := range q {
			if !requeued && strings.HasPrefix(line, victim+" RUNNING") && journaled(shard) >= 3 {
				if o, err := slurmClient("scontrol", "requeue", victim); err != nil {
					t.Fatalf("scontrol requeue %s: %v: %s", victim, err, o)
				}
				before, requeued = journaled(shard), true
				t.Logf("requeued %s with %d of its 20 chunks journaled", victim, before)
			}
		}
	})
	if !requeued {
		t.Fatalf("task %s ended before it could be requeued; make spinSlurm slower\n%s", victim, jobLogs(j, out))
	}
	checkCompleted(t, j, out, 4)
	if _, err := os.Stat(filepath.Join(out, "results.csv")); err != nil {
		t.Fatalf("no merged results after the requeue: %v\n%s", err, jobLogs(j, out))
	}
	sameResults(t, out, csv, stats)
	if n := journaled(shard); n != 20 {
		t.Errorf("shard 1's journal holds %d records, want each of its 20 chunks once (%d before the requeue)", n, before)
	}
}

// TestSlurmAutoResume signals one array task to stop while it runs, as
// a user would with scancel --signal=TERM --batch (or Slurm does before
// the time limit): the task journals its running chunks and exits 143,
// the merge job finds its shard incomplete and, with --auto-resume 1,
// submits it again with a new merge itself; that campaign ends with the
// bytes of a local run.
func TestSlurmAutoResume(t *testing.T) {
	needSlurm(t)
	dir := t.TempDir()
	file := writeFile(t, dir, "spin.toml", spinSlurm)
	csv, stats := cleanSpin(t)
	bin := buildSimrun(t)
	out := filepath.Join(dir, "slurm-run")
	j, _ := submit(t, bin, "--array", "4", "--cpus-per-task", "1", "--time", "5", "--auto-resume", "1", "--out", out, file)
	victim := j.array + "_2"
	shard := engine.ShardDir(out, engine.Shard{Index: 2, Count: 4})
	signalled := false
	waitJobs(t, j, out, func(q []string) {
		for _, line := range q {
			if !signalled && strings.HasPrefix(line, victim+" RUNNING") && journaled(shard) >= 3 {
				if o, err := slurmClient("scancel", "--signal=TERM", "--batch", victim); err != nil {
					t.Fatalf("scancel --signal=TERM --batch %s: %v: %s", victim, err, o)
				}
				signalled = true
				t.Logf("signalled %s with %d of its 20 chunks journaled", victim, journaled(shard))
			}
		}
	})
	if !signalled {
		t.Fatalf("task %s ended before it could be signalled; make spinSlurm slower\n%s", victim, jobLogs(j, out))
	}
	if st := jobStates(t, j)[victim]; st != "FAILED" {
		t.Errorf("the signalled task ended %s, want FAILED (exit 143)", st)
	}
	log, err := os.ReadFile(filepath.Join(out, "slurm", "array-"+victim+".out"))
	if err != nil || !strings.Contains(string(log), "resum") {
		t.Errorf("the signalled task's log does not say how it ended (%v):\n%s", err, log)
	}
	mergeLog, _ := os.ReadFile(j.mergeLogPath(out))
	if !strings.Contains(string(mergeLog), "submitting them again") {
		t.Fatalf("the merge job did not resubmit the shard:\n%s", mergeLog)
	}

	// The merge job's own submission, from the record simrun status reads.
	subs, err := slurm.ReadSubmissions(filepath.Join(out, "slurm"))
	if err != nil || len(subs) != 2 {
		t.Fatalf("submissions %+v, %v; want the first and the merge job's", subs, err)
	}
	again := slurmJobs{subs[1].ArrayID, subs[1].MergeID}
	t.Cleanup(func() { slurmClient("scancel", again.array, again.merge) })
	if subs[1].Tasks != "2" {
		t.Errorf("the merge job resubmitted tasks %s, want 2 alone", subs[1].Tasks)
	}
	waitJobs(t, again, out, nil)
	checkCompleted(t, again, out, 1)
	if _, err := os.Stat(filepath.Join(out, "results.csv")); err != nil {
		t.Fatalf("no merged results after the automatic resubmission: %v\n%s", err, jobLogs(again, out))
	}
	sameResults(t, out, csv, stats)
	status := runBin(t, bin, "status", out)
	if !strings.Contains(status, "4 of 4 shards complete") || !strings.Contains(status, "merged: ") {
		t.Errorf("simrun status of the finished campaign:\n%s", status)
	}
	if mergeLog, _ := os.ReadFile(again.mergeLogPath(out)); strings.Contains(string(mergeLog), "submitting them again") {
		t.Errorf("the second merge job resubmitted again:\n%s", mergeLog)
	}
}

// mergeLogPath is the log of j's merge job.
func (j slurmJobs) mergeLogPath(out string) string {
	return filepath.Join(out, "slurm", "merge-"+j.merge+".out")
}

// tinySlurm has 10,000 chunks of one sample, each a few microseconds.
const tinySlurm = `name = "tiny"
kernel = "spin"
seed = 3
[params]
work = 10
[samples]
samples = 10000
chunk_size = 1
`

// TestSlurmDryRunTenThousand: on a cluster at Slurm's default
// MaxArraySize (1001, as the local cluster is), --array 10000 packs ten
// shards to a task, and sbatch --test-only accepts both scripts.
func TestSlurmDryRunTenThousand(t *testing.T) {
	needSlurm(t)
	dir := t.TempDir()
	file := writeFile(t, dir, "tiny.toml", tinySlurm)
	bin := buildSimrun(t)
	out := filepath.Join(dir, "out")
	stdout := runBin(t, bin, "submit", "--dry-run", "--array", "10000", "--time", "10", "--out", out, file)
	for _, want := range []string{
		"packing: this cluster allows array indices up to 1000 (MaxArraySize 1001), so each of the 1000 array tasks runs up to 10 of the 10000 shards",
		"#SBATCH --array=0-999\n",
		"accepted: sbatch --test-only " + filepath.Join(out, "slurm", "array.sbatch") + ": Job ",
		"accepted: sbatch --test-only " + filepath.Join(out, "slurm", "merge.sbatch") + ": Job ",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("the dry run does not say %q:\n%s", want, stdout)
		}
	}
	if q, _ := slurmClient("squeue", "-h", "-n", "simrun-tiny"); strings.TrimSpace(q) != "" {
		t.Errorf("a dry run queued jobs:\n%s", q)
	}
}

// TestSlurmCampaign2000 runs a campaign of 2000 shards of a tiny
// experiment on the local cluster, whose MaxArraySize is Slurm's default
// (1001): 1000 tasks of two shards each, and the merge. It takes about 4
// minutes (Slurm starts about 4 tasks a second here), so it runs only
// with SIMRUN_SLURM_LONG=1: make test-slurm-long, which .ci/run runs.
func TestSlurmCampaign2000(t *testing.T) {
	needSlurmLong(t, "a 2000-shard campaign")
	dir := t.TempDir()
	file := writeFile(t, dir, "tiny.toml", strings.Replace(tinySlurm, "samples = 10000", "samples = 2000", 1))
	csv, stats := cleanRun(t, file, filepath.Join(dir, "clean"))
	bin := buildSimrun(t)
	out := filepath.Join(dir, "slurm-run")
	start := time.Now()
	j, submitted := submit(t, bin, "--array", "2000", "--cpus-per-task", "1", "--time", "10", "--out", out, file)
	if want := "each of the 1000 array tasks runs up to 2 of the 2000 shards"; !strings.Contains(submitted, want) {
		t.Errorf("submit does not say %q:\n%s", want, submitted)
	}
	statusSeen := false
	waitJobsFor(t, 15*time.Minute, j, out, func([]string) {
		if !statusSeen && time.Since(start) > 20*time.Second {
			status := runBin(t, bin, "status", out)
			t.Logf("simrun status after %.0f s:\n%s", time.Since(start).Seconds(), tail(status, 5))
			statusSeen = true
		}
	})
	t.Logf("2000 shards in 1000 tasks, submit to merged results: %.1f s", time.Since(start).Seconds())
	if st := jobStates(t, j)[j.merge]; st != "COMPLETED" {
		t.Errorf("merge job %s ended %s\n%s", j.merge, st, jobLogs(j, out))
	}
	if _, err := os.Stat(filepath.Join(out, "results.csv")); err != nil {
		t.Fatalf("no merged results: %v\n%s", err, jobLogs(j, out))
	}
	sameResults(t, out, csv, stats)
	status := runBin(t, bin, "status", out)
	if !strings.Contains(status, "2000 of 2000 shards complete") {
		t.Errorf("simrun status of the finished campaign:\n%s", tail(status, 5))
	}
}

// tail returns the last n lines of text.
func tail(text string, n int) string {
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// needSlurmLong skips a Slurm test that takes minutes unless
// SIMRUN_SLURM_LONG=1 (make test-slurm-long, which .ci/run runs).
func needSlurmLong(t *testing.T, what string) {
	t.Helper()
	if os.Getenv("SIMRUN_SLURM_LONG") != "1" {
		t.Skipf("slurm: %s takes minutes; make test-slurm-long (SIMRUN_SLURM_LONG=1) runs it", what)
	}
	needSlurm(t)
}

// longSpin is 500 chunks of about 0.2 s of CPU: 100 s for one task.
const longSpin = `name = "longspin"
kernel = "spin"
seed = 5
[params]
work = 2000000
[samples]
samples = 25000
chunk_size = 50
`

// TestSlurmTimeLimit runs a task that cannot finish within its time
// limit (2 minutes, for 100 s of work with the signal 30 s before it,
// which Slurm may send up to a minute early): Slurm signals it, it
// journals its running chunks and exits 143 before the limit kills it,
// and the merge job (--auto-resume 2) submits it again until the shard
// is complete; the campaign ends with the bytes of a local run.
func TestSlurmTimeLimit(t *testing.T) {
	needSlurmLong(t, "a task that reaches its time limit")
	dir := t.TempDir()
	file := writeFile(t, dir, "long.toml", longSpin)
	start := time.Now()
	csv, stats := cleanRun(t, file, filepath.Join(dir, "clean"))
	t.Logf("local run: %.1f s", time.Since(start).Seconds())
	bin := buildSimrun(t)
	out := filepath.Join(dir, "slurm-run")
	j, _ := submit(t, bin, "--array", "1", "--cpus-per-task", "1", "--time", "2", "--signal-before", "30", "--auto-resume", "2", "--out", out, file)
	first := j
	for round := 0; ; round++ {
		waitJobsFor(t, 5*time.Minute, j, out, nil)
		mergeLog, _ := os.ReadFile(j.mergeLogPath(out))
		if !strings.Contains(string(mergeLog), "submitting them again") {
			break
		}
		subs, err := slurm.ReadSubmissions(filepath.Join(out, "slurm"))
		if err != nil || len(subs) != round+2 {
			t.Fatalf("round %d: submissions %+v, %v", round, subs, err)
		}
		j = slurmJobs{subs[round+1].ArrayID, subs[round+1].MergeID}
		t.Cleanup(func() { slurmClient("scancel", j.array, j.merge) })
	}
	t.Logf("submit to merged results: %.1f s", time.Since(start).Seconds())
	log, err := os.ReadFile(filepath.Join(out, "slurm", "array-"+first.array+"_0.out"))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("the first task's log:\n%s", log)
	if st := jobStates(t, first)[first.array+"_0"]; st != "FAILED" {
		t.Errorf("the first task ended %s, want FAILED (exit 143, signalled before its time limit, not TIMEOUT)", st)
	}
	if !strings.Contains(string(log), "SIGTERM") {
		t.Errorf("the first task's log does not say it was signalled:\n%s", log)
	}
	if _, err := os.Stat(filepath.Join(out, "results.csv")); err != nil {
		t.Fatalf("no merged results: %v\n%s", err, jobLogs(j, out))
	}
	sameResults(t, out, csv, stats)
}
