package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/simrun/simrun/engine"
	"github.com/simrun/simrun/internal/words"
	"github.com/simrun/simrun/report"
)

// check tests a finished run against the exact values its kernel
// declares (sim.ReferenceSpec.Exact): each mean at each point, in
// standard errors. Exit 1 if any is more than --z standard errors away.
func (c *command) check(_ context.Context, args []string) error {
	stdout := c.stdout
	fs := c.newFlagSet("check", "DIR")
	limit := fs.Float64("z", 5, "fail when a mean is more than `Z` standard errors from the exact value")
	top := fs.Int("top", 5, "list the `N` largest deviations")
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
	res, err := engine.ReadResults(dir)
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
	sortByAbsZ(devs, func(d report.Deviation) float64 { return d.Z })
	zs := make([]float64, len(devs))
	for i, d := range devs {
		zs[i] = d.Z
	}
	fmt.Fprintf(stdout, "%s: kernel %s version %d, seed %d: %s against exact values\n",
		dir, e.Kernel.Name, e.Kernel.Version, e.Seed, words.Count(int64(len(devs)), "mean"))
	if listed := min(*top, countKnown(zs)); listed > 0 {
		fmt.Fprintf(stdout, "largest deviations, z = (mean − exact) / standard error:\n")
		for _, d := range devs[:listed] {
			fmt.Fprintf(stdout, "  z = %+.2f  %s  %s: %.6g ± %.2g, exact %.6g (%s)\n", d.Z, d.Key, d.Observable, d.Mean, d.StdErr, d.Exact, d.Reference)
		}
	}
	over := zTally(stdout, zs, *limit)
	if over > 0 {
		return fmt.Errorf("simrun check: %s departs from the exact values: %d %s more than %g standard errors away", dir, over, words.Plural(over, "mean is", "means are"), *limit)
	}
	fmt.Fprintf(stdout, "agrees with the exact values within chance\n")
	return nil
}
