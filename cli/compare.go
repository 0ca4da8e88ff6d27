package cli

import (
	"context"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"

	"github.com/simrun/simrun/engine"
	"github.com/simrun/simrun/internal/words"
	"github.com/simrun/simrun/report"
	"github.com/simrun/simrun/stats"
)

// compareCmd compares the statistics of two finished runs point by point:
// whether a rerun with another seed, another kernel version or another
// machine agrees with a reference within chance. Exit 1 if any statistic
// differs by more than --z standard errors of the difference.
func (c *command) compare(_ context.Context, args []string) error {
	stdout := c.stdout
	fs := c.newFlagSet("compare", "DIR_A DIR_B")
	limit := fs.Float64("z", 5, "fail when a mean differs by more than `Z` standard errors of the difference")
	top := fs.Int("top", 5, "list the `N` largest differences")
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
	a, err := engine.ReadResults(pos[0])
	if err != nil {
		return err
	}
	b, err := engine.ReadResults(pos[1])
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

	sortByAbsZ(diffs, func(d report.Difference) float64 { return d.Z })
	zs := make([]float64, len(diffs))
	for i, d := range diffs {
		zs[i] = d.Z
	}
	fmt.Fprintf(stdout, "\ncompared %s at the same points\n", words.Count(int64(len(diffs)), "statistic"))
	if listed := min(*top, countKnown(zs)); listed > 0 {
		fmt.Fprintf(stdout, "largest differences, z = (A − B) / standard error of the difference:\n")
		for _, d := range diffs[:listed] {
			fmt.Fprintf(stdout, "  z = %+.2f  %s  %s: %s against %s\n", d.Z, d.Key, d.Observable, meanErr(d.A), meanErr(d.B))
		}
	}
	over := zTally(stdout, zs, *limit)
	if pa.Seed == pb.Seed && pa.KernelVersion == pb.KernelVersion && pa.Kernel == pb.Kernel {
		fmt.Fprintf(stdout, "(same seed and kernel version: the statistics should be identical, z = 0)\n")
	}
	if over > 0 {
		return fmt.Errorf("simrun compare: %s and %s differ beyond chance: %d %s more than %g standard errors apart",
			pos[0], pos[1], over, words.Plural(over, "mean is", "means are"), *limit)
	}
	fmt.Fprintf(stdout, "agree within chance: no mean more than %g standard errors from the other\n", *limit)
	return nil
}

// meanErr writes a statistic's mean (six digits) and standard error.
func meanErr(s stats.Stat) string {
	return fmt.Sprintf("%.6g ± %.2g", s.Mean, s.StdErr)
}

// sortByAbsZ orders s by decreasing |z|, the unknown (NaN) last.
func sortByAbsZ[T any](s []T, z func(T) float64) {
	sort.SliceStable(s, func(i, j int) bool {
		zi, zj := math.Abs(z(s[i])), math.Abs(z(s[j]))
		return zi > zj || !math.IsNaN(zi) && math.IsNaN(zj)
	})
}

// countKnown counts the z-scores that are not NaN.
func countKnown(zs []float64) int {
	n := 0
	for _, z := range zs {
		if !math.IsNaN(z) {
			n++
		}
	}
	return n
}

// zTally writes how many known z-scores exceed 3 against how many chance
// gives (each |z| exceeds 3 with probability erfc(3/√2) = 0.27% when the
// means agree), and returns how many exceed limit.
func zTally(w io.Writer, zs []float64, limit float64) (over int) {
	known, over3 := 0, 0
	for _, z := range zs {
		if math.IsNaN(z) {
			continue
		}
		known++
		if math.Abs(z) > 3 {
			over3++
		}
		if math.Abs(z) > limit {
			over++
		}
	}
	if known > 0 {
		fmt.Fprintf(w, "|z| > 3: %d (about %.2g expected by chance); |z| > %g: %d\n", over3, float64(known)*math.Erfc(3/math.Sqrt2), limit, over)
	}
	return over
}
