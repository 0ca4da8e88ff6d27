package sim

import (
	"strings"
	"testing"
)

func TestLocator(t *testing.T) {
	src := `# a comment with key = 1
name = "x" # trailing comment
description = """
seed = 99
"""
kernel = 'ising2d'
  seed   =   1

[ samples ]
samples = 10
"chunk size" = 3
a.b . "c.d" = 4

[sweep] # axes
L = [
  8, # a = 1
  16,
]
T = { linspace = [1, 2, 3] }
'lit' = "]"
x = "unterminated
y = 1

[[runs]]
id = 1
[zip.g]
h = 2
m = '''
[fake]
k = 1'''
n = """a \""" b""" # """
"q\"k" = 1
after = 3
`
	l := newLocator([]byte(src))
	for _, test := range []struct {
		name string
		key  string
		want int
	}{
		{"top-level key", "name", 2},
		{"after a multi-line string", "kernel", 6},
		{"indented", "seed", 7},
		{"table header", "samples", 9},
		{"key in a table", "samples.samples", 10},
		{"quoted key", "samples.chunk size", 11},
		{"dotted key", "samples.a.b.c.d", 12},
		{"prefix of a dotted key", "samples.a", 12},
		{"missing key in a table", "samples.chunks", 9},
		{"multi-line array", "sweep.L", 15},
		{"inline table", "sweep.T", 19},
		{"key in an inline table", "sweep.T.linspace", 19},
		{"literal key", "sweep.lit", 20},
		{"after an unterminated string", "sweep.y", 22},
		{"array of tables", "runs.id", 25},
		{"sub-table header", "zip", 26},
		{"in a sub-table", "zip.g.h", 27},
		{"not a header in a literal string", "fake", 0},
		{"not a key in a literal string: the table's line", "zip.g.k", 26},
		{"escaped quotes", "zip.g.n", 31},
		{"escaped quote in a key", `zip.g.q"k`, 32},
		{"after multi-line strings", "zip.g.after", 33},
		{"missing", "output", 0},
		{"missing in a missing table", "output.dir", 0},
	} {
		t.Run(test.name, func(t *testing.T) {
			key := strings.Split(test.key, ".")
			if test.key == "samples.a.b.c.d" {
				key = []string{"samples", "a", "b", "c.d"}
			}
			if got := l.line(key); got != test.want {
				t.Errorf("line(%q) = %d, want %d", key, got, test.want)
			}
		})
	}
}

func TestSuggest(t *testing.T) {
	valid := []string{"L", "T", "coupling", "temperature", "chunk_size", "chunks"}
	for _, test := range []struct {
		name, in, want string
	}{
		{"typo", "temprature", "temperature"},
		{"transposition", "cuopling", "coupling"},
		{"closest wins", "chunk", "chunks"},
		{"prefix", "temp", "temperature"},
		{"case of a one-letter name", "t", "T"},
		{"one letter is not a typo of another", "X", ""},
		{"far", "volume", ""},
		{"empty", "", ""},
	} {
		t.Run(test.name, func(t *testing.T) {
			if got := suggest(test.in, valid); got != test.want {
				t.Errorf("suggest(%q) = %q, want %q", test.in, got, test.want)
			}
		})
	}
}
