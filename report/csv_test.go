package report

import (
	"bytes"
	"encoding/csv"
	"math"
	"strconv"
	"testing"
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
