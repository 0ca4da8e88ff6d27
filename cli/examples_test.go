package cli

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The example kernels in other languages (examples/), run by their real
// interpreters and compilers: the same bytes on 1, 2 and 3 workers, after
// a SIGKILL of simrun and a resume, and from shards merged; no program
// left running; check and verify pass. The tests skip, saying why, where
// python3 with numpy, a C compiler or awk is missing; .ci/run installs
// them.
func TestExampleKernels(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the example kernels of examples/ through their interpreters; not with -short")
	}
	for _, ex := range []struct {
		name, dir, file string
		prepare         func(t *testing.T, dir string)
		// slower edits the experiment so that a run lasts long enough
		// to be killed in the middle.
		slower [2]string
	}{
		{"python", "walk-python", "walk.toml", usePythonWithNumpy, [2]string{"samples = 200_000", "samples = 400_000"}},
		{"c", "pi-c", "pi.toml", compileC, [2]string{"samples = 2_000_000", "samples = 40_000_000"}},
		{"awk", "dice-awk", "dice.toml", needAwk, [2]string{"samples = 20_000", "samples = 100_000"}},
	} {
		t.Run(ex.name, func(t *testing.T) {
			dir := t.TempDir()
			copyDir(t, filepath.Join("..", "examples", ex.dir), dir)
			ex.prepare(t, dir)
			path := filepath.Join(dir, ex.file)
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Contains(src, []byte(ex.slower[0])) {
				t.Fatalf("%s has no %q to change", path, ex.slower[0])
			}
			src = bytes.Replace(src, []byte(ex.slower[0]), []byte(ex.slower[1]), 1)
			file := writeFile(t, dir, "test-"+ex.file, string(src))
			out := func(name string) string { return filepath.Join(dir, "out", name) }
			csv, stats := cleanRun(t, file, out("clean"))
			clean, err := os.ReadFile(filepath.Join(out("clean"), "chunks.bin"))
			if err != nil {
				t.Fatal(err)
			}
			same := func(o string) {
				t.Helper()
				sameResults(t, o, csv, stats)
				if b, err := os.ReadFile(filepath.Join(o, "chunks.bin")); err != nil || !bytes.Equal(b, clean) {
					t.Errorf("%s/chunks.bin differs from the clean run's (%v)", o, err)
				}
			}
			for _, w := range []string{"1", "2", "3"} {
				if _, stderr, code := simrun(t, "run", "--quiet", "--workers", w, "--out", out("w"+w), file); code != 0 {
					t.Fatalf("%s workers: exit %d:\n%s", w, code, stderr)
				}
				same(out("w" + w))
			}

			// SIGKILL in the middle, then resume.
			killed := out("killed")
			cmd, output := startSimrun(t, "run", "--workers", "2", "--out", killed, file)
			waitJournal(t, killed, 3)
			cmd.Process.Kill()
			cmd.Wait()
			done := journaled(killed)
			checkNoProgram(t, dir, output)
			if _, stderr, code := simrun(t, "run", "--quiet", "--workers", "2", "--out", killed, file); code != 0 {
				t.Fatalf("resume: exit %d:\n%s", code, stderr)
			}
			t.Logf("killed after %d chunks, resumed", done)
			same(killed)

			// Three shards, merged.
			sharded := out("sharded")
			for i := range 3 {
				if _, stderr, code := simrun(t, "run", "--quiet", "--workers", "2", "--shard", fmt.Sprintf("%d/3", i), "--out", sharded, file); code != 0 {
					t.Fatalf("shard %d/3: exit %d:\n%s", i, code, stderr)
				}
			}
			if _, stderr, code := simrun(t, "merge", sharded); code != 0 {
				t.Fatalf("merge: exit %d:\n%s", code, stderr)
			}
			same(sharded)

			if stdout, stderr, code := simrun(t, "check", out("w2")); code != 0 {
				t.Errorf("check: exit %d:\n%s%s", code, stdout, stderr)
			}
			if stdout, stderr, code := simrun(t, "verify", out("w3")); code != 0 || !strings.Contains(stdout, "identical to the bit") {
				t.Errorf("verify: exit %d:\n%s%s", code, stdout, stderr)
			}
		})
	}
}

// checkNoProgram fails if a process started in dir (the example's copy,
// whose path is in every program's command line or working directory)
// still runs.
func checkNoProgram(t *testing.T, dir string, output *output) {
	t.Helper()
	cwds, _ := filepath.Glob("/proc/[0-9]*/cwd")
	for _, c := range cwds {
		if target, err := os.Readlink(c); err == nil && target == dir {
			pid := filepath.Base(filepath.Dir(c))
			if st, err := os.ReadFile("/proc/" + pid + "/stat"); err == nil && !strings.Contains(string(st), ") Z ") {
				// Give the kill a moment to land before blaming it.
				if waitGone(pid) {
					continue
				}
				cmdline, _ := os.ReadFile("/proc/" + pid + "/cmdline")
				t.Errorf("process %s (%s) outlived simrun:\n%s", pid, bytes.ReplaceAll(cmdline, []byte{0}, []byte{' '}), output)
			}
		}
	}
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	entries, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(from, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		info, _ := e.Info()
		if err := os.WriteFile(filepath.Join(to, e.Name()), b, info.Mode().Perm()); err != nil {
			t.Fatal(err)
		}
	}
}

// usePythonWithNumpy puts first on PATH a python3 that has numpy: the one
// on PATH, or Debian's.
func usePythonWithNumpy(t *testing.T, _ string) {
	for _, py := range []string{"python3", "/usr/bin/python3"} {
		path, err := exec.LookPath(py)
		if err != nil {
			continue
		}
		if exec.Command(path, "-c", "import numpy").Run() == nil {
			bin := t.TempDir()
			if err := os.Symlink(path, filepath.Join(bin, "python3")); err != nil {
				t.Fatal(err)
			}
			t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
			return
		}
	}
	t.Skip("no python3 with numpy (apt-get install python3-numpy; .ci/run does)")
}

func compileC(t *testing.T, dir string) {
	cc, err := exec.LookPath("cc")
	if err != nil {
		t.Skip("no C compiler (apt-get install gcc; .ci/run does)")
	}
	cmd := exec.Command(cc, "-std=c11", "-O2", "-ffp-contract=off", "-Wall", "-Wextra", "-Werror", "-o", "pi", "pi.c", "-lm")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("compiling pi.c: %v\n%s", err, out)
	}
}

func needAwk(t *testing.T, _ string) {
	if _, err := exec.LookPath("awk"); err != nil {
		t.Skip("no awk")
	}
}

// waitGone waits a little for process pid to exit, or become a zombie.
func waitGone(pid string) bool {
	for range 200 {
		st, err := os.ReadFile("/proc/" + pid + "/stat")
		if err != nil || strings.Contains(string(st), ") Z ") {
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return false
}

// TestNewKernels: what simrun new writes runs as it is, and passes check.
func TestNewKernels(t *testing.T) {
	for _, tc := range []struct {
		lang    string
		prepare func(t *testing.T, dir string)
	}{
		{"python", func(t *testing.T, _ string) {
			if _, err := exec.LookPath("python3"); err != nil {
				t.Skip("no python3")
			}
		}},
		{"c", func(t *testing.T, dir string) {
			cc, err := exec.LookPath("cc")
			if err != nil {
				t.Skip("no C compiler (apt-get install gcc; .ci/run does)")
			}
			cmd := exec.Command(cc, "-std=c11", "-O2", "-ffp-contract=off", "-Wall", "-Wextra", "-Werror", "-o", "mykernel", "mykernel.c", "-lm")
			cmd.Dir = dir
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("compiling: %v\n%s", err, out)
			}
		}},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			dir := t.TempDir()
			stdout, stderr, code := simrun(t, "new", "--dir", dir, tc.lang, "mykernel")
			if code != 0 || !strings.Contains(stdout, "wrote") {
				t.Fatalf("new: exit %d:\n%s%s", code, stdout, stderr)
			}
			tc.prepare(t, dir)
			file := filepath.Join(dir, "mykernel.toml")
			out := filepath.Join(dir, "out")
			if _, stderr, code := simrun(t, "run", "--quiet", "--out", out, file); code != 0 {
				t.Fatalf("run: exit %d:\n%s", code, stderr)
			}
			if stdout, stderr, code := simrun(t, "check", out); code != 0 {
				t.Errorf("check: exit %d:\n%s%s", code, stdout, stderr)
			}
			if _, stderr, code := simrun(t, "new", "--dir", dir, tc.lang, "mykernel"); code != 2 || !strings.Contains(stderr, "exists") {
				t.Errorf("new over existing files: exit %d: %s", code, stderr)
			}
		})
	}
}
