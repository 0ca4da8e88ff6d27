package runner

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"sync"
	"time"
)

// stopGrace is how long a worker may take to exit after its input is
// closed, before it is sent an interrupt, and again before it is killed.
const stopGrace = time.Second

// A Pool runs tasks on a fixed set of workers. Its methods may be called
// from several goroutines at once; tasks of concurrent calls share the
// workers.
type Pool struct {
	cfg     Config
	setup   Setup // what in-process workers run
	log     *slog.Logger
	workers []*worker
	sem     chan struct{} // one token per pending Submit, if MaxPending > 0
	closing chan struct{} // closed when Close starts
	reaped  chan struct{} // closed when the workers are gone
	outMu   sync.Mutex    // serializes the lines written to cfg.Stderr

	closeOnce sync.Once
	closeErr  error

	// How to start a worker process, and where replacements are started
	// (startProcesses).
	spec  procSpec
	spawn chan *worker

	mu         sync.Mutex
	idle       sync.Cond // L is &mu; broadcast when streams and pending reach 0
	closed     bool
	killed     bool         // Kill was called
	running    bool         // Start has returned the pool
	live       int          // workers not dead, starting ones included
	lastErr    *WorkerError // the last worker that died
	streams    []*job       // Stream calls in progress
	subq       []*Future    // submitted, not yet sent to a worker
	retryq     []retryTask  // lost with a worker, to be sent again first
	pending    int          // submitted and not finished
	seq        uint64       // numbers Submit calls
	nextID     int          // the id of the next replacement worker
	startFails int          // replacements in a row that died starting
	stats      Stats

	// longest is the longest busy time of a batch of results so far, the
	// basis of the stall rule (stall.go).
	longest time.Duration
}

// Stats counts events in the life of a pool.
type Stats struct {
	Started  int // worker processes started, replacements included
	Died     int // worker processes that died other than by Close, timeouts and failed starts included
	Retried  int // tasks sent again after the worker they were on died
	TimedOut int // worker processes killed because a task ran over Config.TaskTimeout
	// Stalls counts the times a worker process's current task ran far
	// longer than any task before it (see Pool.Stalled).
	Stalls int
	// Moved counts the tasks queued behind a stalled worker's current
	// task that were sent to idle workers too.
	Moved int
	// Duplicates counts the results dropped because another copy of
	// their task, a moved one, had answered first.
	Duplicates int
}

// Stats returns the pool's counts so far. They are 0 for an InProcess pool.
func (p *Pool) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stats
}

// maxStartFails is how many replacement workers in a row may die before
// they are ready (Setup failed, or the process exited) before the pool
// stops replacing workers.
const maxStartFails = 3

// A worker is the pool's side of one worker, a process or a goroutine.
type worker struct {
	p  *Pool
	id int

	// Guarded by p.mu.
	window      int
	outstanding int     // tasks queued or sent and not answered
	busySum     float64 // decaying sum of the busy time of batches, in ns
	nSum        float64 // decaying sum of their task counts
	sendq       []*batch
	ring        runRing // process: the tasks sent, in order, not answered
	state       workerState
	since       time.Time    // process: when the first task of ring became first
	stall       *stall       // process: set while its current task has run far longer than tasks take (stall.go)
	leftovers   bool         // stopped by Close while it ran only copies of moved tasks answered elsewhere
	overdue     run          // once workerTimedOut: the first task of ring, which ran over
	alone       bool         // once workerTimedOut: overdue was the only task in flight
	err         *WorkerError // why it died
	stopErr     *WorkerError // why it died, if it did not exit cleanly when stopped
	cond        sync.Cond    // L is &p.mu; signalled when sendq grows, and when the state becomes workerStopping or workerDead

	proc    *process      // nil for an in-process worker; set before started is closed
	started chan struct{} // closed once the process was started, or failed to
	ready   chan error    // receives nil once Setup succeeded, or why it failed
	done    chan struct{} // closed when the worker's goroutines are done
}

// A workerState is where a worker is in its life. The transitions, all
// under Pool.mu:
//
//	workerStarting → workerReady     Setup succeeded (read, serveInProcess)
//	workerReady    → workerSolo      sent a task to run again, alone (dispatchQueuedLocked)
//	workerSolo     → workerReady     that task answered (complete)
//	workerReady    → workerTimedOut  killed: its current task ran over TaskTimeout (watch)
//	workerSolo     → workerTimedOut  the same
//	workerStarting → workerStopping  Close or abort
//	workerReady    → workerStopping  the same
//	any but dead   → workerDead      its process died, or its goroutine ended (markDeadLocked)
//
// Close stops the workers only once no call waits for a task, so it never
// finds one solo, and finds one timed out only if its task was a copy of a
// moved task already answered; a dead worker stays dead. Being stalled
// (worker.stall, stall.go) is not a state: a stalled worker stays ready or
// solo, and is sent no new tasks until it answers.
type workerState uint8

const (
	workerStarting workerState = iota // its process or goroutine is starting, or running Setup
	workerReady                       // Setup succeeded: it may be sent tasks
	workerSolo                        // it runs a task sent again, alone, and is sent nothing more until it answers
	workerTimedOut                    // killed for running over TaskTimeout; not yet noticed dead
	workerStopping                    // Close or abort closes its input; it is sent nothing more
	workerDead                        // its process died or its goroutine ended
)

// readyLocked notes that w's Setup succeeded. A worker stopped while it
// was starting stays stopping.
func (w *worker) readyLocked() {
	if w.state == workerStarting {
		w.state = workerReady
	}
}

// stopLocked tells w to finish: it is sent no more tasks, and its input is
// closed once the tasks queued for it are written.
func (w *worker) stopLocked() {
	if w.state != workerDead {
		w.state = workerStopping
	}
	w.cond.Broadcast()
}

// newWorker returns a worker with the given id, not yet started.
func (p *Pool) newWorker(id int) *worker {
	w := &worker{
		p:       p,
		id:      id,
		window:  initialWindow,
		started: make(chan struct{}),
		ready:   make(chan error, 1),
		done:    make(chan struct{}),
	}
	if p.cfg.Window > 0 {
		w.window = p.cfg.Window
	}
	w.cond.L = &p.mu
	return w
}

// Start starts cfg.Workers workers and waits until each has run Setup. If
// a Setup fails, Start stops the workers and returns an error with the
// worker's message. ctx bounds the start only: cancelling it later does
// not affect the pool.
func Start(ctx context.Context, cfg Config) (*Pool, error) {
	switch {
	case cfg.Handler == "":
		return nil, errors.New("runner: Config.Handler is empty")
	case cfg.Workers < 0:
		return nil, fmt.Errorf("runner: Config.Workers is %d", cfg.Workers)
	case cfg.Window < 0:
		return nil, fmt.Errorf("runner: Config.Window is %d", cfg.Window)
	case cfg.Queued < 0:
		return nil, fmt.Errorf("runner: Config.Queued is %v", cfg.Queued)
	case cfg.MaxPending < 0:
		return nil, fmt.Errorf("runner: Config.MaxPending is %d", cfg.MaxPending)
	case cfg.Retries < 0:
		return nil, fmt.Errorf("runner: Config.Retries is %d", cfg.Retries)
	case cfg.TaskTimeout < 0:
		return nil, fmt.Errorf("runner: Config.TaskTimeout is %v", cfg.TaskTimeout)
	}
	if ctx.Err() != nil {
		return nil, context.Cause(ctx)
	}
	if _, ok := os.LookupEnv(envWorker); ok {
		// Started as a worker, but main did not call Main or Serve:
		// starting workers here would start workers without end.
		return nil, errors.New("runner: Start called in a worker process; call runner.Main or runner.Serve first in main (and in TestMain)")
	}
	if cfg.Workers == 0 {
		cfg.Workers = runtime.NumCPU()
	}
	if cfg.Stderr == nil {
		cfg.Stderr = os.Stderr
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	setup := cfg.Setup
	if setup == nil && (cfg.InProcess || len(cfg.Command) == 0) {
		// The workers run this program's code: check the name here.
		var ok bool
		if setup, ok = lookup(cfg.Handler); !ok {
			return nil, fmt.Errorf("runner: no handler registered as %q (register it, or give it as Config.Setup)", cfg.Handler)
		}
	}
	p := &Pool{
		cfg:     cfg,
		setup:   setup,
		log:     cfg.Logger,
		closing: make(chan struct{}),
		reaped:  make(chan struct{}),
	}
	p.idle.L = &p.mu
	if cfg.MaxPending > 0 {
		p.sem = make(chan struct{}, cfg.MaxPending)
	}
	for i := range cfg.Workers {
		p.workers = append(p.workers, p.newWorker(i))
	}
	p.live = len(p.workers)
	p.nextID = len(p.workers)

	var err error
	if cfg.InProcess {
		for _, w := range p.workers {
			close(w.started)
			go w.serveInProcess()
		}
	} else {
		err = p.startProcesses()
	}
	for _, w := range p.workers {
		if err != nil {
			break
		}
		select {
		case err = <-w.ready:
		case <-ctx.Done():
			err = context.Cause(ctx)
		}
	}
	if err != nil {
		p.abort()
		return nil, err
	}
	p.mu.Lock()
	p.running = true
	p.mu.Unlock()
	if !cfg.InProcess {
		go p.watch()
	}
	return p, nil
}

// recovers reports whether the pool replaces the worker processes that
// die and sends their tasks again.
func (p *Pool) recovers() bool {
	return !p.cfg.InProcess && (p.cfg.Retries > 0 || p.cfg.TaskTimeout > 0)
}

// Workers returns the number of workers the pool started with. Workers
// that die are replaced (see Config.Retries) under new ids.
func (p *Pool) Workers() int { return len(p.workers) }

// Close shuts the pool down cleanly. It makes new calls fail with
// ErrClosed, stops Stream calls in progress from sending more tasks (they
// return ErrClosed), and fails the Submit tasks not yet sent to a worker
// with ErrClosed. Tasks already sent finish and their results are
// delivered: Close waits for them. Then it closes the workers' input; a
// worker process that has not exited a second later is interrupted, and
// killed a second after that. A worker that still runs copies of moved
// tasks, already answered by other workers (see Stalled workers in the
// package doc), is interrupted at once, and that is no error. Close returns once every worker process has
// been reaped; no worker that dies after Close has started is replaced.
// It returns an error if a worker had to be signalled or exited with an
// error status while stopping; a worker that died earlier was reported
// through its tasks. Close is idempotent: later calls wait
// for the first and return its result.
//
// Close must not be called from a Stream callback.
func (p *Pool) Close() error {
	p.closeOnce.Do(func() { p.closeErr = p.close() })
	return p.closeErr
}

func (p *Pool) close() error {
	p.mu.Lock()
	p.closed = true
	close(p.closing)
	for _, f := range p.subq {
		p.finishLocked(f, nil, ErrClosed)
	}
	p.subq = nil
	p.wakeLocked(nil)
	for len(p.streams) > 0 || p.pending > 0 {
		p.idle.Wait()
	}
	for _, w := range p.workers {
		w.leftovers = w.onlyCopiesLocked()
		w.stopLocked()
	}
	p.mu.Unlock()

	errs := make([]error, len(p.workers))
	var wg sync.WaitGroup
	for i, w := range p.workers {
		wg.Go(func() { errs[i] = w.stop() })
	}
	wg.Wait()
	close(p.reaped)
	return errors.Join(errs...)
}

// Kill stops the pool at once: no new work and no replacements, as with
// Close, and every worker process is killed (SIGKILL), so the tasks in
// flight fail with *WorkerError and running Streams return without waiting
// for them. It then reaps every process, as Close does, and returns
// Close's result. In-process workers cannot be killed: their running
// tasks are waited for. Kill may be called concurrently with Close.
func (p *Pool) Kill() error {
	done := make(chan error, 1)
	go func() { done <- p.Close() }()
	<-p.closing // Close has marked the pool closed: no more replacements
	var procs []*process
	p.mu.Lock()
	p.killed = true // startProcess kills a replacement it starts from now on
	for _, w := range p.workers {
		if w.proc != nil {
			procs = append(procs, w.proc)
		}
	}
	p.mu.Unlock()
	for _, pr := range procs {
		pr.kill()
	}
	return <-done
}

// abort stops a pool that failed to start, at once.
func (p *Pool) abort() {
	p.mu.Lock()
	p.closed = true
	close(p.closing)
	for _, w := range p.workers {
		w.stopLocked()
	}
	p.mu.Unlock()
	for _, w := range p.workers {
		if w.proc != nil {
			w.proc.kill()
			<-w.proc.exited
			<-w.done
		}
		// An in-process worker returns when its Setup does.
	}
	close(p.reaped)
}

// stop waits for a stopping worker to finish, escalating for a process.
func (w *worker) stop() error {
	<-w.started
	if w.proc == nil { // in-process, or a replacement that never started
		<-w.done
		return nil
	}
	pr := w.proc
	w.p.mu.Lock()
	leftovers := w.leftovers
	w.p.mu.Unlock()
	if leftovers {
		// Nobody waits for what it runs: interrupt it now (and kill it
		// stopGrace later), which is no error.
		w.p.log.Debug("runner: interrupting a worker that runs only copies of tasks answered elsewhere", "worker", w.id, "pid", pr.pid)
		pr.cancel()
		<-pr.exited
		<-w.done
		return nil
	}
	t := time.NewTimer(stopGrace)
	defer t.Stop()
	var signalled error
	select {
	case <-pr.exited:
	case <-t.C:
		w.p.log.Warn("runner: worker did not exit; interrupting it", "worker", w.id, "pid", pr.pid)
		signalled = fmt.Errorf("runner: worker %d did not exit within %v of its input closing", w.id, stopGrace)
		pr.cancel() // interrupt now, kill after stopGrace (cmd.WaitDelay)
		<-pr.exited
	}
	<-w.done
	if signalled != nil {
		return fmt.Errorf("%w: %v", signalled, pr.waitErr)
	}
	w.p.mu.Lock()
	defer w.p.mu.Unlock()
	if w.stopErr != nil {
		return w.stopErr
	}
	return nil
}
