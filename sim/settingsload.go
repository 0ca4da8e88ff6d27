package sim

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/simrun/simrun/sim/fmath"
)

// The keys of the [samples], [run] and [output] tables.
var (
	samplesKeys = []string{"samples", "chunk_size", "chunks", "min_chunks", "target"}
	targetKeys  = []string{"abs", "rel"} // the keys of a statistic's table in [samples.target]
	runKeys     = []string{"retries", "timeout", "on_error"}
	outputKeys  = []string{"dir", "tables"}
	tableNames  = []string{"csv", "parquet"} // the values of output.tables
)

// defaultMinChunks is the chunks of a point's first round with a target
// and no min_chunks, when the point has as many: enough degrees of
// freedom that t975 (2.26 at 9) does not hold the first decision back
// much, few enough that a point whose target is loose stops early.
const defaultMinChunks = 10

// budget validates the [samples] table m. kernelOK says whether e.Kernel
// is set: the statistics of [samples.target] are checked against it only
// then, an unknown kernel being reported already.
func (l *loader) budget(e *Experiment, m map[string]any, kernelOK bool) {
	var samples, size, chunks int64
	var sizeSet, chunksSet bool
	var minChunks any // the min_chunks value, nil when absent
	var target any    // the target value, nil when absent
	for _, k := range l.keys(m, "samples") {
		v := m[k]
		key := []string{"samples", k}
		switch k {
		case "samples", "chunk_size", "chunks":
			n, ok := asInt(v)
			switch {
			case !ok:
				l.errorf(key, "is %s, want a positive integer such as %s = 1000", describe(v), k)
				n = -1
			case n < 1:
				l.errorf(key, "is %d, want a positive integer such as %s = 1000", n, k)
				n = -1
			}
			switch k {
			case "samples":
				samples = n
			case "chunk_size":
				size, sizeSet = n, true
			case "chunks":
				chunks, chunksSet = n, true
			}
		case "min_chunks":
			minChunks = v
		case "target":
			target = v
		default:
			l.errorf(key, "%s%s", unknownMsg("unknown key", k, samplesKeys), topHint(k))
		}
	}
	if samples == 0 {
		l.errorf([]string{"samples", "samples"}, "missing: add samples = N, the number of samples per point")
	}
	ok := false // e.Budget is set
	switch {
	case sizeSet == chunksSet:
		what := "neither is set"
		if sizeSet {
			what = "both are set"
		}
		l.errorf([]string{"samples"}, "%s: set exactly one of chunk_size or chunks. "+
			"chunk_size = N fixes the samples per chunk, so raising samples later adds chunks and leaves the existing ones unchanged; "+
			"chunks = N fixes the chunks per point, and raising samples then changes every chunk", what)
	case samples < 1 || size < 0 || chunks < 0:
		// Already reported.
	case sizeSet:
		e.Budget = Budget{Samples: samples, ChunkSize: size, Chunks: samples / size}
		if samples%size != 0 {
			e.Budget.Chunks++
		}
		ok = true
	case chunks > samples:
		l.errorf([]string{"samples", "chunks"}, "is %d, more than samples = %d: every chunk needs at least one sample; want chunks ≤ samples", chunks, samples)
	default:
		e.Budget = Budget{Samples: samples, Chunks: chunks}
		ok = true
	}

	if target == nil {
		if minChunks != nil {
			l.errorf([]string{"samples", "min_chunks"}, "applies to [samples.target] only: it is the chunks of a point's first round when sampling to a target precision; "+
				"add a [samples.target] table, or remove min_chunks for a fixed budget of samples per point")
		}
		return
	}
	targets, targetsOK := l.targets(e, target, kernelOK)
	// min_chunks is checked on its own first, then against the chunks
	// per point if they are known.
	first, firstOK := int64(0), true
	if minChunks != nil {
		key := []string{"samples", "min_chunks"}
		example := int64(defaultMinChunks)
		if ok {
			example = max(2, min(defaultMinChunks, e.Budget.Chunks))
		}
		n, isInt := asInt(minChunks)
		switch {
		case !isInt:
			l.errorf(key, "is %s, want an integer ≥ 2, at most the chunks per point, such as min_chunks = %d", describe(minChunks), example)
			firstOK = false
		case n < 2:
			l.errorf(key, "is %d, want at least 2: batch means needs 2 chunks for a standard error; such as min_chunks = %d", n, example)
			firstOK = false
		}
		first = n
	}
	if !ok || !firstOK {
		return
	}
	b := &e.Budget
	switch {
	case b.Chunks < 2 && samples < 2:
		l.errorf([]string{"samples", "samples"}, "is %d: a point sampled to a target needs at least 2 chunks, of a sample each at least, to estimate a standard error by chunks; want samples ≥ 2", samples)
		return
	case b.Chunks < 2 && sizeSet:
		// Suggest the first round's default: about defaultMinChunks chunks.
		ten := max(1, samples/defaultMinChunks)
		l.errorf([]string{"samples", "chunk_size"}, "is %d, which gives a point 1 chunk of its %d samples: a point sampled to a target needs at least 2 chunks to estimate a standard error by chunks; "+
			"want a smaller chunk_size, at most %d, such as chunk_size = %d for %d chunks", size, samples, ceilDiv(samples, 2), ten, ceilDiv(samples, ten))
		return
	case b.Chunks < 2:
		l.errorf([]string{"samples", "chunks"}, "is 1: a point sampled to a target needs at least 2 chunks to estimate a standard error by chunks; want chunks ≥ 2, such as chunks = %d", min(samples, defaultMinChunks))
		return
	case minChunks == nil:
		first = min(defaultMinChunks, b.Chunks)
	case first > b.Chunks:
		l.errorf([]string{"samples", "min_chunks"}, "is %d, more than the %d chunks per point; want 2 ≤ min_chunks ≤ %d, or more samples", first, b.Chunks, b.Chunks)
		return
	}
	if targetsOK {
		b.Targets, b.MinChunks = targets, first
	}
}

// ceilDiv returns ⌈a/b⌉ for a ≥ 0 and b > 0, without overflow.
func ceilDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 {
		q++
	}
	return q
}

// targets validates the target key of [samples], v: a table from names
// of the kernel's statistics (when kernelOK) to tables of abs and rel.
// It returns the targets in name order, and whether all of them are
// valid.
func (l *loader) targets(e *Experiment, v any, kernelOK bool) ([]Target, bool) {
	key := []string{"samples", "target"}
	var names []string // the kernel's statistics, in the order of a point's
	example := "mean"
	valid := ""
	if kernelOK {
		names = quantityNames(&e.Kernel)
		example = firstOr(names, example)
		valid = "; valid: " + orNoneList(names)
	}
	m, isTable := v.(map[string]any)
	if !isTable {
		l.errorf(key, "is %s, want a table from statistics to their precision, such as target = { %s = { rel = 0.01 } } (a standard error of at most 1%% of |mean|)%s",
			describe(v), example, valid)
		return nil, false
	}
	if len(m) == 0 {
		l.errorf(key, "is empty: name at least one statistic and its precision, such as %s = { rel = 0.01 }, or remove [samples.target] for a fixed budget%s",
			example, valid)
		return nil, false
	}
	ok := true
	var out []Target
	for _, name := range l.keys(m, key...) {
		tkey := []string{"samples", "target", name}
		t := Target{Stat: name, Index: -1}
		if kernelOK {
			t.Index = slices.Index(names, name)
			if t.Index < 0 {
				what := fmt.Sprintf("%q is not an observable or derived quantity of kernel %q", name, e.Kernel.Name)
				if _, isParam := e.Kernel.Param(name); isParam {
					what = fmt.Sprintf("%q is a parameter of kernel %q, not an observable or derived quantity", name, e.Kernel.Name)
				}
				l.errorf(tkey, "%s", unknownMsg(what, name, names))
				ok = false
				continue
			}
		}
		if !l.target(&t, tkey, m[name]) {
			ok = false
			continue
		}
		out = append(out, t)
	}
	// In name order, not file order: a TOML table is unordered, and the
	// order of the targets is in the results (stats.Precision).
	slices.SortFunc(out, func(a, b Target) int { return strings.Compare(a.Stat, b.Stat) })
	return out, ok
}

// target validates the precision of one statistic, v at key: a table
// of abs and rel, each a finite number ≥ 0, one of them > 0. It sets
// t.Abs and t.Rel and reports whether v is valid.
func (l *loader) target(t *Target, key []string, v any) bool {
	m, isTable := v.(map[string]any)
	if !isTable {
		l.errorf(key, "is %s, want a table such as %s = { rel = 0.01 } (a standard error of at most 1%% of |mean|), { abs = 0.001 }, or both (at most abs + rel·|mean|)",
			describe(v), joinKey(key[len(key)-1:]))
		return false
	}
	ok := true
	for _, k := range l.keys(m, key...) {
		kkey := append(slices.Clip(key), k)
		if !slices.Contains(targetKeys, k) {
			l.errorf(kkey, "%s", unknownMsg("unknown key of a target", k, targetKeys))
			ok = false
			continue
		}
		f, isNum := asFloat(m[k])
		if !isNum || !fmath.IsFinite(f) || f < 0 {
			l.errorf(kkey, "is %s, want a finite number ≥ 0, such as %s = %s", describe(m[k]), k, map[string]string{"abs": "0.001", "rel": "0.01"}[k])
			ok = false
			continue
		}
		if k == "abs" {
			t.Abs = zero(f)
		} else {
			t.Rel = zero(f)
		}
	}
	if ok && !(t.Abs > 0 || t.Rel > 0) {
		l.errorf(key, "want abs > 0 or rel > 0: a target of 0 is never reached; such as %s = { rel = 0.01 }", joinKey(key[len(key)-1:]))
		return false
	}
	return ok
}

// runSettings sets e.Run: DefaultRun, overridden by the [run] table m
// (nil when absent or not a table).
func (l *loader) runSettings(e *Experiment, m map[string]any) {
	e.Run = DefaultRun
	for _, k := range l.keys(m, "run") {
		v := m[k]
		key := []string{"run", k}
		switch k {
		case "retries":
			n, ok := asInt(v)
			if !ok || n < 0 || n > 100 {
				l.errorf(key, "is %s, want an integer in [0, 100], such as retries = 2", describe(v))
				continue
			}
			e.Run.Retries = int(n)
		case "timeout":
			str, ok := v.(string)
			d, err := time.ParseDuration(str)
			if !ok || err != nil || d < 0 {
				l.errorf(key, "is %s, want a duration as a string such as timeout = \"10m\" (units ns, us, ms, s, m, h; \"0s\" for none)", describe(v))
				continue
			}
			e.Run.Timeout = d
		case "on_error":
			str, ok := v.(string)
			if !ok || (str != OnErrorStop && str != OnErrorContinue) {
				l.errorf(key, "is %s, want %q (the first failing chunk stops the run) or %q (record the point as failed and go on)", describe(v), OnErrorStop, OnErrorContinue)
				continue
			}
			e.Run.OnError = str
		default:
			l.errorf(key, "%s", unknownMsg("unknown key", k, runKeys))
		}
	}
}

// output sets e.Output: the directory results/NAME, overridden by the
// [output] table m (nil when absent or not a table), and the tables the
// tables key lists. It reports whether m has a tables key; if not, the
// caller sets the default tables once the sweep is known.
func (l *loader) output(e *Experiment, m map[string]any) (tablesSet bool) {
	e.Output.Dir = "results/" + e.Name
	for _, k := range l.keys(m, "output") {
		v := m[k]
		key := []string{"output", k}
		switch k {
		case "dir":
			s, ok := v.(string)
			switch {
			case !ok:
				l.errorf(key, "is %s, want a directory as a string such as dir = %q", describe(v), "results/"+e.Name)
			case s == "":
				l.errorf(key, "is empty; want a directory such as dir = %q, or leave it out for that default", "results/"+e.Name)
			default:
				e.Output.Dir = s
			}
		case "tables":
			tablesSet = true
			l.tables(e, key, v)
		default:
			l.errorf(key, "%s%s", unknownMsg("unknown key", k, outputKeys), topHint(k))
		}
	}
	return tablesSet
}

// tables validates the tables key of [output], at key, and sets the
// tables it lists.
func (l *loader) tables(e *Experiment, key []string, v any) {
	list, ok := v.([]any)
	if !ok {
		example := `["csv", "parquet"]`
		if s, ok := v.(string); ok && slices.Contains(tableNames, s) {
			example = fmt.Sprintf("[%q]", s)
		}
		l.errorf(key, "is %s, want a list of tables such as tables = %s; valid: %s", describe(v), example, strings.Join(tableNames, ", "))
		return
	}
	if len(list) == 0 {
		l.errorf(key, "is an empty list, want %q, %q or both: a run must write results.csv or results.parquet (leave tables out for the default)", "csv", "parquet")
		return
	}
	// The first problem is reported, as for a list in [sweep].
	var csv, parquet bool
	seen := make(map[string]int, len(list))
	for i, x := range list {
		s, ok := x.(string)
		switch {
		case !ok:
			l.errorf(key, "index %d: is %s, want %q or %q", i, describe(x), "csv", "parquet")
			return
		case s == "csv":
			csv = true
		case s == "parquet":
			parquet = true
		default:
			l.errorf(key, "index %d: %s", i, unknownMsg("unknown table "+strconv.Quote(s), s, tableNames))
			return
		}
		if j, dup := seen[s]; dup {
			l.errorf(key, "index %d: %q repeats index %d; list each table once", i, s, j)
			return
		}
		seen[s] = i
	}
	e.Output.CSV, e.Output.Parquet = csv, parquet
}
