package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

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
func WriteCSV(w io.Writer, r *Results) error {
	names, err := tableParams(r)
	if err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	header := append([]string{"point"}, names...)
	header = append(header, statColumns...)
	if err := cw.Write(header); err != nil {
		return fmt.Errorf("report: write CSV: %w", err)
	}
	row := make([]string, 0, len(header))
	for _, p := range r.Points {
		if err := checkParams(p, names); err != nil {
			return err
		}
		row = append(row[:0], strconv.FormatInt(p.Index, 10))
		for i := range p.Params.Len() {
			row = append(row, csvValue(p.Params.Value(i)))
		}
		nparams := len(row)
		for _, s := range p.Stats {
			row = append(row[:nparams],
				s.Observable,
				strconv.FormatInt(s.N, 10),
				strconv.FormatInt(s.Chunks, 10),
				sim.FormatFloat(s.Mean),
				sim.FormatFloat(s.Variance),
				sim.FormatFloat(s.StdErr),
				sim.FormatFloat(s.CILow),
				sim.FormatFloat(s.CIHigh),
				sim.FormatFloat(s.Min),
				sim.FormatFloat(s.Max),
				s.Method,
			)
			if err := cw.Write(row); err != nil {
				return fmt.Errorf("report: write CSV: %w", err)
			}
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("report: write CSV: %w", err)
	}
	return nil
}

// tableParams returns the parameter names of r's points, the columns of
// the tidy table between the point and statColumns, refusing a name that
// another column has.
func tableParams(r *Results) ([]string, error) {
	names := paramNames(r)
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

func csvValue(v sim.Value) string {
	if v.Kind == sim.String {
		return v.S
	}
	return v.String()
}

// paramNames returns the parameter names of r's first point, or none.
func paramNames(r *Results) []string {
	if len(r.Points) == 0 {
		return nil
	}
	p := r.Points[0].Params
	names := make([]string, p.Len())
	for i := range names {
		names[i] = p.Name(i)
	}
	return names
}

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
