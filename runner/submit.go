package runner

import (
	"bytes"
	"context"
	"fmt"
)

// The states of a Future, guarded by Pool.mu.
const (
	futureNew    = iota // being submitted
	futureQueued        // in Pool.subq
	futureSent          // sent to a worker
	futureDone          // done is closed
)

// A Future is the pending result of a task given to Submit.
type Future struct {
	task  []byte
	seq   uint64
	state int
	stop  func() bool // unregisters the Submit context's callback

	done chan struct{}
	out  []byte // set before done is closed
	err  error  // set before done is closed
}

// Done returns a channel that is closed when the task has finished.
func (f *Future) Done() <-chan struct{} { return f.done }

// Wait waits until the task has finished and returns its result, which
// belongs to the caller, or its error: a *TaskError, a *WorkerError,
// ErrClosed, or the cause of the cancellation of Submit's context. If ctx
// is done first, Wait returns context.Cause(ctx), and the task goes on.
func (f *Future) Wait(ctx context.Context) ([]byte, error) {
	select {
	case <-f.done:
		return f.out, f.err
	default:
	}
	select {
	case <-f.done:
		return f.out, f.err
	case <-ctx.Done():
		return nil, context.Cause(ctx)
	}
}

// Submit queues one task and returns its Future, like
// multiprocessing.Pool.apply_async. The pool copies task. If Config.MaxPending
// tasks are pending, Submit first waits for one of them to finish, or for
// ctx to be done. Cancelling ctx later fails the task with
// context.Cause(ctx) if it has not yet been sent to a worker; a task that
// was sent runs to the end.
func (p *Pool) Submit(ctx context.Context, task []byte) (*Future, error) {
	if ctx.Err() != nil {
		return nil, context.Cause(ctx)
	}
	if len(task) > maxItem {
		return nil, fmt.Errorf("runner: task of %d bytes is over the limit of %d", len(task), maxItem)
	}
	if p.sem != nil {
		select {
		case p.sem <- struct{}{}:
		case <-ctx.Done():
			return nil, context.Cause(ctx)
		case <-p.closing:
			return nil, ErrClosed
		}
	}
	f := &Future{task: bytes.Clone(task), done: make(chan struct{})}
	if ctx.Done() != nil {
		f.stop = context.AfterFunc(ctx, func() { p.cancelFuture(f, context.Cause(ctx)) })
	}

	p.mu.Lock()
	defer p.mu.Unlock()
	var err error
	switch {
	case p.closed:
		err = ErrClosed
	case f.state == futureDone: // ctx was cancelled just now
		err = f.err
	case p.live == 0:
		err = p.noWorkersLocked()
	}
	if err != nil {
		if p.sem != nil {
			<-p.sem
		}
		if f.stop != nil {
			f.stop()
		}
		return nil, err
	}
	p.seq++
	f.seq = p.seq
	f.state = futureQueued
	p.pending++
	p.subq = append(p.subq, f)
	p.dispatchQueuedLocked()
	return f, nil
}

// cancelFuture fails f with cause unless it was sent to a worker.
func (p *Pool) cancelFuture(f *Future, cause error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch f.state {
	case futureNew:
		f.state = futureDone
		f.err = cause
	case futureQueued:
		for i, g := range p.subq {
			if g == f {
				p.subq = append(p.subq[:i], p.subq[i+1:]...)
				break
			}
		}
		p.finishLocked(f, nil, cause)
	}
}

// finishLocked completes f with out, which it copies, or err.
func (p *Pool) finishLocked(f *Future, out []byte, err error) {
	f.state = futureDone
	f.task = nil
	if err != nil {
		f.err = err
	} else {
		f.out = bytes.Clone(out)
	}
	if f.stop != nil {
		f.stop()
	}
	close(f.done)
	if p.sem != nil {
		<-p.sem
	}
	p.pending--
	if p.pending == 0 && len(p.streams) == 0 {
		p.idle.Broadcast()
	}
}
