package slurm

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// needCluster skips the test unless a Slurm cluster answers here, as
// scripts/slurm-local.sh start brings up.
func needCluster(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("sbatch"); err != nil {
		t.Skip("slurm: sbatch not on PATH; run scripts/slurm-local.sh start to run the tests on a cluster")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "squeue", "-h").CombinedOutput(); err != nil {
		t.Skipf("slurm: squeue does not answer (%v: %s); run scripts/slurm-local.sh start to run the tests on a cluster", err, strings.TrimSpace(string(out)))
	}
}

// TestOnCluster submits a job whose "simrun" is true(1) to a real
// cluster, with the zero Client, and checks that the tasks asked for and
// the merge ran after them, logging where ArrayLogs and MergeLog say.
func TestOnCluster(t *testing.T) {
	needCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var c Client
	if l := c.Limits(ctx); !l.Known || l.MaxArraySize < 1 {
		t.Errorf("Limits = %+v; want the cluster's", l)
	}
	truePath, err := exec.LookPath("true")
	if err != nil {
		t.Skip("slurm: no true on PATH to stand in for simrun")
	}
	if truePath, err = filepath.Abs(truePath); err != nil {
		t.Fatal(err)
	}
	j := &Job{Name: "slurm-test", File: "/nonexistent/walk.toml", OutDir: t.TempDir(), Exe: truePath}
	j.Settings.Array, j.Settings.Throttle = 3, 1
	if err := j.WriteScripts(); err != nil {
		t.Fatal(err)
	}
	arrayID, mergeID, err := c.Submit(ctx, j, []int{0, 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { exec.Command("scancel", arrayID, mergeID).Run() }) // if the test stops before they end

	// Wait for both jobs to leave the queue.
	for {
		out, err := exec.CommandContext(ctx, "squeue", "-h", "-o", "%i %T %r", "-j", arrayID+","+mergeID).Output()
		if err != nil && ctx.Err() != nil {
			t.Fatalf("jobs %s and %s still queued after 2 minutes: %s", arrayID, mergeID, out)
		}
		if err == nil && strings.TrimSpace(string(out)) == "" {
			break
		}
		if strings.Contains(string(out), "DependencyNeverSatisfied") {
			t.Fatalf("the merge job waits for an array task that failed:\n%s", out)
		}
		time.Sleep(300 * time.Millisecond)
	}
	logs, err := filepath.Glob(j.ArrayLogs(arrayID))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{filepath.Join(j.Dir(), "array-"+arrayID+"_0.out"), filepath.Join(j.Dir(), "array-"+arrayID+"_2.out")}; strings.Join(logs, " ") != strings.Join(want, " ") {
		t.Errorf("array logs %q, want %q: the tasks of shards 0 and 2", logs, want)
	}
	if _, err := os.Stat(j.MergeLog(mergeID)); err != nil {
		t.Errorf("the merge job left no log: %v", err)
	}
}
