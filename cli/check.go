package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/simrun/simrun/engine"
	"github.com/simrun/simrun/internal/words"
	"github.com/simrun/simrun/report"
)

// check tests a finished run against the exact values its kernel
// declares (sim.ReferenceSpec.Exact): each mean at each point, in
// standard errors, judged on Student's t with the degrees of freedom of
// the mean's error. Exit 1 if any is as unlikely by chance as --z standard
// errors of a normal, or if nothing could be checked: no point finished,
// no finished point has an exact value, or no mean has a standard error.
// A run that did not finish is checked at the points that did, saying
// how many did not. Exit 2 for a kernel without exact values.
func (c *command) check(_ context.Context, args []string) error {
	stdout := c.stdout
	fs := c.newFlagSet("check", "DIR")
	limit := fs.Float64("z", 5, "fail when a mean is as unlikely by chance as `Z` standard errors of a normal from the exact value (Student's t when its error has few degrees of freedom)")
	top := fs.Int("top", 5, "list the `N` least likely deviations")
	pos, err := parseArgs(fs, args, 1, "one results directory")
	if err != nil {
		return err
	}
	if !(*limit > 0) || *top < 0 {
		return usagef("simrun check: --z %g, --top %d: want a positive z and a top of 0 or more", *limit, *top)
	}
	dir := pos[0]
	e, err := c.en.ReadExperiment(dir)
	if err != nil {
		return err
	}
	res, err := c.en.Results(dir)
	if err != nil {
		return err
	}
	devs, err := report.Check(e, res)
	switch {
	case errors.Is(err, report.ErrNoExact):
		return usagef("simrun check: kernel %s declares no exact value of a mean, so there is nothing to check; `simrun kernels %s` lists its references", e.Kernel.Name, e.Kernel.Name)
	case err != nil:
		return &engine.InputError{Err: fmt.Errorf("simrun check: %s: %w", dir, err)}
	}
	js := make([]judged, len(devs))
	for i, d := range devs {
		js[i] = judged{key: d.Key, z: d.Z, df: d.DF, p: d.P}
	}
	sortByP(devs, js)
	fmt.Fprintf(stdout, "%s: kernel %s version %d, seed %d: %s against exact values\n",
		dir, e.Kernel.Name, e.Kernel.Version, e.Seed, words.Count(int64(len(devs)), "mean"))
	unfinished := ""
	if n, total := e.NumPoints()-int64(len(res.Points)), e.NumPoints(); n > 0 || res.Partial {
		unfinished = fmt.Sprintf("%d of %s unfinished", n, words.Count(total, "point"))
		failed := make(map[int64]bool)
		for _, f := range res.Failures {
			failed[f.Point] = true
		}
		if len(failed) > 0 {
			unfinished += fmt.Sprintf(" (%d with failed chunks)", len(failed))
		}
		fmt.Fprintf(stdout, "%s: their means are not checked\n", unfinished)
	}
	if listed := min(*top, countKnown(js)); listed > 0 {
		fmt.Fprintf(stdout, "largest deviations, z = (mean − exact) / standard error, p = P(|T| ≥ |z|) by chance:\n")
		labels := pLabels(js[:listed])
		for i, d := range devs[:listed] {
			fmt.Fprintf(stdout, "  z = %+.2f  %s  %s  %s: %.6g ± %.2g, exact %.6g (%s)\n", d.Z, labels[i], d.Key, d.Observable, d.Mean, d.StdErr, d.Exact, d.Reference)
		}
	}
	t := zTally(stdout, js, *limit, "mean")
	if t.known == 0 {
		var why string
		switch {
		case len(res.Points) == 0:
			why = unfinished + ": run the experiment again to resume it, then check"
			unfinished = ""
		case len(devs) == 0:
			names := make([]string, 0, len(e.Kernel.References))
			for _, ref := range e.Kernel.References {
				if ref.Exact && (ref.Stat == "" || ref.Stat == "mean") {
					names = append(names, ref.Name)
				}
			}
			why = fmt.Sprintf("the kernel's exact values (%s) are not defined at any of the %s finished", strings.Join(names, ", "), words.Count(int64(len(res.Points)), "point"))
		default:
			why = fmt.Sprintf("none of the %s has a standard error (it needs 2 samples, or 2 chunks for batch means)", words.Count(int64(len(devs)), "mean"))
		}
		if unfinished != "" {
			why += "; " + unfinished
		}
		return fmt.Errorf("simrun check: %s: nothing checked: %s", dir, why)
	}
	if t.over > 0 {
		return fmt.Errorf("simrun check: %s departs from the exact values: %s %s",
			dir, words.Count(int64(t.over), "mean"), limitText(*limit))
	}
	fmt.Fprintf(stdout, "agrees with the exact values within chance: no mean beyond --z %g\n", *limit)
	return nil
}
