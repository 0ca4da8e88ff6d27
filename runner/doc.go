// Package runner runs tasks on a pool of worker processes, like Python's
// multiprocessing.Pool: the running program re-executed in worker mode,
// fed over pipes, each task an opaque slice of bytes and each result
// another. With Config.InProcess the workers are goroutines of the calling
// process instead, behind the same API and with the same results.
//
// A program registers its handlers in init functions and calls Main first
// in main, so that the same binary, started as a worker, serves instead of
// running the program:
//
//	func init() {
//		runner.Register("square", func(init []byte) (runner.Handler, error) {
//			return runner.HandlerFunc(square), nil
//		})
//	}
//
//	func main() {
//		runner.Main() // serves and exits in a worker; returns at once otherwise
//		pool, err := runner.Start(ctx, runner.Config{Handler: "square"})
//		...
//		defer pool.Close()
//		outs, err := pool.Map(ctx, tasks)
//	}
//
// A program that builds its handlers as values in main, rather than
// registering them, calls Serve(handlers) instead of Main, handlers mapping
// each name to its Setup, and gives a pool the Setup as Config.Setup and
// its name as Config.Handler. In-process workers call Config.Setup; worker
// processes, started with the name, look it up in what Serve was given,
// then among the registered handlers. Tests that start pools of the test
// binary call Main or Serve first in TestMain.
//
// # Running tasks
//
// Stream is the fast path: it builds tasks lazily and reports results
// through a callback without allocating per task. Map returns results in
// input order; Unordered yields them as they finish; Submit queues one task
// and returns a Future. Calls may run concurrently: their tasks share the
// workers. RegisterFunc and MapFunc are the typed convenience on top: a
// func(In) (Out, error) run on every input, values encoded with gob.
//
// # What is ordered
//
// A worker runs its tasks one at a time, in the order it receives them,
// and answers in that order; different workers run at the same time, and
// which worker runs a task is not specified. Hence only Map's results are
// in input order: Stream, Unordered and futures see results in completion
// order. Stream builds task i only after tasks 0..i-1, and calls its
// callbacks from the calling goroutine. With a deterministic handler, each
// task's result does not depend on the worker, the number of workers, or
// InProcess.
//
// Each task is reported exactly once, with its result or its error, also
// when it ran on more than one worker (a task moved from behind a stalled
// worker, below): the first result to arrive is the one reported, and the
// others are dropped. A handler that is not deterministic may therefore
// run a task twice and see one of its results kept.
//
// Work is balanced dynamically: each worker is sent more tasks whenever
// fewer than its window are unanswered, unless it is stalled (below).
// Unless Config.Window fixes it, the
// window is sized from the measured time per task so that about 2 ms of
// work is queued in each worker: large batches for tiny tasks, little
// imbalance at the end of a run for long ones.
//
// # Errors
//
// A handler that returns an error or panics fails its task with a
// *TaskError (with the stack for a panic); the worker goes on with its
// next task. Such errors are deterministic and never retried. Start fails
// if a worker's Setup fails, with the worker's message. Work given to a
// closed pool fails with ErrClosed; a call whose context is done returns
// context.Cause(ctx).
//
// # Crashes, retries and time limits
//
// A worker process that dies (killed, os.Exit, a fatal runtime error, a
// protocol error) is noticed at once, when its result pipe ends. By
// default (Config.Retries and Config.TaskTimeout both 0) every task in
// flight on it fails with a *WorkerError, which carries its exit status
// and last lines of output; it is not replaced, the other workers go on,
// and a call fails with an error wrapping the last *WorkerError only once
// no worker is left.
//
// With Config.Retries or Config.TaskTimeout set, a dead worker process is
// replaced by a new one (same command and Init, a new worker id), and the
// tasks that were in flight on it are sent again, before any other work,
// from the bytes the pool kept: a Stream does not build a task twice, and
// reports each task's result exactly once. A task counts the deaths of
// the workers that were running it, and once they exceed Retries it fails
// with a *WorkerError whose Lost is that count ("task 17 lost with 3
// workers"). Tasks queued behind it on the dead worker had not started
// and are sent again without penalty, except the copies of moved tasks
// whose other copy is in flight or answered (see Stalled workers): those
// are dropped, never sent a third time. Which task a worker was running is
// not always known: a worker holds back the results of finished tasks for
// up to 2 ms to send them together, so when a worker with several tasks
// in flight dies, no task is charged, and the tasks go again one at a
// time, each alone on an idle worker, so that a task that kills its worker
// again is known to. The tasks of a Stream that has stopped (its context
// is done, or its callback returned an error) are not sent again but fail
// with the *WorkerError. No worker is started once Close has begun, and
// if more than 3 replacements in a row die before they are ready (Setup
// failed, or the process exited), the pool stops replacing workers: once
// none is left, calls fail with an error wrapping the last *WorkerError.
// Pool.Stats counts workers started and dead, retries and timeouts, and
// stalls, moved tasks and duplicate results.
//
// With Config.TaskTimeout, a worker process whose current task has run
// longer than the limit is killed with SIGKILL, and the task counts as
// lost with it; if it is not retried, it fails with a *WorkerError whose
// Timeout is set ("task 5 exceeded the 2s time limit"). The current task is
// the first one not answered, and its time is approximate: it is counted
// from when it was sent or from when the result before it arrived,
// whichever is later, checked every tenth of the limit, and it may include
// the time of the task after it, while the worker holds its result back.
// A worker killed with several tasks in flight charges none of them, as
// above. In-process workers cannot be killed: with InProcess, TaskTimeout
// is ignored, and so are retries (a handler that calls runtime.Goexit ends
// its worker, which is not replaced, and its tasks fail).
//
// # Stalled workers
//
// A worker process that stops answering (stopped with SIGSTOP or by a
// debugger, swapped out, deadlocked, or running a task that takes far
// longer than the others) does not hold up the tasks queued behind its
// current task. It is stalled once its current task, timed as for
// TaskTimeout, has run for more than 20 times the longest busy time of a
// batch of results so far, a bound on the time of every task seen, and
// for more than 1 s; until a first result arrives there is nothing to
// compare with and no worker is stalled. The pool checks every 100 ms. The
// longest time rather than a recent mean, so that tasks whose times vary
// widely are not each taken for a stall; a false alarm costs a warning,
// and maybe some queued tasks run twice on workers that had nothing else
// to do. A worker stopped and then continued counts the stopped time as
// busy, which raises the bar for later stalls.
//
// A stalled worker is sent no new tasks, and whenever other workers are
// idle, the tasks queued behind its current one (sent to it and not
// answered) are sent to them too, spread over them. The current task is
// neither moved nor killed: it still counts as in flight, and its call
// waits for its result or for its worker to die; killing it is
// Config.TaskTimeout's job. A moved task has two copies in flight, and the
// first result to arrive is reported; the other is dropped when it arrives
// (Stats.Duplicates). A copy lost with its worker while the other copy is
// in flight or answered is dropped too: it is not sent again, charged or
// failed; only the loss of a task's last copy counts, as above. A Stream
// still builds each task once and reports it once; Map's order is
// unchanged. The stall ends when the worker answers (logged at Info). A
// worker that runs only copies already answered elsewhere when Close stops
// it is interrupted at once, and that is no error.
//
// The pool logs a warning (Config.Logger) when a worker stalls, whenever
// it moves tasks from behind it, and whenever the time its task has run
// has doubled since the last warning: "runner: worker 2 (pid 1234) has run
// task 397 for 12s; tasks took at most 1.2ms so far; 3 queued tasks moved
// to idle workers (set a task time limit to kill it)". Pool.Stalled lists
// the stalled workers for a progress display. In-process workers are not
// watched: they cannot be stopped by a signal, and their tasks are not
// moved.
//
// # Shutdown
//
// Close lets the tasks in flight finish, then closes the workers' input;
// a worker process exits when its input ends (a Handler that is an
// io.Closer is closed first), and one that does not is interrupted and
// then killed, on timers. Close returns once every worker process has
// been reaped. Worker processes run in their own process group, so a ^C
// at the terminal reaches only the pool's process, which decides (cancel
// the contexts of the calls in progress, then Close).
//
// Workers, and what their handlers start, do not outlive their pool's
// process. A worker is killed with its whole process group, so that the
// programs its handler started (even through a shell script, whose
// children are not the worker's) die with it: when the pool kills it, and
// once it has exited. On Linux a worker gets SIGTERM when the pool's
// process dies (Pdeathsig), and kills its group; elsewhere it exits when
// its input pipe ends. A worker stopped (SIGSTOP) when its pool dies
// stays stopped until continued, and then dies. A program that leaves
// the group (setsid) escapes all this.
//
// # Worker processes
//
// A worker is started with Config.Command (by default, this program with
// no arguments) and the environment variable RUNNER_WORKER set to the
// handler's name. It reads tasks from file descriptor 3 and writes results
// to file descriptor 4, so that whatever the handler prints cannot corrupt
// the protocol; its standard output and standard error are copied, line by
// line and prefixed with "worker N: ", to Config.Stderr. GOMAXPROCS is set
// to NumCPU/Workers unless Config.Env sets it. A worker exits with status
// 70 after an internal error, and 0 when its input ends. Worker processes
// need a Unix system; InProcess pools run anywhere.
//
// # Forwarders
//
// A Handler that is a Forwarder passes tasks on to another program, such
// as a kernel in another language. In a worker process, one goroutine
// forwards each frame of tasks as it arrives while another reads the
// results of earlier ones, so that the program always has tasks queued
// and pays no round trip per task; the results go to the pool whenever
// the program has no more ready. A fatal error from it ends the worker,
// like a crash, and the tasks not answered are retried.
//
// # Panics
//
// Only caller bugs panic: Register with a name already registered, Serve
// with a nil Setup, and Stream with a negative count or a nil function. A
// panic in a Stream callback propagates to the caller of Stream.
package runner
