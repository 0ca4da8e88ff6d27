package report

import (
	"bytes"
	"encoding/csv"
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
