package runner

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
)

// envWorker names the handler in the environment of a worker process; its
// presence is what makes Main and Serve serve.
const envWorker = "RUNNER_WORKER"

// Main makes this process serve as a worker if a Pool started it, and then
// exits; otherwise it returns at once. Call it first in main, and first in
// TestMain for tests that start pools of the test binary, after the
// handlers are registered (init functions run before main). Main is
// Serve(nil).
//
// A worker process reads tasks from file descriptor 3 and writes results to
// file descriptor 4 until descriptor 3 reaches end of file, then exits 0.
// It exits with status 70 after an internal error, such as a protocol
// error, having written the reason to its standard error.
func Main() { Serve(nil) }

// Serve is Main for handlers given as values: if a Pool started this
// process, it serves as a worker, running the Setup that handlers maps the
// pool's Config.Handler to, or else the one registered under that name,
// and then exits; otherwise it returns at once. Call it first in main,
// once handlers is built, and give a pool in this process the same Setup
// as Config.Setup, with its name as Config.Handler. Serve panics if
// handlers holds a nil Setup.
func Serve(handlers map[string]Setup) {
	for name, setup := range handlers {
		if setup == nil {
			panic("runner: Serve with a nil Setup for handler " + name)
		}
	}
	name, ok := os.LookupEnv(envWorker)
	if !ok {
		return
	}
	// Unset it so that a handler may itself start pools.
	os.Unsetenv(envWorker)
	inWorker.Store(true)
	dieWithGroup()
	returned := false
	defer func() {
		if !returned {
			// Without this, the other goroutines would keep the
			// process alive, serving nothing.
			fmt.Fprintf(os.Stderr, "runner: worker for %q: %v\n", name, errGoexit)
			exitWithGroup(workerExitCode)
		}
	}()
	in, out, err := workerFiles()
	if err == nil {
		err = serve(name, handlers, in, out)
	}
	returned = true
	if err != nil {
		fmt.Fprintf(os.Stderr, "runner: worker for %q: %v\n", name, err)
		exitWithGroup(workerExitCode)
	}
	exitWithGroup(0)
}

var inWorker atomic.Bool

// InWorker reports whether this process is a worker process, which Main
// or Serve made serve a pool: what its handler starts is then killed with
// it (see Shutdown in the package documentation).
func InWorker() bool { return inWorker.Load() }

// serve runs the worker side of the protocol for the handler name, looked
// up in handlers and then among the registered ones: init, then tasks
// until in reaches end of file.
func serve(name string, handlers map[string]Setup, in io.Reader, out io.Writer) error {
	br := bufio.NewReaderSize(in, 64<<10)
	typ, p, err := readFrame(br, nil)
	if err != nil {
		return fmt.Errorf("reading init: %w", err)
	}
	if typ != frameInit || len(p) == 0 {
		return protoErrorf("first frame has type %d, want init", typ)
	}
	var h Handler
	setup, ok := findSetup(handlers, name)
	switch {
	case p[0] != protoVersion:
		err = fmt.Errorf("protocol version %d, want %d (the worker binary differs from the pool's)", p[0], protoVersion)
	case !ok:
		err = fmt.Errorf("no handler registered as %q (call runner.Register in an init function of the worker program, or pass it to runner.Serve)", name)
	default:
		h, err = setupHandler(setup, p[1:])
	}
	if err != nil {
		// Report it and exit: the pool stops.
		_, werr := out.Write(appendFrame(nil, frameSetupErr, []byte(err.Error())))
		return werr
	}
	if _, err := out.Write(appendFrame(nil, frameReady, []byte{protoVersion})); err != nil {
		return err
	}
	s := &server{h: h, out: out}
	err = s.run(br)
	if c, ok := h.(io.Closer); ok {
		// Every result has gone: a failure to close is no failure of
		// the worker's, only news for its log.
		if cerr := c.Close(); cerr != nil {
			fmt.Fprintf(os.Stderr, "runner: worker for %q: closing the handler: %v\n", name, cerr)
		}
	}
	return err
}

// findSetup returns the Setup that handlers maps name to, or else the one
// registered as name.
func findSetup(handlers map[string]Setup, name string) (Setup, bool) {
	if setup, ok := handlers[name]; ok {
		return setup, true
	}
	return lookup(name)
}

// setupHandler runs setup, turning a panic into an error.
func setupHandler(setup Setup, init []byte) (h Handler, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v\n\n%s", r, debug.Stack())
		}
	}()
	h, err = setup(init)
	if err == nil && h == nil {
		err = fmt.Errorf("Setup returned a nil Handler")
	}
	return h, err
}

// callHandler runs one task, appending to dst; a handler error or panic
// becomes the bytes of the result, with its status.
func callHandler(h Handler, dst, task []byte) (out []byte, status byte) {
	defer func() {
		if r := recover(); r != nil {
			out, status = appendPanic(dst[:0], fmt.Sprint(r), debug.Stack()), statusPanic
		}
	}()
	out, err := h.Handle(dst[:0], task)
	if err != nil {
		return append(dst[:0], err.Error()...), statusError
	}
	return out, statusOK
}

// growScratch returns a scratch buffer with room for an item of n bytes,
// so that a handler that returns slices of its own does not make every
// call allocate. It never keeps the caller's slice, which may be retained.
func growScratch(scratch []byte, n int) []byte {
	if n <= cap(scratch) || n > flushBytes {
		return scratch
	}
	return make([]byte, 0, max(n, 2*cap(scratch)))
}

// A server is the worker side of a pool: it runs tasks in the order they
// arrive and batches their results.
type server struct {
	h       Handler
	out     io.Writer
	scratch []byte

	res   []byte    // result frame being built, from resultsHead on
	nres  int       // results in res
	start time.Time // when the first task of the batch started
	first time.Time // when the first unflushed result was finished
}

func (s *server) run(br *bufio.Reader) error {
	// One goroutine reads frames so that the pipe never waits on a task;
	// buffers go round between frames and free.
	frames := make(chan []byte, 16)
	free := make(chan []byte, 16)
	quit := make(chan struct{})
	defer close(quit)
	var readErr error
	go func() {
		defer close(frames)
		for {
			var buf []byte
			select {
			case buf = <-free:
			default:
			}
			typ, p, err := readFrame(br, buf)
			if err == io.EOF {
				return
			}
			if err == nil && typ != frameTasks {
				err = protoErrorf("frame type %d, want tasks", typ)
			}
			if err != nil {
				readErr = fmt.Errorf("reading tasks: %w", err)
				return
			}
			select {
			case frames <- p:
			case <-quit:
				return
			}
		}
	}()

	s.res = make([]byte, resultsHead, resultsHead+flushBytes+1<<10)
	if fw, ok := s.h.(Forwarder); ok {
		return s.forward(fw, frames, free, &readErr)
	}
	for {
		var f []byte
		var ok bool
		select {
		case f, ok = <-frames:
		default:
			// Nothing queued: send what we have before waiting.
			if err := s.flush(); err != nil {
				return err
			}
			f, ok = <-frames
		}
		if !ok {
			if err := s.flush(); err != nil {
				return err
			}
			return readErr
		}
		for p := f; len(p) > 0; {
			id, task, rest, err := nextTask(p)
			if err != nil {
				return err
			}
			p = rest
			if err := s.do(id, task); err != nil {
				return err
			}
		}
		select {
		case free <- f[:0]:
		default:
		}
	}
}

// do runs one task and adds its result to the batch, flushing it if it is
// full or old.
func (s *server) do(id uint64, task []byte) error {
	if s.nres == 0 {
		s.start = time.Now()
	}
	out, status := callHandler(s.h, s.scratch, task)
	s.scratch = growScratch(s.scratch, len(out))
	return s.add(id, out, status)
}

// forward serves a Forwarder: one goroutine forwards the frames as they
// arrive, this one reads the results and sends them to the pool, each
// batch as soon as the Forwarder has no more ready.
func (s *server) forward(fw Forwarder, frames <-chan []byte, free chan<- []byte, readErr *error) error {
	q := newSentQueue()
	var sendErr error
	go func() {
		defer q.close()
		var tasks [][]byte
		var sent []sentTask
		for f := range frames {
			tasks, sent = tasks[:0], sent[:0]
			now := time.Now()
			for p := f; len(p) > 0; {
				id, task, rest, err := nextTask(p)
				if err != nil {
					sendErr = err
					return
				}
				p = rest
				tasks = append(tasks, task)
				sent = append(sent, sentTask{id, now})
			}
			q.push(sent)
			if err := fw.Forward(tasks); err != nil {
				sendErr = fmt.Errorf("handler: %w", err)
				return
			}
			select {
			case free <- f[:0]:
			default:
			}
		}
		sendErr = *readErr
	}()
	var flushed time.Time
	for {
		t, ok := q.pop(func() error { return s.flush() })
		if !ok {
			if err := s.flush(); err != nil {
				return err
			}
			return sendErr
		}
		if s.nres == 0 {
			// Busy since the task was sent, or since the last results
			// went, whichever is later.
			s.start = t.sent
			if flushed.After(s.start) {
				s.start = flushed
			}
		}
		out, err, fatal := fw.Result()
		if fatal != nil {
			// What was answered goes, so that only the rest is retried.
			if err := s.flush(); err != nil {
				return err
			}
			return fmt.Errorf("handler: %w", fatal)
		}
		status := byte(statusOK)
		if err != nil {
			out, status = append(s.scratch[:0], err.Error()...), statusError
			s.scratch = out
		}
		if err := s.add(t.id, out, status); err != nil {
			return err
		}
		if !fw.Ready() {
			if err := s.flush(); err != nil {
				return err
			}
			flushed = time.Now()
		}
	}
}

// A sentTask is a task forwarded and not yet answered.
type sentTask struct {
	id   uint64
	sent time.Time
}

// sentQueue is the tasks forwarded, oldest first, shared by the goroutine
// that forwards them and the one that reads their results.
type sentQueue struct {
	mu     sync.Mutex
	cond   *sync.Cond
	q      []sentTask // q[head:] are waiting
	head   int
	closed bool
}

func newSentQueue() *sentQueue {
	q := new(sentQueue)
	q.cond = sync.NewCond(&q.mu)
	return q
}

func (q *sentQueue) push(ts []sentTask) {
	q.mu.Lock()
	q.q = append(q.q, ts...)
	q.mu.Unlock()
	q.cond.Signal()
}

func (q *sentQueue) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	q.cond.Signal()
}

// pop returns the oldest task; if there is none yet, it calls idle once
// (to send the results held) and waits. It returns false once the queue
// is closed and empty, or if idle fails.
func (q *sentQueue) pop(idle func() error) (sentTask, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.head == len(q.q) && !q.closed {
		q.mu.Unlock()
		err := idle()
		q.mu.Lock()
		if err != nil {
			return sentTask{}, false
		}
	}
	for q.head == len(q.q) && !q.closed {
		q.cond.Wait()
	}
	if q.head == len(q.q) {
		return sentTask{}, false
	}
	t := q.q[q.head]
	q.head++
	if q.head >= 1024 && 2*q.head >= len(q.q) {
		// Tasks stream in while results are read, so the queue may
		// never drain: move what is left to the front.
		q.q = q.q[:copy(q.q, q.q[q.head:])]
		q.head = 0
	}
	return t, true
}

// add adds one task's result to the batch, flushing it if it is full or
// old.
func (s *server) add(id uint64, out []byte, status byte) error {
	if len(out) > maxItem {
		out, status = fmt.Appendf(s.scratch[:0], "result of %d bytes is over the limit of %d", len(out), maxItem), statusError
	}
	if len(s.res)+len(out) > maxFrame-64 {
		if err := s.flush(); err != nil {
			return err
		}
		s.start = time.Now()
	}
	s.res = appendResult(s.res, id, status, out)
	s.nres++
	if s.nres == 1 {
		s.first = time.Now()
	}
	if s.nres >= flushResults || len(s.res) >= flushBytes || time.Since(s.first) >= flushDelay {
		return s.flush()
	}
	return nil
}

// flush sends the batch of results, if any, in one write.
func (s *server) flush() error {
	if s.nres == 0 {
		return nil
	}
	var b [binary.MaxVarintLen64]byte
	busy := b[:binary.PutUvarint(b[:], uint64(time.Since(s.start)))]
	at := resultsHead - len(busy) - headerLen
	copy(s.res[at+headerLen:], busy)
	setHeader(s.res[at:], frameResults)
	_, err := s.out.Write(s.res[at:])
	s.res = s.res[:resultsHead]
	s.nres = 0
	return err
}
