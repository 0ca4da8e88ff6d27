package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/simrun/simrun/engine"
	"github.com/simrun/simrun/internal/words"
	"github.com/simrun/simrun/sim"
)

func (c *command) validate(_ context.Context, args []string) error {
	fs := c.newFlagSet("validate", "FILE...")
	pos, err := parseArgs(fs, args, -1, "at least one experiment file")
	if err != nil {
		return err
	}
	var errs []error
	for _, path := range pos {
		e, err := c.en.Load(path)
		if err == nil {
			err = e.CheckRunnable()
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		total, _ := e.NumChunks()
		chunks := words.Count(total, "chunk")
		if e.Budget.Adaptive() {
			chunks = "at most " + chunks + ", to " + targetsText(e.Budget.Targets)
		}
		fmt.Fprintf(c.stdout, "ok  %s: kernel %s, %s, %s\n", path, e.Kernel.Name, words.Count(e.NumPoints(), "point"), chunks)
		c.warnings("validate", e)
	}
	if len(errs) > 0 {
		return &engine.InputError{Err: errors.Join(errs...)}
	}
	return nil
}

// warnings prints the experiment's warnings (sim.Experiment.Warnings) on
// stderr, one line each: "simrun CMD: warning: FILE:LINE: KEY: ...".
func (c *command) warnings(cmd string, e *sim.Experiment) {
	for _, w := range e.Warnings {
		fmt.Fprintf(c.stderr, "simrun %s: warning: %s\n", cmd, w)
	}
}
