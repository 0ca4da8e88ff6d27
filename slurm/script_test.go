package slurm

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/simrun/simrun/internal/shell"
	"github.com/simrun/simrun/sim"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// The paths of testJob, which placeholders replaces by $TMP and $SIMRUN
// as cli's tests do with the paths of their machine, so that the
// goldens here and there are the same bytes.
const (
	testTmp = "/tmp/TestSubmitDryRunGolden1/001"
	testExe = "/usr/local/bin/simrun"
)

// testJob is the job of cli's TestSubmitDryRunGolden: its [slurm]
// table with the flags --array 4 --cpus-per-task 2 --mem 1G --account
// proj42 --out $TMP/out.
func testJob() *Job {
	return &Job{
		Name:   "walk",
		File:   testTmp + "/walk.toml",
		OutDir: testTmp + "/out",
		Exe:    testExe,
		Settings: sim.SlurmSettings{
			Array: 4, Throttle: 2, Partition: "short", Time: "1:00:00", Mem: "1G",
			CPUsPerTask: 2, Account: "proj42", SbatchArgs: []string{"--qos=long", "--constraint=haswell"},
		},
	}
}

// quotedJob has a file and a binary whose paths need quoting, and no
// settings but the array.
func quotedJob() *Job {
	return &Job{
		Name:     "a.b_c-1",
		File:     "/home/o'neil/my walk.toml",
		OutDir:   "/scratch/o-neil/out",
		Exe:      "/home/o'neil/go/bin/simrun $HOME",
		Settings: sim.SlurmSettings{Array: 1},
	}
}

// packedJob is testJob with more shards than its cluster allows tasks:
// 10 shards, 4 to a task.
func packedJob() *Job {
	j := testJob()
	j.Settings.Array = 10
	j.Pack(3)
	return j
}

// autoJob is testJob whose merge job resubmits incomplete shards twice.
func autoJob() *Job {
	j := testJob()
	j.Settings.AutoResume = 2
	return j
}

func placeholders(text string) string {
	text = strings.ReplaceAll(text, shell.Quote(testExe), "$SIMRUN")
	return strings.ReplaceAll(text, testTmp, "$TMP")
}

// checkGolden compares got with testdata/name; with -update it rewrites
// the file instead, and on a mismatch it writes got beside it as .got.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -update creates it)", err)
	}
	if !bytes.Equal(got, want) {
		if err := os.WriteFile(path+".got", got, 0o644); err != nil {
			t.Error(err)
		}
		t.Errorf("%s differs from the golden file; the output is in %s.got (go test -update rewrites the golden):\n%s", path, path, got)
	}
}

// TestArrayScriptGolden: array.sbatch.golden and merge.sbatch.golden are
// copies of cli/testdata/submit_*.sbatch.golden, the scripts
// written by the Fprintf calls these templates replaced.
func TestArrayScriptGolden(t *testing.T) {
	for _, test := range []struct {
		name, golden string
		job          *Job
	}{
		{"all settings", "array.sbatch.golden", testJob()},
		{"quoted paths, no settings", "array-quoted.sbatch.golden", quotedJob()},
		{"several shards to a task", "array-packed.sbatch.golden", packedJob()},
	} {
		t.Run(test.name, func(t *testing.T) {
			got, err := test.job.ArrayScript()
			if err != nil {
				t.Fatal(err)
			}
			checkGolden(t, test.golden, []byte(placeholders(string(got))))
		})
	}
}

// TestPackedScriptShards runs the array script of packedJob under bash
// for each task, with a "simrun" that prints its arguments, and checks
// the shards each task runs.
func TestPackedScriptShards(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash to run the script")
	}
	dir := t.TempDir()
	j := packedJob()
	j.OutDir = filepath.Join(dir, "out")
	j.Exe = filepath.Join(dir, "simrun")
	if err := os.WriteFile(j.Exe, []byte("#!/bin/sh\necho \"$@\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := j.WriteScripts(); err != nil {
		t.Fatal(err)
	}
	if j.Tasks() != 3 {
		t.Fatalf("Tasks = %d, want 3", j.Tasks())
	}
	for task, want := range []string{"0-3/10", "4-7/10", "8-9/10"} {
		cmd := exec.Command("bash", j.ArrayPath())
		cmd.Env = append(os.Environ(), "SLURM_ARRAY_TASK_ID="+strconv.Itoa(task))
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("task %d: %v: %s", task, err, out)
		}
		if !strings.Contains(string(out), "--shard "+want+" ") {
			t.Errorf("task %d ran %q, want --shard %s", task, out, want)
		}
		if first, last := j.TaskShards(task); want != fmt.Sprintf("%d-%d/10", first, last) {
			t.Errorf("TaskShards(%d) = %d, %d; want %s", task, first, last, want)
		}
	}
}

func TestPack(t *testing.T) {
	for _, test := range []struct {
		name                 string
		shards, max          int
		perTask, tasks, last int
	}{
		{"fits", 1000, 1001, 1, 1000, 999},
		{"exactly", 1001, 1001, 1, 1001, 1000},
		{"ten thousand on a default cluster", 10000, 1001, 10, 1000, 999},
		{"uneven", 10, 3, 4, 3, 2},
		{"one task", 7, 1, 7, 1, 0},
		{"no limit", 5, 0, 1, 5, 4},
	} {
		t.Run(test.name, func(t *testing.T) {
			j := &Job{Settings: sim.SlurmSettings{Array: test.shards}}
			j.Pack(test.max)
			if j.PerTask != test.perTask || j.Tasks() != test.tasks {
				t.Errorf("Pack(%d) of %d shards: PerTask %d, Tasks %d; want %d, %d", test.max, test.shards, j.PerTask, j.Tasks(), test.perTask, test.tasks)
			}
			if got := j.ShardTask(test.shards - 1); got != test.last {
				t.Errorf("ShardTask(%d) = %d, want %d", test.shards-1, got, test.last)
			}
		})
	}
}

// TestAutoResumeScript runs the merge script of autoJob under bash with
// a "simrun" whose merge exits with a given status, and checks that it
// resubmits the shards, with one automatic resubmission fewer, only when
// they are incomplete (2), not after a kernel failure (1).
func TestAutoResumeScript(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash to run the script")
	}
	for _, test := range []struct {
		name        string
		mergeStatus int
		exit        int
		submit      bool
	}{
		{"merged", 0, 0, false},
		{"incomplete", 2, 0, true},
		{"a kernel failure", 1, 1, false},
	} {
		t.Run(test.name, func(t *testing.T) {
			dir := t.TempDir()
			j := autoJob()
			j.OutDir = filepath.Join(dir, "out")
			j.Exe = filepath.Join(dir, "simrun")
			calls := filepath.Join(dir, "calls")
			fake := fmt.Sprintf("#!/bin/sh\necho \"$@ cpus=${SLURM_CPUS_PER_TASK:-unset} conf=${SLURM_CONF:-unset}\" >> %s\n[ \"$1\" = merge ] && exit %d\nexit 0\n", shell.Quote(calls), test.mergeStatus)
			if err := os.WriteFile(j.Exe, []byte(fake), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := j.WriteScripts(); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command("bash", j.MergePath())
			cmd.Env = append(os.Environ(), "SLURM_CPUS_PER_TASK=1", "SLURM_JOB_ID=7", "SLURM_CONF=/etc/x.conf")
			out, err := cmd.CombinedOutput()
			code := 0
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != test.exit {
				t.Errorf("exit %d, want %d; output:\n%s", code, test.exit, out)
			}
			b, err := os.ReadFile(calls)
			if err != nil {
				t.Fatal(err)
			}
			submitted := strings.Contains(string(b), "submit --resume")
			if submitted != test.submit {
				t.Errorf("calls:\n%s\nwant a resubmission: %v", b, test.submit)
			}
			if submitted && !strings.Contains(string(b), "--auto-resume 1 ") {
				t.Errorf("the resubmission does not lower --auto-resume to 1:\n%s", b)
			}
			if submitted && !strings.Contains(string(b), "cpus=unset conf=/etc/x.conf") {
				t.Errorf("the resubmission inherits the merge job's SLURM_CPUS_PER_TASK, or lost SLURM_CONF:\n%s", b)
			}
			if !test.submit && test.exit != 0 && !strings.Contains(string(out), "submit --resume") {
				t.Errorf("a merge that is not resubmitted does not print the resume command:\n%s", out)
			}
		})
	}
}

func TestMergeScriptGolden(t *testing.T) {
	for _, test := range []struct {
		name, golden string
		job          *Job
	}{
		{"all settings", "merge.sbatch.golden", testJob()},
		{"quoted paths, no settings", "merge-quoted.sbatch.golden", quotedJob()},
		{"auto-resume", "merge-auto.sbatch.golden", autoJob()},
	} {
		t.Run(test.name, func(t *testing.T) {
			got, err := test.job.MergeScript()
			if err != nil {
				t.Fatal(err)
			}
			checkGolden(t, test.golden, []byte(placeholders(string(got))))
		})
	}
}

func TestDryRunGolden(t *testing.T) {
	var b bytes.Buffer
	if err := testJob().DryRun(&b, []int{0, 1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "dryrun.golden", []byte(placeholders(b.String())))
}

// TestDryRunCommands checks the sbatch commands by hand that end the dry
// run, for each kind of shard list; the rest is as in dryrun.golden.
func TestDryRunCommands(t *testing.T) {
	const dir = "$TMP/out/slurm/"
	for _, test := range []struct {
		name   string
		shards []int
		want   string
	}{
		{"all shards", []int{0, 1, 2, 3}, "  jobid=$(sbatch --parsable " + dir + "array.sbatch)\n" +
			"  sbatch --parsable --dependency=afterany:\"${jobid%%;*}\" " + dir + "merge.sbatch\n"},
		{"some shards", []int{1, 3}, "  jobid=$(sbatch --parsable '--array=1,3%2' " + dir + "array.sbatch)\n" +
			"  sbatch --parsable --dependency=afterany:\"${jobid%%;*}\" " + dir + "merge.sbatch\n"},
		{"one shard", []int{2}, "  jobid=$(sbatch --parsable '--array=2%2' " + dir + "array.sbatch)\n" +
			"  sbatch --parsable --dependency=afterany:\"${jobid%%;*}\" " + dir + "merge.sbatch\n"},
		{"no shards", nil, "  sbatch --parsable " + dir + "merge.sbatch\n"},
	} {
		t.Run(test.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := testJob().DryRun(&b, test.shards); err != nil {
				t.Fatal(err)
			}
			const by = "or by hand:\n"
			text := placeholders(b.String())
			i := strings.LastIndex(text, by)
			if i < 0 || text[i+len(by):] != test.want {
				t.Errorf("DryRun(%v) ends:\n%s\nwant, after %q:\n%s", test.shards, text[max(0, i):], by, test.want)
			}
		})
	}
}

func TestDryRunInvalidShards(t *testing.T) {
	for _, test := range []struct {
		name   string
		shards []int
	}{
		{"negative", []int{-1}},
		{"beyond the array", []int{4}},
		{"decreasing", []int{2, 1}},
		{"repeated", []int{1, 1}},
	} {
		t.Run(test.name, func(t *testing.T) {
			var b bytes.Buffer
			err := testJob().DryRun(&b, test.shards)
			var ie *InputError
			if err == nil || errors.As(err, &ie) || b.Len() > 0 {
				t.Errorf("DryRun(%v) = %v, wrote %d bytes; want a plain error and nothing written", test.shards, err, b.Len())
			}
		})
	}
}

func TestWriteScripts(t *testing.T) {
	j := testJob()
	j.OutDir = filepath.Join(t.TempDir(), "out")
	if err := j.WriteScripts(); err != nil {
		t.Fatal(err)
	}
	for _, s := range []struct {
		path   string
		render func() ([]byte, error)
	}{{j.ArrayPath(), j.ArrayScript}, {j.MergePath(), j.MergeScript}} {
		want, err := s.render()
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(s.path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s holds:\n%s\nwant:\n%s", s.path, got, want)
		}
		if fi, err := os.Stat(s.path); err != nil {
			t.Error(err)
		} else if fi.Mode().Perm() != 0o755 {
			t.Errorf("%s has mode %v, want 0755", s.path, fi.Mode().Perm())
		}
	}
	entries, err := os.ReadDir(j.Dir())
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 {
		t.Errorf("%s holds %d files, want the two scripts only (no temporary file left)", j.Dir(), len(entries))
	}

	// A job Check refuses writes nothing.
	bad := testJob()
	bad.OutDir = filepath.Join(t.TempDir(), "my out")
	if err := bad.WriteScripts(); err == nil {
		t.Errorf("WriteScripts with OutDir %q: no error", bad.OutDir)
	}
	if _, err := os.Stat(bad.OutDir); !os.IsNotExist(err) {
		t.Errorf("WriteScripts refused the job but created %s", bad.OutDir)
	}

	// An output directory the user may not write to is theirs to fix.
	if os.Geteuid() == 0 {
		t.Log("running as root, which may write anywhere: not testing a read-only directory")
		return
	}
	ro := t.TempDir()
	if err := os.Chmod(ro, 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(ro, 0o755) })
	for _, dir := range []string{ro, filepath.Join(ro, "out")} {
		j := testJob()
		j.OutDir = dir
		err := j.WriteScripts()
		var ie *InputError
		if !errors.As(err, &ie) || !strings.Contains(err.Error(), "--out DIR") {
			t.Errorf("WriteScripts in read-only %s = %v, want an *InputError saying to choose another directory with --out DIR", dir, err)
		}
	}
}
