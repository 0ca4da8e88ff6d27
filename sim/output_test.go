package sim

import (
	"math"
	"testing"
)

// tablesCatalog adds to testCatalog "option", a kernel of 2 observables
// and no derived quantities, as the option kernel has.
var tablesCatalog = fakeCatalog{
	"ising2d": testCatalog["ising2d"],
	"pi":      testCatalog["pi"],
	"option": {
		Name: "option",
		Params: []ParamSpec{
			{Name: "S0", Kind: Float, Default: FloatValue(100), Range: &Range{Min: 0, Max: math.Inf(1)}},
			{Name: "K", Kind: Float, Default: FloatValue(100), Range: &Range{Min: 0, Max: math.Inf(1)}},
		},
		Observables: []ObservableSpec{{Name: "call"}, {Name: "put"}},
	},
}

// optionHeader is header for the option kernel.
const optionHeader = `kernel = "option"
seed = 1
[samples]
samples = 1000
chunk_size = 100
`

// TestOutputTables checks which tables a loaded experiment says its run
// writes: by default results.parquet, and results.csv up to CSVRows rows
// (points × observables and derived quantities); with tables, exactly
// those listed.
func TestOutputTables(t *testing.T) {
	for _, test := range []struct {
		name         string
		src          string
		rows         int64 // tableRows, or -1 for an overflow
		csv, parquet bool
	}{
		{"default, small sweep", header + "[sweep]\nT = [1, 2]\n", 8, true, true},
		{"default, no observables", "kernel = \"pi\"\nseed = 1\n[samples]\nsamples = 10\nchunks = 1\n", 0, true, true},
		{"default, CSVRows rows", optionHeader + "[sweep]\nS0 = { linspace = [50, 150, 500_000] }\n", CSVRows, true, true},
		{"default, over CSVRows rows", optionHeader + "[sweep]\nS0 = { linspace = [50, 150, 600_000] }\n", 1_200_000, false, true},
		{"default, over CSVRows rows by 2", optionHeader + "[sweep]\nS0 = { linspace = [50, 150, 500_001] }\n", CSVRows + 2, false, true},
		// 4 statistics a point: 3 observables and 1 derived quantity.
		{"default counts derived quantities, CSVRows rows", header + "[sweep]\nT = { linspace = [1, 2, 250_000] }\n", CSVRows, true, true},
		{"default counts derived quantities, over", header + "[sweep]\nT = { linspace = [1, 2, 250_001] }\n", CSVRows + 4, false, true},
		// Work per point would never finish: the default needs none.
		{"default, 10^12 points", optionHeader + "[sweep]\nS0 = { linspace = [50, 150, 1_000_000] }\nK = { linspace = [50, 150, 1_000_000] }\n", 2e12, false, true},
		{"default, rows overflow int64", header + "[sweep]\nT = { from = 0, to = 1e18, step = 1 }\ncoupling = [1, 2, 3, 4, 5]\n", -1, false, true},
		{"dir only", header + "[params]\nT = 1\n[output]\ndir = \"out\"\n", 4, true, true},
		{"parquet", header + "[params]\nT = 1\n[output]\ntables = [\"parquet\"]\n", 4, false, true},
		{"csv", header + "[params]\nT = 1\n[output]\ntables = [\"csv\"]\n", 4, true, false},
		{"csv on the large sweep", optionHeader + "[sweep]\nS0 = { linspace = [50, 150, 600_000] }\n[output]\ntables = [\"csv\"]\n", 1_200_000, true, false},
		{"csv and parquet on the large sweep", optionHeader + "[sweep]\nS0 = { linspace = [50, 150, 600_000] }\n[output]\ntables = [\"csv\", \"parquet\"]\n", 1_200_000, true, true},
		{"parquet and csv", header + "[params]\nT = 1\n[output]\ntables = [\"parquet\", \"csv\"]\n", 4, true, true},
		{"inline table", "output = { tables = [\"parquet\"] }\n" + header + "[params]\nT = 1\n", 4, false, true},
	} {
		t.Run(test.name, func(t *testing.T) {
			e, err := Parse("exp.toml", []byte(test.src), tablesCatalog)
			if err != nil {
				t.Fatal(err)
			}
			rows, ok := e.tableRows()
			if !ok {
				rows = -1
			}
			if rows != test.rows {
				t.Errorf("tableRows = %d, want %d", rows, test.rows)
			}
			if e.Output.CSV != test.csv || e.Output.Parquet != test.parquet {
				t.Errorf("Output.CSV, Parquet = %t, %t; want %t, %t", e.Output.CSV, e.Output.Parquet, test.csv, test.parquet)
			}
		})
	}
}

// TestOutputTablesLoadCheap: loading a sweep of more than CSVRows rows
// allocates no more than loading one of 600 points. Deciding its tables
// is no work per point.
func TestOutputTablesLoadCheap(t *testing.T) {
	allocs := func(num string) float64 {
		src := []byte(optionHeader + "[sweep]\nS0 = { linspace = [50, 150, " + num + "] }\n")
		return testing.AllocsPerRun(20, func() {
			e, err := Parse("exp.toml", src, tablesCatalog)
			if err != nil {
				t.Fatal(err)
			}
			_ = e.Output.CSV
		})
	}
	small := allocs("600")
	for _, num := range []string{"600_000", "6_000_000_000"} {
		// A few more for a longer number, or under the race detector;
		// work per point would be hundreds of thousands.
		if large := allocs(num); large > small+10 {
			t.Errorf("loading %s points takes %v allocations, 600 points %v", num, large, small)
		}
	}
}
