package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// FuzzParse checks that Parse never panics, that every error it returns is
// a *Error or a join of them, and that what it accepts expands to valid
// points and has a budget that can be run.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		header + "[params]\nT = 1\n[sweep]\nL = [8, 16, 32]\n",
		header + "[sweep]\nT = { linspace = [1.5, 3.5, 21] }\ncoupling = { logspace = [-3, 0, 4] }\nL = { from = 8, to = 64, step = 8 }\n[zip]\nz = [\"T\", \"coupling\"]\n",
		header + "[sweep]\nT = { from = 0, to = 1, step = 0.25 }\nflag = [true, false]\nmethod = [\"wolff\"]\n[output]\ndir = \"x\"\n",
		"name = \"n\"\ndescription = \"\"\"\nmulti\n\"\"\"\nkernel = \"pi\"\nseed = 3\n[samples]\nsamples = 5\nchunks = 5\n",
		"kernel = \"ising2d\"\nseed = -1\n[params]\nT = \"x\"\nbogus = 2\n[sweep]\nT = []\n",
		"a.b.c = 1\n[[sweep]]\nx = 1\n",
		"x = [1, {a = 2}]\ny = 1979-05-27T07:32:00Z\n",
		"[samples]\nsamples = 1e19\nchunk_size = inf\n",
		header + "[sweep]\nmethod = [\"wolff\"]\n[design]\nkind = \"sobol\"\npoints = 5\nscramble = true\n[design.params]\nT = { from = 0.5, to = 4 }\ncoupling = { from = 0.01, to = 100, scale = \"log\" }\nL = { from = 8, to = 4000, scale = \"log\" }\n",
		header + "[design]\nkind = \"lhs\"\npoints = 3\n[design.params]\nL = { from = 2, to = 9 }\nT = { from = 1e-300, to = 1e300, scale = \"log\" }\n",
		plotBase + "[[plot]]\nname = \"m\"\nx = \"T\"\ny = \"m\"\nreference = \"onsager_m\"\nlog_x = true\nformats = [\"svg\"]\n" +
			"[[plot]]\nname = \"c\"\nkind = \"histogram\"\ny = \"specific_heat\"\nbins = 30\n",
		"plot = [{ name = \"a\", x = \"L\", y = \"e\", stat = \"sd\" }, 3]\n" + plotBase + "[plot.x]\n[[plot]]\nylable = 1\n",
		header + "min_chunks = 3\n[samples.target]\nspecific_heat = { abs = 1e-3, rel = 0.05 }\nm = { rel = 0.01 }\n[params]\nT = 1\n",
	} {
		f.Add([]byte(s))
	}
	f.Add([]byte("x = [" + nested("{a = [1.5, '[{'], b.c = \"\"\"{[\\\"\"\"\"\"", "", "}", 70) + "] # [{\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkNesting(t, data)
		e, err := Parse("fuzz.toml", data, testCatalog)
		if err != nil {
			fileErrors(t, err)
			return
		}
		checkExpansion(t, e)
		checkPlots(t, e)
		checkBudget(t, e)
	})
}

// checkNesting checks that Parse refuses data nesting deeper than
// MaxNesting, and that on TOML the decoder accepts, the scan counts at
// least the levels the decoder builds: no string or comment it misreads
// can hide nesting from it.
func checkNesting(t *testing.T, data []byte) {
	t.Helper()
	depth, _ := nesting(data, MaxNesting)
	if depth > MaxNesting {
		if _, err := Parse("fuzz.toml", data, testCatalog); err == nil || !strings.Contains(err.Error(), nestingHint) {
			t.Fatalf("nesting %d > MaxNesting, but Parse returned %v", depth, err)
		}
		return
	}
	raw, _, err := decode(data)
	if err != nil {
		return
	}
	if d := treeDepth(raw); d > depth {
		t.Fatalf("the decoded value nests %d levels deep, the scan counted %d", d, depth)
	}
}

// checkPlots checks that accepted plots are complete: a valid kind and
// statistic, a y, an x that is swept for line plots, and formats.
func checkPlots(t *testing.T, e *Experiment) {
	t.Helper()
	for _, p := range e.Plots {
		ok := validName(p.Name) && p.Y != "" && len(p.Formats) > 0 && p.Title != "" &&
			(p.Kind == "histogram" && p.X == "" && p.Stat == "mean" ||
				p.Kind == "line" && e.sweep.column(p.X) != nil && p.Bins == 0 && slices.Contains(plotStats, p.Stat))
		if !ok {
			t.Fatalf("accepted an incomplete plot %+v", p)
		}
	}
}

// checkExpansion checks that the experiment's points are consistent with
// its axes: NumPoints is the product of the axis lengths, Point(i) reads
// i in mixed radix with the last axis fastest (the values of an axis's
// parameters depend only on that axis's digit), and every value passes
// its parameter's Check. Small sweeps are enumerated; large ones sampled.
func checkExpansion(t *testing.T, e *Experiment) {
	t.Helper()
	axes := e.Axes()
	n := int64(1)
	for _, ax := range axes {
		if ax.Len < 1 {
			t.Fatalf("axis %v has length %d", ax.Names, ax.Len)
		}
		var ok bool
		if n, ok = mul64(n, ax.Len); !ok {
			t.Fatalf("axis lengths overflow, yet Parse accepted them")
		}
	}
	if e.NumPoints() != n {
		t.Fatalf("NumPoints = %d, product of axis lengths = %d", e.NumPoints(), n)
	}
	if _, ok := e.NumChunks(); ok {
		_ = e.CheckRunnable()
	} else if e.CheckRunnable() == nil {
		t.Errorf("CheckRunnable accepted an overflowing number of chunks")
	}

	// seen[a][digit] is the values of axis a's parameters at that digit.
	seen := make([]map[int64]string, len(axes))
	for a := range seen {
		seen[a] = make(map[int64]string)
	}
	check := func(i int64) {
		p := e.Point(i)
		if p.Index != i || p.Key != p.Params.Key() {
			t.Fatalf("Point(%d): Index %d, Key %q, Params.Key %q", i, p.Index, p.Key, p.Params.Key())
		}
		if k := e.AppendKey([]byte("x"), i); string(k) != "x"+p.Key {
			t.Fatalf("AppendKey(%d) = %q, want %q after the bytes given", i, k, "x"+p.Key)
		}
		for j := range p.Params.Len() {
			if err := e.Kernel.Params[j].Check(p.Params.Value(j)); err != nil {
				t.Fatalf("Point(%d): %s %v", i, p.Params.Name(j), err)
			}
		}
		r := i
		for a := len(axes) - 1; a >= 0; a-- {
			d := r % axes[a].Len
			r /= axes[a].Len
			var b strings.Builder
			for _, name := range axes[a].Names {
				v, _ := p.Params.Lookup(name)
				b.WriteString(v.String() + ";")
			}
			if prev, ok := seen[a][d]; ok && prev != b.String() {
				t.Fatalf("Point(%d): axis %v at digit %d is %s, elsewhere %s", i, axes[a].Names, d, b.String(), prev)
			}
			seen[a][d] = b.String()
		}
	}
	if n <= 2000 {
		for i := range n {
			check(i)
		}
	} else {
		check(0)
		check(n - 1)
		r := rand.New(rand.NewPCG(uint64(n), 1))
		for range 200 {
			check(r.Int64N(n))
		}
	}
	func() {
		defer func() { recover() }()
		e.Point(n)
		t.Errorf("Point(NumPoints()) did not panic")
	}()
}

// FuzzSweep builds [sweep] tables from random axis definitions (lists,
// linspace, logspace, int and float ranges, optionally zipped) and checks
// the expansion: whatever Parse accepts, NumPoints matches enumeration,
// Point(i) works for every i in range, and every value is valid for its
// parameter, although Parse checked only the ends of lazy axes. A linspace
// must start at start and end at stop exactly.
func FuzzSweep(f *testing.F) {
	f.Add(uint8(0x12), 1.5, 3.5, uint16(21), -3.0, 0.0, uint16(4), int16(8), int16(64), int16(8), false)
	f.Add(uint8(0x23), 0.0, 1.0, uint16(11), 0.1, 0.7, uint16(11), int16(2), int16(4096), int16(1), true)
	f.Add(uint8(0x30), 0.0, 0.3, uint16(0), 1.0, 0.0, uint16(3), int16(100), int16(2), int16(-7), false)
	f.Add(uint8(0x01), -1e308, 1e308, uint16(3), 5.0, 5.0, uint16(2), int16(3), int16(3), int16(0), true)
	f.Fuzz(func(t *testing.T, forms uint8, a1, b1 float64, n1 uint16, a2, b2 float64, n2 uint16, from, to, step int16, zip bool) {
		n1, n2 = n1%300, n2%300
		if zip {
			n2 = n1
		}
		var src strings.Builder
		src.WriteString(header + "[sweep]\n")
		// Axis order varies with the high bits of forms.
		lines := []string{
			"T = " + floatAxis(forms&3, a1, b1, n1),
			"coupling = " + floatAxis(forms>>2&3, a2, b2, n2),
			"L = " + intAxis(forms>>4&1, int64(from), int64(to), int64(step)),
		}
		if forms>>5&1 == 1 {
			lines[0], lines[2] = lines[2], lines[0]
		}
		if forms>>6&1 == 1 {
			lines[1], lines[2] = lines[2], lines[1]
		}
		for _, l := range lines {
			src.WriteString(l + "\n")
		}
		if zip {
			src.WriteString("[zip]\npair = [\"coupling\", \"T\"]\n")
		}
		e, err := Parse("sweep.toml", []byte(src.String()), testCatalog)
		if err != nil {
			fileErrors(t, err)
			return
		}
		checkExpansion(t, e)
		checkPlots(t, e)
		for _, lin := range []struct {
			name        string
			form        uint8
			start, stop float64
			num         uint16
		}{{"T", forms & 3, a1, b1, n1}, {"coupling", forms >> 2 & 3, a2, b2, n2}} {
			if lin.form != 1 {
				continue
			}
			if lin.num == 1 {
				lin.stop = lin.start
			}
			first, last := linspaceEnds(e, lin.name)
			if first != lin.start || last != lin.stop {
				t.Errorf("%s = linspace(%v, %v, ...) runs from %v to %v", lin.name, lin.start, lin.stop, first, last)
			}
		}
	})
}

// linspaceEnds returns the first and last values of the named parameter's
// axis.
func linspaceEnds(e *Experiment, name string) (first, last float64) {
	axes := e.Axes()
	stride := int64(1)
	for a := len(axes) - 1; a >= 0; a-- {
		for _, n := range axes[a].Names {
			if n == name {
				return e.Point(0).Params.Float(name), e.Point((axes[a].Len - 1) * stride).Params.Float(name)
			}
		}
		stride *= axes[a].Len
	}
	panic("sim: no axis for " + name)
}

// floatAxis formats a [sweep] value for a float parameter: a list, a
// linspace, a logspace or a range.
func floatAxis(form uint8, a, b float64, n uint16) string {
	switch form {
	case 0:
		var vals []string
		for i := range int(n % 20) {
			vals = append(vals, tomlFloat(a+float64(i)*b))
		}
		return "[" + strings.Join(vals, ", ") + "]"
	case 1:
		return fmt.Sprintf("{ linspace = [%s, %s, %d] }", tomlFloat(a), tomlFloat(b), n)
	case 2:
		return fmt.Sprintf("{ logspace = [%s, %s, %d] }", tomlFloat(a), tomlFloat(b), n)
	}
	return fmt.Sprintf("{ from = %s, to = %s, step = %s }", tomlFloat(a), tomlFloat(b), tomlFloat((b-a)/float64(n)))
}

func intAxis(form uint8, from, to, step int64) string {
	if form == 0 {
		return fmt.Sprintf("[%d, %d, %d]", from, to, step)
	}
	return fmt.Sprintf("{ from = %d, to = %d, step = %d }", from, to, step)
}

// tomlFloat formats f as a TOML float.
func tomlFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	s := FormatFloat(f)
	if !strings.ContainsAny(s, ".e") {
		s += ".0"
	}
	return s
}
