package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/simrun/simrun/report"
)

// reportCmd rebuilds a finished run's tables, figures and report from what
// the run saved, without running anything.
func reportCmd(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("report", "DIR", stderr)
	quiet := fs.Bool("quiet", false, "print no summary")
	pos, err := parseFlags(fs, args)
	if err != nil {
		if errors.Is(err, errHelp) {
			return nil
		}
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return usagef("simrun report: want one results directory, got %d arguments", len(pos))
	}
	dir := pos[0]
	e, res, accs, err := loadRun(dir)
	if err != nil {
		return err
	}
	written, err := writeOutputs(dir, e, res, accs)
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
