package engine

import (
	"context"
	"encoding/csv"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/simrun/simrun/internal/duckdbtest"
	"github.com/simrun/simrun/kernels"
	"github.com/simrun/simrun/sim"
	"github.com/simrun/simrun/sim/rng"
)

// kindsKernel is a kernel for TestResultsParquetDuckDB with a parameter
// of each kind, and an observable whose statistics are the values a
// writer can get wrong: -0 for cold points; for the others +Inf in every
// sample, which makes the mean NaN and the minimum and maximum +Inf.
type kindsKernel struct{}

func (kindsKernel) Spec() sim.KernelSpec {
	return sim.KernelSpec{
		Name: "kinds",
		Doc:  "a parameter of each kind, for TestResultsParquetDuckDB",
		Params: []sim.ParamSpec{
			{Name: "L", Kind: sim.Int, Default: sim.IntValue(8)},
			{Name: "beta", Kind: sim.Float, Default: sim.FloatValue(0.5)},
			{Name: "cold", Kind: sim.Bool, Default: sim.BoolValue(false)},
			{Name: "algo", Kind: sim.String, Default: sim.StringValue("wolff")},
		},
		Observables: []sim.ObservableSpec{
			{Name: "u", Doc: "uniform on [0, 1)", IID: true},
			{Name: "edge", Doc: "-0 if cold, else +Inf"},
		},
	}
}

func (kindsKernel) New(p sim.Params) (kernels.Sampler, error) {
	edge := math.Inf(1)
	if p.Bool("cold") {
		edge = math.Copysign(0, -1)
	}
	return kindsSampler{edge}, nil
}

type kindsSampler struct{ edge float64 }

func (s kindsSampler) Sample(r *rng.Xoshiro256, n int64, obs []sim.Acc) {
	for range n {
		obs[0].Add(r.Float64())
		obs[1].Add(s.edge)
	}
}

// kindsSweep sweeps every parameter of kindsKernel, with the extreme
// integers, a float that only the shortest round-trip form keeps, and
// strings that CSV must quote or that are not ASCII: 3·3·2·4 = 72 points.
const kindsSweep = `
name = "kinds"
kernel = "kinds"
seed = 7

[sweep]
L = [-9223372036854775808, 0, 9223372036854775807]
beta = [0.1, 5e-324, -1.7976931348623157e308]
cold = [true, false]
algo = ["wolff", "", 'heat-bath, "fast"', "Metropolis–Hastings ∑"]

[samples]
samples = 20
chunk_size = 10
`

// tidyStatColumns are the columns of the tidy table after the parameters
// (report.WriteCSV's documentation) and their SQL types.
var tidyStatColumns = []duckdbtest.Column{
	{Name: "observable", Type: "VARCHAR"},
	{Name: "samples", Type: "BIGINT"},
	{Name: "chunks", Type: "BIGINT"},
	{Name: "mean", Type: "DOUBLE"},
	{Name: "variance", Type: "DOUBLE"},
	{Name: "stderr", Type: "DOUBLE"},
	{Name: "ci_low", Type: "DOUBLE"},
	{Name: "ci_high", Type: "DOUBLE"},
	{Name: "min", Type: "DOUBLE"},
	{Name: "max", Type: "DOUBLE"},
	{Name: "method", Type: "VARCHAR"},
}

// sqlKind maps the SQL types of the tidy table to the kinds of its values.
var sqlKind = map[string]sim.Kind{"BIGINT": sim.Int, "DOUBLE": sim.Float, "BOOLEAN": sim.Bool, "VARCHAR": sim.String}

// tidyColumns returns the columns of the tidy table of an experiment of
// spec's kernel, with the SQL type that each should have: the point, the
// kernel's parameters in declaration order, then tidyStatColumns.
func tidyColumns(t *testing.T, spec sim.KernelSpec) []duckdbtest.Column {
	t.Helper()
	cols := []duckdbtest.Column{{Name: "point", Type: "BIGINT"}}
	sqlType := map[sim.Kind]string{sim.Int: "BIGINT", sim.Float: "DOUBLE", sim.Bool: "BOOLEAN", sim.String: "VARCHAR"}
	for _, p := range spec.Params {
		typ, ok := sqlType[p.Kind]
		if !ok {
			t.Fatalf("parameter %s of kernel %s has kind %s", p.Name, spec.Name, p.Kind)
		}
		cols = append(cols, duckdbtest.Column{Name: p.Name, Type: typ})
	}
	return append(cols, tidyStatColumns...)
}

// readResultsCSV returns the header of the results.csv at path and its
// rows, each cell parsed as the value of its column in cols: integers in
// decimal, floats with strconv.ParseFloat (results.csv holds their
// shortest round-trip form, and NaN, +Inf, -Inf), true or false.
func readResultsCSV(t *testing.T, path string, cols []duckdbtest.Column) ([]string, [][]sim.Value) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	records, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	if len(records) == 0 {
		t.Fatalf("%s is empty, want at least a header", path)
	}
	header := records[0]
	if len(header) != len(cols) {
		t.Fatalf("results.csv has columns %s, want %s", strings.Join(header, ","), columnNames(cols))
	}
	var rows [][]sim.Value
	for i, rec := range records[1:] {
		row := make([]sim.Value, len(rec))
		for j, cell := range rec {
			v, err := duckdbtest.ParseCell(sqlKind[cols[j].Type], cell)
			if err != nil {
				t.Fatalf("results.csv row %d column %s: %v", i+1, header[j], err)
			}
			row[j] = v
		}
		rows = append(rows, row)
	}
	return header, rows
}

func columnNames(cols []duckdbtest.Column) string {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.Name
	}
	return strings.Join(names, ",")
}

func TestResultsParquetDuckDB(t *testing.T) {
	// DuckDB reads the results.parquet that a run writes, as a user would
	// (SELECT * FROM 'results.parquet'): the row count (points ×
	// observables), the columns (point, the kernel's parameters, the
	// statistics) with their SQL types, and every value, which is the one
	// results.csv holds in the same row and column.
	en := New(kernels.Builtin(kindsKernel{}))
	for _, tc := range []struct {
		name string
		file func(t *testing.T) string
		rows int64
	}{
		// 2 volatilities × 17 strikes, each with call and put; float and
		// bool parameters.
		{"bundled option.toml", func(*testing.T) string { return filepath.Join("..", "experiments", "option.toml") }, 2 * 17 * 2},
		// 72 points of parameters of every kind, each with u and edge.
		{"sweep of every kind", func(t *testing.T) string { return writeTestFile(t, t.TempDir(), "kinds.toml", kindsSweep) }, 72 * 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := tc.file(t)
			e, err := en.Load(file)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			if _, err := en.Run(context.Background(), e, Options{Dir: dir, Workers: 2, InProcess: true}); err != nil {
				t.Fatalf("run %s into %s: %v", file, dir, err)
			}
			cols := tidyColumns(t, e.Kernel)
			tab := duckdbtest.Read(t, filepath.Join(dir, ResultsParquet))

			if tab.Rows != tc.rows || int64(len(tab.Values)) != tc.rows {
				t.Errorf("DuckDB: count(*) = %d and SELECT * has %d rows, want %d", tab.Rows, len(tab.Values), tc.rows)
			}
			if len(tab.Columns) != len(cols) {
				t.Fatalf("DuckDB sees columns %+v, want %+v", tab.Columns, cols)
			}
			for i, c := range tab.Columns {
				if c != cols[i] {
					t.Errorf("DuckDB's column %d is %s %s, want %s %s", i, c.Name, c.Type, cols[i].Name, cols[i].Type)
				}
			}
			if t.Failed() {
				t.FailNow()
			}

			header, want := readResultsCSV(t, filepath.Join(dir, ResultsCSV), cols)
			if got := strings.Join(header, ","); got != columnNames(cols) {
				t.Fatalf("results.csv has columns %s, want %s", got, columnNames(cols))
			}
			if len(want) != len(tab.Values) {
				t.Fatalf("results.csv has %d rows, DuckDB %d", len(want), len(tab.Values))
			}
			bad := 0
			for i := range want {
				for j := range want[i] {
					if got := tab.Values[i][j]; !got.Same(want[i][j]) {
						if bad++; bad <= 10 {
							t.Errorf("DuckDB: row %d column %s = %s %v, results.csv has %s %v",
								i+1, header[j], got.Kind, got, want[i][j].Kind, want[i][j])
						}
					}
				}
			}
			if bad > 10 {
				t.Errorf("DuckDB: %d values differ from results.csv in all", bad)
			}
		})
	}
}
