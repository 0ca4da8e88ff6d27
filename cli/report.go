package cli

import (
	"context"

	"github.com/simrun/simrun/engine"
)

// report rebuilds a finished run's tables, figures and report from what
// the run saved, without running anything.
func (c *command) report(_ context.Context, args []string) error {
	fs := c.newFlagSet("report", "DIR")
	quiet := fs.Bool("quiet", false, "print no summary")
	pos, err := parseArgs(fs, args, 1, "one results directory")
	if err != nil {
		return err
	}
	r, written, err := c.en.Report(pos[0])
	if err != nil || *quiet {
		return err
	}
	return summarize(c.stdout, &engine.Outcome{Dir: pos[0], Results: r.Results, Written: written}, "wrote", nil)
}
