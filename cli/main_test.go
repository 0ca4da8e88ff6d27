package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/simrun/simrun/engine"
	"github.com/simrun/simrun/internal/kerneltest"
	"github.com/simrun/simrun/kernels"
	"github.com/simrun/simrun/report"
)

// TestMain lets the test binary serve as simrun's worker processes, and,
// with SIMRUN_TEST_AS_MAIN=1, as the simrun command itself, so that tests
// can kill and interrupt a real simrun process.
func TestMain(m *testing.M) {
	if len(os.Args) > 2 && os.Args[1] == "kernel" {
		// The test binary plays an experiment's kernel program.
		os.Exit(kerneltest.Play(os.Args[2:]))
	}
	testEngine.Serve()
	if os.Getenv("SIMRUN_TEST_AS_MAIN") == "1" {
		os.Exit(mainExit(testEngine, os.Args[1:]))
	}
	os.Exit(m.Run())
}

// testEngine has simrun's kernels and the test kernels (faulty), as a
// researcher's cli.Main(faulty{}) would.
var testEngine = engine.New(kernels.Builtin(faulty{}))

// simrun runs the CLI in-process and returns stdout, stderr and the exit code.
func simrun(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := Run(context.Background(), testEngine, args, &stdout, &stderr)
	return stdout.String(), stderr.String(), code
}

// editResults rewrites dir/results.json after edit changes what it reads,
// and returns the file's bytes from before, for the test to put back.
func editResults(t *testing.T, dir string, edit func(*report.Results)) []byte {
	t.Helper()
	path := filepath.Join(dir, engine.ResultsJSON)
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	res, err := report.ReadJSON(bytes.NewReader(before))
	if err != nil {
		t.Fatal(err)
	}
	edit(res)
	var after bytes.Buffer
	if err := report.WriteJSON(&after, res); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, after.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return before
}

// firstListed returns the line after the one starting "largest" in the
// output of compare or check (the largest difference), or "".
func firstListed(out string) string {
	_, rest, ok := strings.Cut(out, "\nlargest")
	if !ok {
		return ""
	}
	lines := strings.SplitN(rest, "\n", 3)
	if len(lines) < 2 {
		return ""
	}
	return lines[1]
}

// writeFile writes content to name in dir and returns its path.
func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// statsOnly returns results.json without its provenance, which holds times
// and the worker count, re-encoded canonically.
func statsOnly(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if _, ok := m["points"]; !ok {
		t.Fatalf("%s has no points", path)
	}
	delete(m, "provenance")
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

const walkExperiment = `
name = "walk"
kernel = "randomwalk"
seed = 42

[params]
steps = 20

[sweep]
d = [1, 2, 3]

[samples]
samples = 5000
chunk_size = 400
`

// TestIdenticalAcrossExecutors is the reproducibility contract: the same
// file gives the same bytes in-process and on 1, 2, 3 and 8 processes.
func TestIdenticalAcrossExecutors(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "walk.toml", walkExperiment)
	var refCSV, refJSON []byte
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"inprocess", []string{"--inprocess", "--workers", "2"}},
		{"workers1", []string{"--workers", "1"}},
		{"workers2", []string{"--workers", "2"}},
		{"workers3", []string{"--workers", "3"}},
		{"workers8", []string{"--workers", "8"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(dir, tc.name)
			args := append([]string{"run", "--quiet", "--out", out}, tc.args...)
			_, stderr, code := simrun(t, append(args, file)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			csv, err := os.ReadFile(filepath.Join(out, "results.csv"))
			if err != nil {
				t.Fatal(err)
			}
			js := statsOnly(t, filepath.Join(out, "results.json"))
			if refCSV == nil {
				refCSV, refJSON = csv, js
				if n := strings.Count(string(csv), "\n"); n != 1+3*2 {
					t.Fatalf("results.csv has %d lines, want header + 3 points × 2 observables:\n%s", n, csv)
				}
				return
			}
			if !bytes.Equal(csv, refCSV) {
				t.Errorf("results.csv differs from the in-process run:\n%s\nwant:\n%s", csv, refCSV)
			}
			if !bytes.Equal(js, refJSON) {
				t.Errorf("results.json statistics differ from the in-process run")
			}
		})
	}
}

// buildSimrun builds the simrun command (cmd/simrun) into a temporary
// directory with the extra environment env, such as GOARCH=386, and
// returns its path. The go command is the one on PATH, as go test sets it.
func buildSimrun(t *testing.T, env ...string) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("no go command to build simrun with: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "simrun")
	cmd := exec.Command(goBin, "build", "-o", bin, "../cmd/simrun")
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s go build: %v:\n%s", strings.Join(env, " "), err, out)
	}
	return bin
}
