package benchkit

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestRun(t *testing.T) {
	in := filepath.Join(t.TempDir(), "in")
	if err := os.WriteFile(in, []byte("from a file\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		cmd    Cmd
		stdout string
		err    string // a part of the error; "" for none
	}{
		{"output kept", Cmd{Argv: []string{"sh", "-c", "echo out; echo err >&2"}}, "out\n", ""},
		{"output discarded", Cmd{Argv: []string{"sh", "-c", "echo out"}, Discard: true}, "", ""},
		{"standard input from a file", Cmd{Argv: []string{"cat"}, Stdin: in}, "from a file\n", ""},
		{"no standard input", Cmd{Argv: []string{"cat"}}, "", ""},
		{"failure with its standard error", Cmd{Argv: []string{"sh", "-c", "echo why >&2; exit 3"}}, "", "sh -c 'echo why >&2; exit 3': exit status 3\nwhy\n"},
		{"no such program", Cmd{Argv: []string{"/nonexistent/x", "a"}}, "", "/nonexistent/x a: "},
		{"HWM polled", Cmd{Argv: []string{"sleep", "0.05"}, PollHWM: true}, "", ""},
	} {
		r, err := Run(tc.cmd)
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%s: error %v, want one with %q", tc.name, err, tc.err)
		case r.Stdout != tc.stdout:
			t.Errorf("%s: standard output %q, want %q", tc.name, r.Stdout, tc.stdout)
		case tc.cmd.PollHWM && r.HWM <= 0, err == nil && r.MaxRSS <= 0:
			t.Errorf("%s: HWM %d, MaxRSS %d", tc.name, r.HWM, r.MaxRSS)
		}
	}
}

func TestRunTogether(t *testing.T) {
	sleep := Cmd{Argv: []string{"sleep", "0.3"}}
	wall, err := RunTogether(sleep, sleep, sleep, sleep)
	if err != nil {
		t.Fatal(err)
	}
	// At once: as long as one, and well short of the four one after another.
	if wall < 300*time.Millisecond || wall >= 1200*time.Millisecond {
		t.Errorf("four sleeps of 0.3 s at once took %v", wall)
	}
	if _, err := RunTogether(sleep, Cmd{Argv: []string{"false"}}); err == nil {
		t.Error("RunTogether with a failing command: no error")
	}
}
