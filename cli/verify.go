package cli

import (
	"context"
	"fmt"

	"github.com/simrun/simrun/internal/words"
	"github.com/simrun/simrun/sim/rng"
)

// verify reruns chunks of a finished run in this process and compares
// them bit for bit with the run's chunks.bin: whether this binary on this
// machine reproduces the results in DIR. By default it checks a sample of
// chunks spread over the whole run; --all checks every one.
func (c *command) verify(_ context.Context, args []string) error {
	fs := c.newFlagSet("verify", "DIR")
	n := fs.Int("chunks", 20, "rerun `N` chunks spread evenly over the run")
	all := fs.Bool("all", false, "rerun every chunk of the run")
	pos, err := parseArgs(fs, args, 1, "one results directory")
	if err != nil {
		return err
	}
	if *n < 1 && !*all {
		return usagef("simrun verify: --chunks %d: want at least 1", *n)
	}
	if *all {
		*n = -1
	}
	dir := pos[0]
	v, err := c.en.Verify(dir, *n)
	if err != nil {
		return err
	}
	what := fmt.Sprintf("%d of the %d chunks", v.Checked, v.Completed)
	if v.Checked == v.Completed {
		what = fmt.Sprintf("all %d chunks", v.Completed)
	}
	if m := v.Mismatches; len(m) > 0 {
		fmt.Fprintf(c.stdout, "%s of %s differ from %s:\n", words.Count(int64(len(m)), "chunk"), what, dir)
		for _, m := range m[:min(len(m), 10)] {
			fmt.Fprintf(c.stdout, "  %s\n", m)
		}
		if len(m) > 10 {
			fmt.Fprintf(c.stdout, "  ... and %d more\n", len(m)-10)
		}
		return fmt.Errorf("simrun verify: %s does not reproduce here: %d of %d chunks differ", dir, len(m), v.Checked)
	}
	e := v.Run.Experiment
	fmt.Fprintf(c.stdout, "verified %s of %s: identical to the bit (kernel %s version %d, seed %d, %s)\n",
		what, dir, e.Kernel.Name, e.Kernel.Version, e.Seed, rng.Algorithm)
	if len(v.Files) > 0 {
		for _, f := range v.Files {
			fmt.Fprintf(c.stdout, "  %s\n", f)
		}
		return fmt.Errorf("simrun verify: the chunks of %s reproduce, but %d of its results files do not agree with them", dir, len(v.Files))
	}
	fmt.Fprintf(c.stdout, "%s agree with chunks.bin\n", words.List(v.Compared))
	return nil
}
