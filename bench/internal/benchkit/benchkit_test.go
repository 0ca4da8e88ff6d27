package benchkit

import (
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestReplaceBlock(t *testing.T) {
	const b, e = "<!-- x:begin -->", "<!-- x:end -->"
	block := b + "\nnew\n" + e + "\n"
	for _, tc := range []struct {
		name, doc, want string
		ok              bool
	}{
		{"between text", "head\n" + b + "\nold\n" + e + "\ntail\n", "head\n" + block + "tail\n", true},
		{"at the end, no newline after", "head\n" + b + "\nold\n" + e, "head\n" + block, true},
		{"only one newline taken", b + "old" + e + "\n\ntail", block + "\ntail", true},
		{"the first begin, the first end", b + "1" + e + b + "2" + e, block + b + "2" + e, true},
		{"other markers kept", "<!-- y:begin -->y<!-- y:end -->\n" + b + e + "\n", "<!-- y:begin -->y<!-- y:end -->\n" + block, true},
		{"no markers", "head\n", "head\n", false},
		{"empty", "", "", false},
		{"begin only", "head\n" + b + "\n", "head\n" + b + "\n", false},
		{"end before begin", e + "\n" + b + "\n", e + "\n" + b + "\n", false},
	} {
		got, ok := ReplaceBlock(tc.doc, b, e, block)
		if got != tc.want || ok != tc.ok {
			t.Errorf("%s: ReplaceBlock(%q) = %q, %v; want %q, %v", tc.name, tc.doc, got, ok, tc.want, tc.ok)
		}
	}
}

func TestUpdateFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "doc.md")
	for _, want := range []string{"[]", "[[]]"} { // a missing file reads as ""
		err := UpdateFile(path, func(old string) string {
			if old == "" {
				return "[]"
			}
			return "[" + old + "]"
		})
		if err != nil {
			t.Fatal(err)
		}
		if b, err := os.ReadFile(path); err != nil || string(b) != want {
			t.Fatalf("file holds %q, %v; want %q", b, err, want)
		}
	}
	if _, err := os.Stat(path + ".tmp"); !os.IsNotExist(err) {
		t.Errorf("%s.tmp left behind: %v", path, err)
	}
}

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		v    []float64
		want float64
	}{
		{[]float64{3}, 3},
		{[]float64{3, 1, 2}, 2},
		{[]float64{4, 1, 3, 2}, 2.5},
		{[]float64{5, 5, 1, 9, 5}, 5},
		{[]float64{-1, 1}, 0},
	} {
		in := append([]float64(nil), tc.v...)
		if got := Median(tc.v); got != tc.want {
			t.Errorf("Median(%v) = %v, want %v", tc.v, got, tc.want)
		}
		for i := range in {
			if in[i] != tc.v[i] {
				t.Errorf("Median reordered its argument: %v, was %v", tc.v, in)
				break
			}
		}
	}
	if got := Median(nil); !math.IsNaN(got) {
		t.Errorf("Median(nil) = %v, want NaN", got)
	}
}

func TestSecs(t *testing.T) {
	got := Secs([]time.Duration{1500 * time.Millisecond, 0, time.Microsecond})
	want := []float64{1.5, 0, 1e-6}
	if len(got) != len(want) {
		t.Fatalf("Secs: %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("Secs: %v, want %v", got, want)
			break
		}
	}
}

func TestFormats(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{Verdict(true), "met"},
		{Verdict(false), "**missed**"},
		{Pct(0.012), "+1.2%"},
		{Pct(-0.6), "-60.0%"},
		{Pct(0), "+0.0%"},
		{Count(0), "0"},
		{Count(999), "999"},
		{Count(1000), "1,000"},
		{Count(50_000), "50,000"},
		{Count(1_000_000), "1,000,000"},
		{Count(1234567890), "1,234,567,890"},
		{Runs(nil, Pct), ""},
		{Runs([]float64{0.1}, Pct), "+10.0%"},
		{Runs([]float64{0.1, -0.055, 0.918}, Pct), "+10.0%, -5.5%, +91.8%"},
		{Tail("abc", 3), "abc"},
		{Tail("abcdef", 2), "…ef"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

func TestShellJoin(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"bin/simrun", "run", "--workers", "2", "--out", "DIR", "bench_pi.toml"}, "bin/simrun run --workers 2 --out DIR bench_pi.toml"},
		{[]string{"test", "-run", "^$", "-bench", "^BenchmarkPool(Trivial|Spin)$"}, "test -run '^$' -bench '^BenchmarkPool(Trivial|Spin)$'"},
		{[]string{"echo", ""}, "echo ''"},
		{[]string{"echo", "it's"}, `echo 'it'\''s'`},
		{[]string{"a b", "~", "{x}", "#", "!", "`x`", "^x", "t\tab"}, "'a b' '~' '{x}' '#' '!' '`x`' '^x' 't\tab'"},
		{[]string{"-O2", "-I", "external/lang/c", "-lm", "x=1.5", "a,b", "+%:@"}, "-O2 -I external/lang/c -lm 'x=1.5' 'a,b' '+%:@'"},
	} {
		if got := ShellJoin(tc.args); got != tc.want {
			t.Errorf("ShellJoin(%q) = %s, want %s", tc.args, got, tc.want)
		}
	}
}

func TestField(t *testing.T) {
	for _, tc := range []struct {
		out, key string
		want     float64
		ok       bool
	}{
		{"tasks=100 tasks_per_s=2.5e6 wall=0.04\n", "tasks_per_s", 2.5e6, true},
		{"tasks_per_s=12\n", "tasks_per_s", 12, true},
		{"tasks=100 tasks_per_s=2.5e6", "tasks", 100, true},
		{"x_tasks_per_s=3", "tasks_per_s", 0, false},
		{"tasks_per_s=fast", "tasks_per_s", 0, false},
		{"", "tasks_per_s", 0, false},
	} {
		got, err := Field(tc.out, tc.key)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("Field(%q, %q) = %v, %v; want %v, ok %v", tc.out, tc.key, got, err, tc.want, tc.ok)
		}
	}
}

func TestWriteBlock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "doc.md")
	if err := os.WriteFile(path, []byte("# Doc\ntext"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, test := range []struct{ block, want string }{
		{"<!-- b -->\none\n<!-- e -->\n", "# Doc\ntext\n\n## Section\n\n<!-- b -->\none\n<!-- e -->\n"},
		{"<!-- b -->\ntwo\n<!-- e -->\n", "# Doc\ntext\n\n## Section\n\n<!-- b -->\ntwo\n<!-- e -->\n"},
	} {
		if err := WriteBlock(path, "<!-- b -->", "<!-- e -->", "## Section", test.block); err != nil {
			t.Fatal(err)
		}
		if b, err := os.ReadFile(path); err != nil || string(b) != test.want {
			t.Errorf("file holds %q, %v; want %q", b, err, test.want)
		}
	}
}
