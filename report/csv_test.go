package report

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/simrun/simrun/sim"
	"github.com/simrun/simrun/stats"
)

func TestCSVFloatsExact(t *testing.T) {
	// Every float in the CSV parses back to the same bits, ±Inf included.
	r := testResults()
	var b bytes.Buffer
	if err := WriteCSV(&b, r); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	const first = 8 // point, 4 params, observable, n, chunks
	row := 1
	for _, p := range r.Points {
		for _, s := range p.Stats {
			want := []float64{s.Mean, s.Variance, s.StdErr, s.CILow, s.CIHigh, s.Min, s.Max}
			for i, w := range want {
				cell := rows[row][first+i]
				got, err := strconv.ParseFloat(cell, 64)
				if err != nil {
					t.Fatalf("row %d: %v", row, err)
				}
				if math.Float64bits(got) != math.Float64bits(w) && !(math.IsNaN(got) && math.IsNaN(w)) {
					t.Errorf("row %d column %s = %s, want %v", row, rows[0][first+i], cell, w)
				}
			}
			if got := rows[row][3]; got != `wolff, "fast"` {
				t.Errorf("row %d: algo = %q, want it unquoted", row, got)
			}
			row++
		}
	}
	if row != len(rows) {
		t.Errorf("%d rows, want %d", len(rows), row)
	}
}

func TestCSVDerivedRow(t *testing.T) {
	// A derived quantity from stats.ReduceAll is one more row. Its chunks
	// are worked by hand in stats' TestReduceAllByHand: c = s·(⟨e2⟩ − ⟨e⟩²)
	// over 5 samples in 3 chunks has the estimate 2·(6.6 − 4) = 5.2, to
	// rounding.
	params := []sim.ParamSpec{{Name: "s", Kind: sim.Float}}
	spec := sim.KernelSpec{
		Name:        "test",
		Params:      params,
		Observables: []sim.ObservableSpec{{Name: "e"}, {Name: "e2"}},
		Derived: []sim.DerivedSpec{{Name: "c", Of: []string{"e", "e2"},
			Func: func(p sim.Params, m []float64) float64 { return p.Float("s") * (m[1] - m[0]*m[0]) }}},
	}
	p := sim.NewParams(params, []sim.Value{sim.FloatValue(2)})
	chunks := [][]sim.Acc{
		{accOf(1, 3), accOf(1, 9)},
		{{}, {}},
		{accOf(2, 4), accOf(4, 18)},
		{accOf(0), accOf(1)},
	}
	st, _ := stats.ReduceAll(spec, p, chunks)
	var b bytes.Buffer
	if err := WriteCSV(&b, &Results{Points: []PointResult{{Params: p, Stats: st}}}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "\n0,2,c,5,3,5.19999") {
		t.Errorf("CSV lacks the derived row:\n%s", b.String())
	}
}

func TestCSVColumnsUnique(t *testing.T) {
	// The pi kernel's parameter n (points per sample) beside the sample
	// count: every column of the CSV and of the summary's table has a name
	// of its own, so that csv.DictReader and pandas keep them all.
	specs := []sim.ParamSpec{{Name: "n", Kind: sim.Int}}
	st := stats.Stat{Observable: "pi", N: 1000, Chunks: 10, Mean: 3.14, StdErr: 0.05, CILow: 3.04, CIHigh: 3.24, Method: stats.MethodIID, DF: 999}
	r := &Results{}
	for i, n := range []int64{1, 100} {
		r.Points = append(r.Points, PointResult{Index: int64(i), Params: sim.NewParams(specs, []sim.Value{sim.IntValue(n)}), Stats: []stats.Stat{st}})
	}
	var b bytes.Buffer
	if err := WriteCSV(&b, r); err != nil {
		t.Fatal(err)
	}
	header, err := csv.NewReader(&b).Read()
	if err != nil {
		t.Fatal(err)
	}
	if want := "point,n,observable,samples,chunks,mean,variance,stderr,ci_low,ci_high,min,max,method"; strings.Join(header, ",") != want {
		t.Errorf("CSV header %q, want %q", strings.Join(header, ","), want)
	}
	b.Reset()
	if err := Summary(&b, r); err != nil {
		t.Fatal(err)
	}
	_, table, _ := strings.Cut(b.String(), "\n\n")
	cols := strings.Fields(strings.ReplaceAll(strings.ReplaceAll(strings.SplitN(table, "\n", 2)[0], "mean ± stderr", "mean±stderr"), "95% CI", "95%CI"))
	seen := map[string]bool{}
	for _, c := range cols {
		if seen[c] {
			t.Errorf("summary header %q has %q twice", cols, c)
		}
		seen[c] = true
	}
	if !seen["samples"] {
		t.Errorf("summary header %q lacks samples", cols)
	}
}

func TestCSVRefusesColumnNames(t *testing.T) {
	// A parameter named like a column of the table (kernels.Registry
	// refuses such a kernel; a Results built by hand may have one).
	for _, name := range []string{"point", "observable", "samples", "mean", "method"} {
		specs := []sim.ParamSpec{{Name: name, Kind: sim.Int}}
		r := &Results{Points: []PointResult{{Params: sim.NewParams(specs, []sim.Value{sim.IntValue(1)})}}}
		err := WriteCSV(new(bytes.Buffer), r)
		if want := `report: parameter "` + name + `" has the name of a column of the statistics`; err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("parameter %s: error %v, want %q", name, err, want)
		}
	}
}

// writeCSVReference is how WriteCSV wrote its table through encoding/csv
// before it appended the rows by hand: the definition of its bytes.
func writeCSVReference(w io.Writer, r *Results) error {
	var first *PointResult
	if len(r.Points) > 0 {
		first = &r.Points[0]
	}
	names, err := tableParams(first)
	if err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.Write(append(append([]string{"point"}, names...), statColumns...))
	for _, p := range r.Points {
		row := []string{strconv.FormatInt(p.Index, 10)}
		for i := range p.Params.Len() {
			v := p.Params.Value(i)
			if v.Kind == sim.String {
				row = append(row, v.S)
			} else {
				row = append(row, v.String())
			}
		}
		n := len(row)
		for _, s := range p.Stats {
			row = append(row[:n], s.Observable, strconv.FormatInt(s.N, 10), strconv.FormatInt(s.Chunks, 10))
			for _, f := range []float64{s.Mean, s.Variance, s.StdErr, s.CILow, s.CIHigh, s.Min, s.Max} {
				row = append(row, sim.FormatFloat(f))
			}
			cw.Write(append(row, s.Method))
		}
	}
	cw.Flush()
	return cw.Error()
}

func TestCSVMatchesEncodingCSV(t *testing.T) {
	// The sweep of every kind of value a writer can get wrong, and
	// strings that encoding/csv quotes or leaves alone.
	r := parquetSweep(3000)
	strs := []string{"", " lead", "\tlead", "\u00a0nbsp", `\.`, `\.x`, "a,b", `say "hi"`, "cr\rlf\n", "plain", "é∑", "trail "}
	for i := range r.Points {
		r.Points[i].Stats[0].Observable = strs[i%len(strs)]
		r.Points[i].Stats[1].Method = strs[(i/len(strs))%len(strs)]
	}
	var got, want bytes.Buffer
	if err := WriteCSV(&got, r); err != nil {
		t.Fatal(err)
	}
	if err := writeCSVReference(&want, r); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want.Bytes()) {
		g, w := strings.Split(got.String(), "\n"), strings.Split(want.String(), "\n")
		for i := range min(len(g), len(w)) {
			if g[i] != w[i] {
				t.Fatalf("line %d:\ngot  %q\nwant %q", i+1, g[i], w[i])
			}
		}
		t.Fatalf("%d lines, want %d", len(g), len(w))
	}
}

// TestTablePointsError: a stream of points that fails part way ends the
// table with its error, in both formats, so that no table of some points
// is taken for the whole.
func TestTablePointsError(t *testing.T) {
	r := parquetSweep(10)
	boom := errors.New("chunks.bin: checksum mismatch")
	failing := func(yield func(PointResult, error) bool) {
		for _, p := range r.Points[:3] {
			if !yield(p, nil) {
				return
			}
		}
		yield(PointResult{}, boom)
	}
	for name, write := range map[string]func(io.Writer, Points) error{"csv": WriteCSVPoints, "parquet": WriteParquetPoints} {
		if err := write(io.Discard, failing); !errors.Is(err, boom) {
			t.Errorf("%s: %v, want %v", name, err, boom)
		}
	}
}
