package shell

import (
	"os/exec"
	"testing"
)

func TestQuote(t *testing.T) {
	for _, test := range []struct {
		name, in, want string
	}{
		{"plain path", "/home/u/walk-1.toml", "/home/u/walk-1.toml"},
		{"empty", "", "''"},
		{"space", "my results", "'my results'"},
		{"single quote", "o'neil", `'o'\''neil'`},
		{"dollar", "$HOME", "'$HOME'"},
		{"equals and colon", "--dependency=afterok:1", "'--dependency=afterok:1'"},
		{"percent", "0-3%2", "'0-3%2'"},
		{"non-ASCII letter", "é", "'é'"},
		{"newline", "a\nb", "'a\nb'"},
	} {
		t.Run(test.name, func(t *testing.T) {
			if got := Quote(test.in); got != test.want {
				t.Errorf("Quote(%q) = %q, want %q", test.in, got, test.want)
			}
		})
	}
}

func TestJoin(t *testing.T) {
	for _, test := range []struct {
		name string
		cmd  string
		args []string
		want string
	}{
		{"no args", "sbatch", nil, "sbatch"},
		{"plain", "sbatch", []string{"--parsable", "/o/array.sbatch"}, "sbatch --parsable /o/array.sbatch"},
		{"quoted", "sbatch", []string{"--array=1,3%2", "/my dir/a"}, "sbatch '--array=1,3%2' '/my dir/a'"},
		{"empty arg", "echo", []string{""}, "echo ''"},
		{"quoted name", "my prog", nil, "'my prog'"},
	} {
		t.Run(test.name, func(t *testing.T) {
			if got := Join(test.cmd, test.args...); got != test.want {
				t.Errorf("Join(%q, %q) = %q, want %q", test.cmd, test.args, got, test.want)
			}
		})
	}
}

// TestQuoteShell has sh read quoted words back: each must come out as the
// string that was quoted.
func TestQuoteShell(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("shell: no sh on PATH to read the quoted words back")
	}
	for _, s := range []string{"", "plain", "two words", "o'neil", "''", `a\b`, "$HOME `x` $(y)", "*?[a]", "tab\there", "line\nbreak", "é ü", "!#&;|<>(){}~"} {
		out, err := exec.Command(sh, "-c", "printf '%s' "+Quote(s)).Output()
		if err != nil {
			t.Errorf("sh -c printf %s: %v", Quote(s), err)
			continue
		}
		if string(out) != s {
			t.Errorf("sh read Quote(%q) = %s back as %q", s, Quote(s), out)
		}
	}
}

func FuzzQuote(f *testing.F) {
	for _, s := range []string{"", "a", "a b", "'", "'\\''"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q := Quote(s)
		if q == "" {
			t.Fatalf("Quote(%q) is empty", s)
		}
		if q != s && (q[0] != '\'' || q[len(q)-1] != '\'') {
			t.Fatalf("Quote(%q) = %q, neither unchanged nor in single quotes", s, q)
		}
	})
}
