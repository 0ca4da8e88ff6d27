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

func (pr *process) kill() { pr.cmd.Process.Kill() }

// startProcesses starts a process for each worker; they report on w.ready.
func (p *Pool) startProcesses() error {
	var path string
	var args []string
	if len(p.cfg.Command) > 0 {
		path, args = p.cfg.Command[0], p.cfg.Command[1:]
	} else {
		exe, err := os.Executable()
		if err != nil {
			return fmt.Errorf("runner: finding this program to start workers: %w", err)
		}
		path = exe
	}
	env := workerEnv(p.cfg.Env, p.cfg.Handler, len(p.workers))
	init := append([]byte{protoVersion}, p.cfg.Init...)

	// Linux sends a worker its Pdeathsig when the thread that started it
	// ends, and the runtime ends a thread when a goroutine locked to it
	// exits. Start the workers from a thread of our own, locked until
	// they are all reaped, so that no other goroutine can end it.
	errc := make(chan error)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		for i, w := range p.workers {
			if err := w.startProcess(path, args, env, init); err != nil {
				for _, w := range p.workers[i:] {
					close(w.done)
				}
				errc <- err
				<-p.reaped
				return
			}
		}
		errc <- nil
		<-p.reaped
	}()
	return <-errc
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

func (w *worker) startProcess(path string, args, env []string, init []byte) error {
	p := w.p
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
	w.proc = pr
	p.log.Debug("runner: worker started", "worker", w.id, "pid", pr.pid)
	go func() {
		// The only call to Wait. It returns once the output is drained.
		pr.waitErr = cmd.Wait()
		cancel()
		output.Flush()
		close(pr.exited)
	}()
	b := p.newBatch()
	b.buf = appendFrame(b.buf[:0], frameInit, init)
	w.sendq = append(w.sendq, b)
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
		for len(w.sendq) == 0 && !w.stopping && !w.dead {
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
			putBatch(b)
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
		w.ready <- nil
	case typ == frameSetupErr:
		w.ready <- fmt.Errorf("runner: worker %d: setup %q: %s", w.id, p.cfg.Handler, payload)
		err = errSetup
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
// process and fails the tasks that were in flight on it.
func (w *worker) died(cause error) {
	p := w.p
	pr := w.proc
	pr.out.Close()
	if cause != io.EOF && cause != errSetup {
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
	clean := w.stopping && cause == io.EOF && pr.waitErr == nil
	if clean {
		werr.Err = errors.New("stopped")
	}
	lost := p.lostLocked(w, werr)
	stopping := w.stopping
	if stopping && !clean {
		w.stopErr = werr
	}
	p.mu.Unlock()
	select {
	case w.ready <- werr: // if it died starting
	default:
	}
	p.fail(lost, werr)

	switch {
	case clean:
		p.log.Debug("runner: worker exited", "worker", w.id, "pid", pr.pid)
	case stopping || cause == errSetup: // Close or Start reports it
		p.log.Debug("runner: worker exited", "worker", w.id, "pid", pr.pid, "err", reason)
	default:
		p.log.Warn("runner: worker died", "worker", w.id, "pid", pr.pid, "err", reason, "tasks_lost", countTasks(lost))
	}
}

func countTasks(runs []run) int {
	n := 0
	for _, r := range runs {
		n += r.n
	}
	return n
}
