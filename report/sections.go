package report

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/simrun/simrun/sim"
)

// The sections that Summary, WriteMarkdown and WriteHTML share, as plain
// text cells: each writer only escapes and lays them out, so that a value
// is formatted in one place whatever the output.

// A pointTable is the table of the points' statistics: one row per point
// shown and statistic.
type pointTable struct {
	Params   []string // the swept parameters' names, a column each
	Adaptive bool     // a point shown was sampled adaptively: a column "target"
	Rows     []pointRow
	Shown    int   // points shown
	More     int64 // points not shown
}

// A pointRow is one statistic of one point, formatted.
type pointRow struct {
	Point      int64
	Params     []string // the values of the swept parameters
	Observable string
	Estimate   string // "mean ± stderr", as formatEstimate writes it
	CI         string // "[low, high]" or "-"
	Samples    int64
	Target     string // targetCell; "" without a target or in a table without the column
	Chunks     int64
	Method     string
}

// newPointTable returns the table of r's points, of which d is the
// digest: every point if there are at most most of them, else the first
// head.
func newPointTable(r *Results, d *Digest, most, head int) pointTable {
	shown := r.Points
	if d.n > int64(most) {
		shown = shown[:min(len(shown), head)]
	}
	t := pointTable{
		Adaptive: slices.ContainsFunc(shown, func(p PointResult) bool { return p.Precision != nil }),
		Shown:    len(shown),
		More:     d.n - int64(len(shown)),
	}
	for i, s := range d.swept {
		if s {
			t.Params = append(t.Params, d.names[i])
		}
	}
	for _, p := range shown {
		var params []string
		for i, sw := range d.swept {
			if sw {
				params = append(params, p.Params.Value(i).String())
			}
		}
		for _, s := range p.Stats {
			me, ci := formatEstimate(s)
			row := pointRow{Point: p.Index, Params: params, Observable: s.Observable, Estimate: me, CI: ci,
				Samples: s.N, Chunks: s.Chunks, Method: s.Method}
			if t.Adaptive {
				row.Target = targetCell(p.Precision, s.Observable)
			}
			t.Rows = append(t.Rows, row)
		}
	}
	return t
}

// An overviewRow sums up one observable or derived quantity over every
// point of a sweep too large to list: the range of its means, the point
// with the largest standard error, the fewest samples at a point.
type overviewRow struct {
	Observable string
	Points     int64
	From, To   string // "-" when every mean is NaN
	Worst, At  string // the largest standard error and its point; "-" when none
	Fewest     int64
}

// overview returns a row for each of d's observables and derived
// quantities, and the first point whose mean of the first of them is
// NaN, or -1.
func (d *Digest) overview() (rows []overviewRow, nanAt int64) {
	nanAt = -1
	for _, o := range d.obs {
		row := overviewRow{Observable: o.name, Points: o.points, From: "-", To: "-", Worst: "-", At: "-", Fewest: o.fewest}
		if o.worstAt >= 0 {
			row.Worst, row.At = sim.FormatFloat(o.worst), strconv.FormatInt(o.worstAt, 10)
		}
		if o.lo <= o.hi {
			row.From, row.To = sim.FormatFloat(o.lo), sim.FormatFloat(o.hi)
		}
		rows = append(rows, row)
	}
	if len(d.obs) > 0 {
		nanAt = d.obs[0].nanAt
	}
	return rows, nanAt
}

// A provRow is one row of the provenance table.
type provRow struct {
	Name, Value string
	Code        bool // a file name or hash, to set as code
}

// provenanceRows returns the rows of r's provenance table, "-" for what
// is not known.
func provenanceRows(r *Results) []provRow {
	pv := r.Provenance
	revision := orDash(pv.Revision)
	if pv.Modified {
		revision += " (modified)"
	}
	partial := "no"
	if r.Partial {
		partial = "yes"
	}
	return []provRow{
		codeRow("experiment file", pv.File),
		codeRow("SHA-256", pv.FileSHA256),
		{Name: "kernel", Value: kernelName(pv)},
		{Name: "kernel module", Value: orDash(pv.KernelModule)},
		{Name: "seed", Value: strconv.FormatUint(pv.Seed, 10)},
		{Name: "seeding scheme", Value: orDash(pv.SeedScheme)},
		{Name: "generator", Value: orDash(pv.Generator)},
		{Name: "binary", Value: orDash(strings.TrimSpace(pv.Module + " " + pv.Version))},
		{Name: "simrun", Value: orDash(pv.Simrun)},
		{Name: "revision", Value: revision},
		{Name: "Go", Value: orDash(pv.GoVersion)},
		{Name: "OS/arch", Value: orDash(pv.OS) + "/" + orDash(pv.Arch)},
		{Name: "CPUs", Value: strconv.Itoa(pv.NumCPU)},
		{Name: "workers", Value: strconv.Itoa(pv.Workers)},
		{Name: "executor", Value: orDash(pv.Executor)},
		{Name: "start", Value: formatTime(pv.Start)},
		{Name: "end", Value: formatTime(pv.End)},
		{Name: "wall time", Value: sim.FormatFloat(pv.WallSeconds) + " s"},
		{Name: "partial", Value: partial},
	}
}

// codeRow is a row whose value is set as code, or "-" when it is empty.
func codeRow(name, value string) provRow {
	if value == "" {
		return provRow{Name: name, Value: "-"}
	}
	return provRow{Name: name, Value: value, Code: true}
}

// A runRow is one run of the provenance's history, formatted.
type runRow struct {
	Start, Wall, Host string
	Workers           int
	Executor          string
	Computed, Reused  int64
}

// runRows returns the runs whose chunks pv's results hold, oldest first.
func runRows(pv Provenance) []runRow {
	var rows []runRow
	for _, run := range pv.Runs {
		rows = append(rows, runRow{Start: formatTime(run.Start), Wall: sim.FormatFloat(run.WallSeconds) + " s",
			Host: orDash(run.Host), Workers: run.Workers, Executor: orDash(run.Executor), Computed: run.Computed, Reused: run.Reused})
	}
	return rows
}

// failureMessage is the first line of f's error: the stack of a panic
// is in results.json.
func failureMessage(f Failure) string {
	msg, _, _ := strings.Cut(f.Error, "\n")
	return msg
}

// formatTime writes t in RFC 3339 with the digits it has, "-" if zero.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Format(time.RFC3339Nano)
}

// kernelName is the kernel's name, with its version when not the first.
func kernelName(pv Provenance) string {
	if pv.KernelVersion == 0 {
		return orDash(pv.Kernel)
	}
	return fmt.Sprintf("%s (version %d)", orDash(pv.Kernel), pv.KernelVersion)
}
