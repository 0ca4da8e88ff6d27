package runner

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"runtime/debug"
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
			os.Exit(workerExitCode)
		}
	}()
	in, out, err := workerFiles()
	if err == nil {
		err = serve(name, handlers, in, out)
	}
	returned = true
	if err != nil {
		fmt.Fprintf(os.Stderr, "runner: worker for %q: %v\n", name, err)
		os.Exit(workerExitCode)
	}
	os.Exit(0)
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
		if cerr := c.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("closing the handler: %w", cerr)
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
	ids     []uint64 // the tasks of a frame, for a BatchHandler
	tasks   [][]byte

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
		if bh, ok := s.h.(BatchHandler); ok {
			if err := s.doBatch(bh, f); err != nil {
				return err
			}
		} else {
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

// doBatch runs the tasks of frame f with one call of h.HandleBatch. An
// error it returns ends the worker; so does a panic, which is not the
// fault of one task.
func (s *server) doBatch(h BatchHandler, f []byte) error {
	s.ids = s.ids[:0]
	s.tasks = s.tasks[:0]
	for p := f; len(p) > 0; {
		id, task, rest, err := nextTask(p)
		if err != nil {
			return err
		}
		p = rest
		s.ids = append(s.ids, id)
		s.tasks = append(s.tasks, task)
	}
	if s.nres == 0 {
		s.start = time.Now()
	}
	k := 0
	err := h.HandleBatch(s.tasks, func(out []byte, err error) error {
		if k >= len(s.ids) {
			return fmt.Errorf("runner: HandleBatch reported %d results for %d tasks", k+1, len(s.ids))
		}
		status := byte(statusOK)
		if err != nil {
			out, status = append(s.scratch[:0], err.Error()...), statusError
		}
		if s.nres == 0 {
			s.start = time.Now()
		}
		id := s.ids[k]
		k++
		return s.add(id, out, status)
	})
	if err == nil && k < len(s.ids) {
		err = fmt.Errorf("runner: HandleBatch reported %d results for %d tasks", k, len(s.ids))
	}
	if err != nil {
		// What was answered is sent, so that only the rest is retried.
		if ferr := s.flush(); ferr != nil {
			return ferr
		}
		return fmt.Errorf("handler: %w", err)
	}
	return nil
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
