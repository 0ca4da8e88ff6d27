package sim

import (
	"strconv"
	"strings"
	"testing"
)

// designFile is header with a [design] over T and coupling (floats) and L
// (an int), after [sweep] method.
func designFile(kind string, points int, extra string) string {
	return header + `[sweep]
method = ["metropolis", "wolff"]
[design]
kind = "` + kind + `"
points = ` + strconv.Itoa(points) + "\n" + extra + `
[design.params]
T = { from = 0.5, to = 4 }
coupling = { from = 0.01, to = 100, scale = "log" }
L = { from = 8, to = 4000, scale = "log" }
`
}

func mustParse(t *testing.T, src string) *Experiment {
	t.Helper()
	e, err := Parse("exp.toml", []byte(src), testCatalog)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestDesignLoad: a design is the last axis of the product, one point of
// it per point of the grid; its values lie in their ranges; and the
// design's dimensions are its parameters in name order, so that the order
// of the file's lines does not matter.
func TestDesignLoad(t *testing.T) {
	for _, kind := range []string{"uniform", "lhs", "halton", "sobol"} {
		t.Run(kind, func(t *testing.T) {
			e := mustParse(t, designFile(kind, 50, ""))
			if e.NumPoints() != 100 {
				t.Fatalf("%d points, want 2 methods × 50", e.NumPoints())
			}
			if got := e.Swept(); strings.Join(got, " ") != "method L T coupling" {
				t.Errorf("Swept() = %v, want method, then the designed parameters in name order", got)
			}
			axes := e.Axes()
			if len(axes) != 2 || axes[1].Len != 50 || !strings.HasPrefix(axes[1].Desc, kind+" design of 50 points: L = 8…4000 (log), T = 0.5…4, coupling = 0.01…100 (log)") {
				t.Errorf("Axes() = %+v", axes)
			}
			for i := range int64(50) {
				a, b := e.PointParams(i), e.PointParams(50+i)
				if a.Str("method") != "metropolis" || b.Str("method") != "wolff" {
					t.Fatalf("points %d and %d: methods %s and %s", i, 50+i, a.Str("method"), b.Str("method"))
				}
				if a.Float("T") != b.Float("T") || a.Float("coupling") != b.Float("coupling") || a.Int("L") != b.Int("L") {
					t.Fatalf("design point %d differs between the grid's points: %s and %s", i, a.Key(), b.Key())
				}
				if T, c, L := a.Float("T"), a.Float("coupling"), a.Int("L"); T < 0.5 || T > 4 || c < 0.01 || c > 100 || L < 8 || L > 4000 {
					t.Fatalf("point %d out of its ranges: %s", i, a.Key())
				}
			}

			// The same design with its parameters listed in another order.
			src := designFile(kind, 50, "")
			lines := strings.Split(src, "\n")
			n := len(lines)
			lines[n-4], lines[n-2] = lines[n-2], lines[n-4]
			other := mustParse(t, strings.Join(lines, "\n"))
			for i := range e.NumPoints() {
				if a, b := e.Point(i).Key, other.Point(i).Key; a != b {
					t.Fatalf("point %d: %s, and %s with the lines reordered", i, a, b)
				}
			}
		})
	}
}

// TestDesignPrefix: raising a Sobol, Halton or uniform design's points
// keeps the points it had, so that a run reuses their chunks; the seed
// changes a uniform design's points, and not a plain Sobol's.
func TestDesignPrefix(t *testing.T) {
	for _, tt := range []struct{ kind, extra string }{
		{"sobol", ""}, {"sobol", "scramble = true"}, {"halton", "scramble = true"}, {"uniform", ""},
	} {
		small := mustParse(t, designFile(tt.kind, 16, tt.extra))
		large := mustParse(t, designFile(tt.kind, 64, tt.extra))
		for i := range int64(16) {
			if a, b := small.Point(i).Key, large.Point(i).Key; a != b {
				t.Errorf("%s %s: point %d is %s of 16 points, %s of 64", tt.kind, tt.extra, i, a, b)
			}
		}
	}
	seeded := func(kind string, seed int) string {
		return mustParse(t, strings.Replace(designFile(kind, 4, ""), "seed = 1", "seed = "+strconv.Itoa(seed), 1)).Point(1).Key
	}
	if seeded("uniform", 1) == seeded("uniform", 2) {
		t.Error("seeds 1 and 2 give a uniform design the same points")
	}
	if seeded("sobol", 1) != seeded("sobol", 2) {
		t.Error("seeds 1 and 2 give a plain Sobol design different points")
	}
}

// TestDesignInvalid: every mistake in [design] is an error naming the
// file, the line, the key and what would be valid.
func TestDesignInvalid(t *testing.T) {
	base := header + "[params]\nL = 8\n"
	for _, test := range []struct {
		name string
		src  string
		line int
		key  string
		hint string
	}{
		{"unknown key", header + "[design]\nkind = \"sobol\"\npoints = 4\npoint = 3\n[design.params]\nT = { from = 1, to = 2 }\n", 9, "design.point", `did you mean "points"?`},
		{"missing kind", header + "[design]\npoints = 4\n[design.params]\nT = { from = 1, to = 2 }\n", 6, "design", `missing kind; want kind = "sobol", or one of uniform, lhs, halton, sobol`},
		{"unknown kind", header + "[design]\nkind = \"grid\"\npoints = 4\n[design.params]\nT = { from = 1, to = 2 }\n", 7, "design.kind", `is "grid", want one of "uniform", "lhs", "halton", "sobol"`},
		{"missing points", header + "[design]\nkind = \"lhs\"\n[design.params]\nT = { from = 1, to = 2 }\n", 6, "design", "missing points"},
		{"no points", header + "[design]\nkind = \"lhs\"\npoints = 0\n[design.params]\nT = { from = 1, to = 2 }\n", 8, "design.points", "want an integer from 1 to 4294967296"},
		{"scrambled lhs", header + "[design]\nkind = \"lhs\"\npoints = 4\nscramble = true\n[design.params]\nT = { from = 1, to = 2 }\n", 9, "design.scramble", "applies to halton and sobol designs only"},
		{"missing params", header + "[params]\nT = 1\n[design]\nkind = \"sobol\"\npoints = 4\n", 8, "design", "missing [design.params]"},
		{"unknown parameter", header + "[design]\nkind = \"sobol\"\npoints = 4\n[design.params]\nTT = { from = 1, to = 2 }\n", 10, "design.params.TT", `did you mean "T"?`},
		{"fixed and designed", base + "[design]\nkind = \"sobol\"\npoints = 4\n[design.params]\nL = { from = 8, to = 64 }\nT = { from = 1, to = 2 }\n", 12, "design.params.L", "is also set in params (line 7)"},
		{"swept and designed", header + "[sweep]\nT = [1, 2]\n[design]\nkind = \"sobol\"\npoints = 4\n[design.params]\nT = { from = 1, to = 2 }\n", 12, "design.params.T", "is also set in sweep (line 7)"},
		{"a bool", header + "[params]\nT = 1\n[design]\nkind = \"sobol\"\npoints = 4\n[design.params]\nflag = { from = 0, to = 1 }\n", 12, "design.params.flag", "flag is a bool parameter; a design ranges over numbers"},
		{"not a range", base + "[design]\nkind = \"sobol\"\npoints = 4\n[design.params]\nT = [1, 2]\n", 12, "design.params.T", "want a range such as { from = 0.1, to = 0.9 }"},
		{"empty range", base + "[design]\nkind = \"sobol\"\npoints = 4\n[design.params]\nT = { from = 2, to = 2 }\n", 12, "design.params.T", "want from < to"},
		{"missing to", base + "[design]\nkind = \"sobol\"\npoints = 4\n[design.params]\nT = { from = 2 }\n", 12, "design.params.T", "missing to"},
		{"log from 0", base + "[design]\nkind = \"sobol\"\npoints = 4\n[design.params]\nT = { from = 0, to = 2, scale = \"log\" }\n", 12, "design.params.T.from", "a log scale needs from > 0"},
		{"bad scale", base + "[design]\nkind = \"sobol\"\npoints = 4\n[design.params]\nT = { from = 1, to = 2, scale = \"ln\" }\n", 12, "design.params.T.scale", `want "linear" or "log"`},
		{"fractional int", header + "[params]\nT = 1\n[design]\nkind = \"sobol\"\npoints = 4\n[design.params]\nL = { from = 2.5, to = 8 }\n", 12, "design.params.L.from", "want an integer: L is an int parameter"},
		{"out of the kernel's range", header + "[params]\nT = 1\n[design]\nkind = \"sobol\"\npoints = 4\n[design.params]\nL = { from = 1, to = 8 }\n", 12, "design.params.L", "is 1, outside the valid range [2, 4096]"},
		{"int points repeat", header + "[params]\nT = 1\n[design]\nkind = \"uniform\"\npoints = 10\n[design.params]\nL = { from = 2, to = 5 }\n", 10, "design.points", "repeats point"},
		{"unknown top-level key", "desing = 1\n" + header, 1, "desing", `did you mean "design"?`},
	} {
		t.Run(test.name, func(t *testing.T) {
			e, err := Parse("exp.toml", []byte(test.src), testCatalog)
			if err == nil {
				t.Fatalf("Parse succeeded with %d points, want an error", e.NumPoints())
			}
			if findError(t, err, test.line, test.key, test.hint) == nil {
				t.Fatalf("no error at line %d, key %q containing %q; got:\n%v", test.line, test.key, test.hint, err)
			}
		})
	}
}
