package runner

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Dispatch: a Stream builds batches for the worker with the most room in
// its window (stream.go), Submit tasks are sent by whoever frees room
// (dispatchSubmitsLocked), and the results of each worker, a process's
// reader or an in-process goroutine, go through complete to the Streams
// and Futures they belong to.

const (
	initialWindow = 4
	minWindow     = 2
	maxWindow     = 1024
	// targetQueued is the work the adaptive window keeps queued in each
	// worker: enough that its pipe never runs dry, little enough that the
	// last tasks of a Stream are spread over the workers. The window also
	// covers the results a worker holds for up to flushDelay before it
	// sends them, so that about targetQueued is still queued when they go.
	targetQueued = 2 * time.Millisecond
)

// A run is a sequence of tasks of one Stream (j) or one Submit (f), with
// consecutive indexes from lo.
type run struct {
	j  *job
	f  *Future
	lo int
	n  int
}

// A batch is tasks on their way to a worker: a whole task frame for a
// worker process, or the tasks' bytes, ending at ends, for a goroutine.
type batch struct {
	buf  []byte
	ends []int
	runs []run
}

// results are a batch of results from one worker: a result frame's
// payload, or, for a goroutine, the outputs one after the other. They are
// shared by the streams they go to and recycled by the last one.
type results struct {
	buf    []byte
	spans  []span
	runs   []run
	busy   time.Duration
	worker int
	refs   atomic.Int32
}

// A delivery hands results to a Stream: spans [a, b) of res, which are the
// results of tasks lo, lo+1, ..., or, if err is set, the failure of n tasks
// from lo.
type delivery struct {
	res  *results
	a, b int
	lo   int
	n    int
	err  *WorkerError
}

// A job is what a Stream in progress shares with the pool's goroutines.
type job struct {
	deliv chan delivery
	wake  chan struct{} // capacity may have freed up
}

var (
	batchPool   = sync.Pool{New: func() any { return new(batch) }}
	resultsPool = sync.Pool{New: func() any { return new(results) }}
)

// maxPooled bounds the buffers kept for reuse.
const maxPooled = 1 << 20

func (p *Pool) newBatch() *batch {
	b := batchPool.Get().(*batch)
	b.buf = b.buf[:0]
	if !p.cfg.InProcess {
		b.buf = append(b.buf, make([]byte, headerLen)...)
	}
	b.ends = b.ends[:0]
	b.runs = b.runs[:0]
	return b
}

// add appends a task to b.
func (p *Pool) add(b *batch, id int, task []byte) {
	if p.cfg.InProcess {
		b.buf = append(b.buf, task...)
		b.ends = append(b.ends, len(b.buf))
	} else {
		b.buf = appendTask(b.buf, uint64(id), task)
	}
}

func putBatch(b *batch) {
	if cap(b.buf) > maxPooled {
		b.buf = nil
	}
	clear(b.runs)
	batchPool.Put(b)
}

func getResults(worker int) *results {
	r := resultsPool.Get().(*results)
	r.buf = r.buf[:0]
	r.spans = r.spans[:0]
	r.runs = r.runs[:0]
	r.busy = 0
	r.worker = worker
	r.refs.Store(1)
	return r
}

func (r *results) release() {
	if r.refs.Add(-1) != 0 {
		return
	}
	if cap(r.buf) > maxPooled {
		r.buf = nil
	}
	clear(r.runs)
	resultsPool.Put(r)
}

// wakeLocked tells the Stream calls in progress, other than those in skip,
// that a worker may have room for tasks.
func (p *Pool) wakeLocked(skip []run) {
next:
	for _, j := range p.streams {
		for _, r := range skip {
			if r.j == j {
				continue next
			}
		}
		select {
		case j.wake <- struct{}{}:
		default:
		}
	}
}

// freestLocked returns the live worker with the most room, or nil if none
// has room.
func (p *Pool) freestLocked() *worker {
	var best *worker
	room := 0
	for _, w := range p.workers {
		if w.dead || w.stopping {
			continue
		}
		if r := w.window - w.outstanding; r > room {
			best, room = w, r
		}
	}
	return best
}

func (p *Pool) noWorkersLocked() error {
	return fmt.Errorf("runner: no live workers: %w", p.lastErr)
}

// enqueueLocked queues b for w. The tasks must already be counted in
// w.outstanding.
func (p *Pool) enqueueLocked(w *worker, b *batch) {
	if w.proc != nil {
		setHeader(b.buf, frameTasks)
		for _, r := range b.runs {
			w.ring.push(r)
		}
	}
	w.sendq = append(w.sendq, b)
	w.cond.Signal()
}

// dispatchSubmitsLocked sends queued Submit tasks to workers with room.
func (p *Pool) dispatchSubmitsLocked() {
	for len(p.subq) > 0 {
		w := p.freestLocked()
		if w == nil {
			if p.live == 0 {
				err := p.noWorkersLocked()
				for _, f := range p.subq {
					p.finishLocked(f, nil, err)
				}
				p.subq = nil
			}
			return
		}
		room := w.window - w.outstanding
		b := p.newBatch()
		k := 0
		for k < room && k < len(p.subq) && len(b.buf) < flushBytes {
			f := p.subq[k]
			f.state = futureSent
			p.add(b, int(f.seq), f.task)
			b.runs = append(b.runs, run{f: f, lo: int(f.seq), n: 1})
			k++
		}
		clear(p.subq[:k])
		p.subq = p.subq[k:]
		if len(p.subq) == 0 {
			p.subq = nil
		}
		w.outstanding += k
		p.enqueueLocked(w, b)
	}
}

// adaptLocked sizes w's window from a batch of n results that kept it busy
// for busy. The time per task is the ratio of the busy times and of the
// task counts, both decaying by a quarter per batch: it follows a change
// of task within a few batches, and a small batch that was slow because
// the worker was descheduled weighs little.
func (w *worker) adaptLocked(busy time.Duration, n int) {
	if w.p.cfg.Window > 0 || n == 0 {
		return
	}
	w.busySum = w.busySum*0.75 + float64(busy)
	w.nSum = w.nSum*0.75 + float64(n)
	win := float64(maxWindow)
	if w.busySum > 0 {
		win = min(win, float64(targetQueued+flushDelay)*w.nSum/w.busySum)
	}
	w.window = max(minWindow, int(win))
}

// complete hands a batch of results from w to their Streams and Futures
// and frees their room in w's window. For a worker process, res.runs are
// taken from the tasks sent, whose ids must match the results'.
func (p *Pool) complete(w *worker, res *results) error {
	n := len(res.spans)
	futures := false
	p.mu.Lock()
	if w.proc != nil {
		if err := w.takeRunsLocked(res); err != nil {
			p.mu.Unlock()
			return err
		}
	}
	w.outstanding -= n
	w.adaptLocked(res.busy, n)
	if len(p.subq) > 0 {
		p.dispatchSubmitsLocked()
	}
	p.wakeLocked(res.runs)
	p.mu.Unlock()

	k := 0
	for _, r := range res.runs {
		if r.f != nil {
			futures = true
			k += r.n
			continue
		}
		res.refs.Add(1)
		r.j.deliv <- delivery{res: res, a: k, b: k + r.n, lo: r.lo, n: r.n}
		k += r.n
	}
	if futures {
		p.mu.Lock()
		k := 0
		for _, r := range res.runs {
			if r.f != nil {
				s := res.spans[k]
				out := res.buf[s.start:s.end]
				if s.status == statusOK {
					p.finishLocked(r.f, out, nil)
				} else {
					p.finishLocked(r.f, nil, taskError(w.id, 0, s.status, out))
				}
			}
			k += r.n
		}
		p.mu.Unlock()
	}
	res.release()
	return nil
}

// takeRunsLocked sets res.runs to the tasks that res answers, from the
// front of w.ring, and removes them from it.
func (w *worker) takeRunsLocked(res *results) error {
	res.runs = res.runs[:0]
	k := 0
	for i := 0; k < len(res.spans); i++ {
		if i >= w.ring.n {
			return protoErrorf("%d results for %d tasks", len(res.spans), k)
		}
		r := *w.ring.at(i)
		r.n = min(r.n, len(res.spans)-k)
		for x := range r.n {
			if id := res.spans[k+x].id; id != uint64(r.lo+x) {
				return protoErrorf("result for task %d, want %d", id, r.lo+x)
			}
		}
		res.runs = append(res.runs, r)
		k += r.n
	}
	w.ring.consume(k)
	return nil
}

// lostLocked marks w dead with err and returns the tasks that were in
// flight on it.
func (p *Pool) lostLocked(w *worker, err *WorkerError) []run {
	w.dead = true
	w.err = err
	lost := w.ring.drain(nil)
	w.ring = runRing{}
	for _, b := range w.sendq {
		if w.proc == nil {
			lost = append(lost, b.runs...)
		}
		putBatch(b)
	}
	w.sendq = nil
	w.outstanding = 0
	w.cond.Broadcast()
	p.live--
	p.lastErr = err
	if p.live == 0 {
		p.dispatchSubmitsLocked() // fails them
	}
	p.wakeLocked(nil)
	return lost
}

// fail fails the tasks of runs with err.
//
// Retrying them on another worker would go here: keep each batch until its
// tasks are answered (the ring holding the batch with each run), so that
// the lost runs can be encoded again and queued for a live worker, and
// start a replacement with startProcess.
func (p *Pool) fail(runs []run, err *WorkerError) {
	futures := false
	for _, r := range runs {
		if r.f != nil {
			futures = true
			continue
		}
		r.j.deliv <- delivery{lo: r.lo, n: r.n, err: err}
	}
	if futures {
		p.mu.Lock()
		for _, r := range runs {
			if r.f != nil {
				p.finishLocked(r.f, nil, err)
			}
		}
		p.mu.Unlock()
	}
}

// A runRing is a queue of runs.
type runRing struct {
	buf  []run
	head int
	n    int
}

func (q *runRing) push(r run) {
	if q.n == len(q.buf) {
		buf := make([]run, max(8, 2*len(q.buf)))
		q.drain(buf[:0])
		q.buf, q.head = buf, 0
	}
	q.buf[(q.head+q.n)%len(q.buf)] = r
	q.n++
}

func (q *runRing) at(i int) *run { return &q.buf[(q.head+i)%len(q.buf)] }

// consume removes k tasks from the front.
func (q *runRing) consume(k int) {
	for k > 0 {
		r := q.at(0)
		m := min(k, r.n)
		r.lo += m
		r.n -= m
		k -= m
		if r.n == 0 {
			*r = run{}
			q.head = (q.head + 1) % len(q.buf)
			q.n--
		}
	}
}

// drain appends the runs in q to dst, leaving q as is.
func (q *runRing) drain(dst []run) []run {
	for i := range q.n {
		dst = append(dst, *q.at(i))
	}
	return dst
}
