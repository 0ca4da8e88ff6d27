package cli

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/simrun/simrun/engine"
)

// TestStoppedWorkerDoesNotHang: a simrun run whose worker is SIGSTOPped
// (no time limit) does not sit still: the chunks queued behind the
// stopped one finish on the other worker, stderr says which worker has
// run which chunk for how long, and once the worker is continued the run
// ends with the clean run's bytes.
func TestStoppedWorkerDoesNotHang(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "slow.toml", slowExperiment) // 400 chunks of about 3 ms
	csv, stats := cleanRun(t, file, filepath.Join(dir, "clean"))
	out := filepath.Join(dir, "out")
	cmd, output := startSimrun(t, "run", "--workers", "2", "--out", out, file)
	defer cmd.Process.Kill()
	waitJournal(t, out, 20)
	workers := children(cmd.Process.Pid)
	if len(workers) != 2 {
		t.Fatalf("simrun has %d worker processes, want 2", len(workers))
	}
	victim := workers[0]
	if err := syscall.Kill(victim, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	// All but the stopped worker's current chunk complete, and the log
	// names it, within a few seconds (the stall rule's floor is 1 s).
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) && (journaled(out) < 399 || !strings.Contains(output.String(), "has run task")) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := journaled(out); n != 399 {
		t.Errorf("%d of 400 chunks journaled while a worker is stopped, want 399", n)
	}
	if !strings.Contains(output.String(), "runner: worker") || !strings.Contains(output.String(), "moved to idle workers") {
		t.Errorf("stderr does not say which worker stalled:\n%s", output)
	}
	if err := syscall.Kill(victim, syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	if code := exitOf(cmd.Wait()); code != 0 {
		t.Fatalf("exit %d after SIGCONT:\n%s", code, output)
	}
	// Each chunk journaled once: the run counts what it journaled.
	if res, err := engine.ReadResults(out); err != nil || len(res.Provenance.Runs) != 1 || res.Provenance.Runs[0].Computed != 400 {
		t.Errorf("results.json: %v; want one run that journaled each of the 400 chunks once", err)
	}
	sameResults(t, out, csv, stats)
}

func TestProgressStalled(t *testing.T) {
	p := startProgress(nil, true)
	if got := p.stalled(); got != "" {
		t.Errorf("stalled() before watch = %q", got)
	}
	p.watch(func() []engine.Stall {
		return []engine.Stall{{Worker: 2, PID: 77, Point: 3, Chunk: 9, Running: 12 * time.Second}}
	})
	if got, want := p.stalled(), "; worker 2 (pid 77) has run point 3 chunk 9 for 12s"; got != want {
		t.Errorf("stalled() = %q, want %q", got, want)
	}
}
