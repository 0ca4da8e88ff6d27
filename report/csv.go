package report

import (
	"fmt"
	"io"
	"iter"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/simrun/simrun/sim"
)

// WriteCSV writes r as a tidy table: a header, then one row per point and
// observable. The columns are the point index, every parameter in
// declaration order, and the statistics:
//
//	point,<params...>,observable,samples,chunks,mean,variance,stderr,ci_low,ci_high,min,max,method
//
// samples is the number of samples (Stat.N; "n" in results.json), named so
// that it cannot be taken for a parameter n, such as the pi kernel's points
// per sample. Floats are written in the shortest form that round-trips, so they are
// exact, with NaN, +Inf and -Inf for the non-finite values. Parameter values
// are in their canonical form (sim.Value.String), except that strings are
// not quoted beyond what CSV itself requires. Warnings and provenance are
// not part of the table; see WriteJSON.
//
// Every point must have the same parameter names as the first, and no
// parameter may have the name of another column (kernels.Registry refuses
// such a kernel), so that every column has a name of its own; WriteCSV
// returns an error otherwise.
func WriteCSV(w io.Writer, r *Results) error { return WriteCSVPoints(w, PointsOf(r)) }

// WriteCSVPoints is WriteCSV of the points that points yields, as they
// come: a reduction still under way is written as it goes. An error it
// yields ends the table and is returned.
func WriteCSVPoints(w io.Writer, points Points) error {
	var names []string
	// Rows are appended to a buffer by hand, written every 256 KB:
	// encoding/csv takes strings, which cost a float's formatting an
	// allocation each, and checks every field for quoting, which only
	// strings need (appendCSVField quotes them as it does).
	const flushAt = 256 << 10
	b := make([]byte, 0, flushAt+4096)
	fail := func(err error) error { return fmt.Errorf("report: write CSV: %w", err) }
	started := false
	header := func(first *PointResult) error {
		var err error
		if names, err = tableParams(first); err != nil {
			return err
		}
		for i, h := range append(append([]string{"point"}, names...), statColumns...) {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendCSVField(b, h)
		}
		b = append(b, '\n')
		started = true
		return nil
	}
	var row []byte
	for p, err := range points {
		if err != nil {
			return err
		}
		if !started {
			if err := header(&p); err != nil {
				return err
			}
		}
		if err := checkParams(p, names); err != nil {
			return err
		}
		row = strconv.AppendInt(row[:0], p.Index, 10)
		for i := range p.Params.Len() {
			row = append(row, ',')
			if v := p.Params.Value(i); v.Kind == sim.String {
				row = appendCSVField(row, v.S)
			} else {
				row = v.Append(row)
			}
		}
		for _, s := range p.Stats {
			b = append(b, row...)
			b = append(b, ',')
			b = appendCSVField(b, s.Observable)
			b = append(b, ',')
			b = strconv.AppendInt(b, s.N, 10)
			b = append(b, ',')
			b = strconv.AppendInt(b, s.Chunks, 10)
			for _, f := range [...]float64{s.Mean, s.Variance, s.StdErr, s.CILow, s.CIHigh, s.Min, s.Max} {
				b = append(b, ',')
				b = sim.AppendFloat(b, f)
			}
			b = append(b, ',')
			b = appendCSVField(b, s.Method)
			b = append(b, '\n')
		}
		if len(b) >= flushAt {
			if _, err := w.Write(b); err != nil {
				return fail(err)
			}
			b = b[:0]
		}
	}
	if !started {
		if err := header(nil); err != nil {
			return err
		}
	}
	if _, err := w.Write(b); err != nil {
		return fail(err)
	}
	return nil
}

// appendCSVField appends s as a field of encoding/csv's Writer (comma,
// no CRLF): quoted, with quotes doubled, if it holds a comma, quote, CR
// or LF, starts with a space, or is \. (which some readers take for the
// end of data).
func appendCSVField(b []byte, s string) []byte {
	if !csvNeedsQuotes(s) {
		return append(b, s...)
	}
	b = append(b, '"')
	for i := range len(s) {
		if s[i] == '"' {
			b = append(b, '"')
		}
		b = append(b, s[i])
	}
	return append(b, '"')
}

func csvNeedsQuotes(s string) bool {
	if s == "" {
		return false
	}
	if s == `\.` || strings.ContainsAny(s, ",\"\r\n") {
		return true
	}
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsSpace(r)
}

// tableParams returns the parameter names of first, the first point of
// a table (nil for none), the columns of the tidy table between the point
// and statColumns, refusing a name that another column has.
func tableParams(first *PointResult) ([]string, error) {
	var names []string
	if first != nil {
		for i := range first.Params.Len() {
			names = append(names, first.Params.Name(i))
		}
	}
	for _, n := range names {
		if n == "point" || slices.Contains(statColumns, n) {
			return nil, fmt.Errorf("report: parameter %q has the name of a column of the statistics table (point, %s); rename the kernel's parameter",
				n, strings.Join(statColumns, ", "))
		}
	}
	return names, nil
}

// statColumns are the columns of WriteCSV after the parameters. They and
// "point" are the names kernels.Registry reserves: keep the two lists the
// same (kernels' TestReservedNamesAreCSVColumns checks).
var statColumns = []string{"observable", "samples", "chunks", "mean", "variance", "stderr", "ci_low", "ci_high", "min", "max", "method"}

// checkParams returns an error unless p's parameters are named names, in
// that order.
func checkParams(p PointResult, names []string) error {
	ok := p.Params.Len() == len(names)
	for i := 0; ok && i < len(names); i++ {
		ok = p.Params.Name(i) == names[i]
	}
	if ok {
		return nil
	}
	got := make([]string, p.Params.Len())
	for i := range got {
		got[i] = p.Params.Name(i)
	}
	return fmt.Errorf("report: point %d has parameters [%s], want [%s] as in the first point",
		p.Index, strings.Join(got, " "), strings.Join(names, " "))
}

// Points yields the points of results in sweep order, as a reduction
// produces them: WriteCSVPoints and WriteParquetPoints write them as they
// come. A non-nil error ends the stream.
type Points = iter.Seq2[PointResult, error]

// PointsOf returns the points of r as Points.
func PointsOf(r *Results) Points {
	return func(yield func(PointResult, error) bool) {
		for _, p := range r.Points {
			if !yield(p, nil) {
				return
			}
		}
	}
}
