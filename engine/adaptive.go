package engine

import (
	"fmt"

	"github.com/simrun/simrun/report"
	"github.com/simrun/simrun/sim"
	"github.com/simrun/simrun/stats"
)

// nextWave sets x.missing to the next wave of an adaptive budget's
// chunks: of every point that has not stopped nor failed, the chunks not
// done of the prefix its next decision needs. Each point's decisions are
// replayed on the chunks done so far (stats.ReduceSequential, the very
// reduction the outputs are made with); a point whose rounds stop is
// marked stopped in the store. A resumed run thus takes again, from its
// journal, the decisions of the run it resumes, and runs no chunk they
// did not ask for.
func (x *execution) nextWave() error {
	t, e := x.t, x.e
	if err := t.drain(); err != nil {
		return err
	}
	failed := make(map[int64]bool)
	for _, f := range x.failures {
		failed[f.Point] = true
	}
	cr := report.NewChunkReader(t.file.File, t.ChunkLayout, t.points)
	var (
		red  stats.Reducer
		st   []stats.Stat
		vals = make([]sim.Value, len(e.Kernel.Params))
	)
	x.missing = taskList{step: 1}
	for p := range t.points {
		if t.stopped != nil && t.stopped[p] != 0 || failed[p] {
			continue
		}
		if err := cr.Point(p); err != nil {
			return fmt.Errorf("engine: %w", err)
		}
		var pr stats.Precision
		var err error
		st, _, pr, err = red.ReduceSequential(st[:0], e.Kernel, e.PointParamsIn(p, vals), e.Budget, cr)
		if err != nil {
			return fmt.Errorf("engine: %w", err)
		}
		if pr.Done {
			t.stop(p, pr.Chunks)
			continue
		}
		for c := range pr.Chunks {
			if g := t.Index(p, c); !t.Done(g) {
				x.missing.add(g)
			}
		}
	}
	t.advance()
	return nil
}

// finishedChunks returns the chunks of e that the complete results res
// come from: all of them, but of an adaptive budget, the prefixes its
// points stopped at, when res lists every point (and the most it may
// take when not).
func finishedChunks(e *sim.Experiment, res *report.Results) int64 {
	total, _ := e.NumChunks()
	if !e.Budget.Adaptive() || res.PointsOmitted > 0 {
		return total
	}
	var n int64
	for _, p := range res.Points {
		if p.Precision != nil {
			n += p.Precision.Chunks
		}
	}
	return n
}
