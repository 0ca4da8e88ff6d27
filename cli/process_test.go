package cli

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/simrun/simrun/engine"
)

// slowExperiment has 400 chunks of about 3 ms: long enough to be killed
// and interrupted part way, short enough for the suite.
const slowExperiment = `name = "slow"
kernel = "faulty"
seed = 5
[params]
sleep_us = 3000
[sweep]
x = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
[samples]
samples = 4000
chunk_size = 100
`

// output is a process's stdout and stderr, safe to read while it runs.
type output struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.b.Write(p)
}

func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.b.String()
}

// startSimrun starts the test binary as the simrun command.
func startSimrun(t *testing.T, args ...string) (*exec.Cmd, *output) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "SIMRUN_TEST_AS_MAIN=1")
	out := new(output)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, out
}

// journaled returns how many chunks the journal in dir holds.
func journaled(dir string) int {
	n, err := engine.JournalChunks(filepath.Join(dir, engine.JournalFile))
	if err != nil {
		return 0
	}
	return int(n)
}

// waitJournal waits until the journal in dir holds at least n chunks, or
// the deadline passes.
func waitJournal(t *testing.T, dir string, n int) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if journaled(dir) >= n {
			return
		}
	}
	t.Fatalf("journal in %s did not reach %d chunks", dir, n)
}

// children returns the PIDs whose parent is pid, from /proc.
func children(pid int) []int {
	var kids []int
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, p := range stats {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces, so split after ')'.
		s := string(b)
		fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(fields) > 1 && fields[1] == strconv.Itoa(pid) {
			if k, err := strconv.Atoi(filepath.Base(filepath.Dir(p))); err == nil {
				kids = append(kids, k)
			}
		}
	}
	return kids
}

// checkGone fails unless every pid has exited (it may take a moment after
// its parent dies: the kernel signals it, then it must be reaped).
func checkGone(t *testing.T, pids []int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for _, pid := range pids {
		for {
			b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
			if err != nil || strings.Contains(string(b), ") Z ") {
				break // gone, or a zombie: no longer running
			}
			if time.Now().After(deadline) {
				t.Errorf("worker %d outlived its parent", pid)
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// cleanRun runs the experiment in-process into dir and returns its
// results.csv and statistics.
func cleanRun(t *testing.T, file, dir string) ([]byte, []byte) {
	t.Helper()
	if _, stderr, code := simrun(t, "run", "--quiet", "--inprocess", "--out", dir, file); code != 0 {
		t.Fatalf("clean run: exit %d: %s", code, stderr)
	}
	csv, err := os.ReadFile(filepath.Join(dir, "results.csv"))
	if err != nil {
		t.Fatal(err)
	}
	return csv, statsOnly(t, filepath.Join(dir, "results.json"))
}

func sameResults(t *testing.T, dir string, csv, stats []byte) {
	t.Helper()
	got, err := os.ReadFile(filepath.Join(dir, "results.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, csv) {
		t.Errorf("results.csv differs from the clean run:\n%s\nwant:\n%s", got, csv)
	}
	if !bytes.Equal(statsOnly(t, filepath.Join(dir, "results.json")), stats) {
		t.Errorf("results.json statistics differ from the clean run")
	}
}

// TestKillParentResume kills simrun with SIGKILL at several points, checks
// that its workers die with it, resumes each time, and ends with the bytes
// of an uninterrupted run.
func TestKillParentResume(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "slow.toml", slowExperiment)
	csv, stats := cleanRun(t, file, filepath.Join(dir, "clean"))
	out := filepath.Join(dir, "out")
	for k, at := range []int{20, 120, 250} {
		cmd, output := startSimrun(t, "run", "--quiet", "--workers", "2", "--out", out, file)
		waitJournal(t, out, at)
		workers := children(cmd.Process.Pid)
		if len(workers) == 0 {
			t.Fatalf("kill %d: simrun has no worker processes", k)
		}
		cmd.Process.Kill()
		cmd.Wait()
		checkGone(t, workers)
		if n := journaled(out); n < at {
			t.Fatalf("kill %d: journal holds %d chunks after the kill, had %d before:\n%s", k, n, at, output)
		}
	}
	cmd, output := startSimrun(t, "run", "--workers", "2", "--out", out, file)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("final run: %v:\n%s", err, output)
	}
	if !strings.Contains(output.String(), "resuming:") {
		t.Errorf("final run did not resume:\n%s", output)
	}
	sameResults(t, out, csv, stats)
}

// slowDesign is slowExperiment with a Halton design of its x instead of a
// list.
const slowDesign = `name = "slow-design"
kernel = "faulty"
seed = 5
[params]
sleep_us = 3000
[design]
kind = "halton"
points = 10
scramble = true
[design.params]
x = { from = 1, to = 1_000_000, scale = "log" }
[samples]
samples = 2000
chunk_size = 100
`

// TestKillParentResumeDesign: a run of a designed sweep killed with
// SIGKILL resumes to the bytes of an uninterrupted run, as a grid's does.
func TestKillParentResumeDesign(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "design.toml", slowDesign)
	csv, stats := cleanRun(t, file, filepath.Join(dir, "clean"))
	out := filepath.Join(dir, "out")
	cmd, output := startSimrun(t, "run", "--quiet", "--workers", "2", "--out", out, file)
	waitJournal(t, out, 60)
	cmd.Process.Kill()
	cmd.Wait()
	if n := journaled(out); n < 60 || n >= 200 {
		t.Fatalf("journal holds %d of the 200 chunks after the kill, want at least the 60 seen:\n%s", n, output)
	}
	cmd, output = startSimrun(t, "run", "--workers", "2", "--out", out, file)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("resumed run: %v:\n%s", err, output)
	}
	if !strings.Contains(output.String(), "resuming:") {
		t.Errorf("the second run did not resume:\n%s", output)
	}
	sameResults(t, out, csv, stats)
}

// slowAdaptive samples each point of slowExperiment's sweep until the
// standard error of u (uniform: sd 0.29) is 0.005, about 3300 samples,
// in rounds from 10 chunks of 100: three waves of rounds.
const slowAdaptive = `name = "slow-adaptive"
kernel = "faulty"
seed = 5
[params]
sleep_us = 3000
[sweep]
x = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
[samples]
samples = 10000
chunk_size = 100
[samples.target]
u = { abs = 0.005 }
`

// TestKillParentResumeAdaptive: an adaptive run killed with SIGKILL
// resumes, takes again from its journal the decisions it took, and ends
// with the bytes of an uninterrupted run, samples and rounds too.
func TestKillParentResumeAdaptive(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "adaptive.toml", slowAdaptive)
	csv, stats := cleanRun(t, file, filepath.Join(dir, "clean"))
	if !bytes.Contains(stats, []byte(`"rounds":3`)) {
		t.Fatalf("the clean run's points did not take 3 rounds: %s", stats)
	}
	out := filepath.Join(dir, "out")
	for _, at := range []int{60, 200} {
		cmd, output := startSimrun(t, "run", "--quiet", "--workers", "2", "--out", out, file)
		waitJournal(t, out, at)
		cmd.Process.Kill()
		cmd.Wait()
		if n := journaled(out); n < at {
			t.Fatalf("journal holds %d chunks after the kill, want at least the %d seen:\n%s", n, at, output)
		}
	}
	cmd, output := startSimrun(t, "run", "--workers", "3", "--out", out, file)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("resumed run: %v:\n%s", err, output)
	}
	if !strings.Contains(output.String(), "resuming:") || !strings.Contains(output.String(), "reached, 3 rounds") {
		t.Errorf("the last run did not resume, or its summary gives no rounds:\n%s", output)
	}
	sameResults(t, out, csv, stats)
	// A finished adaptive run counts the chunks its points stopped at.
	st, _, _ := simrun(t, "status", out)
	var done, total int
	if _, err := fmt.Sscanf(st[strings.Index(st, ": ")+2:], "%d/%d chunks in", &done, &total); err != nil || done != total || total >= 1000 {
		t.Errorf("status: %q (%v), want as many chunks done as needed, fewer than the 1000 at most", st, err)
	}
}

// TestInterrupt sends SIGINT: simrun finishes running chunks, writes
// partial results, exits 130, leaves no worker behind, and a second run
// resumes to the clean bytes.
func TestInterrupt(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "slow.toml", slowExperiment)
	csv, stats := cleanRun(t, file, filepath.Join(dir, "clean"))
	out := filepath.Join(dir, "out")
	cmd, output := startSimrun(t, "run", "--workers", "2", "--out", out, file)
	waitJournal(t, out, 60)
	workers := children(cmd.Process.Pid)
	cmd.Process.Signal(syscall.SIGINT)
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 130 {
		t.Fatalf("after SIGINT: %v, want exit status 130:\n%s", err, output)
	}
	checkGone(t, workers)
	partial, _, points := readResults(t, out)
	if !partial || points >= 10 {
		t.Errorf("after SIGINT: partial %v with %d points, want partial results", partial, points)
	}
	if !strings.Contains(output.String(), "stopped by SIGINT") || !strings.Contains(output.String(), "resume") {
		t.Errorf("no word of the interrupt:\n%s", output)
	}
	if _, stderr, code := simrun(t, "run", "--quiet", "--workers", "2", "--out", out, file); code != 0 {
		t.Fatalf("resume: exit %d: %s", code, stderr)
	}
	sameResults(t, out, csv, stats)
}

// TestKillWorkers kills a random worker ten times during one run: the run
// completes, retrying the lost chunks, with the bytes of a clean run.
func TestKillWorkers(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "slow.toml", slowExperiment)
	csv, stats := cleanRun(t, file, filepath.Join(dir, "clean"))
	out := filepath.Join(dir, "out")
	cmd, output := startSimrun(t, "run", "--quiet", "--workers", "2", "--retries", "5", "--out", out, file)
	killed := 0
	for at := 20; killed < 10; at += 25 {
		waitJournal(t, out, at)
		if kids := children(cmd.Process.Pid); len(kids) > 0 {
			syscall.Kill(kids[killed%len(kids)], syscall.SIGKILL)
			killed++
		}
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("run with %d workers killed: %v:\n%s", killed, err, output)
	}
	sameResults(t, out, csv, stats)
}
