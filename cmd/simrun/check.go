package main

import (
	"fmt"
	"io"
	"math"
)

// checkCmd tests a finished run against the exact values its kernel
// declares (sim.ReferenceSpec.Exact): each mean at each point, in
// standard errors. Exit 1 if any is more than --z standard errors away.
func checkCmd(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("check", "DIR", stderr)
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
	e, err := loadRunExperiment(dir)
	if err != nil {
		return err
	}
	res, err := loadResultsJSON(dir)
	if err != nil {
		return err
	}

	type deviation struct {
		point, ref, of string
		mean, se, want float64
		z              float64
	}
	var devs []deviation
	refs := 0
	for _, ref := range e.Kernel.References {
		if !ref.Exact || (ref.Stat != "" && ref.Stat != "mean") {
			continue
		}
		refs++
		for _, pr := range res.Points {
			if pr.Index < 0 || pr.Index >= e.NumPoints() {
				return &inputError{fmt.Errorf("simrun check: %s: point %d is not in %s", dir, pr.Index, e.File)}
			}
			pt := e.Point(pr.Index) // the experiment's own parameters, with their kinds
			if pt.Key != pr.Params.Key() {
				return &inputError{fmt.Errorf("simrun check: %s: point %d is %s in results.json but %s in %s", dir, pr.Index, pr.Params.Key(), pt.Key, e.File)}
			}
			for _, s := range pr.Stats {
				if s.Observable != ref.Of {
					continue
				}
				want := ref.Func(pt.Params)
				if math.IsNaN(want) {
					continue
				}
				z := math.NaN()
				switch d := s.Mean - want; {
				case d == 0:
					z = 0
				case !math.IsNaN(s.StdErr):
					z = d / s.StdErr
				}
				devs = append(devs, deviation{pt.Key, ref.Name, ref.Of, s.Mean, s.StdErr, want, z})
			}
		}
	}
	if refs == 0 {
		return &inputError{fmt.Errorf("simrun check: kernel %s declares no exact value of a mean, so there is nothing to check; `simrun kernels %s` lists its references", e.Kernel.Name, e.Kernel.Name)}
	}
	sortByAbsZ(devs, func(d deviation) float64 { return d.z })
	zs := make([]float64, len(devs))
	for i, d := range devs {
		zs[i] = d.z
	}
	fmt.Fprintf(stdout, "%s: kernel %s version %d, seed %d: %s against exact values\n",
		dir, e.Kernel.Name, e.Kernel.Version, e.Seed, count(int64(len(devs)), "mean"))
	if listed := min(*top, countKnown(zs)); listed > 0 {
		fmt.Fprintf(stdout, "largest deviations, z = (mean − exact) / standard error:\n")
		for _, d := range devs[:listed] {
			fmt.Fprintf(stdout, "  z = %+.2f  %s  %s: %.6g ± %.2g, exact %.6g (%s)\n", d.z, d.point, d.of, d.mean, d.se, d.want, d.ref)
		}
	}
	over := zTally(stdout, zs, *limit)
	if over > 0 {
		return fmt.Errorf("simrun check: %s departs from the exact values: %d %s more than %g standard errors away", dir, over, pluralWord(over, "mean is", "means are"), *limit)
	}
	fmt.Fprintf(stdout, "agrees with the exact values within chance\n")
	return nil
}
