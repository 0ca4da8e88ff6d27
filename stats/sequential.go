package stats

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/simrun/simrun/sim"
)

// Precision is how a point of an adaptive budget was sampled: the
// prefix of its chunks its statistics come from, the rounds that took,
// and whether its targets were met.
type Precision struct {
	// Done is false when a chunk of the prefix the next decision needs
	// is missing (not run yet): Chunks is then that prefix's length, and
	// nothing else is set.
	Done    bool
	Chunks  int64 // the chunks of the prefix, from chunk 0 on
	Samples int64 // the samples of those chunks, as the budget gives them
	Rounds  int   // the rounds of chunks run, each followed by a decision
	Reached bool  // every target is met; false when the point stopped at the budget's maximum
	Targets []TargetOutcome
}

// A TargetOutcome is one target at one point.
type TargetOutcome struct {
	Stat      string
	StdErrMax float64 // the target at this point: Abs + Rel·|mean|
	Reached   bool
}

// Rounds grow from one decision to the next by what the statistics
// predict the targets need, with a margin (roundMargin), but by at least
// a quarter and at most a doubling of the chunks so far: a noisy early
// estimate neither stalls a point in rounds of a chunk or two nor sends
// it to its maximum at once.
const (
	roundMargin = 1.1
	minGrowth   = 4 // at least chunks/minGrowth more chunks, and 1
)

// ReduceSequential reduces a point of an adaptive budget b (b.Targets
// set): it replays the decisions of the point's rounds on its chunks, in
// chunk order, and returns the statistics of the prefix it stopped at,
// as Reduce would give for exactly those chunks, with their warnings and
// how it got there. The first round is b.MinChunks chunks; after each, a
// point whose statistics reach every target (Reached) stops, and one that
// has all b.Chunks stops unreached, with a warning; otherwise the next
// round takes it to the chunks nextRound predicts.
//
// The decisions depend on the chunks' accumulators only, so the engine
// that runs the rounds and any later reduction of the same chunks (a
// rebuild of the outputs from chunks.bin, a resumed run) agree on them
// bit for bit; chunks beyond the prefix, if any, are not read. A chunk
// that holds no samples (sim.ChunkDone) is missing: if one is in the
// prefix of the next decision, Precision.Done is false and the
// statistics are nil.
func (r *Reducer) ReduceSequential(dst []Stat, spec sim.KernelSpec, p sim.Params, b sim.Budget, chunks Chunks) ([]Stat, []string, Precision, error) {
	var pr Precision
	c := min(max(b.MinChunks, 1), b.Chunks)
	for {
		pre := prefix{chunks: chunks, n: c}
		st, warns, err := r.Reduce(dst, spec, p, &pre)
		switch {
		case errors.Is(err, errMissing):
			return dst, nil, Precision{Chunks: c}, nil
		case err != nil:
			return nil, nil, Precision{}, err
		}
		pr.Rounds++
		own := st[len(dst):]
		reached := !slices.ContainsFunc(b.Targets, func(t sim.Target) bool { return !Reached(own[t.Index], t) })
		if reached || c >= b.Chunks {
			pr.Done, pr.Chunks, pr.Samples, pr.Reached = true, c, b.PrefixSamples(c), reached
			pr.Targets = make([]TargetOutcome, len(b.Targets))
			for i, t := range b.Targets {
				s := own[t.Index]
				o := TargetOutcome{Stat: t.Stat, StdErrMax: StdErrMax(t, s.Mean), Reached: Reached(s, t)}
				if !o.Reached {
					warns = append(warns, fmt.Sprintf("%s: target not reached with the most samples a point may have (%d): standard error %s, target %s",
						t.Stat, pr.Samples, sim.FormatFloat(s.StdErr), sim.FormatFloat(o.StdErrMax)))
				}
				pr.Targets[i] = o
			}
			return st, warns, pr, nil
		}
		c = nextRound(c, b, own)
	}
}

// nextRound returns the chunks of the round after one of c chunks whose
// statistics st did not meet b's targets: by the predicted need of the
// target furthest off, the half-width shrinking as 1/√chunks, with
// roundMargin, between c + c/minGrowth and 2c, and at most b.Chunks.
func nextRound(c int64, b sim.Budget, st []Stat) int64 {
	ratio := 1.0
	for _, t := range b.Targets {
		half, allowed := halfWidths(st[t.Index], t)
		q := half / allowed
		if math.IsNaN(q) {
			ratio = math.Inf(1) // no estimate yet: double
			break
		}
		ratio = max(ratio, q)
	}
	left := b.Chunks - c // > 0, and so no overflow below
	lo, hi := c+min(left, max(1, c/minGrowth)), c+min(left, c)
	if need := float64(float64(float64(c)*ratio)*ratio) * roundMargin; need < float64(hi) {
		return max(lo, int64(math.Ceil(need)))
	}
	return hi
}

// errMissing stops a prefix's walk at a chunk that is not done.
var errMissing = errors.New("stats: a chunk of the prefix is missing")

// prefix is the first n of a point's chunks; its walk fails with
// errMissing at one that is not done.
type prefix struct {
	chunks Chunks
	n      int64
}

var errPrefixEnd = errors.New("end of prefix")

func (p *prefix) Each(f func(accs []sim.Acc) error) error {
	var i int64
	err := p.chunks.Each(func(accs []sim.Acc) error {
		if i == p.n {
			return errPrefixEnd
		}
		if !sim.ChunkDone(accs) {
			return errMissing
		}
		i++
		return f(accs)
	})
	switch {
	case errors.Is(err, errPrefixEnd):
		return nil
	case err == nil && i < p.n:
		return errMissing // fewer chunks than the prefix
	}
	return err
}
