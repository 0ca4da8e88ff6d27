package report

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/simrun/simrun/internal/words"
	"github.com/simrun/simrun/sim"
	"github.com/simrun/simrun/sim/fmath"
	"github.com/simrun/simrun/stats"
)

// Summary writes r for a person to read: a line naming the experiment, the
// parameters that are the same at every point, then an aligned table with
// one row per point and observable (the swept parameters, the mean ± its
// standard error, the 95% confidence interval and the number of samples,
// headed "samples" as in the CSV),
// then the warnings (one line for a warning that many points share). When
// a point shown was sampled adaptively (PointResult.Precision), the table
// has a column "target" after "samples": on the row of a statistic with a
// target, whether the point reached it and in how many rounds ("reached,
// 3 rounds", "not reached, 9 rounds"), and empty on the others; and a line
// under the table says how many points reached every target, with how many
// samples in all. A
// sweep of more than summaryPoints points shows its first summaryHead, so
// that the summary fits a terminal. The mean,
// standard error and interval are rounded to two significant digits of the
// standard error; the exact values are in the tables (results.csv,
// results.parquet). Results whose Points are only the first of them
// (PointsOmitted) are summed up by their Digest.
func Summary(w io.Writer, r *Results) error {
	d, err := r.digest()
	if err != nil {
		return err
	}
	ew := &errWriter{w: w}
	pv := r.Provenance
	fmt.Fprintf(ew, "experiment %s (kernel %s), seed %d, %s\n",
		orDash(pv.Experiment), orDash(pv.Kernel), pv.Seed, words.Count(d.n, "point"))
	if fixed := d.fixed(); len(fixed) > 0 {
		fmt.Fprintf(ew, "fixed: %s\n", strings.Join(fixed, ", "))
	}
	if r.Partial {
		fmt.Fprintf(ew, "partial: the run stopped before every point finished\n")
	}

	if d.n > 0 {
		fmt.Fprintln(ew)
		t := newPointTable(r, d, summaryPoints, summaryHead)
		var table bytes.Buffer
		tw := tabwriter.NewWriter(&table, 0, 0, 2, ' ', 0)
		fmt.Fprint(tw, "point")
		for _, name := range t.Params {
			fmt.Fprintf(tw, "\t%s", name)
		}
		fmt.Fprint(tw, "\tobservable\tmean ± stderr\t95% CI\tsamples")
		if t.Adaptive {
			fmt.Fprint(tw, "\ttarget")
		}
		fmt.Fprintln(tw)
		for _, row := range t.Rows {
			fmt.Fprintf(tw, "%d", row.Point)
			for _, v := range row.Params {
				fmt.Fprintf(tw, "\t%s", v)
			}
			fmt.Fprintf(tw, "\t%s\t%s\t%s\t%d", row.Observable, row.Estimate, row.CI, row.Samples)
			if t.Adaptive {
				fmt.Fprintf(tw, "\t%s", row.Target)
			}
			fmt.Fprintln(tw)
		}
		tw.Flush()
		if t.Adaptive {
			// An empty target cell leaves the padding of "samples" at
			// the end of its line.
			for line := range bytes.Lines(table.Bytes()) {
				fmt.Fprintf(ew, "%s\n", bytes.TrimRight(line, " \n"))
			}
		} else {
			ew.Write(table.Bytes())
		}
		if t.More > 0 {
			fmt.Fprintf(ew, "... and %d more points: every point is in %s\n", t.More, tablesText(r))
		}
		if line := adaptiveLine(r, d); line != "" {
			fmt.Fprintln(ew, line)
		}
	}

	if len(r.Failures) > 0 {
		fmt.Fprintf(ew, "\n%d failed %s:\n", len(r.Failures), words.Plural(len(r.Failures), "chunk", "chunks"))
		for _, f := range r.Failures {
			fmt.Fprintf(ew, "  point %d (%s), chunk %d: %s\n    rerun: %s\n", f.Point, f.Key, f.Chunk, failureMessage(f), f.Rerun)
		}
	}

	warnings, total := allWarnings(r, d)
	if len(warnings) > 0 {
		fmt.Fprintf(ew, "\n%s:\n", words.Count(int64(total), "warning"))
		for _, w := range warnings {
			fmt.Fprintf(ew, "  %s\n", w)
		}
	}
	if ew.err != nil {
		return fmt.Errorf("report: write summary: %w", ew.err)
	}
	return nil
}

// targetCell says whether the point of pr reached the target of the
// statistic stat, and in how many rounds: "reached, 3 rounds", "not
// reached, 1 round"; "" when pr is nil or has no target for stat.
func targetCell(pr *stats.Precision, stat string) string {
	if pr == nil {
		return ""
	}
	for _, t := range pr.Targets {
		if t.Stat == stat {
			word := "reached"
			if !t.Reached {
				word = "not reached"
			}
			return word + ", " + words.Count(int64(pr.Rounds), "round")
		}
	}
	return ""
}

// adaptiveLine sums up the points of r sampled adaptively: "adaptive: 3
// of 4 points reached their targets, with 52000 samples in all", or ""
// when there are none. When r.Points holds only the first of d's points,
// it says so ("of the first 4 points").
func adaptiveLine(r *Results, d *Digest) string {
	var n, reached, samples, most int64
	for _, p := range r.Points {
		if p.Precision == nil {
			continue
		}
		n++
		samples += p.Precision.Samples
		most = max(most, p.Precision.Samples)
		if p.Precision.Reached {
			reached++
		}
	}
	if n == 0 {
		return ""
	}
	of := words.Count(n, "point")
	if int64(len(r.Points)) < d.n {
		of = "the first " + of
	}
	line := fmt.Sprintf("adaptive: %d of %s reached %s targets, with %s in all",
		reached, of, words.Plural(int(n), "its", "their"), words.Count(samples, "sample"))
	// What the same precision costs with a fixed budget: every point
	// given what the hardest one needed.
	if fixed := most * n; n > 1 && reached == n && fixed/n == most && fixed > samples {
		line += fmt.Sprintf(", against %d for every point at the %d the most costly one needed (%.1f×)",
			fixed, most, float64(fixed)/float64(samples))
	}
	return line
}

// tablesText names the files that hold every point: r.Tables, or if it
// is empty, the tables a run writes.
func tablesText(r *Results) string {
	tables := r.Tables
	if len(tables) == 0 {
		tables = []string{"results.csv", "results.parquet"}
	}
	return strings.Join(tables, " and ")
}

// A summary of more than summaryPoints points shows the first summaryHead.
const (
	summaryPoints = 100
	summaryHead   = 50
)

// A warning shared by more than warnGroup points is written once, naming
// warnExamples of them.
const (
	warnGroup    = 3
	warnExamples = 2
)

func pointLabel(p sim.Params, swept []bool) string {
	var kv []string
	for i, s := range swept {
		if s {
			kv = append(kv, p.Name(i)+"="+p.Value(i).String())
		}
	}
	return strings.Join(kv, " ")
}

// formatEstimate returns "mean ± stderr" and "[ci_low, ci_high]" rounded to
// two significant digits of the standard error. Magnitudes outside
// [1e-3, 1e6) are written in scientific notation, with a common exponent for
// the mean and standard error. When there is no positive finite standard
// error the mean gets six significant digits and the interval is "-".
func formatEstimate(s stats.Stat) (meanErr, ci string) {
	mean, se := s.Mean, s.StdErr
	if !fmath.IsFinite(mean) || !fmath.IsFinite(se) || se <= 0 {
		m := strconv.FormatFloat(mean, 'g', 6, 64)
		if se == 0 {
			// Zero variance: the mean is exact.
			m = sim.FormatFloat(mean)
		}
		ci = "-"
		if fmath.IsFinite(s.CILow) && fmath.IsFinite(s.CIHigh) {
			ci = "[" + sim.FormatFloat(s.CILow) + ", " + sim.FormatFloat(s.CIHigh) + "]"
		}
		return m + " ± " + strconv.FormatFloat(se, 'g', 6, 64), ci
	}
	// dec decimals give two significant digits of se; no more than 17
	// significant digits of the larger of mean and se are shown.
	dec := 1 - int(math.Floor(math.Log10(se)))
	mag := math.Max(math.Abs(mean), se)
	p := int(math.Floor(math.Log10(mag)))
	if mag >= 1e6 || mag < 1e-3 {
		d := min(max(dec+p, 0), 16)
		scale := math.Pow10(p)
		meanErr = fmt.Sprintf("(%s ± %s)e%+03d",
			strconv.FormatFloat(mean/scale, 'f', d, 64), strconv.FormatFloat(se/scale, 'f', d, 64), p)
		ci = "[" + strconv.FormatFloat(s.CILow, 'e', d, 64) + ", " + strconv.FormatFloat(s.CIHigh, 'e', d, 64) + "]"
		return meanErr, ci
	}
	d := min(max(dec, 0), 16-p)
	meanErr = strconv.FormatFloat(mean, 'f', d, 64) + " ± " + strconv.FormatFloat(se, 'f', d, 64)
	ci = "[" + strconv.FormatFloat(s.CILow, 'f', d, 64) + ", " + strconv.FormatFloat(s.CIHigh, 'f', d, 64) + "]"
	return meanErr, ci
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// errWriter remembers the first write error and drops later writes.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}
