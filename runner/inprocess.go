package runner

import (
	"errors"
	"fmt"
	"io"
	"time"
)

// errGoexit is why a worker stops if its handler calls runtime.Goexit, as
// t.FailNow does.
var errGoexit = errors.New("runtime.Goexit called")

// serveInProcess is an in-process worker: a goroutine that runs the
// batches queued for w, with the batching of a worker process but no
// encoding.
func (w *worker) serveInProcess() {
	defer close(w.done)
	p := w.p
	var x *inproc
	returned := false
	defer func() {
		if !returned {
			// runtime.Goexit, the only way out besides return: a panic
			// in a handler is recovered, elsewhere it is a bug that
			// ends the program.
			w.goexit(x)
		}
	}()
	h, err := setupHandler(p.setup, p.cfg.Init)
	if err != nil {
		w.ready <- fmt.Errorf("runner: worker %d: setup %q: %w", w.id, p.cfg.Handler, err)
		returned = true
		return
	}
	p.mu.Lock()
	w.readyLocked()
	p.mu.Unlock()
	w.ready <- nil
	x = &inproc{w: w, h: h, res: getResults(w.id)}
	x.serve()
	returned = true
	if c, ok := h.(io.Closer); ok {
		if err := c.Close(); err != nil {
			p.log.Warn("runner: closing the handler", "worker", w.id, "err", err)
		}
	}
}

type inproc struct {
	w       *worker
	h       Handler
	scratch []byte
	res     *results  // results not yet delivered
	start   time.Time // when the first task of res started
	first   time.Time // when the first task of res finished

	// Where the worker is: task k of run ri of batch bi of q.
	q         []*batch
	bi, ri, k int
}

func (x *inproc) serve() {
	p, w := x.w.p, x.w
	for {
		p.mu.Lock()
		if len(w.sendq) == 0 && len(x.res.spans) > 0 {
			// Nothing queued: deliver what we have before waiting.
			p.mu.Unlock()
			x.flush()
			continue
		}
		for len(w.sendq) == 0 && w.state != workerStopping {
			w.cond.Wait()
		}
		if len(w.sendq) == 0 {
			p.mu.Unlock()
			return
		}
		x.q, w.sendq = w.sendq, x.q[:0]
		p.mu.Unlock()
		for x.bi = 0; x.bi < len(x.q); x.bi++ {
			b := x.q[x.bi]
			x.runBatch(b)
			putBatch(b)
			x.q[x.bi] = nil
		}
		x.q = x.q[:0]
	}
}

func (x *inproc) runBatch(b *batch) {
	start, t := 0, 0
	for x.ri = 0; x.ri < len(b.runs); x.ri++ {
		r := b.runs[x.ri]
		for x.k = 0; x.k < r.n; x.k++ {
			end := b.ends[t]
			t++
			x.do(r, r.lo+x.k, b.buf[start:end:end])
			start = end
		}
	}
}

// do runs task i of r and adds its result to x.res, delivering them if
// they are many or old.
func (x *inproc) do(r run, i int, task []byte) {
	res := x.res
	if len(res.spans) == 0 {
		x.start = time.Now()
	}
	out, status := callHandler(x.h, x.scratch, task)
	x.scratch = growScratch(x.scratch, len(out))
	s := len(res.buf)
	res.buf = append(res.buf, out...)
	res.spans = append(res.spans, span{start: s, end: len(res.buf), id: uint64(i), status: status})
	if n := len(res.runs) - 1; n >= 0 && res.runs[n].j == r.j && res.runs[n].f == r.f && res.runs[n].lo+res.runs[n].n == i {
		res.runs[n].n++
	} else {
		res.runs = append(res.runs, run{j: r.j, f: r.f, lo: i, n: 1})
	}
	if len(res.spans) == 1 {
		x.first = time.Now()
	}
	if len(res.spans) >= flushResults || len(res.buf) >= flushBytes || time.Since(x.first) >= flushDelay {
		x.flush()
	}
}

func (x *inproc) flush() {
	if len(x.res.spans) == 0 {
		return
	}
	x.res.busy = time.Since(x.start)
	x.w.p.complete(x.w, x.res) // cannot fail in process
	x.res = getResults(x.w.id)
}

// goexit retires a worker whose handler called runtime.Goexit, as if a
// worker process had died: it delivers the results it has, and fails the
// tasks it had not run. x is nil if Setup called it.
func (w *worker) goexit(x *inproc) {
	p := w.p
	werr := &WorkerError{Worker: w.id, Err: errGoexit}
	if x == nil {
		w.ready <- fmt.Errorf("runner: worker %d: setup %q: %w", w.id, p.cfg.Handler, errGoexit)
		return
	}
	x.flush()
	var lost []run
	if x.bi < len(x.q) {
		b := x.q[x.bi]
		r := b.runs[x.ri]
		lost = append(lost, run{j: r.j, f: r.f, lo: r.lo + x.k, n: r.n - x.k})
		lost = append(lost, b.runs[x.ri+1:]...)
		for _, b := range x.q[x.bi+1:] {
			lost = append(lost, b.runs...)
		}
	}
	p.mu.Lock()
	lost = append(lost, p.lostLocked(w, werr)...)
	p.mu.Unlock()
	p.fail(lost, werr)
	p.log.Warn("runner: worker died", "worker", w.id, "err", errGoexit, "tasks_lost", countTasks(lost))
}
