package stats

import (
	"fmt"

	"github.com/simrun/simrun/sim"
)

// Chunks is one point's chunk accumulators in chunk order, which the
// reduction walks twice: once to merge them, once for their spread
// around the merged means. Each calls f with each chunk's accumulators
// (one per observable) in chunk order, and returns f's first error, or
// an error of its own (reading a file). f does not keep the slice, which
// may be reused from one chunk to the next.
type Chunks interface {
	Each(f func(accs []sim.Acc) error) error
}

// Slice is Chunks in memory: chunks[c][o] is the accumulator of
// observable o in chunk c.
type Slice [][]sim.Acc

// Each calls f with every chunk in order.
func (s Slice) Each(f func(accs []sim.Acc) error) error {
	for _, c := range s {
		if err := f(c); err != nil {
			return err
		}
	}
	return nil
}

// ReducePoint is ReduceAll over chunks held anywhere, a file as well as
// memory: the same statistics and warnings, bit for bit, in memory that
// grows with the observables and not with the chunks. It walks chunks
// once, and a second time only for a standard error by batch means (an
// observable not declared IID, or a derived quantity); it returns the
// error of a walk.
func ReducePoint(spec sim.KernelSpec, p sim.Params, chunks Chunks) ([]Stat, []string, error) {
	var r Reducer
	return r.Reduce(nil, spec, p, chunks)
}

// A Reducer is ReducePoint with room of its own, reused from one point to
// the next: a reduction of a million points allocates only what it
// returns. Its zero value is ready to use; it is not safe for concurrent
// use.
type Reducer struct {
	all    []sim.Acc
	k      []int64
	spread []bool
	sum    []float64
}

// Reduce is ReducePoint, appending the statistics to dst.
func (r *Reducer) Reduce(dst []Stat, spec sim.KernelSpec, p sim.Params, chunks Chunks) ([]Stat, []string, error) {
	obs := spec.Observables
	if cap(r.all) < len(obs) {
		r.all, r.k, r.spread, r.sum = make([]sim.Acc, len(obs)), make([]int64, len(obs)), make([]bool, len(obs)), make([]float64, len(obs))
	}
	all, k, spread, sum := r.all[:len(obs)], r.k[:len(obs)], r.spread[:len(obs)], r.sum[:len(obs)]
	clear(all)
	clear(k)
	clear(sum)
	var warnings []string
	derived := make([]*derivedReduction, len(spec.Derived))
	for i, d := range spec.Derived {
		derived[i] = newDerived(obs, d, p)
	}
	c := 0
	err := chunks.Each(func(accs []sim.Acc) error {
		if len(accs) != len(obs) {
			warnings = append(warnings, fmt.Sprintf("chunk %d has %d accumulators, want %d (one per observable): chunk ignored", c, len(accs), len(obs)))
		} else {
			for o, a := range accs {
				mergeOne(&all[o], &k[o], a)
			}
		}
		for _, d := range derived {
			d.merge(accs)
		}
		c++
		return nil
	})
	if err != nil {
		return nil, nil, err
	}

	second := false
	for o, spec := range obs {
		spread[o] = needsSpread(spec, all[o], k[o])
		second = second || spread[o]
	}
	for _, d := range derived {
		second = d.endMerge() || second
	}
	if second {
		err := chunks.Each(func(accs []sim.Acc) error {
			if len(accs) == len(obs) {
				for o, a := range accs {
					if spread[o] {
						addSpread(&sum[o], all[o], a)
					}
				}
			}
			for _, d := range derived {
				d.spread(accs)
			}
			return nil
		})
		if err != nil {
			return nil, nil, err
		}
	}

	stats := dst
	for o, spec := range obs {
		s, w := finishOne(spec, all[o], k[o], sum[o])
		stats = append(stats, s)
		warnings = append(warnings, w...)
	}
	for _, d := range derived {
		s, w := d.finish()
		stats = append(stats, s)
		warnings = append(warnings, w...)
	}
	return stats, warnings, nil
}
