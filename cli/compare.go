package cli

import (
	"context"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"

	"github.com/simrun/simrun/internal/words"
	"github.com/simrun/simrun/report"
	"github.com/simrun/simrun/stats"
)

// compareCmd compares the statistics of two finished runs point by point:
// whether a rerun with another seed, another kernel version or another
// machine agrees with a reference within chance. Exit 1 if any difference
// is less likely by chance than --z standard errors of a normal (Student's
// t decides, on the Welch–Satterthwaite degrees of freedom, when the
// errors come from few chunks), or if there is nothing to compare.
func (c *command) compare(_ context.Context, args []string) error {
	stdout := c.stdout
	fs := c.newFlagSet("compare", "DIR_A DIR_B")
	limit := fs.Float64("z", 5, "fail when a difference is as unlikely by chance as `Z` standard errors of a normal (Student's t when the errors have few degrees of freedom)")
	top := fs.Int("top", 5, "list the `N` least likely differences")
	pos, err := parseArgs(fs, args, 2, "two results directories")
	if err != nil {
		return err
	}
	if !(*limit > 0) {
		return usagef("simrun compare: --z %g: want a positive number of standard errors", *limit)
	}
	if *top < 0 {
		return usagef("simrun compare: --top %d: want 0 or more", *top)
	}
	a, err := c.en.Results(pos[0])
	if err != nil {
		return err
	}
	b, err := c.en.Results(pos[1])
	if err != nil {
		return err
	}
	diffs, onlyA, onlyB := report.Compare(a, b)
	pa, pb := a.Provenance, b.Provenance
	fmt.Fprintf(stdout, "A %s: kernel %s version %d, seed %d\nB %s: kernel %s version %d, seed %d\n",
		pos[0], pa.Kernel, pa.KernelVersion, pa.Seed, pos[1], pb.Kernel, pb.KernelVersion, pb.Seed)
	for _, only := range []struct {
		name string
		keys []string
	}{{"A", onlyA}, {"B", onlyB}} {
		if len(only.keys) > 0 {
			fmt.Fprintf(stdout, "only in %s: %s (%s)\n", only.name, words.Count(int64(len(only.keys)), "point"), strings.Join(only.keys[:min(3, len(only.keys))], "; "))
		}
	}
	if len(diffs) == 0 {
		return fmt.Errorf("simrun compare: %s and %s have no point and observable in common", pos[0], pos[1])
	}

	js := make([]judged, len(diffs))
	for i, d := range diffs {
		js[i] = judged{key: d.Key, z: d.Z, df: d.DF, p: d.P}
	}
	sortByP(diffs, js)
	fmt.Fprintf(stdout, "\ncompared %s at the same points\n", words.Count(int64(len(diffs)), "statistic"))
	if listed := min(*top, countKnown(js)); listed > 0 {
		fmt.Fprintf(stdout, "largest differences, z = (A − B) / standard error of the difference, p = P(|T| ≥ |z|) by chance:\n")
		labels := pLabels(js[:listed])
		for i, d := range diffs[:listed] {
			fmt.Fprintf(stdout, "  z = %+.2f  %s  %s  %s: %s against %s\n", d.Z, labels[i], d.Key, d.Observable, meanErr(d.A), meanErr(d.B))
		}
	}
	t := zTally(stdout, js, *limit, "statistic")
	if pa.Seed == pb.Seed && pa.KernelVersion == pb.KernelVersion && pa.Kernel == pb.Kernel {
		fmt.Fprintf(stdout, "(same seed and kernel version: the statistics should be identical, z = 0)\n")
	}
	switch {
	case t.known == 0:
		return fmt.Errorf("simrun compare: %s and %s: nothing compared: none of the %s in common has a standard error on both sides (it needs 2 samples, or 2 chunks for batch means)",
			pos[0], pos[1], words.Count(int64(len(diffs)), "statistic"))
	case t.over > 0:
		return fmt.Errorf("simrun compare: %s and %s differ beyond chance: %s %s",
			pos[0], pos[1], words.Count(int64(t.over), "difference"), limitText(*limit))
	}
	fmt.Fprintf(stdout, "agree within chance: no difference beyond --z %g\n", *limit)
	return nil
}

// meanErr writes a statistic's mean (six digits) and standard error.
func meanErr(s stats.Stat) string {
	return fmt.Sprintf("%.6g ± %.2g", s.Mean, s.StdErr)
}

// judged is one difference that compare or check weighs: its point, its
// z-score, the degrees of freedom of its standard error, and the
// probability p = P(|T| ≥ |z|) of one at least as large by chance.
type judged struct {
	key      string
	z, df, p float64
}

// pLabel writes p with its distribution: "p = 1.1e-05 (18 df)", or
// "(normal)" for many degrees of freedom.
func (j judged) pLabel() string {
	return fmt.Sprintf("p = %.2g (%s)", j.p, dfLabel(j.df))
}

// pLabels returns the pLabel of each of js, padded to one width.
func pLabels(js []judged) []string {
	labels := make([]string, len(js))
	width := 0
	for i, j := range js {
		labels[i] = j.pLabel()
		width = max(width, len(labels[i]))
	}
	for i := range labels {
		labels[i] += strings.Repeat(" ", width-len(labels[i]))
	}
	return labels
}

func dfLabel(df float64) string {
	if !(df < stats.NormalDF) {
		return "normal"
	}
	return fmtDF(df) + " df"
}

// sortByP orders s and its judged js together by increasing p, the least
// likely by chance first, then by decreasing |z| (among the p that
// underflow to 0), the unknown (NaN) last.
func sortByP[T any](s []T, js []judged) {
	idx := make([]int, len(js))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(i, j int) bool {
		a, b := js[idx[i]], js[idx[j]]
		switch {
		case math.IsNaN(a.p) || math.IsNaN(b.p):
			return !math.IsNaN(a.p) && math.IsNaN(b.p)
		case a.p != b.p:
			return a.p < b.p
		}
		return math.Abs(a.z) > math.Abs(b.z)
	})
	s2, js2 := make([]T, len(s)), make([]judged, len(js))
	for i, k := range idx {
		s2[i], js2[i] = s[k], js[k]
	}
	copy(s, s2)
	copy(js, js2)
}

// countKnown counts the judged differences whose p is known.
func countKnown(js []judged) int {
	n := 0
	for _, j := range js {
		if !math.IsNaN(j.p) {
			n++
		}
	}
	return n
}

// limitP returns the probability that --z limit stands for, the normal's
// P(|Z| ≥ limit), and limitText says it in words.
func limitP(limit float64) float64 { return stats.TailProb(limit, math.Inf(1)) }

func limitText(limit float64) string {
	return fmt.Sprintf("beyond --z %g (p < %.2g, the normal's tail beyond %g standard errors)", limit, limitP(limit), limit)
}

// beyond reports whether j is as unlikely by chance as limit standard
// errors of a normal: p below the normal's tail beyond limit, so that
// with few degrees of freedom a |z| must be larger (Student's t is wider);
// where that tail underflows (limit above 37), |z| beyond limit and p 0.
func beyond(j judged, limit float64) bool {
	if math.IsNaN(j.p) || !(math.Abs(j.z) > limit) {
		return false
	}
	if pl := limitP(limit); pl > 0 {
		return j.p < pl
	}
	return j.p == 0
}

// tally is what zTally counts.
type tally struct {
	known int // differences with a known p
	over  int // beyond --z
}

// zTally writes how many known differences exceed 3 standard errors, and
// at how many points, against how many chance gives: the sum over the
// differences of P(|T| > 3) on each one's degrees of freedom (0.27% each
// for the normal). That sum is the expected count whatever the
// correlations, but observables of one point come from the same samples
// (m, m², m⁴) and exceed 3 together, so the count is clumped: a rough
// guide. The expected number of points with any |z| > 3 is at most the
// sum over points of min(1, the point's sum). It returns the counts, and
// how many differences are beyond limit. noun names what was judged
// ("statistic", "mean").
func zTally(w io.Writer, js []judged, limit float64, noun string) tally {
	var t tally
	var over3 int
	var expected float64
	type point struct {
		over3    bool
		expected float64
	}
	points := make(map[string]*point)
	var order []string
	minDF, maxDF := math.Inf(1), 0.0
	for _, j := range js {
		if math.IsNaN(j.p) {
			continue
		}
		t.known++
		p3 := stats.TailProb(3, j.df)
		expected += p3
		pt := points[j.key]
		if pt == nil {
			pt = new(point)
			points[j.key] = pt
			order = append(order, j.key)
		}
		pt.expected += p3
		if math.Abs(j.z) > 3 {
			over3++
			pt.over3 = true
		}
		if beyond(j, limit) {
			t.over++
		}
		minDF, maxDF = math.Min(minDF, j.df), math.Max(maxDF, j.df)
	}
	if t.known == 0 {
		return t
	}
	var points3 int
	var pointsExpected float64
	for _, k := range order {
		if points[k].over3 {
			points3++
		}
		pointsExpected += math.Min(1, points[k].expected)
	}
	var chance string
	switch {
	case !(minDF < stats.NormalDF):
		chance = "normal: many degrees of freedom"
	case !(maxDF < stats.NormalDF):
		chance = fmt.Sprintf("Student's t on %s degrees of freedom or more", fmtDF(minDF))
	case fmtDF(minDF) == fmtDF(maxDF):
		chance = fmt.Sprintf("Student's t on %s degrees of freedom", fmtDF(minDF))
	default:
		chance = fmt.Sprintf("Student's t on %s to %s degrees of freedom", fmtDF(minDF), fmtDF(maxDF))
	}
	fmt.Fprintf(w, "|z| > 3: %d of %s (about %.2g expected by chance, %s), at %d of %s (at most %.2g expected)\n",
		over3, words.Count(int64(t.known), noun), expected, chance, points3, words.Count(int64(len(order)), "point"), pointsExpected)
	if len(order) < t.known {
		fmt.Fprintf(w, "  the observables of one point come from the same samples and may be correlated (as m, m² and m⁴ are),\n"+
			"  so they tend to exceed 3 together: the count of %s is a rough guide, the count of points a better one\n", noun+"s")
	}
	fmt.Fprintf(w, "%s: %d\n", limitText(limit), t.over)
	return t
}

// fmtDF writes degrees of freedom to three significant digits, or as a
// whole number from 100 on.
func fmtDF(df float64) string {
	if df >= 100 {
		return fmt.Sprintf("%.0f", df)
	}
	return fmt.Sprintf("%.3g", df)
}
