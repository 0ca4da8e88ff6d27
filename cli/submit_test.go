package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/simrun/simrun/internal/shell"
	"github.com/simrun/simrun/slurm"
)

// submitExperiment is walkExperiment (3 points of 13 chunks) with a
// [slurm] table.
const submitExperiment = walkExperiment + `
[slurm]
array = 3
throttle = 2
partition = "short"
time = "1:00:00"
sbatch_args = ["--qos=long", "--constraint=haswell"]
`

// fakeSlurm puts a fake sbatch, scontrol, sacct and sacctmgr first on PATH, in a new
// directory that it returns. sbatch appends its arguments to sbatch.log
// there and prints job ids 1001, 1002;cluster, 1003;cluster, ...; with
// fail set it prints fail to stderr and exits 1. scontrol prints config
// if set, and otherwise fails, as when the controller does not answer;
// sacct and sacctmgr fail as without accounting.
func fakeSlurm(t *testing.T, config, fail string) string {
	t.Helper()
	dir := t.TempDir()
	q := shell.Quote(dir)
	sbatch := "#!/bin/sh\nprintf '%s\\n' \"$*\" >> " + q + "/sbatch.log\n"
	if fail != "" {
		sbatch += "echo " + shell.Quote(fail) + " >&2\nexit 1\n"
	} else {
		sbatch += "n=0\n[ -f " + q + "/count ] && read n < " + q + "/count\nn=$((n+1))\necho $n > " + q + "/count\n" +
			"if [ $n = 1 ]; then echo $((1000+n)); else echo \"$((1000+n));cluster\"; fi\n"
	}
	scontrol := "#!/bin/sh\necho 'slurm_load_ctl_conf error: Unable to contact slurm controller' >&2\nexit 1\n"
	if config != "" {
		scontrol = "#!/bin/sh\ncat <<'EOF'\n" + config + "EOF\n"
	}
	sacctmgr := "#!/bin/sh\necho 'You are not running a supported accounting_storage plugin' >&2\nexit 1\n"
	for name, text := range map[string]string{"sbatch": sbatch, "scontrol": scontrol, "sacctmgr": sacctmgr, "sacct": sacctmgr} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	return dir
}

// sbatchCalls returns the argument lists the fake sbatch was called with.
func sbatchCalls(t *testing.T, dir string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "sbatch.log"))
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

// placeholders replaces the paths of this machine in a script by
// $SIMRUN and $TMP, so that the goldens are the same everywhere.
func placeholders(t *testing.T, text, tmp string) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	text = strings.ReplaceAll(text, shell.Quote(exe), "$SIMRUN")
	return strings.ReplaceAll(text, tmp, "$TMP")
}

// checkGolden compares a script the command wrote with package slurm's
// golden of it: the command writes what slurm renders, byte for byte.
// `go test -update ./slurm` rewrites the goldens.
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("..", "slurm", "testdata", name)
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("the command's script differs from %s (go test -update ./slurm rewrites it if slurm changed on purpose):\n%s", path, got)
	}
}

func TestSubmitDryRunGolden(t *testing.T) {
	fake := fakeSlurm(t, "", "")
	dir := t.TempDir()
	file := writeFile(t, dir, "walk.toml", submitExperiment)
	out := filepath.Join(dir, "out")
	stdout, stderr, code := simrun(t, "submit", "--dry-run", "--array", "4", "--cpus-per-task", "2", "--mem", "1G",
		"--account", "proj42", "--out", out, file)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, name := range []string{"array", "merge"} {
		b, err := os.ReadFile(filepath.Join(out, "slurm", name+".sbatch"))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(stdout, string(b)) {
			t.Errorf("the dry run does not print %s.sbatch:\n%s", name, stdout)
		}
		checkGolden(t, name+".sbatch.golden", placeholders(t, string(b), dir))
	}
	for _, want := range []string{
		"nothing submitted",
		"jobid=$(sbatch --parsable " + filepath.Join(out, "slurm", "array.sbatch") + ")",
		`sbatch --parsable --dependency=afterany:"${jobid%%;*}" ` + filepath.Join(out, "slurm", "merge.sbatch"),
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	if calls := sbatchCalls(t, fake); calls != nil {
		t.Errorf("a dry run called sbatch: %q", calls)
	}
}

// script returns the text of a script that submit wrote.
func script(t *testing.T, out, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(out, "slurm", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestSubmitSlurmTableAndFlags(t *testing.T) {
	fakeSlurm(t, "", "")
	dir := t.TempDir()
	file := writeFile(t, dir, "walk.toml", submitExperiment)

	// The file's [slurm] table alone.
	out := filepath.Join(dir, "file")
	if _, stderr, code := simrun(t, "submit", "--dry-run", "--out", out, file); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	arr := script(t, out, "array.sbatch")
	for _, want := range []string{"--array=0-2%2\n", "--partition=short\n", "--time=1:00:00\n", "#SBATCH --qos=long\n#SBATCH --constraint=haswell\n", `--shard "$shard/3"`} {
		if !strings.Contains(arr, want) {
			t.Errorf("array.sbatch from the [slurm] table lacks %q:\n%s", want, arr)
		}
	}
	if strings.Contains(arr, "--cpus-per-task") || strings.Contains(arr, "--mem") || strings.Contains(arr, "--account") {
		t.Errorf("array.sbatch sets options neither the file nor the flags set:\n%s", arr)
	}

	// Flags override it; --sbatch-arg replaces sbatch_args.
	out = filepath.Join(dir, "flags")
	if _, stderr, code := simrun(t, "submit", "--dry-run", "--array", "5", "--throttle", "0", "--partition", "long",
		"--sbatch-arg", "--exclusive", "--out", out, file); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	arr = script(t, out, "array.sbatch")
	for _, want := range []string{"--array=0-4\n", "--partition=long\n", "--time=1:00:00\n", "#SBATCH --exclusive\n", `--shard "$shard/5"`} {
		if !strings.Contains(arr, want) {
			t.Errorf("array.sbatch with flags lacks %q:\n%s", want, arr)
		}
	}
	if strings.Contains(arr, "short") || strings.Contains(arr, "--qos") {
		t.Errorf("array.sbatch keeps a setting of the file that a flag overrides:\n%s", arr)
	}
	merge := script(t, out, "merge.sbatch")
	for _, want := range []string{"--job-name=simrun-walk-merge\n", "--cpus-per-task=1\n", "--partition=long\n", "merge " + out + "; then\n", "submit --resume --array"} {
		if !strings.Contains(merge, want) {
			t.Errorf("merge.sbatch lacks %q:\n%s", want, merge)
		}
	}
}

func TestSubmitRefuses(t *testing.T) {
	fakeSlurm(t, "", "")
	dir := t.TempDir()
	file := writeFile(t, dir, "walk.toml", walkExperiment) // 39 chunks, no [slurm]
	bad := writeFile(t, dir, "bad.toml", walkExperiment+"\n[slurm]\narray = 4\ntime = \"2h\"\n")
	adaptive := writeFile(t, dir, "adaptive.toml", slowAdaptive)
	for _, test := range []struct {
		name string
		args []string
		want string
	}{
		{"no array", []string{file}, "how many array tasks? give --array N, or array = N in the [slurm] table"},
		{"array zero", []string{"--array", "0", file}, "--array 0: want an integer in [1, 4000001], the number of shards (one array task each"},
		{"more tasks than chunks", []string{"--array", "40", file}, "--array 40: " + file + " has only 39 chunks in all, so 1 of the tasks would have nothing to do; use --array 39 or fewer"},
		{"bad time flag", []string{"--array", "2", "--time", "2h", file}, `--time "2h": want a Slurm time limit`},
		{"bad sbatch arg", []string{"--array", "2", "--sbatch-arg", "--array=1-3", file}, `--sbatch-arg "--array=1-3": --array has its own key`},
		{"bad [slurm] table", []string{bad}, "bad.toml:18: slurm.time: is the string \"2h\", want a Slurm time limit"},
		{"adaptive", []string{"--array", "2", adaptive}, adaptive + " samples its points to a target ([samples.target]): its decisions need every chunk of a point, which no array task has; run it whole in one job"},
		{"space in output dir", []string{"--array", "2", "--out", filepath.Join(dir, "my results"), file}, "holds \" \", which an #SBATCH --output line cannot carry; choose another with --out DIR"},
	} {
		t.Run(test.name, func(t *testing.T) {
			_, stderr, code := simrun(t, append([]string{"submit", "--dry-run"}, test.args...)...)
			if code != 2 || !strings.Contains(stderr, test.want) {
				t.Errorf("exit %d, stderr:\n%s\nwant exit 2 and %q", code, stderr, test.want)
			}
		})
	}
}

func TestSubmit(t *testing.T) {
	fake := fakeSlurm(t, "", "")
	dir := t.TempDir()
	file := writeFile(t, dir, "walk.toml", submitExperiment)
	out := filepath.Join(dir, "out")
	stdout, stderr, code := simrun(t, "submit", "--out", out, file)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	arrayScript, mergeScript := filepath.Join(out, "slurm", "array.sbatch"), filepath.Join(out, "slurm", "merge.sbatch")
	calls := sbatchCalls(t, fake)
	want := []string{"--parsable " + arrayScript, "--parsable --dependency=afterany:1001 " + mergeScript}
	if strings.Join(calls, "\n") != strings.Join(want, "\n") {
		t.Errorf("sbatch calls:\n%s\nwant:\n%s", strings.Join(calls, "\n"), strings.Join(want, "\n"))
	}
	for _, want := range []string{
		"submitted array job 1001: 3 tasks of walk (shards 0 to 2 of 3, at most 2 at once)",
		"submitted merge job 1002: runs once every task of job 1001 has ended",
		"squeue -j 1001,1002",
		"simrun status " + out,
		filepath.Join(out, "results.csv") + " (and results.parquet, results.json, report.md, report.html)",
		filepath.Join(out, "slurm", "merge-1002.out"),
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	for _, p := range []string{arrayScript, mergeScript} {
		if fi, err := os.Stat(p); err != nil || fi.Mode().Perm()&0o100 == 0 {
			t.Errorf("%s: %v, want an executable script", p, err)
		}
	}
}

func TestSubmitSbatchFails(t *testing.T) {
	fakeSlurm(t, "", "sbatch: error: invalid partition specified: short")
	dir := t.TempDir()
	file := writeFile(t, dir, "walk.toml", submitExperiment)
	_, stderr, code := simrun(t, "submit", "--out", filepath.Join(dir, "out"), file)
	if code != 1 || !strings.Contains(stderr, "invalid partition specified: short") {
		t.Errorf("exit %d, stderr:\n%s\nwant exit 1 and sbatch's error", code, stderr)
	}
}

func TestSubmitNoSbatch(t *testing.T) {
	empty := t.TempDir()
	t.Setenv("PATH", empty)
	dir := t.TempDir()
	file := writeFile(t, dir, "walk.toml", submitExperiment)
	out := filepath.Join(dir, "out")
	_, stderr, code := simrun(t, "submit", "--out", out, file)
	if code != 2 || !strings.Contains(stderr, "cannot run sbatch") || !strings.Contains(stderr, "--dry-run") {
		t.Errorf("exit %d, stderr:\n%s\nwant exit 2 and a hint at --dry-run", code, stderr)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("submit without sbatch created %s", out)
	}
	// A dry run needs neither sbatch nor scontrol.
	if _, stderr, code := simrun(t, "submit", "--dry-run", "--out", out, file); code != 0 {
		t.Errorf("dry run without sbatch: exit %d: %s", code, stderr)
	}
}

// TestSubmitPacks: more shards than the cluster allows array tasks run
// several to a task, and the submission is recorded for status.
func TestSubmitPacks(t *testing.T) {
	fake := fakeSlurm(t, "Configuration data as of 2025-01-01T00:00:00\nMaxArraySize            = 3\nMaxJobCount             = 10000\n", "")
	dir := t.TempDir()
	file := writeFile(t, dir, "walk.toml", submitExperiment)
	out := filepath.Join(dir, "out")
	stdout, stderr, code := simrun(t, "submit", "--array", "5", "--out", out, file)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{
		"packing: this cluster allows array indices up to 2 (MaxArraySize 3), so each of the 3 array tasks runs up to 2 of the 5 shards, one after another",
		"submitted array job 1001: 3 tasks of walk (shards 0 to 4 of 5, up to 2 to a task, at most 2 at once)",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	arr := script(t, out, "array.sbatch")
	for _, want := range []string{"#SBATCH --array=0-2%2\n", "first=$((task * 2))\n", `--shard "$first-$last/5"`} {
		if !strings.Contains(arr, want) {
			t.Errorf("array.sbatch lacks %q:\n%s", want, arr)
		}
	}
	if calls := sbatchCalls(t, fake); len(calls) != 2 || strings.Contains(calls[0], "--array") {
		t.Errorf("sbatch calls %q, want the whole array, then the merge", calls)
	}
	subs, err := slurm.ReadSubmissions(filepath.Join(out, "slurm"))
	if err != nil {
		t.Fatal(err)
	}
	if len(subs) != 1 || subs[0].ArrayID != "1001" || subs[0].MergeID != "1002" || subs[0].PerTask != 2 || subs[0].Tasks != "0-2" || subs[0].Shards != 5 {
		t.Errorf("recorded %+v, want array 1001, merge 1002, tasks 0-2 of 2 shards each of 5", subs)
	}

	// A limit the cluster does not say, such as a QOS's MaxSubmitJobs.
	stdout, stderr, code = simrun(t, "submit", "--dry-run", "--array", "5", "--max-tasks", "1", "--out", out, file)
	if code != 0 || !strings.Contains(stdout, "packing: --max-tasks (or [slurm] max_tasks) is 1, so each of the 1 array tasks runs up to 5 of the 5 shards") {
		t.Errorf("--max-tasks 1: exit %d, stdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	if arr := script(t, out, "array.sbatch"); !strings.Contains(arr, "#SBATCH --array=0%2\n") {
		t.Errorf("array.sbatch with --max-tasks 1 does not have one task:\n%s", arr)
	}
}

// TestRunShardRange: `run --shard I-J/N`, what a packed task runs, runs
// those shards one after another, and they merge with the rest.
func TestRunShardRange(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "walk.toml", walkExperiment)
	out := filepath.Join(dir, "out")
	stdout, stderr, code := simrun(t, "run", "--inprocess", "--workers", "2", "--shard", "0-2/5", "--out", out, file)
	if code != 0 {
		t.Fatalf("run --shard 0-2/5: exit %d: %s", code, stderr)
	}
	for _, want := range []string{"shard 0/5: 8 of 8 chunks", "shard 1/5: 8 of 8 chunks", "shard 2/5: 8 of 8 chunks"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	if _, stderr, code := simrun(t, "run", "--inprocess", "--quiet", "--shard", "3-4/5", "--out", out, file); code != 0 {
		t.Fatalf("run --shard 3-4/5: exit %d: %s", code, stderr)
	}
	if _, stderr, code := simrun(t, "merge", out); code != 0 {
		t.Fatalf("merge: exit %d: %s", code, stderr)
	}
	csv, stats := cleanRun(t, file, filepath.Join(dir, "whole"))
	sameResults(t, out, csv, stats)
	for _, bad := range []string{"3-2/5", "0-5/5", "1-/5"} {
		if _, stderr, code := simrun(t, "run", "--shard", bad, "--out", out, file); code != 2 || !strings.Contains(stderr, "I-J/N") {
			t.Errorf("--shard %s: exit %d, stderr:\n%s\nwant exit 2 and what a range is", bad, code, stderr)
		}
	}
}

func TestSubmitResume(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "walk.toml", submitExperiment)
	out := filepath.Join(dir, "out")
	runShard := func(i string) {
		t.Helper()
		if _, stderr, code := simrun(t, "run", "--inprocess", "--workers", "2", "--quiet", "--shard", i+"/4", "--out", out, file); code != 0 {
			t.Fatalf("run --shard %s/4: exit %d: %s", i, code, stderr)
		}
	}
	runShard("0")
	runShard("2")

	fake := fakeSlurm(t, "", "")
	stdout, stderr, code := simrun(t, "submit", "--resume", "--array", "4", "--out", out, file)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	arrayScript, mergeScript := filepath.Join(out, "slurm", "array.sbatch"), filepath.Join(out, "slurm", "merge.sbatch")
	want := []string{"--parsable --array=1,3%2 " + arrayScript, "--parsable --dependency=afterany:1001 " + mergeScript}
	if calls := sbatchCalls(t, fake); strings.Join(calls, "\n") != strings.Join(want, "\n") {
		t.Errorf("sbatch calls:\n%s\nwant:\n%s", strings.Join(calls, "\n"), strings.Join(want, "\n"))
	}
	for _, want := range []string{
		"resume: resubmitting 2 of 4 shards: 1 (0 of 10 chunks), 3 (0 of 9 chunks)",
		"submitted array job 1001: 2 tasks of walk (shards 1, 3 of 4, at most 2 at once)",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	if arr := script(t, out, "array.sbatch"); !strings.Contains(arr, "#SBATCH --array=0-3%2\n") {
		t.Errorf("array.sbatch of a resubmission does not keep the whole array in its #SBATCH line:\n%s", arr)
	}

	// Another sharding is refused.
	if _, stderr, code := simrun(t, "submit", "--resume", "--dry-run", "--array", "3", "--out", out, file); code != 2 || !strings.Contains(stderr, "resume with --array 4") {
		t.Errorf("resume with another --array: exit %d, stderr:\n%s", code, stderr)
	}

	// With every shard complete, only the merge is submitted.
	runShard("1")
	runShard("3")
	fake = fakeSlurm(t, "", "")
	stdout, stderr, code = simrun(t, "submit", "--resume", "--array", "4", "--out", out, file)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if calls := sbatchCalls(t, fake); len(calls) != 1 || calls[0] != "--parsable "+mergeScript {
		t.Errorf("sbatch calls: %q, want only the merge without a dependency", calls)
	}
	for _, want := range []string{"all 4 shards are complete; submitting the merge only", "submitted merge job 1001", "squeue -j 1001\n"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
}

// TestSubmitHelp: submit -h lists every flag, the sbatch options the
// scripts manage and what a task's exit status means.
func TestSubmitHelp(t *testing.T) {
	_, stderr, code := simrun(t, "submit", "-h")
	if code != 0 {
		t.Fatalf("submit -h: exit %d", code)
	}
	for _, want := range []string{"-signal-before S", "-sbatch-arg ARG", "-resume", "--requeue", "--open-mode=append", "--wrap", "Its exit\nstatus: 0", "143 or 130 interrupted, resumable", "submit --resume", "-max-tasks K", "-auto-resume N", "packed", "sbatch --test-only", "simrun status OUTDIR"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("submit -h does not say %q:\n%s", want, stderr)
		}
	}
}
