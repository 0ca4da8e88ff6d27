package main

import (
	"encoding/binary"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/simrun/simrun/sim"
)

// chunkCmd runs exactly one chunk in this process, without a worker pool
// and without recovering a panic, so that a failing chunk can be debugged
// (with a debugger, or by reading the full stack). It is the command a
// failed run prints.
func chunkCmd(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("chunk", "FILE POINT CHUNK", stderr)
	pos, err := parseArgs(fs, args, 3, "FILE POINT CHUNK")
	if err != nil {
		return err
	}
	e, err := loadExperiment(pos[0])
	if err != nil {
		return err
	}
	point, err1 := strconv.ParseInt(pos[1], 10, 64)
	chunk, err2 := strconv.ParseInt(pos[2], 10, 64)
	if err1 != nil || err2 != nil || point < 0 || point >= e.NumPoints() || chunk < 0 || chunk >= e.Budget.Chunks {
		return usagef("simrun chunk: point %q and chunk %q: want a point in [0, %d) and a chunk in [0, %d)", pos[1], pos[2], e.NumPoints(), e.Budget.Chunks)
	}
	h, err := setupChunks(encodeInit(e))
	if err != nil {
		return err
	}
	p := e.Point(point)
	fmt.Fprintf(stdout, "point %d (%s), chunk %d of %d, %d samples, seed %d\n", point, p.Key, chunk, e.Budget.Chunks, e.Budget.ChunkSamples(chunk), e.Seed)
	out, err := h.Handle(nil, binary.AppendUvarint(nil, uint64(point*e.Budget.Chunks+chunk)))
	if err != nil {
		return fmt.Errorf("simrun: point %d (%s), chunk %d: %w", point, p.Key, chunk, err)
	}
	accs := make([]sim.Acc, len(e.Kernel.Observables))
	if err := decodeAccs(out, accs); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "observable\tn\tmean\tvariance\tmin\tmax")
	for i, a := range accs {
		fmt.Fprintf(tw, "%s\t%d\t%v\t%v\t%v\t%v\n", e.Kernel.Observables[i].Name, a.N, a.Mean, a.Variance(), a.Min, a.Max)
	}
	return tw.Flush()
}

// rerunCommand is the command that reruns one chunk in-process.
func rerunCommand(e *sim.Experiment, point, chunk int64) string {
	return fmt.Sprintf("simrun chunk %s %d %d", shellQuote(e.File), point, chunk)
}

// shellQuote quotes s for a POSIX shell when it needs quoting.
func shellQuote(s string) string {
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '/' || c == '.' || c == '_' || c == '-') {
			return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
		}
	}
	return s
}
