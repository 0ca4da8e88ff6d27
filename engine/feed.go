package engine

import (
	"errors"
	"io"
	"runtime"
	"sync"

	"github.com/simrun/simrun/report"
	"github.com/simrun/simrun/sim"
	"github.com/simrun/simrun/stats"
)

// A pointFeed is the reduction of a sweep's points from a chunk estimates
// file, under way. As many goroutines as there are cores take blocks of
// feedPoints points in sweep order and reduce each point by itself, so that
// the bits do not depend on how the sweep is cut; each hands the blocks
// on in sweep order, at most feedWindow blocks ahead of the consumer, so
// that memory is bounded by the blocks in flight, not by the sweep. Only
// the points whose chunks are all done (pointDone, or if nil, by the
// chunks' sample counts, as a chunks.bin is read) and none failed are
// reduced.
//
// A run's feed starts with the run: the chunks are reduced in sweep order
// as they arrive, up to the first point not yet done (advance), and the
// rest once the run is over (release). The consumer calls each once,
// then finish once.
type pointFeed struct {
	order    chan *feedBlock // in sweep order
	stop     chan struct{}   // closed by finish: no more blocks
	workers  sync.WaitGroup
	checked  chan error // check's result
	after    func() error
	wrap     func(error) error
	wrote    string // the chunks.bin that after puts in place, if it does
	finished bool

	mu        sync.Mutex
	cond      sync.Cond
	avail     int64 // every point below is done and in the file
	released  bool  // every point's fate is known
	stopped   bool
	failed    map[int64]bool
	pointDone func(int64) bool
}

// A feedBlock is the points lo to hi-1, once ready is closed: those
// reduced, in order, and whether any was left out. If done, every one of
// them was done when the block was handed out, before the run was over.
type feedBlock struct {
	lo, hi int64
	done   bool
	// After release: the points that failed, and which are done.
	failed    map[int64]bool
	pointDone func(int64) bool

	points []report.PointResult
	left   bool
	err    error
	ready  chan struct{}
}

// feedPoints is the points of a feed's block, and feedWindow the most
// blocks reduced ahead of their consumer.
const (
	feedPoints = 1024
	feedWindow = 8
)

// startFeed starts the reduction of e's points from r, and check (if not
// nil) beside it. finish runs after (if not nil) once both are done and
// neither failed, and passes the feed's error through wrap if not nil.
func startFeed(e *sim.Experiment, r io.ReaderAt, pointDone func(int64) bool, failures []report.Failure, check, after func() error, wrap func(error) error) *pointFeed {
	f := newFeed(e, r, after, wrap)
	f.release(pointDone, failures, check)
	return f
}

// newFeed starts a feed of e's points from r, which reduces none until
// advance or release says they are done.
func newFeed(e *sim.Experiment, r io.ReaderAt, after func() error, wrap func(error) error) *pointFeed {
	n := e.NumPoints()
	f := &pointFeed{
		order:   make(chan *feedBlock, feedWindow),
		stop:    make(chan struct{}),
		checked: make(chan error, 1),
		after:   after,
		wrap:    wrap,
	}
	f.cond.L = &f.mu
	work := make(chan *feedBlock)
	go func() {
		defer close(f.order)
		defer close(work)
		for lo := int64(0); lo < n; lo += feedPoints {
			b := &feedBlock{lo: lo, hi: min(n, lo+feedPoints), ready: make(chan struct{})}
			if !f.wait(b) {
				return
			}
			// The worker gets the block only once the consumer will wait for it.
			select {
			case f.order <- b:
			case <-f.stop:
				return
			}
			select {
			case work <- b:
			case <-f.stop:
				return
			}
		}
	}()
	workers := max(1, min(int64(runtime.GOMAXPROCS(0)), (n+feedPoints-1)/feedPoints))
	for range workers {
		f.workers.Go(func() {
			cr := report.NewChunkReader(r, e.Layout(), n)
			var red stats.Reducer
			for b := range work {
				b.err = b.reduce(e, cr, &red)
				close(b.ready)
			}
		})
	}
	return f
}

// wait waits until block b may be reduced, and sets b.done; it reports
// false if the feed stopped first.
func (f *pointFeed) wait(b *feedBlock) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for !f.stopped && !f.released && f.avail < b.hi {
		f.cond.Wait()
	}
	b.done = !f.released
	b.failed, b.pointDone = f.failed, f.pointDone
	return !f.stopped
}

// advance says that every point below p is done and its chunks are in
// the file; the points that remain undecided are not read.
func (f *pointFeed) advance(p int64) {
	f.mu.Lock()
	if p > f.avail {
		f.avail = p
		f.cond.Broadcast()
	}
	f.mu.Unlock()
}

// release says that the run is over: the points to reduce are those whose
// chunks are all done (pointDone, or if nil, by the chunks' sample
// counts, as a chunks.bin is read) and none failed; check (if not nil)
// starts beside them.
func (f *pointFeed) release(pointDone func(int64) bool, failures []report.Failure, check func() error) {
	failed := make(map[int64]bool)
	for _, x := range failures {
		failed[x.Point] = true
	}
	f.mu.Lock()
	f.failed, f.pointDone, f.released = failed, pointDone, true
	f.cond.Broadcast()
	f.mu.Unlock()
	go func() {
		var err error
		if check != nil {
			err = check()
		}
		f.checked <- err
	}()
}

// reduce reduces the block's points with cr, reading no further. Of a
// block handed out before release, every point is done.
func (b *feedBlock) reduce(e *sim.Experiment, cr *report.ChunkReader, red *stats.Reducer) error {
	cr.Bound(b.hi)
	// The block's parameter values, and its points' statistics, in one
	// allocation each.
	np, ns := len(e.Kernel.Params), len(e.Kernel.Observables)+len(e.Kernel.Derived)
	vals := make([]sim.Value, int(b.hi-b.lo)*np)
	st := make([]stats.Stat, 0, int(b.hi-b.lo)*ns)
	b.points = make([]report.PointResult, 0, b.hi-b.lo)
	// An adaptive point's own decisions say whether it is done: not that
	// every chunk is.
	adaptive := e.Budget.Adaptive()
	var prec []stats.Precision
	if adaptive {
		prec = make([]stats.Precision, b.hi-b.lo)
	}
	for p := b.lo; p < b.hi; p++ {
		if !b.done && (b.failed[p] || b.pointDone != nil && !b.pointDone(p)) {
			b.left = true
			continue
		}
		if err := cr.Point(p); err != nil {
			return err
		}
		if !b.done && b.pointDone == nil && !adaptive {
			done, err := cr.Done()
			if err != nil {
				return err
			}
			if !done {
				b.left = true
				continue
			}
		}
		i := int(p-b.lo) * np
		params := e.PointParamsIn(p, vals[i:i+np:i+np])
		start := len(st)
		var (
			warns []string
			pr    *stats.Precision
			err   error
		)
		if adaptive {
			pr = &prec[p-b.lo]
			st, warns, *pr, err = red.ReduceSequential(st, e.Kernel, params, e.Budget, cr)
		} else {
			st, warns, err = red.Reduce(st, e.Kernel, params, cr)
		}
		switch {
		case err != nil:
			return err
		case pr != nil && !pr.Done:
			b.left = true
			continue
		}
		b.points = append(b.points, report.PointResult{Index: p, Params: params, Stats: st[start:len(st):len(st)], Warnings: warns, Precision: pr})
	}
	return nil
}

// each calls f with each block's points, in sweep order, and whether a
// point of the block was left out, until f or a block fails, and returns
// that error.
func (f *pointFeed) each(fn func(points []report.PointResult, left bool) error) error {
	for b := range f.order {
		<-b.ready
		if b.err != nil {
			return b.err
		}
		if err := fn(b.points, b.left); err != nil {
			return err
		}
	}
	return nil
}

// finish ends the feed, after each returned err: it stops the reduction,
// waits for it and for check (which release starts), and then, if none
// of them failed, runs after. It returns the first error of each, check
// and after, passed through wrap. Only its first call does anything;
// later ones return nil. Of a nil feed, it returns err.
func (f *pointFeed) finish(err error) error {
	if f == nil {
		return err
	}
	if f.finished {
		return nil
	}
	f.finished = true
	close(f.stop)
	f.mu.Lock()
	f.stopped = true
	f.cond.Broadcast()
	f.mu.Unlock()
	for range f.order { // let the producer see stop
	}
	f.workers.Wait()
	err = errors.Join(err, <-f.checked)
	if err == nil && f.after != nil {
		err = f.after()
	}
	if err != nil && f.wrap != nil {
		err = f.wrap(err)
	}
	return err
}

// collect reduces every point and returns them in sweep order, and
// whether any was left out: the whole feed, each and finish.
func (f *pointFeed) collect() (points []report.PointResult, partial bool, err error) {
	err = f.each(func(ps []report.PointResult, left bool) error {
		points = append(points, ps...)
		partial = partial || left
		return nil
	})
	if err = f.finish(err); err != nil {
		return nil, false, err
	}
	return points, partial, nil
}

// reducePoints reduces the points of e from the chunk estimates file r
// of e's layout, as startFeed does, and returns them when all are done.
func reducePoints(e *sim.Experiment, r io.ReaderAt, pointDone func(int64) bool, failures []report.Failure, check func() error) (points []report.PointResult, partial bool, err error) {
	return startFeed(e, r, pointDone, failures, check, nil, nil).collect()
}
