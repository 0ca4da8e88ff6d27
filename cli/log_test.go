package cli

import (
	"bytes"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// TestQuietSilencesPoolWarnings: the worker pool's warnings (a worker
// died) reach the user as plain lines, and --quiet silences them, leaving
// only the error.
func TestQuietSilencesPoolWarnings(t *testing.T) {
	dir := t.TempDir()
	file := faultyFile(t, dir, "[params]\nexit_at = 1\n")
	for _, tc := range []struct {
		name  string
		quiet bool
	}{
		{"loud", false},
		{"quiet", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{"run", "--workers", "2", "--retries", "1", "--out", filepath.Join(dir, tc.name)}
			if tc.quiet {
				args = append(args, "--quiet")
			}
			_, stderr, code := simrun(t, append(args, file)...)
			if code != 1 {
				t.Fatalf("exit %d, want 1:\n%s", code, stderr)
			}
			warned := strings.Contains(stderr, "runner: worker died worker=")
			if warned == tc.quiet {
				t.Errorf("--quiet %v: the pool's warning shown: %v; stderr:\n%s", tc.quiet, warned, stderr)
			}
			if !strings.Contains(stderr, "lost with") {
				t.Errorf("stderr lacks the error naming the lost chunk:\n%s", stderr)
			}
		})
	}
}

func TestLineHandler(t *testing.T) {
	var b bytes.Buffer
	log := newLogger(&b, false).With("run", 3)
	log.Info("resuming: 4 of 9 chunks", "dir", "out")
	log.Debug("not shown")
	log.Warn("stopping")
	newLogger(&b, true).Warn("not shown either")
	want := "resuming: 4 of 9 chunks run=3 dir=out\nsimrun: stopping run=3\n"
	if b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
}

// TestUsageMatchesDoc: the subcommands listed by `simrun help`
// (usage.txt) are those of the package comment, the command's manual, in
// the same order with the same words.
func TestUsageMatchesDoc(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "main.go", nil, parser.ParseComments|parser.PackageClauseOnly)
	if err != nil {
		t.Fatal(err)
	}
	commands := func(text, indent string) []string {
		var lines []string
		for _, l := range strings.Split(text, "\n") {
			if strings.HasPrefix(l, indent+"simrun ") {
				lines = append(lines, strings.Join(strings.Fields(l), " "))
			}
		}
		return lines
	}
	doc, help := commands(f.Doc.Text(), "\t"), commands(usage, "  ")
	if len(doc) != len(subcommands) || strings.Join(doc, "\n") != strings.Join(help, "\n") {
		t.Errorf("the package comment lists\n%s\nusage.txt lists\n%s\nand there are %d subcommands", strings.Join(doc, "\n"), strings.Join(help, "\n"), len(subcommands))
	}
}
