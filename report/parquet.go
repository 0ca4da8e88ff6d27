package report

import (
	"fmt"
	"io"
	"reflect"
	"unsafe"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
	"github.com/parquet-go/parquet-go/compress/zstd"
	"github.com/parquet-go/parquet-go/encoding"

	"github.com/simrun/simrun/sim"
)

// WriteParquet writes r as the tidy table of WriteCSV in Apache Parquet:
// the same rows, one per point and observable in the same order, and the
// same columns, typed:
//
//	point                  INT64
//	<params...>            INT64 (sim.Int), DOUBLE (sim.Float),
//	                       BOOLEAN (sim.Bool), BYTE_ARRAY STRING (sim.String)
//	observable             BYTE_ARRAY STRING
//	samples, chunks        INT64
//	mean, variance, stderr, ci_low, ci_high, min, max
//	                       DOUBLE
//	method                 BYTE_ARRAY STRING
//
// Every column is required (no nulls): a statistic that cannot be estimated
// is NaN, and ±Inf stays ±Inf, as Parquet doubles hold them. Strings are the
// values themselves, unquoted.
//
// The file has row groups of at most 2^17 rows, data pages of format
// version 1, zstd compression, RLE_DICTIONARY for the string columns,
// DELTA_BINARY_PACKED for the integer ones and PLAIN for doubles and
// booleans: what the readers of pandas (pyarrow), polars, DuckDB and R's
// arrow all decode, so that each reads the file as it is (the tests read
// it with DuckDB, TestParquetDuckDB). Its created_by is
// "simrun" and it carries no key-value metadata: warnings and provenance
// are in results.json (WriteJSON).
//
// Column statistics leave NaN out of min and max, as the format asks
// (pyarrow's files are alike). DuckDB 1.5.6 then prunes wrongly on them
// for x = 'NaN' and finds no row (duckdb/duckdb#25521); isnan(x) finds
// them all.
//
// The bytes are a function of r alone, for a given build (the module
// versions of go.mod): no time, host or library version is written, and no
// goroutine, map order or per-process hash seed decides a byte, so the file
// does not depend on GOMAXPROCS or on the process, which the tests check.
// It is the same with and without assembly (-tags purego,noasm, checked by
// the tests too) and on amd64 and arm64; snappy would not be, its amd64
// assembly compressing otherwise than its Go code. Another version of the
// Parquet or zstd module may change the bytes, not the values.
//
// Its errors are those of WriteCSV (parameters not named as the first
// point's, or named like a column), a parameter whose kind is not the
// first point's, and write errors of w.
func WriteParquet(w io.Writer, r *Results) error {
	return writeParquet(w, PointsOf(r), parquetRowGroupRows)
}

// WriteParquetPoints is WriteParquet of the points that points yields, as
// they come, as WriteCSVPoints writes them.
func WriteParquetPoints(w io.Writer, points Points) error {
	return writeParquet(w, points, parquetRowGroupRows)
}

// parquetRowGroupRows bounds the rows of a row group: what the writer holds
// in memory before it writes, and the unit that readers such as DuckDB
// read in parallel (DuckDB's own files have 122880).
const parquetRowGroupRows = 1 << 17

// parquetBatch is the number of rows handed to the Parquet writer at once:
// the rows of its own WriteRows's batches.
const parquetBatch = 64

func writeParquet(w io.Writer, points Points, rowGroupRows int64) error {
	var (
		names []string
		kinds []sim.Kind
		pw    columnWriter
		ncols int
	)
	// The schema is the first point's: the writer starts with it.
	start := func(first *PointResult) error {
		var err error
		if names, err = tableParams(first); err != nil {
			return err
		}
		if first != nil {
			for i := range first.Params.Len() {
				kinds = append(kinds, first.Params.Value(i).Kind)
			}
		}
		schema, err := parquetSchema(names, kinds)
		if err != nil {
			return err
		}
		config, err := parquet.NewWriterConfig(
			schema,
			// The fastest level: on a sweep of a million points, a file 0.2%
			// larger than the default's, written in 1 s less of 5.
			parquet.Compression(&zstd.Codec{Level: zstd.SpeedFastest, Concurrency: 1}),
			parquet.DataPageVersion(1),
			parquet.MaxRowsPerRowGroup(rowGroupRows),
		)
		if err != nil {
			return fmt.Errorf("report: write Parquet: %w", err)
		}
		// The default names the library's version, read from the build info.
		config.CreatedBy = "simrun"
		pw = parquet.NewWriter(w, config)
		ncols = len(schema.Fields())
		return nil
	}
	// The rows go to the writer a column at a time, parquetBatch rows a
	// batch: its WriteRows would turn them into columns first, which cost
	// as much as encoding them. The writer flushes a page only after a
	// batch, so batches of WriteRows's 64 rows keep its pages, and bytes.
	var (
		cols      [][]parquet.Value
		batchRows int
		groupRows int64
	)
	flush := func() error {
		if batchRows == 0 {
			return nil
		}
		for c, cw := range pw.ColumnWriters() {
			if _, err := cw.WriteRowValues(cols[c]); err != nil {
				return fmt.Errorf("report: write Parquet: %w", err)
			}
			cols[c] = cols[c][:0]
		}
		groupRows += int64(batchRows)
		batchRows = 0
		if groupRows == rowGroupRows {
			groupRows = 0
			if err := pw.Flush(); err != nil {
				return fmt.Errorf("report: write Parquet: %w", err)
			}
		}
		return nil
	}
	for p, err := range points {
		if err != nil {
			return err
		}
		if pw == nil {
			if err := start(&p); err != nil {
				return err
			}
			cols = make([][]parquet.Value, ncols)
			for c := range cols {
				cols[c] = make([]parquet.Value, 0, parquetBatch)
			}
		}
		if err := checkParams(p, names); err != nil {
			return err
		}
		for i, k := range kinds {
			if v := p.Params.Value(i); v.Kind != k {
				return fmt.Errorf("report: point %d: parameter %s is %s %s, want %s as in the first point",
					p.Index, names[i], v.Kind, v, k)
			}
		}
		np := p.Params.Len()
		for _, s := range p.Stats {
			cols[0] = append(cols[0], parquet.Int64Value(p.Index))
			for i := range np {
				c := &cols[1+i]
				switch v := p.Params.Value(i); v.Kind {
				case sim.Int:
					*c = append(*c, parquet.Int64Value(v.I))
				case sim.Float:
					*c = append(*c, parquet.DoubleValue(v.F))
				case sim.Bool:
					*c = append(*c, parquet.BooleanValue(v.B))
				case sim.String:
					*c = append(*c, byteArray(v.S))
				}
			}
			c := cols[1+np:]
			c[0] = append(c[0], byteArray(s.Observable))
			c[1] = append(c[1], parquet.Int64Value(s.N))
			c[2] = append(c[2], parquet.Int64Value(s.Chunks))
			for j, f := range [...]float64{s.Mean, s.Variance, s.StdErr, s.CILow, s.CIHigh, s.Min, s.Max} {
				c[3+j] = append(c[3+j], parquet.DoubleValue(f))
			}
			c[10] = append(c[10], byteArray(s.Method))
			batchRows++
			if batchRows == parquetBatch || groupRows+int64(batchRows) == rowGroupRows {
				if err := flush(); err != nil {
					return err
				}
			}
		}
	}
	if pw == nil {
		if err := start(nil); err != nil {
			return err
		}
	}
	if err := flush(); err != nil {
		return err
	}
	if err := pw.Close(); err != nil {
		return fmt.Errorf("report: write Parquet: %w", err)
	}
	return nil
}

// columnWriter is what writeParquet uses of parquet.NewWriter's writer,
// whose type is deprecated for GenericWriter, which wants a Go type for
// its rows.
type columnWriter interface {
	ColumnWriters() []*parquet.ColumnWriter
	Flush() error
	Close() error
}

// byteArray is the Parquet value of s without a copy: the writer copies
// the bytes into its page (or dictionary) and never writes to them, and
// parquet.ValueOf's reflection and copy were a quarter of WriteParquet's
// time.
func byteArray(s string) parquet.Value {
	return parquet.ByteArrayValue(unsafe.Slice(unsafe.StringData(s), len(s)))
}

// parquetSchema returns the schema of WriteParquet's table for parameters
// of the given names and kinds.
func parquetSchema(names []string, kinds []sim.Kind) (*parquet.Schema, error) {
	var (
		int64Col  = parquet.Encoded(parquet.Leaf(parquet.Int64Type), &parquet.DeltaBinaryPacked)
		doubleCol = parquet.Leaf(parquet.DoubleType)
		boolCol   = parquet.Leaf(parquet.BooleanType)
		stringCol = parquet.Encoded(parquet.String(), &parquet.RLEDictionary)
	)
	cols := columns{column{"point", int64Col}}
	for i, n := range names {
		var node parquet.Node
		switch kinds[i] {
		case sim.Int:
			node = int64Col
		case sim.Float:
			node = doubleCol
		case sim.Bool:
			node = boolCol
		case sim.String:
			node = stringCol
		default:
			return nil, fmt.Errorf("report: parameter %s has kind %s, which Parquet cannot hold", n, kinds[i])
		}
		cols = append(cols, column{n, node})
	}
	for _, n := range statColumns {
		node := doubleCol
		switch n {
		case "observable", "method":
			node = stringCol
		case "samples", "chunks":
			node = int64Col
		}
		cols = append(cols, column{n, node})
	}
	return parquet.NewSchema("results", cols), nil
}

// columns is a Parquet group whose fields are in the order given:
// parquet.Group, a map, would sort them by name. Its fields are columns.
type columns []parquet.Field

func (c columns) ID() int                     { return 0 }
func (c columns) String() string              { return parquet.NewSchema("", c).String() }
func (c columns) Type() parquet.Type          { return parquet.Group{}.Type() }
func (c columns) Optional() bool              { return false }
func (c columns) Repeated() bool              { return false }
func (c columns) Required() bool              { return true }
func (c columns) Leaf() bool                  { return false }
func (c columns) Fields() []parquet.Field     { return c }
func (c columns) Encoding() encoding.Encoding { return nil }
func (c columns) Compression() compress.Codec { return nil }

// GoType returns the type of parquet.Group's fields: a struct whose fields
// are matched by name, so that their order does not matter.
func (c columns) GoType() reflect.Type {
	g := make(parquet.Group, len(c))
	for _, f := range c {
		g[f.Name()] = f
	}
	return g.GoType()
}

// column is a field of columns.
type column struct {
	name string
	parquet.Node
}

func (c column) Name() string { return c.name }

// Value returns the field of a map[string]T; WriteParquet writes rows of
// values and never converts Go values.
func (c column) Value(base reflect.Value) reflect.Value {
	if base.Kind() == reflect.Interface {
		base = base.Elem()
	}
	if base.Kind() != reflect.Map {
		return reflect.Value{}
	}
	return base.MapIndex(reflect.ValueOf(c.name))
}
