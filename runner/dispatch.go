package runner

import (
	"bytes"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Dispatch: a Stream builds batches for the worker with the most room in
// its window (stream.go), Submit tasks and tasks to be sent again after
// their worker died are sent by whoever frees room (dispatchQueuedLocked),
// and the results of each worker, a process's reader or an in-process
// goroutine, go through complete to the Streams and Futures they belong
// to. The tasks in flight on a dead worker process go through
// recoverLocked. The tasks queued behind the current task of a stalled
// worker process are sent to idle workers too (stall.go): such a task has
// two copies in flight, which share a twin, and the first result wins.

const (
	initialWindow = 4
	minWindow     = 2
	maxWindow     = 1024
	// targetQueued is the work the adaptive window keeps queued in each
	// worker by default (Config.Queued): enough that its pipe never runs
	// dry, little enough that the last tasks of a Stream are spread over
	// the workers. The window also
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
	// tries is how many workers died running the tasks (a run of a task
	// sent again has one task).
	tries int
	// b is, in the ring of a worker process, the batch that holds the
	// tasks' bytes, kept so that they can be sent again. The ring entry
	// holds a reference to it.
	b *batch
	// tw is set for a task (a run of one) moved from behind a stalled
	// worker's current task: its copies share it.
	tw *twin
}

// dropped reports whether r, in a batch of results, is a duplicate result
// to drop: complete clears j and f for those.
func (r run) dropped() bool { return r.j == nil && r.f == nil }

// A twin is what the copies of a moved task share, guarded by Pool.mu: a
// task queued behind a stalled worker's current task, and sent to an idle
// worker too (moveQueuedLocked). Its first result is delivered and later
// ones are dropped; a copy lost with its worker is dropped while another
// copy is in flight or answered, and only the loss of the last one counts.
type twin struct {
	live int  // copies in the rings of worker processes
	done bool // a result was delivered
}

// A batch is tasks on their way to a worker: a whole task frame for a
// worker process, or the tasks' bytes, ending at ends, for a goroutine.
// The batch of a worker process is recycled once it has been written and
// all its tasks answered or lost: refs counts the writer and the ring
// entries.
type batch struct {
	buf  []byte
	ends []int
	runs []run
	refs atomic.Int32
}

// A retryTask is a task lost with a worker process, to be sent again.
type retryTask struct {
	j     *job
	f     *Future
	id    int
	tries int
	task  []byte
}

// A failure is the error of a run of tasks, to be delivered.
type failure struct {
	r   run
	err error
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
	err  error // a *WorkerError, or an error wrapping one
}

// A job is what a Stream in progress shares with the pool's goroutines.
type job struct {
	deliv   chan delivery
	wake    chan struct{} // capacity may have freed up
	stopped bool          // guarded by Pool.mu: it sends no more tasks; do not retry its tasks
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

// release drops a reference to the batch of a worker process.
func (b *batch) release() {
	if b.refs.Add(-1) == 0 {
		putBatch(b)
	}
}

// tasks calls fn with the id and bytes of each task of r, a run of the
// task frame b.
func (b *batch) tasks(r run, fn func(id int, task []byte)) {
	b.each(func(br run, id int, task []byte) {
		if br.j == r.j && br.f == r.f && id >= r.lo && id < r.lo+r.n {
			fn(id, task)
		}
	})
}

// each calls fn with the run, id and bytes of every task of the task frame
// b, in order.
func (b *batch) each(fn func(br run, id int, task []byte)) {
	p := b.buf[headerLen:]
	for _, br := range b.runs {
		for range br.n {
			id, task, rest, err := nextTask(p)
			if err != nil {
				panic("runner: bad task frame: " + err.Error()) // we encoded it
			}
			p = rest
			fn(br, int(id), task)
		}
	}
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
// has room. While tasks wait to be sent again, it returns nil, so that
// the workers drain and take them one by one (dispatchQueuedLocked). A
// stalled worker has no room.
func (p *Pool) freestLocked() *worker {
	if len(p.retryq) > 0 {
		return nil
	}
	var best *worker
	room := 0
	for _, w := range p.workers {
		if w.state != workerReady || w.stall != nil {
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
		if w.ring.n == 0 {
			w.since = time.Now()
		}
		b.refs.Store(int32(1 + len(b.runs)))
		for _, r := range b.runs {
			r.b = b
			w.ring.push(r)
		}
	}
	w.sendq = append(w.sendq, b)
	w.cond.Signal()
}

// dispatchQueuedLocked sends the tasks to be sent again, each alone to an
// idle worker, so that a worker that dies is known to have died running
// it; then, once they are all sent, queued Submit tasks to workers with
// room.
func (p *Pool) dispatchQueuedLocked() {
	for len(p.retryq) > 0 {
		w := p.idleLocked()
		if w == nil {
			break
		}
		t := p.retryq[0]
		p.retryq[0] = retryTask{}
		p.retryq = p.retryq[1:]
		b := p.newBatch()
		p.add(b, t.id, t.task)
		b.runs = append(b.runs, run{j: t.j, f: t.f, lo: t.id, n: 1, tries: t.tries})
		w.outstanding++
		w.state = workerSolo
		p.enqueueLocked(w, b)
	}
	if len(p.retryq) == 0 {
		p.retryq = nil
	}
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

// idleLocked returns a live worker with no task in flight, or nil.
func (p *Pool) idleLocked() *worker {
	for _, w := range p.workers {
		if w.state == workerReady && w.outstanding == 0 {
			return w
		}
	}
	return nil
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
		queued := w.p.cfg.Queued
		if queued <= 0 {
			queued = targetQueued
		}
		win = min(win, float64(queued+flushDelay)*w.nSum/w.busySum)
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
	if w.state == workerSolo && w.outstanding == 0 {
		w.state = workerReady
	}
	var unstalled time.Duration // how long it was silent, if it was stalled
	if w.stall != nil {
		unstalled = time.Since(w.since)
		w.stall = nil
	}
	if w.ring.n > 0 {
		w.since = time.Now()
	}
	p.longest = max(p.longest, res.busy)
	for i := range res.runs {
		if tw := res.runs[i].tw; tw != nil {
			tw.live--
			if tw.done {
				res.runs[i].j, res.runs[i].f = nil, nil // another copy answered first
				p.stats.Duplicates++
			}
			tw.done = true
		}
	}
	w.adaptLocked(res.busy, n)
	if len(p.subq) > 0 || len(p.retryq) > 0 {
		p.dispatchQueuedLocked()
	}
	p.wakeLocked(res.runs)
	p.mu.Unlock()
	if unstalled > 0 {
		p.log.Info(fmt.Sprintf("runner: worker %d (pid %d) answered again after %v", w.id, w.proc.pid, roughly(unstalled)),
			"worker", w.id, "pid", w.proc.pid, "silent", unstalled)
	}

	k := 0
	for _, r := range res.runs {
		if r.dropped() {
			k += r.n
			continue
		}
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
			if r.f != nil { // never a dropped run
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
// flight on it and are lost, without sending them again: not the copies
// of moved tasks that another copy stands for. The runs of a worker
// process hold references to their batches.
func (p *Pool) lostLocked(w *worker, err *WorkerError) []run {
	lost := p.dropTwinsLocked(p.markDeadLocked(w, err))
	if p.live == 0 {
		p.dispatchQueuedLocked() // fails the Submit tasks
	}
	p.wakeLocked(nil)
	return lost
}

// markDeadLocked marks w dead with err and returns the tasks that were in
// flight on it, in the order they were sent. The runs of a worker process
// hold references to their batches.
func (p *Pool) markDeadLocked(w *worker, err *WorkerError) []run {
	w.state = workerDead
	w.err = err
	w.stall = nil
	lost := w.ring.drain(nil)
	w.ring = runRing{}
	for _, b := range w.sendq {
		if w.proc == nil {
			lost = append(lost, b.runs...)
			putBatch(b)
		} else {
			b.release() // the writer's reference: it will not be written
		}
	}
	w.sendq = nil
	w.outstanding = 0
	w.cond.Broadcast()
	p.live--
	p.lastErr = err
	return lost
}

// dropTwinsLocked removes from runs lost with a worker the copies of moved
// tasks that another copy stands for, in flight or answered, and drops
// their references to their batches. A task whose last copy was lost is
// kept, without its twin: it is lost like any other. It reuses lost.
func (p *Pool) dropTwinsLocked(lost []run) []run {
	kept := lost[:0]
	for _, r := range lost {
		if tw := r.tw; tw != nil {
			tw.live--
			if tw.done || tw.live > 0 {
				if r.b != nil {
					r.b.release()
				}
				continue
			}
			r.tw = nil
		}
		kept = append(kept, r)
	}
	clear(lost[len(kept):])
	return kept
}

// recoverLocked deals with the tasks lost with w, a worker process that
// died with werr, in state was before it died: the task it was running, if
// known, counts the death; those whose retries are used up, and those of
// a Stream that has stopped, are returned as failures; the copies of moved
// tasks that another copy stands for are dropped; the others are queued to
// be sent again, first. Then it makes a replacement for w, to be
// started by the caller, unless the pool is closing or too many
// replacements in a row died starting. It drops the references of lost.
func (p *Pool) recoverLocked(w *worker, werr *WorkerError, lost []run, was workerState) (fails []failure, next *worker) {
	timedOut := was == workerTimedOut
	// Which task was running is known if it was the only one in flight,
	// or if it was alone when it timed out. Otherwise the worker may have
	// finished the first tasks and held their results back, and no task is
	// charged: all go again, alone, and the culprit shows.
	var certain bool
	if timedOut {
		o := w.overdue
		certain = w.alone && len(lost) > 0 && lost[0].j == o.j && lost[0].f == o.f && lost[0].lo == o.lo
	} else {
		certain = countTasks(lost) == 1
	}
	// Certain means a single task: if it is a copy dropped here, no
	// other is charged.
	lost = p.dropTwinsLocked(lost)
	var again []retryTask
	first := true
	for _, r := range lost {
		r.b.tasks(r, func(id int, task []byte) {
			tries := r.tries
			if first && certain {
				tries++
			}
			first = false
			one := run{j: r.j, f: r.f, lo: id, n: 1}
			switch {
			case tries > p.cfg.Retries:
				e := *werr
				e.Lost = tries
				if r.j != nil {
					e.Task = id
				}
				if timedOut {
					e.Timeout, e.Limit = true, p.cfg.TaskTimeout
				}
				fails = append(fails, failure{one, &e})
			case r.j != nil && r.j.stopped:
				fails = append(fails, failure{one, werr})
			default:
				again = append(again, retryTask{j: r.j, f: r.f, id: id, tries: tries, task: bytes.Clone(task)})
			}
		})
		r.b.release()
	}
	p.stats.Retried += len(again)
	p.retryq = append(again, p.retryq...)

	if was == workerStarting {
		p.startFails++
	}
	if !p.closed && p.running && p.startFails <= maxStartFails {
		for i, x := range p.workers {
			if x == w {
				next = p.newWorker(p.nextID)
				p.nextID++
				p.workers[i] = next
				p.live++
				break
			}
		}
	}
	if p.live == 0 {
		err := p.noWorkersLocked()
		for _, t := range p.retryq {
			fails = append(fails, failure{run{j: t.j, f: t.f, lo: t.id, n: 1}, err})
		}
		p.retryq = nil
	}
	p.dispatchQueuedLocked() // fails the Submit tasks if no worker is left
	p.wakeLocked(nil)
	return fails, next
}

// deliver delivers failures.
func (p *Pool) deliver(fails []failure) {
	for _, f := range fails {
		p.fail([]run{f.r}, f.err)
	}
}

// releaseRuns drops the references that runs lost with a worker process
// hold to their batches.
func releaseRuns(runs []run) {
	for _, r := range runs {
		if r.b != nil {
			r.b.release()
		}
	}
}

// fail fails the tasks of runs with err.
func (p *Pool) fail(runs []run, err error) {
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
			if r.b != nil {
				r.b.release()
			}
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
