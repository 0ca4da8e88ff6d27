package runner

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"
)

// A Handler does tasks inside one worker. Handle appends the result of task
// to dst and returns it; it may also return a slice of its own, which the
// worker copies before the next call. task is only valid during the call.
// A worker calls Handle from one goroutine at a time, for one task at a time.
// A Handler that is also an io.Closer is closed when its worker stops
// normally (its input ended, or its pool closed), to stop what it started.
type Handler interface {
	Handle(dst, task []byte) ([]byte, error)
}

// A Forwarder is a Handler that passes tasks on to another program (one
// it started) and reads their results back. A worker process forwards each
// frame of tasks the pool sends as soon as it arrives, from one goroutine,
// while another reads the results of the tasks before it: the program
// always has tasks queued, and no task waits for a round trip. In-process
// workers, and single tasks, still go through Handle.
type Forwarder interface {
	Handler
	// Forward passes tasks on, in order; it may block while the other
	// side is busy. tasks are only valid during the call.
	Forward(tasks [][]byte) error
	// Result returns the result of the oldest task forwarded and not
	// yet returned, waiting for it: its output, valid until the next
	// call, or its error (as Handle returns them). A non-nil fatal error
	// is not the task's failure but the worker's: the worker process
	// exits, as if it had crashed, and the pool deals with the tasks not
	// yet answered as with any dead worker (Config.Retries).
	Result() (out []byte, err, fatal error)
	// Ready reports whether Result would return without waiting, so
	// that the worker sends the pool what it has before it waits.
	Ready() bool
}

// HandlerFunc adapts a function to a Handler.
type HandlerFunc func(dst, task []byte) ([]byte, error)

// Handle calls f(dst, task).
func (f HandlerFunc) Handle(dst, task []byte) ([]byte, error) { return f(dst, task) }

// Setup builds a worker's Handler from the pool's Config.Init bytes. It runs
// once per worker, in the worker (process or goroutine), before any task.
type Setup func(init []byte) (Handler, error)

var registry struct {
	mu sync.Mutex
	m  map[string]Setup
}

// Register makes setup available to pools under name. Call it from an init
// function, or from main before Main or Serve, so that worker processes,
// which run the same binary, register the same names. Register panics if
// name is empty, setup is nil, or name is already registered.
func Register(name string, setup Setup) {
	if name == "" {
		panic("runner: Register with an empty name")
	}
	if setup == nil {
		panic("runner: Register " + name + " with a nil Setup")
	}
	registry.mu.Lock()
	defer registry.mu.Unlock()
	if _, dup := registry.m[name]; dup {
		panic("runner: Register called twice for handler " + name)
	}
	if registry.m == nil {
		registry.m = make(map[string]Setup)
	}
	registry.m[name] = setup
}

func lookup(name string) (Setup, bool) {
	registry.mu.Lock()
	defer registry.mu.Unlock()
	s, ok := registry.m[name]
	return s, ok
}

// Config configures a Pool. Only Handler is required.
type Config struct {
	// Handler names the workers' Setup: a worker process runs the one
	// its program passed to Serve under this name, or else the one
	// registered under it. Unless Setup is set, the name must also be
	// registered in this process, for InProcess or when the workers run
	// this program (no Command).
	Handler string
	// Setup, if set, is the workers' Setup, used instead of the handler
	// registered as Handler, which then need not be registered:
	// in-process workers call it. Worker processes are still started
	// with the name Handler, and their program must serve it, passing the
	// same Setup to Serve under that name. Setup is how a program gives a
	// handler that it builds in main rather than registers.
	Setup Setup
	// Init is passed to Setup in every worker.
	Init []byte
	// Workers is the number of workers; 0 means runtime.NumCPU().
	Workers int
	// InProcess runs the workers as goroutines of this process instead of
	// worker processes: same API, same results, no isolation. It is the
	// debugging mode and the reference for the cost of the process pool.
	InProcess bool
	// Window is the largest number of tasks sent to one worker and not yet
	// answered. 0 sizes it from the measured time per task so that about
	// Queued of work is queued in each worker, besides the results it
	// holds back for up to 2 ms to send them together (between 2 and 1024
	// tasks).
	Window int
	// Queued is the work the adaptive window keeps queued in each worker;
	// 0 means 2 ms. A Forwarder wants more: its program answers a batch
	// at a time, and works on the next while the answers travel.
	Queued time.Duration
	// MaxPending bounds the tasks submitted with Submit and not yet
	// finished: Submit blocks while that many are pending. 0 is unbounded.
	MaxPending int
	// Command is the program and arguments that start a worker process.
	// The default is this program (os.Executable) with no arguments. The
	// program must call Main or Serve first in main, and serve Handler:
	// register it, or pass it to Serve.
	Command []string
	// Env is added to this process's environment for worker processes.
	// It may set GOMAXPROCS, which otherwise is NumCPU/Workers (at least 1).
	Env []string
	// Stderr receives the lines that worker processes write to their
	// standard output and standard error, each prefixed "worker N: ".
	// The default is os.Stderr.
	Stderr io.Writer
	// Logger receives pool events: workers starting and exiting (Debug),
	// workers that died or stalled (Warn; see Stalled workers in the
	// package doc). The default is slog.Default().
	Logger *slog.Logger
	// Retries is how many times a task that was running on a worker
	// process when it died is sent again, each time to another worker;
	// 0 means never. A task whose retries are used up fails with a
	// *WorkerError. A worker that dies is replaced if Retries or
	// TaskTimeout is set; if both are 0, it is not, and every task in
	// flight on it fails. Handler errors and panics (*TaskError) are never
	// retried.
	Retries int
	// TaskTimeout limits the time a task may run on a worker process; 0
	// means no limit. A worker whose current task runs longer is killed
	// (SIGKILL), and the task counts as lost with it, as for Retries.
	// In-process workers cannot be killed: TaskTimeout is ignored with
	// InProcess. Without a limit, a task that never ends keeps its call
	// waiting, and only the tasks queued behind it are sent to other
	// workers (see Stalled workers in the package doc).
	TaskTimeout time.Duration
}

// ErrClosed is returned for work given to a Pool after Close started, and
// for tasks that were still queued, not yet sent to a worker, when it did.
var ErrClosed = errors.New("runner: pool closed")

// A TaskError reports that a handler returned an error or panicked. The
// worker survives either: after a panic, it recovers and goes on with its
// next task.
type TaskError struct {
	Worker int    // the worker that ran the task
	Task   int    // the task's index in its Stream, Map or Unordered call; 0 for Submit
	Msg    string // the handler's error message, or the panic value
	Panic  bool   // the handler panicked
	Stack  string // with Panic: the stack of the panicking goroutine
}

func (e *TaskError) Error() string {
	if e.Panic {
		return fmt.Sprintf("runner: worker %d: task %d: panic: %s", e.Worker, e.Task, e.Msg)
	}
	return fmt.Sprintf("runner: worker %d: task %d: %s", e.Worker, e.Task, e.Msg)
}

// A WorkerError reports that a worker process died (it exited, was killed,
// hit a fatal runtime error, broke the protocol, or ran over
// Config.TaskTimeout) while tasks were in flight on it. Without retries,
// each of those tasks fails with the WorkerError; with Config.Retries, a
// task fails with one only once its retries are used up, and then Task and
// Lost are set.
type WorkerError struct {
	Worker int // the worker that died, the last one for a task given up
	// Err says how the process ended, usually an *exec.ExitError; it wraps
	// one for a worker that exited with the status reserved for internal
	// worker errors (70).
	Err error
	// Stderr holds the last lines the worker wrote to its standard output
	// and standard error, the ones that usually explain a crash.
	Stderr string
	// Task is the index of the task given up in its Stream, Map or
	// Unordered call (0 for Submit), if Lost > 0.
	Task int
	// Lost is, for a task given up after Config.Retries retries, the
	// number of workers that died running it; 0 otherwise.
	Lost int
	// Timeout reports that the task ran over Limit, Config.TaskTimeout,
	// and its worker was killed for it.
	Timeout bool
	Limit   time.Duration
}

func (e *WorkerError) Error() string {
	switch {
	case e.Timeout && e.Lost > 1:
		return fmt.Sprintf("runner: task %d exceeded the %v time limit (lost with %d workers, last: worker %d); not retried again", e.Task, e.Limit, e.Lost, e.Worker)
	case e.Timeout:
		return fmt.Sprintf("runner: task %d exceeded the %v time limit on worker %d", e.Task, e.Limit, e.Worker)
	case e.Lost > 0:
		return fmt.Sprintf("runner: task %d lost with %d workers (last: worker %d: %v); not retried again", e.Task, e.Lost, e.Worker, e.Err)
	}
	return fmt.Sprintf("runner: worker %d died: %v", e.Worker, e.Err)
}

func (e *WorkerError) Unwrap() error { return e.Err }
