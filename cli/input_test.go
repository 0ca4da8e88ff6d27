package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBadInput: every user mistake is a clear error on stderr naming what is
// wrong and what would be valid, exit code 2, and no output directory.
func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	notDir := writeFile(t, dir, "plainfile", "x")
	for _, tc := range []struct {
		name string
		file string   // experiment file content
		args []string // extra run flags
		want []string // substrings of stderr
	}{
		{"malformed toml", "kernel = \"pi\"\nseed = \n", nil,
			[]string{"bad.toml:2"}},
		{"unknown key", "kernal = \"pi\"\nseed = 1\n[samples]\nsamples = 10\nchunks = 1\n", nil,
			[]string{"bad.toml:1", "kernal", `"kernel"`}},
		{"wrong type", "kernel = \"randomwalk\"\nseed = 1\n[params]\nsteps = \"ten\"\n[samples]\nsamples = 10\nchunks = 1\n", nil,
			[]string{"bad.toml:4", "params.steps", "int"}},
		{"unknown kernel", "kernel = \"pie\"\nseed = 1\n[samples]\nsamples = 10\nchunks = 1\n", nil,
			[]string{"bad.toml:1", "pie", "pi, randomwalk, sir, spin"}},
		{"missing required parameter", "kernel = \"randomwalk\"\nseed = 1\n[samples]\nsamples = 10\nchunks = 1\n", nil,
			[]string{"bad.toml", "steps", "required"}},
		{"out of range", "kernel = \"randomwalk\"\nseed = 1\n[params]\nsteps = 10\nd = 0\n[samples]\nsamples = 10\nchunks = 1\n", nil,
			[]string{"bad.toml:5", "params.d", "[1, 16]"}},
		{"out of range in sweep", "kernel = \"randomwalk\"\nseed = 1\n[params]\nsteps = 10\n[sweep]\nd = [1, 2, 99]\n[samples]\nsamples = 10\nchunks = 1\n", nil,
			[]string{"bad.toml:6", "sweep.d", "99", "[1, 16]"}},
		{"empty sweep", "kernel = \"randomwalk\"\nseed = 1\n[params]\nsteps = 10\n[sweep]\nd = []\n[samples]\nsamples = 10\nchunks = 1\n", nil,
			[]string{"bad.toml:6", "sweep.d", "empty"}},
		{"combination the kernel rejects", "kernel = \"ising2d\"\nseed = 1\n[params]\nT = 2\n[sweep]\nL = [8, 9]\n[samples]\nsamples = 10\nchunks = 1\n", nil,
			[]string{"bad.toml:6", "sweep.L", "point 1", "L = 9 is odd", "even"}},
		{"zero samples", "kernel = \"pi\"\nseed = 1\n[samples]\nsamples = 0\nchunks = 1\n", nil,
			[]string{"bad.toml:4", "samples.samples"}},
		{"unwritable output directory", "kernel = \"pi\"\nseed = 1\n[samples]\nsamples = 10\nchunks = 1\n", []string{"--out", filepath.Join(notDir, "out")},
			[]string{"plainfile", "--out"}},
		{"missing file", "", []string{}, []string{"nosuch.toml"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := filepath.Join(dir, "nosuch.toml")
			if tc.file != "" {
				file = writeFile(t, dir, "bad.toml", tc.file)
			}
			out := filepath.Join(dir, "out", strings.ReplaceAll(tc.name, " ", "-"))
			args := []string{"run", "--quiet", "--out", out}
			args = append(append(args, tc.args...), file)
			_, stderr, code := simrun(t, args...)
			if code != 2 {
				t.Errorf("exit code %d, want 2; stderr:\n%s", code, stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr does not mention %q:\n%s", w, stderr)
				}
			}
			if strings.Contains(stderr, "goroutine ") || strings.Contains(stderr, "panic") {
				t.Errorf("stderr has a stack trace:\n%s", stderr)
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Errorf("output directory %s exists after bad input (err %v)", out, err)
			}
		})
	}
}

func TestHelpExitsZero(t *testing.T) {
	for _, cmd := range []string{"run", "plan", "validate", "kernels", "report", "chunk", "verify", "compare", "check", "merge", "status"} {
		_, stderr, code := simrun(t, cmd, "-h")
		if code != 0 || !strings.Contains(stderr, "usage: simrun "+cmd) {
			t.Errorf("simrun %s -h: exit %d, stderr %q; want exit 0 and the usage", cmd, code, stderr)
		}
	}
}

func TestUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no command", nil, "missing command"},
		{"unknown command", []string{"fly"}, `unknown command "fly"`},
		{"run without file", []string{"run"}, "want one experiment file"},
		{"bad flag", []string{"run", "--wokers", "2", "x.toml"}, "wokers"},
		{"zero workers", []string{"run", "--workers", "0", "x.toml"}, "at least 1"},
		{"unknown kernel", []string{"kernels", "nope"}, `no kernel "nope"`},
		{"verify of no chunks", []string{"verify", "--chunks", "0", "dir"}, "want at least 1"},
		{"compare with a negative top", []string{"compare", "--top", "-1", "a", "b"}, "want 0 or more"},
		{"compare with z = 0", []string{"compare", "--z", "0", "a", "b"}, "positive number"},
		{"compare with one run", []string{"compare", "a"}, "two results directories"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, stderr, code := simrun(t, tc.args...)
			if code != 2 || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, stderr %q; want exit 2 and %q", code, stderr, tc.want)
			}
		})
	}
}
