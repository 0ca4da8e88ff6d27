package report

import (
	"io"
	"testing"
)

// BenchmarkTables writes the tidy table of a sweep of 100,000 points of
// four parameters and three observables (300,000 rows) in each format:
// the cost per point of the outputs of a large sweep.
func BenchmarkTables(b *testing.B) {
	r := parquetSweep(100_000)
	for _, bc := range []struct {
		name  string
		write func(io.Writer, *Results) error
	}{{"csv", WriteCSV}, {"parquet", WriteParquet}, {"json", WriteJSON}, {"markdown", func(w io.Writer, r *Results) error { return WriteMarkdown(w, r, "", nil) }}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := bc.write(io.Discard, r); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(r.Points)), "ns/point")
		})
	}
}
