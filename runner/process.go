package runner

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// A process is a running worker process.
type process struct {
	cmd    *exec.Cmd
	pid    int
	in     *os.File // tasks: the write end of the worker's descriptor 3
	out    *os.File // results: the read end of the worker's descriptor 4
	output *lineWriter
	cancel context.CancelFunc // interrupts the process, and kills it stopGrace later

	exited  chan struct{} // closed when Wait has returned
	waitErr error         // set before exited is closed
}

// kill kills the worker process and, on Unix, every process in its group:
// whatever it started, such as the program a handler forwards tasks to,
// dies with it.
func (pr *process) kill() {
	killGroup(pr.pid)
	pr.cmd.Process.Kill()
}

// A procSpec is how to start a worker process.
type procSpec struct {
	path string
	args []string
	env  []string
	init []byte // the payload of the init frame
}

// startProcesses starts a process for each worker; they report on w.ready.
// Then, until the pool is reaped, it starts the replacements sent on
// p.spawn.
func (p *Pool) startProcesses() error {
	if len(p.cfg.Command) > 0 {
		p.spec.path, p.spec.args = p.cfg.Command[0], p.cfg.Command[1:]
	} else {
		exe, err := os.Executable()
		if err != nil {
			return fmt.Errorf("runner: finding this program to start workers: %w", err)
		}
		p.spec.path = exe
	}
	p.spec.env = workerEnv(p.cfg.Env, p.cfg.Handler, len(p.workers))
	p.spec.init = append([]byte{protoVersion}, p.cfg.Init...)
	p.spawn = make(chan *worker)

	// Linux sends a worker its Pdeathsig when the thread that started it
	// ends, and the runtime ends a thread when a goroutine locked to it
	// exits. Start the workers from a thread of our own, locked until
	// they are all reaped, so that no other goroutine can end it.
	errc := make(chan error)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		for i, w := range p.workers {
			err := w.startProcess()
			close(w.started)
			if err != nil {
				for _, w := range p.workers[i+1:] {
					close(w.started)
				}
				for _, w := range p.workers[i:] {
					close(w.done)
				}
				errc <- err
				<-p.reaped
				return
			}
		}
		errc <- nil
		for {
			select {
			case w := <-p.spawn:
				for w != nil {
					w = w.replace()
				}
			case <-p.reaped:
				return
			}
		}
	}()
	return <-errc
}

// replace starts w, a replacement worker, unless the pool is closing. If
// its process cannot be started, it deals with it as with a worker that
// died starting, and returns the next replacement to start, if any.
func (w *worker) replace() *worker {
	p := w.p
	p.mu.Lock()
	closing := p.closed || w.state == workerStopping
	p.mu.Unlock()
	err := ErrClosed
	if !closing {
		err = w.startProcess()
	}
	close(w.started)
	if err == nil {
		p.log.Debug("runner: replacement worker started", "worker", w.id, "pid", w.proc.pid)
		return nil
	}
	werr := &WorkerError{Worker: w.id, Err: err}
	p.mu.Lock()
	if !closing {
		p.stats.Died++
	}
	lost := p.markDeadLocked(w, werr) // none
	fails, next := p.recoverLocked(w, werr, lost, workerStarting)
	p.mu.Unlock()
	close(w.done)
	p.deliver(fails)
	if !closing {
		p.log.Warn("runner: could not start a replacement worker", "worker", w.id, "err", err)
	}
	return next
}

// workerEnv returns the environment of a worker process: this process's,
// then GOMAXPROCS, then extra, then the handler's name.
func workerEnv(extra []string, handler string, workers int) []string {
	env := os.Environ()
	if _, ok := lookupEnv(extra, "GOMAXPROCS"); !ok {
		env = append(env, "GOMAXPROCS="+strconv.Itoa(max(1, runtime.NumCPU()/workers)))
	}
	env = append(env, extra...)
	if raceEnabled {
		// Spare the workers of a race-detector build the second they
		// would sleep at exit, so that they exit within stopGrace.
		if v, _ := lookupEnv(env, "GORACE"); !strings.Contains(v, "atexit_sleep_ms") {
			env = append(env, "GORACE="+strings.TrimSpace(v+" atexit_sleep_ms=0"))
		}
	}
	return append(env, envWorker+"="+handler)
}

// lookupEnv returns the last value of name in env.
func lookupEnv(env []string, name string) (string, bool) {
	for i := len(env) - 1; i >= 0; i-- {
		if k, v, _ := strings.Cut(env[i], "="); k == name {
			return v, true
		}
	}
	return "", false
}

func (w *worker) startProcess() error {
	p := w.p
	path, args, env, init := p.spec.path, p.spec.args, p.spec.env, p.spec.init
	inR, inW, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("runner: starting worker %d: %w", w.id, err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return fmt.Errorf("runner: starting worker %d: %w", w.id, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Env = env
	output := newLineWriter(p.cfg.Stderr, &p.outMu, fmt.Sprintf("worker %d: ", w.id))
	cmd.Stdout = output // the same writer for both: one pipe, lines in order
	cmd.Stderr = output
	cmd.ExtraFiles = []*os.File{inR, outW} // descriptors 3 and 4
	cmd.SysProcAttr = sysProcAttr()
	cmd.Cancel = func() error { return cmd.Process.Signal(interrupt) }
	cmd.WaitDelay = stopGrace
	err = cmd.Start()
	inR.Close()
	outW.Close()
	if err != nil {
		inW.Close()
		outR.Close()
		cancel()
		return fmt.Errorf("runner: starting worker %d: %w", w.id, err)
	}
	pr := &process{
		cmd:    cmd,
		pid:    cmd.Process.Pid,
		in:     inW,
		out:    outR,
		output: output,
		cancel: cancel,
		exited: make(chan struct{}),
	}
	p.mu.Lock()
	w.proc = pr
	p.stats.Started++
	if p.killed {
		pr.kill() // a replacement that Kill did not see
	}
	p.mu.Unlock()
	p.log.Debug("runner: worker started", "worker", w.id, "pid", pr.pid)
	go func() {
		// The only call to Wait. It returns once the output is drained.
		pr.waitErr = cmd.Wait()
		// What the worker started and left running (it was killed,
		// or it exited without stopping it) goes with it.
		killGroup(pr.pid)
		cancel()
		output.Flush()
		close(pr.exited)
	}()
	b := p.newBatch()
	b.buf = appendFrame(b.buf[:0], frameInit, init)
	b.refs.Store(1)
	p.mu.Lock()
	w.sendq = append(w.sendq, b)
	p.mu.Unlock()
	go w.feed()
	go w.read()
	return nil
}

// feed writes the batches queued for w to its task pipe, and closes the
// pipe when w is stopping or dead.
func (w *worker) feed() {
	p := w.p
	var q []*batch
	var err error
	for err == nil {
		p.mu.Lock()
		for len(w.sendq) == 0 && w.state != workerStopping && w.state != workerDead {
			w.cond.Wait()
		}
		if len(w.sendq) == 0 {
			p.mu.Unlock()
			break
		}
		q, w.sendq = w.sendq, q[:0]
		p.mu.Unlock()
		for i, b := range q {
			if err == nil {
				// A failed write means the worker is gone; read sees
				// to its tasks.
				_, err = w.proc.in.Write(b.buf)
			}
			b.release()
			q[i] = nil
		}
	}
	w.proc.in.Close()
}

// read reads w's results until its result pipe ends, then deals with its
// death.
func (w *worker) read() {
	defer close(w.done)
	p := w.p
	br := bufio.NewReaderSize(w.proc.out, 64<<10)
	typ, payload, err := readFrame(br, nil)
	switch {
	case err != nil:
	case typ == frameReady && len(payload) == 1 && payload[0] == protoVersion:
		p.mu.Lock()
		w.readyLocked()
		p.startFails = 0
		p.dispatchQueuedLocked()
		p.wakeLocked(nil)
		p.mu.Unlock()
		w.ready <- nil
	case typ == frameSetupErr:
		w.ready <- fmt.Errorf("runner: worker %d: setup %q: %s", w.id, p.cfg.Handler, payload)
		err = fmt.Errorf("%w: %s", errSetup, payload)
	default:
		err = protoErrorf("first frame has type %d, want ready", typ)
	}
	for err == nil {
		res := getResults(w.id)
		typ, res.buf, err = readFrame(br, res.buf)
		if err == nil && typ != frameResults {
			err = protoErrorf("frame type %d, want results", typ)
		}
		if err == nil {
			res.busy, res.spans, err = parseResults(res.buf, res.spans)
		}
		if err == nil {
			err = p.complete(w, res) // releases res
		} else {
			res.release()
		}
	}
	w.died(err)
}

// errSetup is why a worker whose Setup failed ends; Start reports the
// failure itself.
var errSetup = errors.New("setup failed")

// died deals with the end of w's result pipe, for reason cause: it reaps the
// process, and fails the tasks that were in flight on it or, if the pool
// recovers, sends them again and starts a replacement.
func (w *worker) died(cause error) {
	p := w.p
	pr := w.proc
	pr.out.Close()
	if cause != io.EOF && !errors.Is(cause, errSetup) {
		pr.kill() // it broke the protocol or its pipe: it cannot be trusted
	}
	t := time.NewTimer(stopGrace)
	select {
	case <-pr.exited:
	case <-t.C:
		pr.kill() // it closed its result pipe but goes on
		<-pr.exited
	}
	t.Stop()

	var reason error
	var exit *exec.ExitError
	switch {
	case cause != io.EOF && cause != io.ErrUnexpectedEOF:
		reason = cause // errSetup, or the protocol broken
	case errors.As(pr.waitErr, &exit) && exit.ExitCode() == workerExitCode:
		reason = fmt.Errorf("internal worker error: %w", pr.waitErr)
	case pr.waitErr != nil:
		reason = pr.waitErr
	default:
		reason = errors.New("exited before its input was closed")
	}
	werr := &WorkerError{Worker: w.id, Err: reason, Stderr: pr.output.Tail()}

	p.mu.Lock()
	was := w.state
	if was == workerTimedOut {
		werr.Err = fmt.Errorf("killed after a task ran over the %v time limit: %w", p.cfg.TaskTimeout, reason)
	}
	stopping := was == workerStopping
	clean := stopping && (cause == io.EOF && pr.waitErr == nil || w.leftovers)
	if clean {
		werr.Err = errors.New("stopped")
	}
	if stopping && !clean {
		w.stopErr = werr
	}
	if !stopping {
		p.stats.Died++
	}
	running := p.running
	recovers := p.recovers() && !stopping
	var fails []failure
	var next *worker
	var lost []run
	var nlost int
	if recovers {
		lost = p.markDeadLocked(w, werr)
		nlost = countTasks(lost)
		fails, next = p.recoverLocked(w, werr, lost, was)
	} else {
		lost = p.lostLocked(w, werr)
		nlost = countTasks(lost)
	}
	giveUp := recovers && running && !p.closed && next == nil
	p.mu.Unlock()
	select {
	case w.ready <- werr: // if it died starting
	default:
	}
	if recovers {
		p.deliver(fails)
	} else {
		p.fail(lost, werr)
		releaseRuns(lost)
	}

	switch {
	case clean:
		p.log.Debug("runner: worker exited", "worker", w.id, "pid", pr.pid)
	case stopping || !running && errors.Is(cause, errSetup): // Close or Start reports it
		p.log.Debug("runner: worker exited", "worker", w.id, "pid", pr.pid, "err", reason)
	default:
		p.log.Warn("runner: worker died", "worker", w.id, "pid", pr.pid, "err", werr.Err, "tasks_in_flight", nlost)
	}
	if giveUp {
		p.log.Error("runner: replacement workers keep dying as they start; not replacing them any more", "worker", w.id, "err", werr.Err)
	}
	if next != nil {
		p.spawn <- next
	}
}

// watch watches the worker processes until the pool is reaped: every
// stallTick it looks for stalled ones (checkStalls), and with
// Config.TaskTimeout it kills those whose current task has run over the
// limit (killOverdue).
func (p *Pool) watch() {
	stalls := time.NewTicker(stallTick)
	defer stalls.Stop()
	var overdue <-chan time.Time
	if limit := p.cfg.TaskTimeout; limit > 0 {
		t := time.NewTicker(min(max(limit/10, time.Millisecond), time.Second))
		defer t.Stop()
		overdue = t.C
	}
	for {
		select {
		case <-p.reaped:
			return
		case now := <-overdue:
			p.killOverdue(now)
		case now := <-stalls.C:
			p.checkStalls(now)
		}
	}
}

// killOverdue kills the worker processes whose current task has run over
// Config.TaskTimeout. The current task is the first one not answered, and
// it is taken to have started when it became first: when it was sent, or
// when the result before it arrived.
func (p *Pool) killOverdue(now time.Time) {
	limit := p.cfg.TaskTimeout
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, w := range p.workers {
		if (w.state != workerReady && w.state != workerSolo) || w.ring.n == 0 || now.Sub(w.since) <= limit {
			continue
		}
		w.state = workerTimedOut
		w.overdue = *w.ring.at(0)
		w.overdue.b, w.overdue.tw = nil, nil
		w.alone = w.ring.n == 1 && w.overdue.n == 1
		p.stats.TimedOut++
		p.log.Warn("runner: killing a worker whose task ran over the time limit", "worker", w.id, "pid", w.proc.pid, "limit", limit)
		w.proc.kill()
	}
}

func countTasks(runs []run) int {
	n := 0
	for _, r := range runs {
		n += r.n
	}
	return n
}
