package sim

import (
	"math"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// targetHeader is a valid file up to the keys of its [samples] table,
// lines 1 to 5; the tests append the rest of the table.
const targetHeader = "kernel = \"ising2d\"\nseed = 1\n[params]\nT = 1\n[samples]\n"

// TestTargetLoad: [samples.target] gives the budget its targets in name
// order, whatever the file's order, each with its place among a point's
// statistics (ising2d's m, e, e2, then the derived specific_heat), and
// min_chunks its default of min(10, chunks per point).
func TestTargetLoad(t *testing.T) {
	for _, test := range []struct {
		name    string
		samples string // the keys of [samples] and what follows
		want    Budget
	}{
		{
			name:    "fixed budget",
			samples: "samples = 1000\nchunk_size = 100\n",
			want:    Budget{Samples: 1000, ChunkSize: 100, Chunks: 10},
		},
		{
			name:    "relative target, default min_chunks",
			samples: "samples = 1000\nchunk_size = 10\n[samples.target]\nm = { rel = 0.01 }\n",
			want: Budget{Samples: 1000, ChunkSize: 10, Chunks: 100, MinChunks: 10,
				Targets: []Target{{Stat: "m", Index: 0, Rel: 0.01}}},
		},
		{
			// The file lists specific_heat, m, e2; the budget e2, m,
			// specific_heat. An integer abs is a float.
			name: "name order, a derived quantity",
			samples: "samples = 1e6\nchunks = 50\n[samples.target]\n" +
				"specific_heat = { abs = 2 }\nm = { rel = 0.01 }\ne2 = { abs = 1e-3, rel = 0.5 }\n",
			want: Budget{Samples: 1e6, Chunks: 50, MinChunks: 10, Targets: []Target{
				{Stat: "e2", Index: 2, Abs: 1e-3, Rel: 0.5},
				{Stat: "m", Index: 0, Rel: 0.01},
				{Stat: "specific_heat", Index: 3, Abs: 2},
			}},
		},
		{
			name:    "inline table, default min_chunks of fewer than 10 chunks",
			samples: "samples = 400\nchunk_size = 100\ntarget = { e = { abs = 0.5 } }\n",
			want: Budget{Samples: 400, ChunkSize: 100, Chunks: 4, MinChunks: 4,
				Targets: []Target{{Stat: "e", Index: 1, Abs: 0.5}}},
		},
		{
			name:    "explicit min_chunks",
			samples: "samples = 1000\nchunk_size = 10\nmin_chunks = 2\n[samples.target]\nm = { rel = 0.01 }\n",
			want: Budget{Samples: 1000, ChunkSize: 10, Chunks: 100, MinChunks: 2,
				Targets: []Target{{Stat: "m", Index: 0, Rel: 0.01}}},
		},
		{
			name:    "min_chunks of every chunk, an integral float",
			samples: "samples = 1000\nchunks = 25\nmin_chunks = 25.0\n[samples.target]\nm = { rel = 0.01 }\n",
			want: Budget{Samples: 1000, Chunks: 25, MinChunks: 25,
				Targets: []Target{{Stat: "m", Index: 0, Rel: 0.01}}},
		},
		{
			// -0.0 is read as 0, as everywhere else in the file.
			name:    "a zero part, two chunks",
			samples: "samples = 3\nchunk_size = 2\n[samples.target]\nm = { abs = -0.0, rel = 0.25 }\n",
			want: Budget{Samples: 3, ChunkSize: 2, Chunks: 2, MinChunks: 2,
				Targets: []Target{{Stat: "m", Index: 0, Rel: 0.25}}},
		},
		{
			name:    "dotted keys",
			samples: "samples = 100\nchunks = 20\ntarget.e.rel = 0.1\ntarget.e.abs = 1\n",
			want: Budget{Samples: 100, Chunks: 20, MinChunks: 10,
				Targets: []Target{{Stat: "e", Index: 1, Abs: 1, Rel: 0.1}}},
		},
	} {
		t.Run(test.name, func(t *testing.T) {
			e := mustParse(t, targetHeader+test.samples)
			if !reflect.DeepEqual(e.Budget, test.want) {
				t.Errorf("Budget = %+v, want %+v", e.Budget, test.want)
			}
			if got, want := e.Budget.Adaptive(), len(test.want.Targets) > 0; got != want {
				t.Errorf("Adaptive() = %t, want %t", got, want)
			}
			for _, tg := range e.Budget.Targets {
				if math.Signbit(tg.Abs) || math.Signbit(tg.Rel) {
					t.Errorf("target %s: abs %v, rel %v: a -0 kept", tg.Stat, tg.Abs, tg.Rel)
				}
			}
		})
	}
}

// TestTargetInvalid: every mistake in [samples.target] and min_chunks
// is an error naming the file, the line, the key and what would be valid.
func TestTargetInvalid(t *testing.T) {
	fixed := targetHeader + "samples = 1000\nchunk_size = 100\n" // 10 chunks, lines 1 to 7
	for _, test := range []struct {
		name string
		src  string
		line int
		key  string
		hint string
	}{
		{"target not a table", fixed + "target = 0.01\n", 8, "samples.target",
			"is the float 0.01, want a table from statistics to their precision, such as target = { m = { rel = 0.01 } } (a standard error of at most 1% of |mean|); valid: m, e, e2, specific_heat"},
		{"empty target table", fixed + "[samples.target]\n", 8, "samples.target",
			"is empty: name at least one statistic and its precision, such as m = { rel = 0.01 }, or remove [samples.target] for a fixed budget; valid: m, e, e2, specific_heat"},
		{"unknown statistic", fixed + "[samples.target]\nm = { rel = 0.1 }\nee = { rel = 0.1 }\n", 10, "samples.target.ee",
			`"ee" is not an observable or derived quantity of kernel "ising2d"; did you mean "e"? valid: m, e, e2, specific_heat`},
		{"unknown statistic, no suggestion", fixed + "[samples.target]\nenergy_per_site = { rel = 0.1 }\n", 9, "samples.target.energy_per_site",
			`is not an observable or derived quantity of kernel "ising2d"; valid: m, e, e2, specific_heat`},
		{"a parameter", fixed + "[samples.target]\nT = { rel = 0.1 }\n", 9, "samples.target.T",
			`"T" is a parameter of kernel "ising2d", not an observable or derived quantity; valid: m, e, e2, specific_heat`},
		{"precision not a table", fixed + "[samples.target]\nm = 0.01\n", 9, "samples.target.m",
			"is the float 0.01, want a table such as m = { rel = 0.01 } (a standard error of at most 1% of |mean|), { abs = 0.001 }, or both"},
		{"unknown key of a target", fixed + "[samples.target]\nm = { rell = 0.01 }\n", 9, "samples.target.m.rell",
			`unknown key of a target; did you mean "rel"? valid: abs, rel`},
		{"unknown key of a target, table form", fixed + "[samples.target.m]\nrel = 0.01\nsd = 0.1\n", 10, "samples.target.m.sd",
			"unknown key of a target; valid: abs, rel"},
		{"negative rel", fixed + "[samples.target]\nm = { rel = -0.01 }\n", 9, "samples.target.m.rel",
			"is the float -0.01, want a finite number ≥ 0, such as rel = 0.01"},
		{"nan abs", fixed + "[samples.target]\nm = { abs = nan }\n", 9, "samples.target.m.abs",
			"want a finite number ≥ 0, such as abs = 0.001"},
		{"infinite abs", fixed + "[samples.target]\nm = { abs = inf }\n", 9, "samples.target.m.abs",
			"want a finite number ≥ 0"},
		{"string rel", fixed + "[samples.target]\nm = { rel = \"1%\" }\n", 9, "samples.target.m.rel",
			`is the string "1%", want a finite number ≥ 0`},
		{"zero target", fixed + "[samples.target]\nm = { abs = 0, rel = 0.0 }\n", 9, "samples.target.m",
			"want abs > 0 or rel > 0: a target of 0 is never reached; such as m = { rel = 0.01 }"},
		{"empty precision", fixed + "[samples.target]\nspecific_heat = {}\n", 9, "samples.target.specific_heat",
			"want abs > 0 or rel > 0: a target of 0 is never reached"},
		{"min_chunks without a target", fixed + "min_chunks = 5\n", 8, "samples.min_chunks",
			"applies to [samples.target] only: it is the chunks of a point's first round when sampling to a target precision"},
		{"min_chunks of 1", fixed + "min_chunks = 1\n[samples.target]\nm = { rel = 0.01 }\n", 8, "samples.min_chunks",
			"is 1, want at least 2: batch means needs 2 chunks for a standard error; such as min_chunks = 10"},
		{"min_chunks above the chunks", fixed + "min_chunks = 11\n[samples.target]\nm = { rel = 0.01 }\n", 8, "samples.min_chunks",
			"is 11, more than the 10 chunks per point; want 2 ≤ min_chunks ≤ 10"},
		{"min_chunks fractional", fixed + "min_chunks = 2.5\n[samples.target]\nm = { rel = 0.01 }\n", 8, "samples.min_chunks",
			"is the float 2.5, want an integer ≥ 2, at most the chunks per point, such as min_chunks = 10"},
		{"min_chunks of 1 and one chunk", targetHeader + "samples = 1000\nchunk_size = 1000\nmin_chunks = 1\n[samples.target]\nm = { rel = 0.01 }\n", 8, "samples.min_chunks",
			"is 1, want at least 2: batch means needs 2 chunks"},
		{"min_chunks of 1 of 4 chunks", targetHeader + "samples = 4\nchunks = 4\nmin_chunks = 1\n[samples.target]\nm = { rel = 0.01 }\n", 8, "samples.min_chunks",
			"such as min_chunks = 4"},
		{"one chunk of chunk_size", targetHeader + "samples = 1000\nchunk_size = 1000\n[samples.target]\nm = { rel = 0.01 }\n", 7, "samples.chunk_size",
			"is 1000, which gives a point 1 chunk of its 1000 samples: a point sampled to a target needs at least 2 chunks to estimate a standard error by chunks; want a smaller chunk_size, at most 500, such as chunk_size = 100 for 10 chunks"},
		{"one chunk", targetHeader + "samples = 1000\nchunks = 1\n[samples.target]\nm = { rel = 0.01 }\n", 7, "samples.chunks",
			"is 1: a point sampled to a target needs at least 2 chunks to estimate a standard error by chunks; want chunks ≥ 2, such as chunks = 10"},
		{"one sample", targetHeader + "samples = 1\nchunks = 1\n[samples.target]\nm = { rel = 0.01 }\n", 6, "samples.samples",
			"is 1: a point sampled to a target needs at least 2 chunks"},
		{"unknown samples key", fixed + "targets = { m = { rel = 0.01 } }\n", 8, "samples.targets",
			`did you mean "target"? valid: samples, chunk_size, chunks, min_chunks, target`},
	} {
		t.Run(test.name, func(t *testing.T) {
			e, err := Parse("exp.toml", []byte(test.src), testCatalog)
			if err == nil {
				t.Fatalf("Parse succeeded with budget %+v, want an error", e.Budget)
			}
			fe := findError(t, err, test.line, test.key, test.hint)
			if fe == nil {
				t.Fatalf("no error at line %d, key %q containing %q; got:\n%v", test.line, test.key, test.hint, err)
			}
			if loc := "exp.toml:" + strconv.Itoa(test.line) + ": "; !strings.Contains(fe.Error(), loc) {
				t.Errorf("error %q does not name %q", fe, loc)
			}
		})
	}
}

// TestTargetUnknownKernel: with an unknown kernel, reported as such,
// the statistics of [samples.target] are not checked, but their
// precisions are.
func TestTargetUnknownKernel(t *testing.T) {
	src := "kernel = \"isng2d\"\nseed = 1\n[samples]\nsamples = 1000\nchunk_size = 100\n" +
		"[samples.target]\nbogus = { rel = 0.01 }\nm = { rel = -1 }\n"
	_, err := Parse("exp.toml", []byte(src), testCatalog)
	if err == nil {
		t.Fatal("Parse succeeded")
	}
	var keys []string
	for _, fe := range fileErrors(t, err) {
		keys = append(keys, fe.Key)
	}
	if want := []string{"kernel", "samples.target.m.rel"}; !slices.Equal(keys, want) {
		t.Errorf("errors at keys %q, want %q:\n%v", keys, want, err)
	}
}

// TestDocTargetExample loads the example of "Sampling to a target
// precision" in docs/experiment-file.md, with the option kernel's
// observables (the real kernel is in package kernels, which imports
// this one).
func TestDocTargetExample(t *testing.T) {
	doc, err := os.ReadFile("../docs/experiment-file.md")
	if err != nil {
		t.Skipf("docs not available: %v", err)
	}
	_, rest, found := strings.Cut(string(doc), "### Sampling to a target precision")
	if !found {
		t.Fatal("docs/experiment-file.md has no section \"Sampling to a target precision\"")
	}
	_, block, _ := strings.Cut(rest, "```toml\n")
	block, _, _ = strings.Cut(block, "```")
	pos := &Range{Min: 0, Max: math.Inf(1), MinOpen: true}
	cat := fakeCatalog{"option": {
		Name: "option",
		Params: []ParamSpec{
			{Name: "S0", Kind: Float, Default: FloatValue(100), Range: pos},
			{Name: "K", Kind: Float, Default: FloatValue(100), Range: pos},
			{Name: "r", Kind: Float, Default: FloatValue(0.05)},
			{Name: "sigma", Kind: Float, Default: FloatValue(0.2), Range: pos},
			{Name: "T", Kind: Float, Default: FloatValue(1), Range: pos},
			{Name: "antithetic", Kind: Bool, Default: BoolValue(false)},
		},
		Observables: []ObservableSpec{{Name: "call"}, {Name: "put"}},
	}}
	e, err := Parse("option.toml", []byte(block), cat)
	if err != nil {
		t.Fatalf("the documented example does not load: %v\n%s", err, block)
	}
	want := Budget{Samples: 20_000_000, ChunkSize: 5_000, Chunks: 4000, MinChunks: 10, Targets: []Target{
		{Stat: "call", Index: 0, Abs: 0.005},
	}}
	if !reflect.DeepEqual(e.Budget, want) {
		t.Errorf("Budget = %+v, want %+v", e.Budget, want)
	}
}

// checkBudget checks that an accepted budget is one the engine and
// stats.ReduceSequential can run: chunks of at least a sample, and with
// targets, they are in name order, each names the statistic at its
// Index and can be reached, and 2 ≤ MinChunks ≤ Chunks.
func checkBudget(t *testing.T, e *Experiment) {
	t.Helper()
	b := e.Budget
	if b.Samples < 1 || b.Chunks < 1 || b.Chunks > b.Samples {
		t.Fatalf("accepted a budget whose chunks do not hold its samples: %+v", b)
	}
	if !b.Adaptive() {
		if b.MinChunks != 0 {
			t.Fatalf("accepted min_chunks = %d without a target", b.MinChunks)
		}
		return
	}
	if b.MinChunks < 2 || b.MinChunks > b.Chunks {
		t.Fatalf("accepted MinChunks = %d of %d chunks", b.MinChunks, b.Chunks)
	}
	names := quantityNames(&e.Kernel)
	for i, tg := range b.Targets {
		switch {
		case i > 0 && b.Targets[i-1].Stat >= tg.Stat:
			t.Fatalf("targets out of name order: %+v", b.Targets)
		case tg.Index < 0 || tg.Index >= len(names) || names[tg.Index] != tg.Stat:
			t.Fatalf("target %+v: not at its statistic's place in %q", tg, names)
		case !(tg.Abs >= 0 && tg.Rel >= 0) || math.IsInf(tg.Abs, 0) || math.IsInf(tg.Rel, 0) || !(tg.Abs > 0 || tg.Rel > 0):
			t.Fatalf("accepted a target that is never reached or not finite: %+v", tg)
		}
	}
}
