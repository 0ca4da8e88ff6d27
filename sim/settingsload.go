package sim

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The keys of the [samples], [run] and [output] tables.
var (
	samplesKeys = []string{"samples", "chunk_size", "chunks"}
	runKeys     = []string{"retries", "timeout", "on_error"}
	outputKeys  = []string{"dir", "tables"}
	tableNames  = []string{"csv", "parquet"} // the values of output.tables
)

// budget validates the [samples] table.
func (l *loader) budget(e *Experiment, m map[string]any) {
	var samples, size, chunks int64
	var sizeSet, chunksSet bool
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
		default:
			l.errorf(key, "%s%s", unknownMsg("unknown key", k, samplesKeys), topHint(k))
		}
	}
	if samples == 0 {
		l.errorf([]string{"samples", "samples"}, "missing: add samples = N, the number of samples per point")
	}
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
	case chunks > samples:
		l.errorf([]string{"samples", "chunks"}, "is %d, more than samples = %d: every chunk needs at least one sample; want chunks ≤ samples", chunks, samples)
	default:
		e.Budget = Budget{Samples: samples, Chunks: chunks}
	}
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
