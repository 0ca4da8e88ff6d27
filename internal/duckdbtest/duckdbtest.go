// Package duckdbtest reads a Parquet file with DuckDB, a reader of another
// code base, for tests: Read runs scripts/duckdb/read.mjs with node, which
// runs SELECT * FROM 'FILE' as a user would, and decodes what it prints.
//
// The test is skipped, with a message saying how to install them, when
// node is not on PATH or the npm package @duckdb/node-api is not installed
// in scripts/duckdb (scripts/deps.sh test installs both). Any other
// failure (node exits non-zero, its output is not the expected JSON, a
// column has a type Read does not decode) fails the test.
package duckdbtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/simrun/simrun/sim"
)

// Column is a column of the result of SELECT *, with its SQL type as
// DuckDB names it: BIGINT, DOUBLE, BOOLEAN, VARCHAR, ...
type Column struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// Table is what DuckDB read from a file.
type Table struct {
	Rows    int64    // SELECT count(*)
	Columns []Column // of SELECT *, in order
	// Values are the rows of SELECT *, in the order DuckDB returns them,
	// each value decoded as its column's type: BIGINT as a sim.Int,
	// DOUBLE as a sim.Float (exactly, including -0, NaN and ±Inf),
	// BOOLEAN as a sim.Bool, VARCHAR as a sim.String.
	Values [][]sim.Value
}

// Read reads the Parquet file at path with DuckDB.
func Read(t testing.TB, path string) *Table {
	t.Helper()
	script := findScript(t)
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not found on PATH, to run DuckDB: run scripts/deps.sh test")
	}
	pkg := filepath.Join(filepath.Dir(script), "node_modules", "@duckdb", "node-api", "package.json")
	if _, err := os.Stat(pkg); err != nil {
		t.Skip("npm package @duckdb/node-api not installed in scripts/duckdb: run scripts/deps.sh test")
	}
	var stderr bytes.Buffer
	cmd := exec.Command(node, script, path)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("duckdbtest: node %s %s: %v\n%s", script, path, err, stderr.Bytes())
	}
	var raw struct {
		Rows    int64               `json:"rows"`
		Columns []Column            `json:"columns"`
		Values  [][]json.RawMessage `json:"values"`
	}
	if err := json.Unmarshal(out, &raw); err != nil {
		t.Fatalf("duckdbtest: the output of %s: %v\n%s", script, err, out)
	}
	tab := &Table{Rows: raw.Rows, Columns: raw.Columns}
	for i, rec := range raw.Values {
		if len(rec) != len(raw.Columns) {
			t.Fatalf("duckdbtest: row %d has %d values for %d columns", i+1, len(rec), len(raw.Columns))
		}
		row := make([]sim.Value, len(rec))
		for j, v := range rec {
			c := raw.Columns[j]
			if row[j], err = decode(c.Type, v); err != nil {
				t.Fatalf("duckdbtest: row %d column %s (%s): %v", i+1, c.Name, c.Type, err)
			}
		}
		tab.Values = append(tab.Values, row)
	}
	return tab
}

// findScript returns the absolute path of scripts/duckdb/read.mjs, found in
// the working directory (a package's directory, under go test) or the
// nearest of its parents that has it.
func findScript(t testing.TB) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatalf("duckdbtest: %v", err)
	}
	for dir := wd; ; {
		p := filepath.Join(dir, "scripts", "duckdb", "read.mjs")
		if _, err := os.Stat(p); err == nil {
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatalf("duckdbtest: no scripts/duckdb/read.mjs in %s or its parents", wd)
		}
		dir = parent
	}
}

// decode decodes a value of read.mjs's output: BIGINT and DOUBLE are JSON
// strings (digits; JavaScript's shortest round-trip form, -0, NaN,
// Infinity, -Infinity), BOOLEAN and VARCHAR JSON booleans and strings.
func decode(typ string, raw json.RawMessage) (sim.Value, error) {
	switch typ {
	case "BOOLEAN":
		var b bool
		err := json.Unmarshal(raw, &b)
		return sim.BoolValue(b), err
	case "BIGINT", "DOUBLE", "VARCHAR":
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return sim.Value{}, err
		}
		switch typ {
		case "BIGINT":
			i, err := strconv.ParseInt(s, 10, 64)
			return sim.IntValue(i), err
		case "DOUBLE":
			// strconv reads JavaScript's Infinity and -Infinity too.
			f, err := strconv.ParseFloat(s, 64)
			return sim.FloatValue(f), err
		}
		return sim.StringValue(s), nil
	}
	return sim.Value{}, fmt.Errorf("value %s of a type that duckdbtest does not decode (BIGINT, DOUBLE, BOOLEAN, VARCHAR)", raw)
}

// ParseCell parses a cell of results.csv as a value of kind k: an integer
// in decimal, a float as strconv reads it (NaN, +Inf, -Inf), true or
// false, or the string itself.
func ParseCell(k sim.Kind, s string) (sim.Value, error) {
	switch k {
	case sim.Int:
		i, err := strconv.ParseInt(s, 10, 64)
		return sim.IntValue(i), err
	case sim.Float:
		f, err := strconv.ParseFloat(s, 64)
		return sim.FloatValue(f), err
	case sim.Bool:
		b, err := strconv.ParseBool(s)
		return sim.BoolValue(b), err
	case sim.String:
		return sim.StringValue(s), nil
	}
	return sim.Value{}, fmt.Errorf("kind %s", k)
}
