package report

import (
	"bytes"
	"flag"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/simrun/simrun/sim"
	"github.com/simrun/simrun/stats"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// checkGolden compares got with testdata/name.golden. With -update it
// rewrites the golden file instead; on a mismatch it writes got to
// testdata/name.got for a diff.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	golden := filepath.Join("testdata", name+".golden")
	gotPath := filepath.Join("testdata", name+".got")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
		os.Remove(gotPath)
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if bytes.Equal(got, want) {
		os.Remove(gotPath)
		return
	}
	if err := os.WriteFile(gotPath, got, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Errorf("output differs from %s; see diff %s %s (go test -update accepts it)", golden, golden, gotPath)
}

// testResults returns a small, fixed Results: two swept parameters (L, T),
// two fixed ones, two observables, and the awkward values the writers must
// get right (NaN, ±Inf, 1e-7, an integral float parameter, a string
// parameter that needs CSV quoting, the largest seed).
//
// The numbers are made up: the golden files check formatting, not
// statistics.
func testResults() *Results {
	specs := []sim.ParamSpec{
		{Name: "L", Kind: sim.Int},
		{Name: "T", Kind: sim.Float},
		{Name: "algo", Kind: sim.String},
		{Name: "cold", Kind: sim.Bool},
	}
	params := func(L int64, T float64) sim.Params {
		return sim.NewParams(specs, []sim.Value{
			sim.IntValue(L), sim.FloatValue(T), sim.StringValue(`wolff, "fast"`), sim.BoolValue(false),
		})
	}
	nan, inf := math.NaN(), math.Inf(1)
	energy := func(mean, se float64, chunks int64) stats.Stat {
		t := 2.262157 // made up as well: t_{0.975,9} from a table
		return stats.Stat{Observable: "energy", N: 1000 * chunks, Chunks: chunks,
			Mean: mean, Variance: se * se * 1000 * float64(chunks), StdErr: se,
			CILow: mean - t*se, CIHigh: mean + t*se, Min: -2, Max: 0.1,
			Method: stats.MethodBatchMeans, DF: float64(chunks - 1)}
	}
	spans := func(mean, se float64) stats.Stat {
		return stats.Stat{Observable: "spans", N: 40000, Chunks: 10,
			Mean: mean, Variance: se * se * 40000, StdErr: se,
			CILow: mean - 1.96*se, CIHigh: mean + 1.96*se, Min: 0, Max: 1,
			Method: stats.MethodIID, DF: 39999}
	}
	return &Results{
		Provenance: Provenance{
			File:          "experiments/ising.toml",
			FileSHA256:    "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
			Experiment:    "ising-scan",
			Kernel:        "ising2d",
			KernelVersion: 3,
			KernelModule:  "github.com/simrun/simrun",
			Seed:          math.MaxUint64,
			SeedScheme:    "test seed scheme",
			Generator:     "test generator",
			Module:        "example.com/heat",
			Version:       "v0.1.0",
			Simrun:        "v0.3.0",
			Revision:      "0123456789abcdef0123456789abcdef01234567",
			Modified:      true,
			GoVersion:     "go1.26.8",
			OS:            "linux",
			Arch:          "amd64",
			NumCPU:        2,
			Workers:       2,
			Executor:      "processes",
			Start:         time.Date(2025, 1, 2, 3, 4, 5, 600_000_000, time.UTC),
			End:           time.Date(2025, 1, 2, 3, 5, 6, 0, time.UTC),
			WallSeconds:   60.4,
			Host:          "lab-1",
			Command:       []string{"simrun", "run", "-workers", "2", "experiments/ising.toml"},
			Runs: []RunRecord{
				{Start: time.Date(2025, 1, 1, 9, 0, 0, 0, time.UTC), End: time.Date(2025, 1, 1, 9, 10, 0, 0, time.UTC), WallSeconds: 600,
					Host: "lab-2", Workers: 8, Executor: "processes", Computed: 30, Version: "v0.1.0", Command: []string{"simrun", "run", "experiments/ising.toml"}},
				{Start: time.Date(2025, 1, 2, 3, 4, 5, 600_000_000, time.UTC), End: time.Date(2025, 1, 2, 3, 5, 6, 0, time.UTC), WallSeconds: 60.4,
					Host: "lab-1", Workers: 2, Executor: "processes", Computed: 10, Reused: 30, Version: "v0.1.0", Revision: "0123456789abcdef0123456789abcdef01234567",
					Command: []string{"simrun", "run", "-workers", "2", "experiments/ising.toml"}},
			},
		},
		Points: []PointResult{
			{Index: 0, Params: params(8, 2), Stats: []stats.Stat{energy(-1.7456123456789, 0.0012345, 10), spans(1e-7, 1.5811e-6)}},
			{Index: 1, Params: params(8, 2.5), Stats: []stats.Stat{energy(-1.1061, 0.021, 10), spans(0.25, 0.0021650635094610966)}},
			{
				Index: 2, Params: params(16, 2),
				Stats: []stats.Stat{
					{Observable: "energy", N: 1000, Chunks: 1, Mean: -1.7460000000000002, Variance: 0.01,
						StdErr: nan, CILow: nan, CIHigh: nan, Min: -2, Max: -1.5, Method: stats.MethodBatchMeans, DF: nan},
					{Observable: "spans", N: 1000, Chunks: 1, Mean: inf, Variance: nan,
						StdErr: nan, CILow: nan, CIHigh: nan, Min: 0, Max: inf, Method: stats.MethodIID, DF: nan},
				},
				Warnings: []string{
					"energy: batch means needs at least 2 chunks, have 1: no standard error or confidence interval",
					"spans: non-finite values in the data (mean +Inf, min 0, max +Inf)",
				},
			},
			{Index: 3, Params: params(16, 2.5), Stats: []stats.Stat{energy(123456789.5, 1234.5, 10), spans(0.5, 0)}},
		},
		Warnings: []string{"kernel ising2d: <&> is not escaped in JSON"},
		Partial:  false,
	}
}

// adaptiveResults is testResults sampled to a target standard error of
// its energy: point 0 reached it in 3 rounds, point 1 in 1 (its target
// +Inf, written null and read back NaN), point 2 stopped at the budget's
// maximum without (its standard error and its relative target are NaN),
// and point 3, with a target for its spans as well, reached that one
// only, in 4 rounds. Made up, like testResults; the samples are those of
// the energy, 1000 a chunk.
func adaptiveResults() *Results {
	r := testResults()
	nan, inf := math.NaN(), math.Inf(1)
	for i, pr := range []stats.Precision{
		{Done: true, Chunks: 10, Samples: 10000, Rounds: 3, Reached: true,
			Targets: []stats.TargetOutcome{{Stat: "energy", StdErrMax: 0.0123, Reached: true}}},
		{Done: true, Chunks: 10, Samples: 10000, Rounds: 1, Reached: true,
			Targets: []stats.TargetOutcome{{Stat: "energy", StdErrMax: inf, Reached: true}}},
		{Done: true, Chunks: 1, Samples: 1000, Rounds: 9, Reached: false,
			Targets: []stats.TargetOutcome{{Stat: "energy", StdErrMax: nan, Reached: false}}},
		{Done: true, Chunks: 10, Samples: 10000, Rounds: 4, Reached: false,
			Targets: []stats.TargetOutcome{{Stat: "energy", StdErrMax: 1000, Reached: false}, {Stat: "spans", StdErrMax: 1e-9, Reached: true}}},
	} {
		r.Points[i].Precision = &pr
	}
	return r
}

func TestGolden(t *testing.T) {
	for _, test := range []struct {
		name  string
		write func(*bytes.Buffer, *Results) error
	}{
		{name: "results.csv", write: func(b *bytes.Buffer, r *Results) error { return WriteCSV(b, r) }},
		{name: "results.json", write: func(b *bytes.Buffer, r *Results) error { return WriteJSON(b, r) }},
		{name: "summary.txt", write: func(b *bytes.Buffer, r *Results) error { return Summary(b, r) }},
		{name: "report.md", write: func(b *bytes.Buffer, r *Results) error {
			const description = "Magnetisation of the 2D Ising model across T_c.\n\nSee *Onsager (1944)*.\n"
			return WriteMarkdown(b, r, description, []string{"magnetisation.png", "chunk means (L=8).png"})
		}},
	} {
		t.Run(test.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := test.write(&b, testResults()); err != nil {
				t.Fatal(err)
			}
			checkGolden(t, test.name, b.Bytes())
		})
	}
}

func TestWritersEmpty(t *testing.T) {
	for _, test := range []struct {
		name  string
		write func(*bytes.Buffer, *Results) error
		want  string
	}{
		{
			name:  "csv",
			write: func(b *bytes.Buffer, r *Results) error { return WriteCSV(b, r) },
			want:  "point,observable,samples,chunks,mean,variance,stderr,ci_low,ci_high,min,max,method\n",
		},
		{
			name:  "summary",
			write: func(b *bytes.Buffer, r *Results) error { return Summary(b, r) },
			want:  "experiment - (kernel -), seed 0, 0 points\npartial: the run stopped before every point finished\n",
		},
		{
			name:  "markdown",
			write: func(b *bytes.Buffer, r *Results) error { return WriteMarkdown(b, r, "", nil) },
			want: "# simrun report\n\n**Partial results:** the run stopped before every point finished.\n\n" +
				"## Provenance\n\n| | |\n|---|---|\n| experiment file | - |\n| SHA-256 | - |\n| kernel | - |\n| kernel module | - |\n| seed | 0 |\n" +
				"| seeding scheme | - |\n| generator | - |\n| binary | - |\n| simrun | - |\n| revision | - |\n| Go | - |\n| OS/arch | -/- |\n" +
				"| CPUs | 0 |\n| workers | 0 |\n| executor | - |\n| start | - |\n| end | - |\n| wall time | 0 s |\n| partial | yes |\n" +
				"\n## Results\n\nNo points finished.\n",
		},
	} {
		t.Run(test.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := test.write(&b, &Results{Partial: true}); err != nil {
				t.Fatal(err)
			}
			if got := b.String(); got != test.want {
				t.Errorf("got\n%s\nwant\n%s", got, test.want)
			}
		})
	}
}

func TestWritersMismatchedParams(t *testing.T) {
	r := testResults()
	r.Points[2].Params = sim.NewParams([]sim.ParamSpec{{Name: "L", Kind: sim.Int}}, []sim.Value{sim.IntValue(3)})
	for _, test := range []struct {
		name  string
		write func(*bytes.Buffer, *Results) error
	}{
		{name: "csv", write: func(b *bytes.Buffer, r *Results) error { return WriteCSV(b, r) }},
		{name: "summary", write: func(b *bytes.Buffer, r *Results) error { return Summary(b, r) }},
		{name: "markdown", write: func(b *bytes.Buffer, r *Results) error { return WriteMarkdown(b, r, "", nil) }},
		{name: "html", write: func(b *bytes.Buffer, r *Results) error { return WriteHTML(b, r, "", nil) }},
	} {
		t.Run(test.name, func(t *testing.T) {
			err := test.write(new(bytes.Buffer), r)
			const want = "report: point 2 has parameters [L], want [L T algo cold]"
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("error = %v, want %q", err, want)
			}
		})
	}
}
