package runner

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"iter"
)

// Stream runs tasks 0, 1, ..., n-1 and reports each result. It is the
// pool's fastest path: in steady state it allocates nothing per task.
//
// Stream builds the bytes of task i lazily by calling task(i, dst), which
// appends them to dst (or returns a slice of its own; Stream copies it).
// It calls task in increasing i, from the goroutine that called Stream,
// shortly before the task is sent to a worker.
//
// For every task sent to a worker, Stream calls result(i, out, err) once, as
// the result arrives: in no particular order across workers, one call at a
// time, from the goroutine that called Stream. out is only valid during
// the call. err is a *TaskError if the handler failed or panicked, or a
// *WorkerError if the worker process died with the task in flight and
// Config.Retries did not allow (or no longer allowed) sending it again;
// out is nil then. A task sent again is not built again: Stream keeps its
// bytes.
//
// If result returns an error, ctx is done, or the pool is closed, Stream
// stops sending tasks, waits for the tasks in flight (their results are
// still reported) and returns that error, context.Cause(ctx) or ErrClosed;
// later tasks are never built; tasks in flight that are lost with a worker
// then fail instead of being sent again. If every worker has died (and,
// with Config.Retries, replacements kept dying as they started), Stream
// returns an error that wraps the last *WorkerError. Otherwise it returns
// nil once every result has been reported.
//
// A panic in task or result propagates to the caller of Stream; the tasks
// still in flight then finish unreported. task and result must not call
// Close, nor wait for other work on the same pool.
func (p *Pool) Stream(ctx context.Context, n int, task func(i int, dst []byte) []byte, result func(i int, out []byte, err error) error) error {
	return p.StreamFlush(ctx, n, task, result, nil)
}

// StreamFlush is Stream with one more callback: flush is called, from the
// same goroutine, after each group of results that arrived together (a
// worker's batch, or several) has been passed to result, before any more
// tasks are sent. A caller that records results durably, such as a
// journal, writes each group with one system call in flush instead of one
// per result. An error from flush stops the Stream as one from result
// does. flush may be nil.
func (p *Pool) StreamFlush(ctx context.Context, n int, task func(i int, dst []byte) []byte, result func(i int, out []byte, err error) error, flush func() error) error {
	if n < 0 {
		panic(fmt.Sprintf("runner: Stream of %d tasks", n))
	}
	if task == nil || result == nil {
		panic("runner: Stream with a nil function")
	}
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	if n == 0 {
		return nil
	}
	s := &stream{
		p:      p,
		n:      n,
		task:   task,
		result: result,
		flush:  flush,
		j: &job{
			deliv: make(chan delivery, 2*len(p.workers)),
			wake:  make(chan struct{}, 1),
		},
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return ErrClosed
	}
	p.streams = append(p.streams, s.j)
	p.mu.Unlock()
	defer s.end()
	return s.run(ctx)
}

// A stream is the state of a Stream call, owned by its goroutine.
type stream struct {
	p      *Pool
	j      *job
	n      int
	task   func(i int, dst []byte) []byte
	result func(i int, out []byte, err error) error
	flush  func() error // may be nil

	next     int  // the next task to build
	inflight int  // tasks sent and not reported
	stopping bool // send no more tasks
	err      error
	scratch  []byte
}

func (s *stream) run(ctx context.Context) error {
	done := ctx.Done()
	for {
		if !s.stopping && s.next < s.n {
			if err := s.dispatch(); err != nil {
				s.stop(err)
			}
		}
		if s.inflight == 0 && (s.stopping || s.next == s.n) {
			return s.err
		}
		select {
		case d := <-s.j.deliv:
			s.take(d)
			s.takeWaiting()
		case <-s.j.wake:
		case <-done:
			s.stop(context.Cause(ctx))
			done = nil
		}
	}
}

// takeWaiting reports the results already waiting, then calls flush.
func (s *stream) takeWaiting() {
	for {
		select {
		case d := <-s.j.deliv:
			s.take(d)
			continue
		default:
		}
		break
	}
	if s.flush != nil {
		if err := s.flush(); err != nil {
			s.stop(err)
		}
	}
}

func (s *stream) stop(err error) {
	if !s.stopping {
		s.stopping = true
		s.err = err
		s.p.mu.Lock()
		s.j.stopped = true // its tasks lost with a worker are not sent again
		s.p.mu.Unlock()
	}
}

// end unregisters the stream. If Stream is leaving early, on a panic in a
// callback, the results still in flight are drained in the background, so
// that the pool's goroutines never wait on a stream that is gone.
func (s *stream) end() {
	p := s.p
	unregister := func() {
		p.mu.Lock()
		for i, j := range p.streams {
			if j == s.j {
				p.streams = append(p.streams[:i], p.streams[i+1:]...)
				break
			}
		}
		if len(p.streams) == 0 && p.pending == 0 {
			p.idle.Broadcast()
		}
		p.mu.Unlock()
	}
	if s.inflight == 0 {
		unregister()
		return
	}
	go func(n int) {
		for n > 0 {
			d := <-s.j.deliv
			n -= d.n
			if d.res != nil {
				d.res.release()
			}
		}
		unregister()
	}(s.inflight)
}

// dispatch sends tasks to the workers that have room, until there are no
// tasks left or no room.
func (s *stream) dispatch() error {
	for !s.stopping && s.next < s.n {
		sent, err := s.dispatchOne()
		if err != nil || !sent {
			return err
		}
	}
	return nil
}

// dispatchOne builds one batch of tasks and queues it for the worker with
// the most room. It reports whether there was room.
func (s *stream) dispatchOne() (bool, error) {
	p := s.p
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return false, ErrClosed
	}
	w := p.freestLocked()
	if w == nil {
		var err error
		if p.live == 0 {
			err = p.noWorkersLocked()
		}
		p.mu.Unlock()
		return false, err
	}
	// Take all the room, but spread the last tasks over the workers.
	rem := s.n - s.next
	k := min(w.window-w.outstanding, (rem+p.live-1)/p.live)
	w.outstanding += k
	p.mu.Unlock()

	b := p.newBatch()
	used := 0
	defer func() {
		// Give back the room not used, also if task panicked.
		if used == k {
			return
		}
		p.mu.Lock()
		if w.state != workerDead {
			w.outstanding -= k - used
		}
		p.mu.Unlock()
		if used == 0 {
			putBatch(b)
		}
	}()
	var err error
	for used < k {
		i := s.next + used
		t := s.task(i, s.scratch[:0])
		s.scratch = growScratch(s.scratch, len(t))
		if len(t) > maxItem {
			err = fmt.Errorf("runner: task %d has %d bytes, over the limit of %d", i, len(t), maxItem)
			break
		}
		p.add(b, i, t)
		used++
		if len(b.buf) >= flushBytes {
			break
		}
	}
	if used == 0 {
		return true, err
	}
	lo := s.next
	s.next += used
	b.runs = append(b.runs, run{j: s.j, lo: lo, n: used})

	p.mu.Lock()
	dead := w.state == workerDead
	if dead && p.recovers() && p.live > 0 && !s.j.stopped {
		// It died while we built the batch, which it never saw: send
		// the tasks to the others.
		b.tasks(b.runs[0], func(id int, task []byte) {
			p.retryq = append(p.retryq, retryTask{j: s.j, id: id, task: bytes.Clone(task)})
		})
		p.dispatchQueuedLocked()
		p.mu.Unlock()
		putBatch(b)
		s.inflight += used
		return true, err
	}
	if dead {
		// It died while we built the batch.
		werr := w.err
		p.mu.Unlock()
		putBatch(b)
		for i := lo; i < lo+used; i++ {
			s.report(i, nil, werr)
		}
		return true, err
	}
	w.outstanding -= k - used
	k = used // nothing to give back
	p.enqueueLocked(w, b)
	p.mu.Unlock()
	s.inflight += used
	return true, err
}

// take reports a delivery of results.
func (s *stream) take(d delivery) {
	s.inflight -= d.n
	if d.err != nil {
		for i := d.lo; i < d.lo+d.n; i++ {
			s.report(i, nil, d.err)
		}
		return
	}
	res := d.res
	for k := d.a; k < d.b; k++ {
		sp := res.spans[k]
		i := d.lo + k - d.a
		if sp.status == statusOK {
			s.report(i, res.buf[sp.start:sp.end], nil)
		} else {
			s.report(i, nil, taskError(res.worker, i, sp.status, res.buf[sp.start:sp.end]))
		}
	}
	res.release()
}

func (s *stream) report(i int, out []byte, err error) {
	if e := s.result(i, out, err); e != nil {
		s.stop(e)
	}
}

// Map runs tasks and returns their results in input order, like
// multiprocessing.Pool.map. The results belong to the caller. The first
// task error (a *TaskError or *WorkerError) stops the rest and is returned,
// as is context.Cause(ctx) if ctx is done first.
func (p *Pool) Map(ctx context.Context, tasks [][]byte) ([][]byte, error) {
	spans := make([]span, len(tasks))
	var arena []byte
	err := p.Stream(ctx, len(tasks),
		func(i int, _ []byte) []byte { return tasks[i] },
		func(i int, out []byte, err error) error {
			if err != nil {
				return err
			}
			spans[i] = span{start: len(arena), end: len(arena) + len(out)}
			arena = append(arena, out...)
			return nil
		})
	if err != nil {
		return nil, err
	}
	outs := make([][]byte, len(tasks))
	for i, s := range spans {
		outs[i] = arena[s.start:s.end:s.end]
	}
	return outs, nil
}

// A Result is the result of the task at Index in the tasks given to
// Unordered.
type Result struct {
	Index int
	Out   []byte
}

// errBreak stops the Stream under an Unordered loop that was left.
var errBreak = errors.New("runner: loop left")

// Unordered runs tasks and yields their results as they finish, in
// completion order, each with the index of its task, like
// multiprocessing.Pool.imap_unordered. The results belong to the caller. A
// task that failed yields its index and its error (a *TaskError or
// *WorkerError), and the loop may go on. Leaving the loop stops the tasks
// not yet sent and waits for those in flight. If the run stops for another
// reason (ctx done, pool closed, no live workers), the last pair yielded
// has Index -1 and that error.
func (p *Pool) Unordered(ctx context.Context, tasks [][]byte) iter.Seq2[Result, error] {
	return func(yield func(Result, error) bool) {
		left := false
		err := p.Stream(ctx, len(tasks),
			func(i int, _ []byte) []byte { return tasks[i] },
			func(i int, out []byte, err error) error {
				if left {
					return errBreak
				}
				if !yield(Result{Index: i, Out: bytes.Clone(out)}, err) {
					left = true
					return errBreak
				}
				return nil
			})
		if err != nil && !left {
			yield(Result{Index: -1}, err)
		}
	}
}
