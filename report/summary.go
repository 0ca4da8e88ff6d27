package report

import (
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
// then the warnings (one line for a warning that many points share). A
// sweep of more than summaryPoints points shows its first summaryHead, so
// that the summary fits a terminal. The mean,
// standard error and interval are rounded to two significant digits of the
// standard error; the exact values are in the CSV and JSON output.
func Summary(w io.Writer, r *Results) error {
	ew := &errWriter{w: w}
	names := paramNames(r)
	for _, p := range r.Points {
		if err := checkParams(p, names); err != nil {
			return err
		}
	}
	swept := sweptParams(r, len(names))

	pv := r.Provenance
	fmt.Fprintf(ew, "experiment %s (kernel %s), seed %d, %s\n",
		orDash(pv.Experiment), orDash(pv.Kernel), pv.Seed, words.Count(int64(len(r.Points)), "point"))
	if len(r.Points) > 0 {
		var fixed []string
		p := r.Points[0].Params
		for i, s := range swept {
			if !s {
				fixed = append(fixed, p.Name(i)+"="+p.Value(i).String())
			}
		}
		if len(fixed) > 0 {
			fmt.Fprintf(ew, "fixed: %s\n", strings.Join(fixed, ", "))
		}
	}
	if r.Partial {
		fmt.Fprintf(ew, "partial: the run stopped before every point finished\n")
	}

	if len(r.Points) > 0 {
		fmt.Fprintln(ew)
		tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
		fmt.Fprint(tw, "point")
		for i, s := range swept {
			if s {
				fmt.Fprintf(tw, "\t%s", names[i])
			}
		}
		fmt.Fprint(tw, "\tobservable\tmean ± stderr\t95% CI\tsamples\n")
		shown := r.Points
		if len(shown) > summaryPoints {
			shown = shown[:summaryHead]
		}
		for _, p := range shown {
			for _, s := range p.Stats {
				fmt.Fprintf(tw, "%d", p.Index)
				for i, sw := range swept {
					if sw {
						fmt.Fprintf(tw, "\t%s", p.Params.Value(i))
					}
				}
				me, ci := formatEstimate(s)
				fmt.Fprintf(tw, "\t%s\t%s\t%s\t%d\n", s.Observable, me, ci, s.N)
			}
		}
		tw.Flush()
		if more := len(r.Points) - len(shown); more > 0 {
			fmt.Fprintf(ew, "... and %d more points: every point is in the CSV and JSON results\n", more)
		}
	}

	if len(r.Failures) > 0 {
		fmt.Fprintf(ew, "\n%d failed %s:\n", len(r.Failures), words.Plural(len(r.Failures), "chunk", "chunks"))
		for _, f := range r.Failures {
			msg, _, _ := strings.Cut(f.Error, "\n") // the stack is in results.json
			fmt.Fprintf(ew, "  point %d (%s), chunk %d: %s\n    rerun: %s\n", f.Point, f.Key, f.Chunk, msg, f.Rerun)
		}
	}

	warnings, total := allWarnings(r, swept)
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

// A summary of more than summaryPoints points shows the first summaryHead.
const (
	summaryPoints = 100
	summaryHead   = 50
)

// allWarnings returns every point's warnings, each prefixed with the point
// ("point 2 (L=16 T=2): "), then the run's. A warning that more than
// warnGroup points share is one line naming how many and the first of
// them, so that a sweep of 10,000 one-sample points warns in one line,
// not 10,000. total counts the warnings before grouping.
func allWarnings(r *Results, swept []bool) (lines []string, total int) {
	type group struct {
		msg    string
		labels []string
		n      int
	}
	var groups []*group
	byMsg := make(map[string]*group)
	for _, p := range r.Points {
		// Labelled only when a group still lists its points: a large
		// sweep whose points all warn the same way needs warnGroup+1.
		label := ""
		for _, w := range p.Warnings {
			g := byMsg[w]
			if g == nil {
				g = &group{msg: w}
				byMsg[w] = g
				groups = append(groups, g)
			}
			g.n++
			total++
			if len(g.labels) <= warnGroup {
				if label == "" {
					label = "point " + strconv.FormatInt(p.Index, 10)
					if key := pointLabel(p.Params, swept); key != "" {
						label += " (" + key + ")"
					}
				}
				g.labels = append(g.labels, label)
			}
		}
	}
	for _, g := range groups {
		if g.n <= warnGroup {
			for _, l := range g.labels {
				lines = append(lines, l+": "+g.msg)
			}
			continue
		}
		lines = append(lines, fmt.Sprintf("%d points: %s (%s and %d more)",
			g.n, g.msg, strings.Join(g.labels[:warnExamples], ", "), g.n-warnExamples))
	}
	return append(lines, r.Warnings...), total + len(r.Warnings)
}

// A warning shared by more than warnGroup points is written once, naming
// warnExamples of them.
const (
	warnGroup    = 3
	warnExamples = 2
)

// sweptParams reports, for each of the n parameters, whether its value
// differs between points.
func sweptParams(r *Results, n int) []bool {
	swept := make([]bool, n)
	if len(r.Points) == 0 {
		return swept
	}
	first := r.Points[0].Params
	for _, p := range r.Points[1:] {
		for i := range swept {
			swept[i] = swept[i] || !sameCanonical(p.Params.Value(i), first.Value(i))
		}
	}
	return swept
}

// sameCanonical reports whether a and b have the same canonical form
// (Value.String), without formatting them: -0 is not 0, and every NaN is
// NaN.
func sameCanonical(a, b sim.Value) bool {
	if a.Kind != b.Kind {
		return false
	}
	switch a.Kind {
	case sim.Int:
		return a.I == b.I
	case sim.Float:
		if math.IsNaN(a.F) || math.IsNaN(b.F) {
			return math.IsNaN(a.F) && math.IsNaN(b.F)
		}
		return a.F == b.F && math.Signbit(a.F) == math.Signbit(b.F)
	case sim.Bool:
		return a.B == b.B
	}
	return a.String() == b.String()
}

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
