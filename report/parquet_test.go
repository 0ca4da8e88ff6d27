package report

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/deprecated"
	"github.com/parquet-go/parquet-go/format"

	"github.com/simrun/simrun/internal/duckdbtest"
	"github.com/simrun/simrun/sim"
	"github.com/simrun/simrun/stats"
)

// parquetSweep returns n points of four parameters (int, float, bool,
// string) and three observables, made up with a fixed generator: enough
// rows for several pages and, with a small row group, several row groups,
// and the values a writer can get wrong (NaN, ±Inf, -0, the extreme
// integers, empty and non-ASCII strings).
func parquetSweep(n int) *Results {
	specs := []sim.ParamSpec{
		{Name: "L", Kind: sim.Int},
		{Name: "T", Kind: sim.Float},
		{Name: "cold", Kind: sim.Bool},
		{Name: "algo", Kind: sim.String},
	}
	rng := rand.New(rand.NewPCG(14, 1))
	ints := []int64{8, -16, math.MaxInt64, math.MinInt64, 0}
	strs := []string{"wolff", "", `wolff, "fast"`, "Metropolis–Hastings ∑", "heat-bath"}
	odd := []float64{math.NaN(), math.Inf(1), math.Inf(-1), math.Copysign(0, -1), 5e-324, math.MaxFloat64}
	r := &Results{}
	for i := range n {
		p := sim.NewParams(specs, []sim.Value{
			sim.IntValue(ints[i%len(ints)]),
			sim.FloatValue(1.5 + float64(i/7)*0.001),
			sim.BoolValue(i%3 == 0),
			sim.StringValue(strs[(i/5)%len(strs)]),
		})
		var st []stats.Stat
		for _, obs := range []string{"energy", "magnetization", "acceptance"} {
			f := func() float64 {
				if rng.IntN(50) == 0 {
					return odd[rng.IntN(len(odd))]
				}
				return rng.NormFloat64()
			}
			st = append(st, stats.Stat{Observable: obs, N: rng.Int64N(1 << 40), Chunks: rng.Int64N(1000),
				Mean: f(), Variance: f(), StdErr: f(), CILow: f(), CIHigh: f(), Min: f(), Max: f(),
				Method: []string{stats.MethodIID, stats.MethodBatchMeans}[i%2]})
		}
		r.Points = append(r.Points, PointResult{Index: int64(i), Params: p, Stats: st})
	}
	return r
}

// nanResults returns one point whose every statistic but the counts is NaN
// or +Inf: a column of NaN alone has no minimum or maximum, which the
// file's statistics must not get wrong.
func nanResults() *Results {
	nan := math.NaN()
	specs := []sim.ParamSpec{{Name: "n", Kind: sim.Int}}
	return &Results{Points: []PointResult{{Index: 0, Params: sim.NewParams(specs, []sim.Value{sim.IntValue(1000)}),
		Stats: []stats.Stat{{Observable: "pi", N: 1, Chunks: 1, Mean: math.Inf(1), Variance: nan, StdErr: nan,
			CILow: nan, CIHigh: nan, Min: math.Inf(1), Max: math.Inf(1), Method: stats.MethodIID, DF: nan}}}}}
}

// parquetCases are the Results the Parquet tests write, with the row group
// size to write them with.
var parquetCases = []struct {
	name         string
	results      func() *Results
	rowGroupRows int64
}{
	{"golden fixture", testResults, parquetRowGroupRows},
	{"sweep in row groups of 1000", func() *Results { return parquetSweep(3000) }, 1000},
	{"NaN column", nanResults, parquetRowGroupRows},
	{"no points", func() *Results { return &Results{} }, parquetRowGroupRows},
}

func writeParquetBytes(t *testing.T, r *Results, rowGroupRows int64) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := writeParquet(&b, PointsOf(r), rowGroupRows); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// tidyKinds returns the kind of each column of r's tidy table.
func tidyKinds(r *Results) []sim.Kind {
	kinds := []sim.Kind{sim.Int}
	if len(r.Points) > 0 {
		p := r.Points[0].Params
		for i := range p.Len() {
			kinds = append(kinds, p.Value(i).Kind)
		}
	}
	for _, c := range statColumns {
		switch c {
		case "observable", "method":
			kinds = append(kinds, sim.String)
		case "samples", "chunks":
			kinds = append(kinds, sim.Int)
		default:
			kinds = append(kinds, sim.Float)
		}
	}
	return kinds
}

// csvTable returns the header and the rows of r's results.csv, each cell
// parsed as its column's kind.
func csvTable(t *testing.T, r *Results) ([]string, [][]sim.Value) {
	t.Helper()
	var b bytes.Buffer
	if err := WriteCSV(&b, r); err != nil {
		t.Fatal(err)
	}
	records, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	kinds := tidyKinds(r)
	var rows [][]sim.Value
	for i, rec := range records[1:] {
		row := make([]sim.Value, len(rec))
		for j, cell := range rec {
			v, err := duckdbtest.ParseCell(kinds[j], cell)
			if err != nil {
				t.Fatalf("results.csv row %d column %s: %v", i+1, records[0][j], err)
			}
			row[j] = v
		}
		rows = append(rows, row)
	}
	return records[0], rows
}

// compareTables reports every cell of got that is not the cell of want,
// the table of results.csv.
func compareTables(t *testing.T, reader string, gotHeader []string, got [][]sim.Value, wantHeader []string, want [][]sim.Value) {
	t.Helper()
	if strings.Join(gotHeader, ",") != strings.Join(wantHeader, ",") {
		t.Fatalf("%s: columns\n%s\nwant those of results.csv\n%s", reader, strings.Join(gotHeader, ","), strings.Join(wantHeader, ","))
	}
	if len(got) != len(want) {
		t.Fatalf("%s: %d rows, want %d as in results.csv", reader, len(got), len(want))
	}
	bad := 0
	for i := range want {
		for j := range want[i] {
			if !got[i][j].Same(want[i][j]) {
				if bad++; bad <= 10 {
					t.Errorf("%s: row %d column %s = %s %v, results.csv has %s %v",
						reader, i+1, wantHeader[j], got[i][j].Kind, got[i][j], want[i][j].Kind, want[i][j])
				}
			}
		}
	}
	if bad > 10 {
		t.Errorf("%s: %d cells differ in all", reader, bad)
	}
}

// readParquet reads b back with parquet-go: the file, its column names,
// and its rows, each value converted to the sim.Value of its physical type.
func readParquet(t *testing.T, b []byte) (*parquet.File, []string, [][]sim.Value) {
	t.Helper()
	f, err := parquet.OpenFile(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("open the Parquet file: %v", err)
	}
	var names []string
	for _, field := range f.Schema().Fields() {
		names = append(names, field.Name())
	}
	var rows [][]sim.Value
	for _, rg := range f.RowGroups() {
		rr := rg.Rows()
		buf := make([]parquet.Row, 64)
		for {
			n, err := rr.ReadRows(buf)
			for _, row := range buf[:n] {
				vals := make([]sim.Value, len(row))
				for j, v := range row {
					switch v.Kind() {
					case parquet.Int64:
						vals[j] = sim.IntValue(v.Int64())
					case parquet.Double:
						vals[j] = sim.FloatValue(v.Double())
					case parquet.Boolean:
						vals[j] = sim.BoolValue(v.Boolean())
					case parquet.ByteArray:
						vals[j] = sim.StringValue(string(v.ByteArray()))
					default:
						t.Fatalf("value %v of column %d has physical type %s", v, j, v.Kind())
					}
				}
				rows = append(rows, vals)
			}
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("read rows: %v", err)
			}
		}
		if err := rr.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return f, names, rows
}

func TestParquetMatchesCSV(t *testing.T) {
	// Read back with parquet-go, every value is the one results.csv holds
	// for the same Results, in the same row and column.
	for _, tc := range parquetCases {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.results()
			f, names, rows := readParquet(t, writeParquetBytes(t, r, tc.rowGroupRows))
			wantHeader, want := csvTable(t, r)
			compareTables(t, "parquet-go", names, rows, wantHeader, want)
			if n := int64(len(want)); f.NumRows() != n {
				t.Errorf("file metadata: %d rows, want %d", f.NumRows(), n)
			}
			if wantGroups := (int64(len(want)) + tc.rowGroupRows - 1) / tc.rowGroupRows; int64(len(f.RowGroups())) != wantGroups {
				t.Errorf("%d row groups of at most %d rows for %d rows, want %d", len(f.RowGroups()), tc.rowGroupRows, len(want), wantGroups)
			}
		})
	}
}

func TestParquetSchema(t *testing.T) {
	// The file's schema, derived from the Results rather than from a
	// golden file: the column names of results.csv in order, each required
	// and of the physical (and, for strings, logical) type of its kind;
	// zstd for every column chunk; the encodings WriteParquet's comment
	// names; created_by pinned and no key-value metadata.
	physical := map[sim.Kind]format.Type{sim.Int: format.Int64, sim.Float: format.Double, sim.Bool: format.Boolean, sim.String: format.ByteArray}
	encoding := map[sim.Kind]format.Encoding{sim.Int: format.DeltaBinaryPacked, sim.Float: format.Plain, sim.Bool: format.Plain, sim.String: format.RLEDictionary}
	for _, tc := range parquetCases {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.results()
			b := writeParquetBytes(t, r, tc.rowGroupRows)
			f, err := parquet.OpenFile(bytes.NewReader(b), int64(len(b)))
			if err != nil {
				t.Fatal(err)
			}
			md := f.Metadata()
			header, _ := csvTable(t, r)
			kinds := tidyKinds(r)
			// Schema[0] is the root group; the columns follow it.
			if len(md.Schema) != len(header)+1 || md.Schema[0].NumChildren.V != int32(len(header)) {
				t.Fatalf("schema has %d elements, root with %d children; want the root and %d columns", len(md.Schema), md.Schema[0].NumChildren.V, len(header))
			}
			for i, el := range md.Schema[1:] {
				k := kinds[i]
				if el.Name != header[i] {
					t.Errorf("column %d is %q, want %q as in results.csv", i, el.Name, header[i])
				}
				if typ, ok := el.Type.Get(); !ok || typ != physical[k] {
					t.Errorf("column %s has type %v, want %s", el.Name, el.Type, physical[k])
				}
				if rep, ok := el.RepetitionType.Get(); !ok || rep != format.Required {
					t.Errorf("column %s has repetition %v, want required", el.Name, el.RepetitionType)
				}
				// A string is BYTE_ARRAY annotated STRING, and UTF8 for the
				// readers of the converted type; no other column is annotated.
				_, isString := el.LogicalType.Value.(*format.StringType)
				converted, hasConverted := el.ConvertedType.Get()
				if k == sim.String && (!isString || !hasConverted || converted != deprecated.UTF8) {
					t.Errorf("column %s: logical type %q, converted type %v; want STRING and UTF8", el.Name, el.LogicalType.String(), el.ConvertedType)
				}
				// parquet-go annotates every INT64 as a signed 64-bit
				// integer, which says nothing more than the physical type.
				lt := el.LogicalType.Value
				if it, ok := lt.(*format.IntType); ok && k == sim.Int && it.BitWidth == 64 && it.IsSigned {
					lt = nil
				}
				if k != sim.String && (lt != nil || hasConverted) {
					t.Errorf("column %s: logical type %q, converted type %v; want none", el.Name, el.LogicalType.String(), el.ConvertedType)
				}
			}
			for g, rg := range md.RowGroups {
				for i, c := range rg.Columns {
					cm := c.MetaData
					if cm.Codec != format.Zstd {
						t.Errorf("row group %d column %s: codec %s, want ZSTD", g, header[i], cm.Codec)
					}
					if want := encoding[kinds[i]]; !containsEncoding(cm.Encoding, want) {
						t.Errorf("row group %d column %s: encodings %v, want %s among them", g, header[i], cm.Encoding, want)
					}
				}
			}
			if md.CreatedBy != "simrun" {
				t.Errorf("created_by %q, want simrun", md.CreatedBy)
			}
			if len(md.KeyValueMetadata) != 0 {
				t.Errorf("key-value metadata %v, want none", md.KeyValueMetadata)
			}
		})
	}
}

func containsEncoding(list []format.Encoding, e format.Encoding) bool {
	for _, x := range list {
		if x == e {
			return true
		}
	}
	return false
}

// parquetHelperEnv names the file that TestParquetHelperProcess writes
// parquetSweep to, when the test binary runs as the helper.
const parquetHelperEnv = "SIMRUN_TEST_PARQUET_OUT"

// TestParquetHelperProcess is not a test: run by TestParquetDeterministic
// as a child process, it writes the sweep's Parquet file.
func TestParquetHelperProcess(t *testing.T) {
	out := os.Getenv(parquetHelperEnv)
	if out == "" {
		t.Skip("helper process for TestParquetDeterministic")
	}
	if err := os.WriteFile(out, writeParquetBytes(t, parquetSweep(3000), 1000), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestParquetDeterministic(t *testing.T) {
	// The same Results give the same bytes: twice over, with GOMAXPROCS 1
	// and 4, in another process (other map and hash seeds), and, unless
	// -short, built without assembly (-tags purego,noasm: what other
	// architectures run, for parquet-go's kernels and zstd).
	r := parquetSweep(3000)
	want := writeParquetBytes(t, r, 1000)
	for _, procs := range []int{1, 4} {
		old := runtime.GOMAXPROCS(procs)
		got := writeParquetBytes(t, r, 1000)
		runtime.GOMAXPROCS(old)
		if !bytes.Equal(got, want) {
			t.Errorf("GOMAXPROCS=%d: the bytes differ from the first write", procs)
		}
	}
	for _, tc := range parquetCases {
		if a, b := writeParquetBytes(t, tc.results(), tc.rowGroupRows), writeParquetBytes(t, tc.results(), tc.rowGroupRows); !bytes.Equal(a, b) {
			t.Errorf("%s: two writes differ", tc.name)
		}
	}

	child := func(t *testing.T, cmd *exec.Cmd, out string) {
		t.Helper()
		cmd.Env = append(os.Environ(), parquetHelperEnv+"="+out, "GOMAXPROCS=1")
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, b)
		}
		got, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s wrote other bytes (%d, want %d)", strings.Join(cmd.Args, " "), len(got), len(want))
		}
	}
	t.Run("another process", func(t *testing.T) {
		exe, err := os.Executable()
		if err != nil {
			t.Skipf("no test binary to run again: %v", err)
		}
		child(t, exec.Command(exe, "-test.run=^TestParquetHelperProcess$", "-test.count=1"), filepath.Join(t.TempDir(), "results.parquet"))
	})
	t.Run("without assembly", func(t *testing.T) {
		if testing.Short() {
			t.Skip("builds the package again with -tags purego,noasm; skipped with -short")
		}
		goTool, err := exec.LookPath("go")
		if err != nil {
			t.Skipf("no go command to build without assembly: %v", err)
		}
		child(t, exec.Command(goTool, "test", "-count=1", "-tags", "purego,noasm", "-run", "^TestParquetHelperProcess$", "."),
			filepath.Join(t.TempDir(), "results.parquet"))
	})
}

func TestParquetRefuses(t *testing.T) {
	// What WriteCSV refuses, and a parameter whose kind is not the first
	// point's (a Results built by hand; kernels' are typed by their spec).
	ints := []sim.ParamSpec{{Name: "L", Kind: sim.Int}}
	floats := []sim.ParamSpec{{Name: "L", Kind: sim.Float}}
	others := []sim.ParamSpec{{Name: "M", Kind: sim.Int}}
	point := func(i int64, specs []sim.ParamSpec, v sim.Value) PointResult {
		return PointResult{Index: i, Params: sim.NewParams(specs, []sim.Value{v}), Stats: []stats.Stat{{Observable: "e"}}}
	}
	for _, tc := range []struct {
		name string
		r    *Results
		want string
	}{
		{"parameter named like a column", &Results{Points: []PointResult{point(0, []sim.ParamSpec{{Name: "mean", Kind: sim.Int}}, sim.IntValue(1))}},
			`report: parameter "mean" has the name of a column of the statistics table`},
		{"parameters named otherwise", &Results{Points: []PointResult{point(0, ints, sim.IntValue(1)), point(1, others, sim.IntValue(2))}},
			"report: point 1 has parameters [M], want [L] as in the first point"},
		{"parameter of another kind", &Results{Points: []PointResult{point(0, ints, sim.IntValue(1)), point(1, floats, sim.FloatValue(2.5))}},
			"report: point 1: parameter L is float 2.5, want int as in the first point"},
		{"parameter of no kind", &Results{Points: []PointResult{point(0, ints, sim.Value{})}},
			"report: parameter L has kind invalid, which Parquet cannot hold"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := WriteParquet(io.Discard, tc.r)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
}

func TestParquetWriteError(t *testing.T) {
	// A destination that fails: the error says so and wraps the cause.
	errFull := errors.New("disk full")
	err := WriteParquet(failingWriter{errFull}, testResults())
	if !errors.Is(err, errFull) || !strings.HasPrefix(err.Error(), "report: write Parquet: ") {
		t.Errorf("error %v, want report: write Parquet: wrapping %v", err, errFull)
	}
}

type failingWriter struct{ err error }

func (w failingWriter) Write([]byte) (int, error) { return 0, w.err }

func TestParquetDuckDB(t *testing.T) {
	// DuckDB, a reader of another code base, reads results.parquet with
	// SELECT * FROM 'results.parquet': the row count, the columns with
	// their SQL types (BIGINT, DOUBLE, BOOLEAN, VARCHAR), and every value
	// are those of results.csv.
	sqlType := map[sim.Kind]string{sim.Int: "BIGINT", sim.Float: "DOUBLE", sim.Bool: "BOOLEAN", sim.String: "VARCHAR"}
	for _, tc := range parquetCases {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.results()
			// A name that SQL must quote.
			file := filepath.Join(t.TempDir(), "it's results.parquet")
			if err := os.WriteFile(file, writeParquetBytes(t, r, tc.rowGroupRows), 0o644); err != nil {
				t.Fatal(err)
			}
			tab := duckdbtest.Read(t, file)
			wantHeader, want := csvTable(t, r)
			kinds := tidyKinds(r)
			if tab.Rows != int64(len(want)) {
				t.Errorf("count(*) = %d, want %d", tab.Rows, len(want))
			}
			if len(tab.Columns) != len(kinds) {
				t.Fatalf("DuckDB sees %d columns, want %d: %+v", len(tab.Columns), len(kinds), tab.Columns)
			}
			var header []string
			for i, c := range tab.Columns {
				header = append(header, c.Name)
				if c.Type != sqlType[kinds[i]] {
					t.Errorf("column %s has type %s in DuckDB, want %s", c.Name, c.Type, sqlType[kinds[i]])
				}
			}
			compareTables(t, "DuckDB", header, tab.Values, wantHeader, want)
		})
	}
}
