package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/simrun/simrun/kernels"
	"github.com/simrun/simrun/sim"
)

func validateCmd(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("validate", "FILE...", stderr)
	pos, err := parseArgs(fs, args, -1, "at least one experiment file")
	if err != nil {
		return err
	}
	var errs []error
	for _, path := range pos {
		e, err := sim.Load(path, kernels.Default)
		if err == nil {
			err = e.CheckRunnable()
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		total, _ := e.NumChunks()
		fmt.Fprintf(stdout, "ok  %s: kernel %s, %s, %s\n", path, e.Kernel.Name, count(e.NumPoints(), "point"), count(total, "chunk"))
	}
	if len(errs) > 0 {
		return &inputError{errors.Join(errs...)}
	}
	return nil
}
