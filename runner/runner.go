package runner

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
)

// A Handler does tasks inside one worker. Handle appends the result of task
// to dst and returns it; it may also return a slice of its own, which the
// worker copies before the next call. task is only valid during the call.
// A worker calls Handle from one goroutine at a time, for one task at a time.
type Handler interface {
	Handle(dst, task []byte) ([]byte, error)
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
// function, or from main before Main, so that worker processes, which run
// the same binary, register the same names. Register panics if name is
// empty, setup is nil, or name is already registered.
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
	// Handler is the name the workers' Setup was registered under.
	Handler string
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
	// 2 ms of work is queued in each worker, besides the results it holds
	// back for up to 2 ms to send them together (between 2 and 1024 tasks).
	Window int
	// MaxPending bounds the tasks submitted with Submit and not yet
	// finished: Submit blocks while that many are pending. 0 is unbounded.
	MaxPending int
	// Command is the program and arguments that start a worker process.
	// The default is this program (os.Executable) with no arguments. The
	// program must call Main first in main and register Handler.
	Command []string
	// Env is added to this process's environment for worker processes.
	// It may set GOMAXPROCS, which otherwise is NumCPU/Workers (at least 1).
	Env []string
	// Stderr receives the lines that worker processes write to their
	// standard output and standard error, each prefixed "worker N: ".
	// The default is os.Stderr.
	Stderr io.Writer
	// Logger receives pool events: workers starting and exiting. The
	// default is slog.Default().
	Logger *slog.Logger
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
// hit a fatal runtime error, or broke the protocol) while tasks were in
// flight on it. Each of those tasks fails with the WorkerError.
type WorkerError struct {
	Worker int
	// Err says how the process ended, usually an *exec.ExitError; it wraps
	// one for a worker that exited with the status reserved for internal
	// worker errors (70).
	Err error
	// Stderr holds the last lines the worker wrote to its standard output
	// and standard error, the ones that usually explain a crash.
	Stderr string
}

func (e *WorkerError) Error() string {
	return fmt.Sprintf("runner: worker %d died: %v", e.Worker, e.Err)
}

func (e *WorkerError) Unwrap() error { return e.Err }
