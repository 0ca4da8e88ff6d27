package sim

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// nestingHint is in the message of the error refusing deep nesting.
const nestingHint = "nested more than 64 levels deep"

// nested returns n copies of open, then inner, then n copies of close.
func nested(open, inner, close string, n int) string {
	return strings.Repeat(open, n) + inner + strings.Repeat(close, n)
}

// TestParseNestingLimit checks that files nesting deeper than MaxNesting
// are refused before they reach the TOML decoder, at the line where the
// limit is first exceeded. The levels are counted as the doc of MaxNesting
// says: under [params] (1 level), "coupling = " is level 2 and each
// bracket after it one more.
func TestParseNestingLimit(t *testing.T) {
	params := header + "[params]\nT = 1\n" // [params] is line 6
	for _, test := range []struct {
		name string
		src  string
		line int
	}{
		// The file of issue 11: the decoder took 53 s and 9.9 GB.
		{"16000 nested inline tables", params + "coupling = " + nested("{a=", "1", "}", 16000) + "\n", 8},
		{"one past the limit", params + "coupling = " + nested("[", "1", "]", 63) + "\n", 8},
		{"arrays", params + "coupling = " + nested("[", "1", "]", 1000) + "\n", 8},
		{"arrays of inline tables", params + "coupling = " + nested("[{a=", "1", "}]", 30) + "\n", 8},
		{"unclosed", params + "coupling = " + strings.Repeat("{a=", 1000), 8},
		// Level 3 on line 8, level 65 on line 8+62.
		{"across lines", params + "coupling = [\n" + strings.Repeat("[\n", 70), 70},
		// The decoder is quadratic in the parts of a dotted key too:
		// 16000 of them took it 17 s.
		{"dotted key", params + strings.Repeat("a.", 16000) + "a = 1\n", 8},
		{"table header", "[" + strings.Repeat("a.", 100) + "a]\n" + header, 1},
		{"header and key add up", header + "[" + strings.Repeat("a.", 39) + "a]\n" + strings.Repeat("b.", 29) + "b = 1\n", 7},
		{"inline table keys add up", params + "coupling = {" + strings.Repeat("a.", 39) + "a = {" + strings.Repeat("b.", 29) + "b = 1}}\n", 8},
		// [[x]] is 2 levels: x and the array of its tables.
		{"array of tables", header + "[[x]]\n" + strings.Repeat("a.", 62) + "a = 1\n", 7},
	} {
		t.Run(test.name, func(t *testing.T) {
			_, err := Parse("exp.toml", []byte(test.src), testCatalog)
			if err == nil {
				t.Fatal("Parse succeeded")
			}
			fe := fileErrors(t, err)
			if len(fe) != 1 || fe[0].Line != test.line || !strings.Contains(fe[0].Msg, nestingHint) {
				t.Fatalf("got %q, want one error at line %d saying %q", err, test.line, nestingHint)
			}
			for _, want := range []string{"exp.toml:", "levels deep", "inline table", "dotted key"} {
				if !strings.Contains(fe[0].Error(), want) {
					t.Errorf("error %q does not contain %q", fe[0], want)
				}
			}
		})
	}
}

// TestParseNestingLegitimate checks that what looks like nesting inside
// strings and comments is not counted, and that nesting up to the limit
// is left to the rest of Parse.
func TestParseNestingLegitimate(t *testing.T) {
	deep := strings.Repeat("{[", 200)
	params := header + "[params]\nT = 1\n"
	for _, test := range []struct {
		name string
		src  string
		ok   bool // Parse succeeds; otherwise it fails for another reason
	}{
		{"at the limit", params + "coupling = " + nested("[", "1", "]", 62) + "\n", false},
		{"dotted key at the limit", params + strings.Repeat("a.", 62) + "a = 1\n", false},
		{"basic string", "description = \"" + deep + "\\\"" + deep + "\"\n" + params, true},
		{"literal string", "description = '" + deep + "\\'\n" + params, true},
		{"multi-line basic string", "description = \"\"\"\n" + deep + "\n\\\"\"\"" + deep + "\\\\\n\"\"\"\n" + params, true},
		{"multi-line literal string", "description = '''\n\"" + deep + "\n" + deep + "'''\n" + params, true},
		{"multi-line string closed by five quotes", "description = \"\"\"" + deep + "\"\"\"\"\" # " + deep + "\n" + params, true},
		{"comments", "# " + deep + "\n" + params + "coupling = 2 # " + deep + "\n", true},
		{"quoted keys", params + "\"" + deep + "a.b.c.d\" = 1\n'" + deep + "' = 2\n", false},
		{"floats and dates", params + "[sweep]\ncoupling = [" + strings.Repeat("1.5, 2.5e-3, ", 500) + "3.5]\n", false},
		{"many shallow tables", params + "[sweep]\ncoupling = [" + strings.Repeat("{a = [1.5]}, ", 500) + "]\n", false},
	} {
		t.Run(test.name, func(t *testing.T) {
			_, err := Parse("exp.toml", []byte(test.src), testCatalog)
			if err != nil && strings.Contains(err.Error(), nestingHint) {
				t.Fatalf("refused as too deep: %v", err)
			}
			if test.ok && err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if !test.ok && err == nil {
				t.Fatal("Parse succeeded, want an error other than the nesting limit")
			}
		})
	}
}

func TestNesting(t *testing.T) {
	for _, test := range []struct {
		name        string
		src         string
		depth, line int
	}{
		{"empty", "", 0, 0},
		{"top-level key", "seed = 1\n", 1, 1},
		{"linspace under [sweep]", "seed = 1\n[sweep]\nT = { linspace = [1, 2, 3] }\n", 5, 3},
		{"array of tables", "[[plot]]\nx = \"T\"\n", 3, 2},
		{"dotted key", "a.b . 'c' = 1\n", 3, 1},
		{"quoted dots", "\"a.b\" = 1\n'c.d' = 2\n", 1, 1},
		{"sibling arrays", "x = [[1], [2, [3]]]\n", 4, 1},
		{"keys of inline tables", "x = {a = 1, b.c = {d = 2}}\n", 6, 1},
		{"brackets in strings", "s = \"[[[\"\nt = '{{{'\nu = \"\"\"\n[[[\"\"\"\nv = '''{{{\n'''\n", 1, 1},
		{"array across lines", "x = [\n  1, # [[[\n  [2],\n]\n", 3, 3},
		{"numbers and dates", "x = 1.5\ny = 1979-05-27T07:32:00.5Z\n", 1, 1},
		{"headers", "[a]\nb = 1\n[c.d]\ne = 1\n", 3, 4},
		{"stops past the limit", "x = " + strings.Repeat("[", 100), MaxNesting + 1, 1},
	} {
		t.Run(test.name, func(t *testing.T) {
			depth, line := nesting([]byte(test.src), MaxNesting)
			if depth != test.depth || line != test.line {
				t.Errorf("nesting = %d at line %d, want %d at line %d", depth, line, test.depth, test.line)
			}
		})
	}
}

// TestNestingOfRealFiles checks that the bundled experiments and the
// examples of docs/experiment-file.md stay far below MaxNesting.
func TestNestingOfRealFiles(t *testing.T) {
	files, err := filepath.Glob("../experiments/*.toml")
	if err != nil || len(files) == 0 {
		t.Skipf("no bundled experiments: %v", err)
	}
	srcs := make(map[string][]byte)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		srcs[f] = b
	}
	if doc, err := os.ReadFile("../docs/experiment-file.md"); err == nil {
		for i, b := range strings.Split(string(doc), "```toml\n")[1:] {
			b, _, _ = strings.Cut(b, "```")
			srcs[fmt.Sprintf("docs example %d", i)] = []byte(b)
		}
	}
	for name, src := range srcs {
		// The deepest is 5: T = { linspace = [...] } under [sweep].
		if depth, line := nesting(src, MaxNesting); depth > 6 {
			t.Errorf("%s: nesting %d at line %d, want at most 6", name, depth, line)
		}
	}
}

// treeDepth returns the levels of a decoded TOML value as MaxNesting
// counts them, but for inline tables, which the decoder does not tell
// from other tables: one for each key and each array.
func treeDepth(v any) int {
	d := 0
	switch v := v.(type) {
	case map[string]any:
		for _, x := range v {
			d = max(d, 1+treeDepth(x))
		}
	case []any:
		for _, x := range v {
			d = max(d, treeDepth(x))
		}
		d++
	case []map[string]any:
		for _, x := range v {
			d = max(d, treeDepth(x))
		}
		d++
	}
	return d
}

// BenchmarkNesting measures the scan of the 16000 nested inline tables of
// issue 11, which the decoder took 53 s to read.
func BenchmarkNesting(b *testing.B) {
	src := []byte("coupling = " + nested("{a=", "1", "}", 16000) + "\n")
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		nesting(src, 1<<30)
	}
}
