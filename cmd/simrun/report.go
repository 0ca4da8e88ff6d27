package main

import (
	"fmt"
	"io"

	"github.com/simrun/simrun/report"
)

// reportCmd rebuilds a finished run's tables, figures and report from what
// the run saved, without running anything.
func reportCmd(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("report", "DIR", stderr)
	quiet := fs.Bool("quiet", false, "print no summary")
	pos, err := parseArgs(fs, args, 1, "one results directory")
	if err != nil {
		return err
	}
	dir := pos[0]
	e, res, accs, err := loadRun(dir)
	if err != nil {
		return err
	}
	written, err := writeOutputs(dir, e, res, accs, nil)
	if err != nil {
		return err
	}
	if !*quiet {
		if err := report.Summary(stdout, res); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "\nwrote %d files in %s: %s\n", len(written), dir, baseNames(written))
	}
	return nil
}
