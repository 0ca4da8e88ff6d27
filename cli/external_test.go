package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// fakeExperiment writes an experiment whose kernel is this test binary
// playing a kernel program (kerneltest.Play) in mode, with arg, and
// returns its path. extra is added to the file (a [run] table).
func fakeExperiment(t *testing.T, dir, name string, command []string, sweep, extra string) string {
	t.Helper()
	var q []string
	for _, a := range command {
		q = append(q, strconv.Quote(a))
	}
	return writeFile(t, dir, name+".toml", fmt.Sprintf(`name = %q
kernel = { command = [%s] }
seed = 5
[sweep]
a = %s
[samples]
samples = 2000
chunk_size = 50
%s`, name, strings.Join(q, ", "), sweep, extra))
}

func testBinary(t *testing.T) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return exe
}

// TestExternalIdentical: a kernel program's results are the same bytes on
// 1, 2 and 3 worker processes and in-process, and check finds them right.
func TestExternalIdentical(t *testing.T) {
	dir := t.TempDir()
	file := fakeExperiment(t, dir, "good", []string{testBinary(t), "kernel", "good"}, "[0, 1, 2, 3]", "")
	csv, stats := cleanRun(t, file, filepath.Join(dir, "clean"))
	for _, w := range []string{"1", "2", "3"} {
		out := filepath.Join(dir, "w"+w)
		if _, stderr, code := simrun(t, "run", "--quiet", "--workers", w, "--out", out, file); code != 0 {
			t.Fatalf("%s workers: exit %d: %s", w, code, stderr)
		}
		sameResults(t, out, csv, stats)
	}
	if stdout, stderr, code := simrun(t, "check", filepath.Join(dir, "w2")); code != 0 {
		t.Errorf("check: exit %d: %s%s", code, stdout, stderr)
	}
	if stdout, stderr, code := simrun(t, "verify", "--all", filepath.Join(dir, "w3")); code != 0 || !strings.Contains(stdout, "identical to the bit") {
		t.Errorf("verify: exit %d: %s%s", code, stdout, stderr)
	}
}

// TestExternalFailures: each way a kernel program goes wrong in a run.
func TestExternalFailures(t *testing.T) {
	bin := testBinary(t)
	dir := t.TempDir()
	clean := fakeExperiment(t, dir, "clean", []string{bin, "kernel", "good"}, "[1, 2]", "")
	csv, stats := cleanRun(t, clean, filepath.Join(dir, "clean-out"))
	for _, tc := range []struct {
		name    string
		command []string
		sweep   string
		extra   string
		code    int
		want    []string // in stderr
		same    bool     // the results are the clean run's
	}{
		{name: "missing", command: []string{"no-such-kernel-program", "x.py"}, code: 2,
			want: []string{"missing.toml:2: kernel.command: command no-such-kernel-program x.py:", `"no-such-kernel-program" is not a program on PATH`}},
		{name: "exits", command: []string{"sh", "-c", "echo ModuleNotFoundError: numpy >&2; exit 4"}, code: 2,
			want: []string{"exits.toml:2: kernel.command:", "exited with exit status 4 before declaring its spec", "ModuleNotFoundError: numpy"}},
		{name: "error", command: []string{bin, "kernel", "error"}, sweep: "[1, 13]", code: 1,
			want: []string{"ValueError: a = 13 is unlucky", `File "fake.py", line 13`, "point 1 (a=13,s=\"x\"), chunk ", "the requests that reproduce it", "simrun chunk"}},
		{name: "crash-once", command: []string{bin, "kernel", "crash-once", filepath.Join(dir, "crashed")}, same: true},
		{name: "crash-always", command: []string{bin, "kernel", "crash-always"}, code: 1,
			want: []string{"MemoryError: crash-always as asked", "exited with exit status 1"}},
		{name: "hang-once", command: []string{bin, "kernel", "hang-once", filepath.Join(dir, "hung")}, extra: "[run]\ntimeout = \"2s\"\n", same: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sweep := tc.sweep
			if sweep == "" {
				sweep = "[1, 2]"
			}
			file := fakeExperiment(t, dir, tc.name, tc.command, sweep, tc.extra)
			out := filepath.Join(dir, tc.name+"-out")
			_, stderr, code := simrun(t, "run", "--workers", "2", "--out", out, file)
			if code != tc.code {
				t.Fatalf("exit %d, want %d:\n%s", code, tc.code, stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr does not say %q:\n%s", w, stderr)
				}
			}
			if tc.code == 2 {
				if _, err := os.Stat(out); !os.IsNotExist(err) {
					t.Errorf("%s exists after a refused file", out)
				}
			}
			if tc.same {
				sameResults(t, out, csv, stats)
			}
		})
	}
	t.Run("chunk rerun", func(t *testing.T) {
		file := filepath.Join(dir, "error.toml")
		_, stderr, code := simrun(t, "chunk", file, "1", "0")
		if code != 1 || !strings.Contains(stderr, "ValueError: a = 13 is unlucky") {
			t.Errorf("simrun chunk: exit %d:\n%s", code, stderr)
		}
		stdout, stderr, code := simrun(t, "chunk", file, "0", "0")
		if code != 0 || !strings.Contains(stdout, "u") {
			t.Errorf("simrun chunk of a good chunk: exit %d:\n%s%s", code, stdout, stderr)
		}
	})
}

// TestExternalResumeRefusesChangedCode: a journal of a program whose file
// has changed since is refused on resume, naming the file; --force
// starts over.
func TestExternalResumeRefusesChangedCode(t *testing.T) {
	dir := t.TempDir()
	code := writeFile(t, dir, "kernel.txt", "version 1\n")
	file := fakeExperiment(t, dir, "changed", []string{testBinary(t), "kernel", "good", "kernel.txt"}, "[1]", "")
	out := filepath.Join(dir, "out")
	cmd, output := startSimrun(t, "run", "--workers", "1", "--out", out, file)
	waitJournal(t, out, 1)
	cmd.Process.Kill()
	cmd.Wait()
	_ = output
	if err := os.WriteFile(code, []byte("version 2\n"), 0o666); err != nil {
		t.Fatal(err)
	}
	_, stderr, exit := simrun(t, "run", "--quiet", "--out", out, file)
	if exit != 2 || !strings.Contains(stderr, "kernel.txt has changed since") {
		t.Errorf("resume after the program changed: exit %d:\n%s", exit, stderr)
	}
	if _, stderr, exit := simrun(t, "run", "--quiet", "--force", "--out", out, file); exit != 0 {
		t.Errorf("--force: exit %d:\n%s", exit, stderr)
	}
}

// running returns the pids of the running processes (not zombies) whose
// command line contains token.
func running(token string) []int {
	var pids []int
	lines, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range lines {
		b, err := os.ReadFile(p)
		if err != nil || !strings.Contains(string(b), token) {
			continue
		}
		pid, err := strconv.Atoi(filepath.Base(filepath.Dir(p)))
		if err != nil || pid == os.Getpid() {
			continue
		}
		if st, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); err == nil && !strings.Contains(string(st), ") Z ") {
			pids = append(pids, pid)
		}
	}
	return pids
}

// TestExternalNoOrphans: after Ctrl-C or a SIGKILL of simrun, no kernel
// program is left running: not one that ignores SIGINT and the end of its
// input, not one started through a shell, which is no child of a worker.
func TestExternalNoOrphans(t *testing.T) {
	bin := testBinary(t)
	for _, tc := range []struct {
		name   string
		shell  bool
		signal syscall.Signal
	}{
		{"stubborn/SIGINT", false, syscall.SIGINT},
		{"stubborn/SIGKILL", false, syscall.SIGKILL},
		{"shell/SIGINT", true, syscall.SIGINT},
		{"shell/SIGKILL", true, syscall.SIGKILL},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			token := filepath.Join(dir, "orphan-token")
			command := []string{bin, "kernel", "stubborn", token}
			if tc.shell {
				// "; true" keeps the shell from exec'ing the program: it
				// stays the program's parent.
				command = []string{"sh", "-c", fmt.Sprintf("'%s' kernel stubborn '%s'; true", bin, token)}
			}
			file := fakeExperiment(t, dir, "orphans", command, "[1, 2]", "")
			out := filepath.Join(dir, "out")
			cmd, output := startSimrun(t, "run", "--workers", "2", "--grace", "200ms", "--out", out, file)
			waitJournal(t, out, 4)
			if n := len(running(token)); n < 2 {
				t.Fatalf("%d kernel programs running, want at least 2 (one per worker):\n%s", n, output)
			}
			cmd.Process.Signal(tc.signal)
			cmd.Wait()
			deadline := time.Now().Add(10 * time.Second)
			for len(running(token)) > 0 && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
			}
			if left := running(token); len(left) > 0 {
				t.Errorf("kernel programs %v outlived simrun:\n%s", left, output)
				for _, pid := range left {
					syscall.Kill(pid, syscall.SIGKILL)
				}
			}
		})
	}
}
