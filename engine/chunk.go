package engine

import (
	"fmt"

	"github.com/simrun/simrun/internal/shell"
	"github.com/simrun/simrun/sim"
)

// Chunk runs chunk c of point p of e in this process, without a worker
// pool and without recovering a panic, so that a failing chunk can be
// debugged with a debugger or by its full stack, and returns its
// accumulators, one per observable. It is what the command that a failed
// run prints (RerunCommand) does.
func (en *Engine) Chunk(e *sim.Experiment, p, c int64) ([]sim.Acc, error) {
	if p < 0 || p >= e.NumPoints() || c < 0 || c >= e.Budget.Chunks {
		return nil, inputErrorf("engine: point %d, chunk %d: want a point in [0, %d) and a chunk in [0, %d)", p, c, e.NumPoints(), e.Budget.Chunks)
	}
	cr, err := en.newSimulator(e)
	if err != nil {
		return nil, err
	}
	defer cr.Close()
	accs, err := cr.run(e.Layout().Index(p, c))
	if err != nil {
		return nil, fmt.Errorf("engine: point %d (%s), chunk %d: %w", p, e.Point(p).Key, c, err)
	}
	return accs, nil
}

// RerunCommand is the command that reruns chunk c of point p of e
// in-process: Program's chunk subcommand.
func (en *Engine) RerunCommand(e *sim.Experiment, p, c int64) string {
	return shell.Join(en.Program, "chunk", e.File, fmt.Sprint(p), fmt.Sprint(c))
}
