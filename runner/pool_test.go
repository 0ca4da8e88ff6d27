package runner_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/simrun/simrun/runner"
)

func TestMapOrder(t *testing.T) {
	for _, m := range modes {
		for _, workers := range []int{1, 2, 3} {
			t.Run(fmt.Sprintf("%s/%d", m.name, workers), func(t *testing.T) {
				p := start(t, runner.Config{Handler: "square", Workers: workers, InProcess: m.inProcess})
				if got := p.Workers(); got != workers {
					t.Errorf("Workers() = %d, want %d", got, workers)
				}
				const n = 3000
				outs, err := p.Map(testContext(t), squares(n))
				if err != nil {
					t.Fatal(err)
				}
				if len(outs) != n {
					t.Fatalf("Map returned %d results, want %d", len(outs), n)
				}
				for i, out := range outs {
					if got, _ := binary.Uvarint(out); got != uint64(i*i) {
						t.Fatalf("result %d = %d, want %d", i, got, i*i)
					}
				}
			})
		}
	}
}

func TestStream(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			p := start(t, runner.Config{Handler: "echo", Workers: 2, InProcess: m.inProcess})
			const n = 5000
			next := 0
			seen := make([]int, n)
			err := p.Stream(testContext(t), n,
				func(i int, dst []byte) []byte {
					if i != next {
						t.Errorf("task(%d) called, want task(%d)", i, next)
					}
					next = i + 1
					return fmt.Appendf(dst, "task %d", i)
				},
				func(i int, out []byte, err error) error {
					if err != nil {
						return err
					}
					seen[i]++
					if want := fmt.Sprintf("task %d", i); string(out) != want {
						t.Errorf("result %d = %q, want %q", i, out, want)
					}
					return nil
				})
			if err != nil {
				t.Fatal(err)
			}
			for i, c := range seen {
				if c != 1 {
					t.Fatalf("result %d reported %d times, want once", i, c)
				}
			}
		})
	}
}

func TestStreamResultError(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			p := start(t, runner.Config{Handler: "square", Workers: 2, InProcess: m.inProcess})
			const n = 100000
			stop := errors.New("stop here")
			built, reported := 0, 0
			err := p.Stream(testContext(t), n,
				func(i int, dst []byte) []byte { built++; return binary.AppendUvarint(dst, uint64(i)) },
				func(i int, out []byte, err error) error {
					reported++
					if reported == 10 {
						return stop
					}
					return nil
				})
			if err != stop {
				t.Fatalf("Stream returned %v, want %v", err, stop)
			}
			if reported != built {
				t.Errorf("%d tasks built, %d reported: in-flight results must still be reported", built, reported)
			}
			if built == n {
				t.Errorf("all %d tasks were built after result failed", n)
			}
			// The pool is still usable.
			if _, err := p.Map(testContext(t), squares(10)); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestStreamEmpty(t *testing.T) {
	p := start(t, runner.Config{Handler: "echo", Workers: 1, InProcess: true})
	err := p.Stream(testContext(t), 0,
		func(i int, dst []byte) []byte { t.Error("task called"); return dst },
		func(i int, out []byte, err error) error { t.Error("result called"); return nil })
	if err != nil {
		t.Fatal(err)
	}
}

func TestConcurrentCalls(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			p := start(t, runner.Config{Handler: "square", Workers: 2, InProcess: m.inProcess})
			ctx := testContext(t)
			var wg sync.WaitGroup
			for g := range 4 {
				wg.Go(func() {
					n := 500 + 100*g
					outs, err := p.Map(ctx, squares(n))
					if err != nil {
						t.Error(err)
						return
					}
					for i, out := range outs {
						if got, _ := binary.Uvarint(out); got != uint64(i*i) {
							t.Errorf("Map %d: result %d = %d, want %d", g, i, got, i*i)
							return
						}
					}
				})
				wg.Go(func() {
					for i := range 20 {
						f, err := p.Submit(ctx, uv(uint64(i)))
						if err != nil {
							t.Error(err)
							return
						}
						out, err := f.Wait(ctx)
						if got, _ := binary.Uvarint(out); err != nil || got != uint64(i*i) {
							t.Errorf("Submit %d: got %d, %v; want %d", i, got, err, i*i)
						}
					}
				})
			}
			wg.Wait()
		})
	}
}

func TestUnordered(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			p := start(t, runner.Config{Handler: "square", Workers: 2, InProcess: m.inProcess})
			const n = 2000
			seen := make([]int, n)
			for r, err := range p.Unordered(testContext(t), squares(n)) {
				if err != nil {
					t.Fatal(err)
				}
				seen[r.Index]++
				if got, _ := binary.Uvarint(r.Out); got != uint64(r.Index*r.Index) {
					t.Fatalf("result %d = %d", r.Index, got)
				}
			}
			for i, c := range seen {
				if c != 1 {
					t.Fatalf("index %d yielded %d times, want once", i, c)
				}
			}
		})
	}
}

func TestUnorderedBreak(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			p := start(t, runner.Config{Handler: "square", Workers: 2, InProcess: m.inProcess})
			got := 0
			for _, err := range p.Unordered(testContext(t), squares(100000)) {
				if err != nil {
					t.Fatal(err)
				}
				got++
				if got == 3 {
					break
				}
			}
			if got != 3 {
				t.Fatalf("loop ran %d times, want 3", got)
			}
			if _, err := p.Map(testContext(t), squares(10)); err != nil {
				t.Fatalf("Map after a loop was left: %v", err)
			}
		})
	}
}

func TestUnorderedTaskError(t *testing.T) {
	p := start(t, runner.Config{Handler: "fail", Workers: 2})
	tasks := [][]byte{[]byte("a"), []byte("fail"), []byte("b")}
	var errs []error
	ok := 0
	for r, err := range p.Unordered(testContext(t), tasks) {
		if err != nil {
			errs = append(errs, err)
			if r.Index != 1 {
				t.Errorf("error for index %d, want 1", r.Index)
			}
			continue
		}
		ok++
	}
	var te *runner.TaskError
	if len(errs) != 1 || !errors.As(errs[0], &te) || ok != 2 {
		t.Fatalf("got %d results and errors %v; want 2 results and one *TaskError", ok, errs)
	}
}

func TestSubmit(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			p := start(t, runner.Config{Handler: "square", Workers: 2, InProcess: m.inProcess})
			ctx := testContext(t)
			var fs []*runner.Future
			for i := range 50 {
				f, err := p.Submit(ctx, uv(uint64(i)))
				if err != nil {
					t.Fatal(err)
				}
				fs = append(fs, f)
			}
			for i, f := range fs {
				select {
				case <-f.Done():
				case <-ctx.Done():
					t.Fatal("future not done")
				}
				out, err := f.Wait(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if got, _ := binary.Uvarint(out); got != uint64(i*i) {
					t.Errorf("future %d = %d, want %d", i, got, i*i)
				}
			}
		})
	}
}

func TestSubmitError(t *testing.T) {
	p := start(t, runner.Config{Handler: "fail", Workers: 1})
	ctx := testContext(t)
	f, err := p.Submit(ctx, []byte("fail"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.Wait(ctx)
	var te *runner.TaskError
	if !errors.As(err, &te) || te.Msg != "failing as asked" || te.Panic {
		t.Fatalf("Wait: %v, want a *TaskError with the handler's message", err)
	}
}

func TestMaxPending(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			p := start(t, runner.Config{Handler: "slow", Workers: 2, MaxPending: 2, InProcess: m.inProcess})
			ctx := testContext(t)
			f1, err := p.Submit(ctx, uv(300))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := p.Submit(ctx, uv(300)); err != nil {
				t.Fatal(err)
			}
			// Two are pending: a third Submit blocks until its context ends.
			short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
			defer cancel()
			if _, err := p.Submit(short, uv(0)); !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("third Submit: %v, want it to block until %v", err, context.DeadlineExceeded)
			}
			if _, err := f1.Wait(ctx); err != nil {
				t.Fatal(err)
			}
			f3, err := p.Submit(ctx, uv(0))
			if err != nil {
				t.Fatalf("Submit after one finished: %v", err)
			}
			if _, err := f3.Wait(ctx); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestSubmitCancel(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			// One worker with room for one task: the second waits in the queue.
			p := start(t, runner.Config{Handler: "slow", Workers: 1, Window: 1, InProcess: m.inProcess})
			ctx := testContext(t)
			f1, err := p.Submit(ctx, uv(200))
			if err != nil {
				t.Fatal(err)
			}
			cause := errors.New("not needed any more")
			sub, cancel := context.WithCancelCause(ctx)
			f2, err := p.Submit(sub, uv(0))
			if err != nil {
				t.Fatal(err)
			}
			cancel(cause)
			if _, err := f2.Wait(ctx); err != cause {
				t.Errorf("cancelled future: %v, want %v", err, cause)
			}
			if _, err := f1.Wait(ctx); err != nil {
				t.Errorf("first future: %v", err)
			}
		})
	}
}

func TestStreamCancel(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			p := start(t, runner.Config{Handler: "slow", Workers: 2, InProcess: m.inProcess})
			ctx, cancel := context.WithCancel(testContext(t))
			defer cancel()
			const n = 10000
			reported := 0
			err := p.Stream(ctx, n,
				func(i int, dst []byte) []byte { return binary.AppendUvarint(dst, 10) },
				func(i int, out []byte, err error) error {
					if err != nil {
						return err
					}
					reported++
					if reported == 5 {
						cancel()
					}
					return nil
				})
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("Stream: %v, want %v", err, context.Canceled)
			}
			// The window adapts to 10 ms tasks: a few tasks were in flight.
			if reported > 100 {
				t.Errorf("%d results reported after cancelling at 5", reported)
			}
		})
	}
}

func TestTaskError(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			p := start(t, runner.Config{Handler: "fail", Workers: 2, InProcess: m.inProcess})
			tasks := [][]byte{[]byte("a"), []byte("b"), []byte("fail"), []byte("c")}
			_, err := p.Map(testContext(t), tasks)
			var te *runner.TaskError
			if !errors.As(err, &te) {
				t.Fatalf("Map: %v, want a *TaskError", err)
			}
			if te.Task != 2 || te.Msg != "failing as asked" || te.Panic {
				t.Errorf("got %+v, want task 2 failing as asked", te)
			}
		})
	}
}

func TestHandlerPanic(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			// One worker, so the tasks after the panic run on it.
			p := start(t, runner.Config{Handler: "panic", Workers: 1, InProcess: m.inProcess})
			tasks := []string{"a", "panic", "b", "panic", "c"}
			var errs []*runner.TaskError
			var outs []string
			err := p.Stream(testContext(t), len(tasks),
				func(i int, dst []byte) []byte { return append(dst, tasks[i]...) },
				func(i int, out []byte, err error) error {
					var te *runner.TaskError
					if errors.As(err, &te) {
						errs = append(errs, te)
						return nil
					}
					if err != nil {
						return err
					}
					outs = append(outs, string(out))
					return nil
				})
			if err != nil {
				t.Fatal(err)
			}
			if want := []string{"a", "b", "c"}; !slices.Equal(outs, want) {
				t.Errorf("results %q, want %q: the worker must survive a panic", outs, want)
			}
			if len(errs) != 2 {
				t.Fatalf("%d task errors, want 2", len(errs))
			}
			for _, te := range errs {
				if !te.Panic || te.Msg != "panicking as asked" || !strings.Contains(te.Stack, "main_test.go") {
					t.Errorf("got %+v, want a panic with its stack", te)
				}
			}
		})
	}
}

func TestWorkerCrash(t *testing.T) {
	for _, tc := range []struct {
		name   string
		check  func(t *testing.T, werr *runner.WorkerError)
		stderr string
	}{
		{name: "exit", stderr: "exiting with status 3 as asked", check: func(t *testing.T, werr *runner.WorkerError) {
			var exit *exec.ExitError
			if !errors.As(werr, &exit) || exit.ExitCode() != 3 {
				t.Errorf("Err = %v, want exit status 3", werr.Err)
			}
		}},
		{name: "kill", check: func(t *testing.T, werr *runner.WorkerError) {
			if !strings.Contains(werr.Error(), "killed") {
				t.Errorf("Err = %v, want killed", werr.Err)
			}
		}},
		{name: "fatal", stderr: "panic: fatal as asked"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := start(t, runner.Config{Handler: "crash", Workers: 2})
			tasks := []string{"a", "b", tc.name, "c", "d", "e", "f", "g"}
			var werr *runner.WorkerError
			ok := 0
			err := p.Stream(testContext(t), len(tasks),
				func(i int, dst []byte) []byte { return append(dst, tasks[i]...) },
				func(i int, out []byte, err error) error {
					var we *runner.WorkerError
					switch {
					case errors.As(err, &we):
						if tasks[i] == tc.name {
							werr = we
						}
					case err != nil:
						return err
					case string(out) != tasks[i]:
						t.Errorf("result %d = %q", i, out)
					default:
						ok++
					}
					return nil
				})
			if err != nil {
				t.Fatalf("Stream: %v; with a live worker left, it should finish", err)
			}
			if werr == nil {
				t.Fatalf("the crashing task did not fail with a *WorkerError")
			}
			if !strings.Contains(werr.Stderr, tc.stderr) {
				t.Errorf("Stderr = %q, want it to contain %q", werr.Stderr, tc.stderr)
			}
			if tc.check != nil {
				tc.check(t, werr)
			}
			if ok == 0 {
				t.Errorf("no task succeeded on the other worker")
			}
			// The other worker still serves.
			if _, err := p.Map(testContext(t), [][]byte{[]byte("x")}); err != nil {
				t.Errorf("Map after a crash: %v", err)
			}
		})
	}
}

func TestAllWorkersDead(t *testing.T) {
	p := start(t, runner.Config{Handler: "crash", Workers: 1})
	ctx := testContext(t)
	_, err := p.Map(ctx, [][]byte{[]byte("a"), []byte("exit"), []byte("b")})
	var werr *runner.WorkerError
	if !errors.As(err, &werr) {
		t.Fatalf("Map: %v, want a *WorkerError", err)
	}
	_, err = p.Map(ctx, [][]byte{[]byte("a")})
	if !errors.As(err, &werr) || !strings.Contains(err.Error(), "no live workers") {
		t.Fatalf("Map with no workers left: %v, want an error wrapping a *WorkerError", err)
	}
	if _, err := p.Submit(ctx, []byte("a")); !errors.As(err, &werr) {
		t.Fatalf("Submit with no workers left: %v, want an error wrapping a *WorkerError", err)
	}
}

func TestWorkerOutput(t *testing.T) {
	var out syncBuffer
	p, err := runner.Start(testContext(t), runner.Config{Handler: "print", Workers: 1, Stderr: &out})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Map(testContext(t), [][]byte{[]byte("hello"), []byte("world")}); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	want := "worker 0: stdout hello\nworker 0: stderr hello\nworker 0: stdout world\nworker 0: stderr world\n"
	if got := out.String(); got != want {
		t.Errorf("output:\n%s\nwant:\n%s", got, want)
	}
}

func TestSetupError(t *testing.T) {
	for _, m := range modes {
		for _, tc := range []struct {
			name, handler, init, want string
		}{
			{"error", "setup", "bad", "bad init"},
			{"panic", "setup", "panic", "setup panicking as asked"},
			{"unknown", "no such handler", "", `no handler registered as "no such handler"`},
		} {
			t.Run(m.name+"/"+tc.name, func(t *testing.T) {
				startFails(t, testContext(t), runner.Config{
					Handler: tc.handler, Init: []byte(tc.init), Workers: 2, InProcess: m.inProcess,
				}, tc.want)
			})
		}
	}
}

func TestInit(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			p := start(t, runner.Config{Handler: "setup", Init: []byte("hello"), Workers: 2, InProcess: m.inProcess})
			outs, err := p.Map(testContext(t), [][]byte{nil, nil, nil})
			if err != nil {
				t.Fatal(err)
			}
			for _, out := range outs {
				if string(out) != "hello" {
					t.Errorf("got %q, want the init, hello", out)
				}
			}
		})
	}
}

// TestConfigSetup runs "scale", a handler given as a value to runner.Serve
// (in TestMain) and as Config.Setup, never registered: worker processes
// find it by name in what Serve was given, in-process workers call
// Config.Setup, also when Handler names a registered handler.
func TestConfigSetup(t *testing.T) {
	for _, tc := range []struct {
		name      string
		handler   string
		inProcess bool
	}{
		{"process", "scale", false},
		{"inprocess", "scale", true},
		{"inprocess/registered name", "echo", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := start(t, runner.Config{Handler: tc.handler, Setup: scale, Init: uv(3), Workers: 2, InProcess: tc.inProcess})
			outs, err := p.Map(testContext(t), squares(100)) // the uvarints 0..99
			if err != nil {
				t.Fatal(err)
			}
			for i, out := range outs {
				if got, _ := binary.Uvarint(out); got != uint64(3*i) {
					t.Fatalf("result %d = %d, want %d", i, got, 3*i)
				}
			}
		})
	}
}

func TestServeNilSetup(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Serve with a nil Setup did not panic")
		}
	}()
	runner.Serve(map[string]runner.Setup{"nil": nil})
}

func TestWorkerEnv(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  []string
		want string
	}{
		{"default", []string{"RUNNER_TEST=x"}, fmt.Sprintf("%d,x", max(1, runtime.NumCPU()/2))},
		{"user", []string{"GOMAXPROCS=3"}, "3,"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := start(t, runner.Config{Handler: "env", Workers: 2, Env: tc.env})
			outs, err := p.Map(testContext(t), [][]byte{nil})
			if err != nil {
				t.Fatal(err)
			}
			if string(outs[0]) != tc.want {
				t.Errorf("got %q, want %q", outs[0], tc.want)
			}
		})
	}
}

func TestClose(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			p, err := runner.Start(testContext(t), runner.Config{Handler: "echo", Workers: 2, InProcess: m.inProcess})
			if err != nil {
				t.Fatal(err)
			}
			if err := p.Close(); err != nil {
				t.Fatal(err)
			}
			if err := p.Close(); err != nil {
				t.Fatalf("second Close: %v", err)
			}
			ctx := testContext(t)
			if _, err := p.Map(ctx, [][]byte{nil}); err != runner.ErrClosed {
				t.Errorf("Map after Close: %v, want ErrClosed", err)
			}
			if _, err := p.Submit(ctx, nil); err != runner.ErrClosed {
				t.Errorf("Submit after Close: %v, want ErrClosed", err)
			}
		})
	}
}

func TestCloseWithFutures(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			p, err := runner.Start(testContext(t), runner.Config{Handler: "slow", Workers: 2, InProcess: m.inProcess, Stderr: t.Output()})
			if err != nil {
				t.Fatal(err)
			}
			ctx := testContext(t)
			var fs []*runner.Future
			for range 40 {
				f, err := p.Submit(ctx, uv(20))
				if err != nil {
					t.Fatal(err)
				}
				fs = append(fs, f)
			}
			if err := p.Close(); err != nil {
				t.Fatal(err)
			}
			ran, closed := 0, 0
			for _, f := range fs {
				select {
				case <-f.Done():
				default:
					t.Fatal("a future is not done after Close")
				}
				switch _, err := f.Wait(ctx); err {
				case nil:
					ran++
				case runner.ErrClosed:
					closed++
				default:
					t.Errorf("future: %v", err)
				}
			}
			// The tasks sent before Close ran; the others were dropped.
			if ran == 0 || closed == 0 {
				t.Errorf("%d futures ran and %d were closed; want some of each", ran, closed)
			}
		})
	}
}

func TestRegisterTwice(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Register of a name already registered did not panic")
		}
	}()
	runner.Register("echo", func([]byte) (runner.Handler, error) { return nil, nil })
}

func TestLargeTasks(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			p := start(t, runner.Config{Handler: "echo", Workers: 2, InProcess: m.inProcess})
			var tasks [][]byte
			for i, n := range []int{0, 1, 127, 128, 70 << 10, 1 << 20, 3 << 20} {
				tasks = append(tasks, bytes.Repeat([]byte{byte(i + 1)}, n))
			}
			outs, err := p.Map(testContext(t), tasks)
			if err != nil {
				t.Fatal(err)
			}
			for i := range tasks {
				if !bytes.Equal(outs[i], tasks[i]) {
					t.Errorf("task %d of %d bytes came back as %d bytes", i, len(tasks[i]), len(outs[i]))
				}
			}
		})
	}
}

func TestCloseDuringStream(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			p, err := runner.Start(testContext(t), runner.Config{Handler: "slow", Workers: 2, InProcess: m.inProcess, Stderr: t.Output()})
			if err != nil {
				t.Fatal(err)
			}
			started := make(chan struct{})
			errc := make(chan error)
			go func() {
				reported := 0
				errc <- p.Stream(testContext(t), 10000,
					func(i int, dst []byte) []byte { return binary.AppendUvarint(dst, 5) },
					func(i int, out []byte, err error) error {
						if reported++; reported == 1 {
							close(started)
						}
						return err
					})
			}()
			<-started
			if err := p.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
			if err := <-errc; err != runner.ErrClosed {
				t.Errorf("Stream: %v, want ErrClosed", err)
			}
		})
	}
}

func TestStreamCallbackPanic(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			p := start(t, runner.Config{Handler: "square", Workers: 2, InProcess: m.inProcess})
			func() {
				defer func() {
					if r := recover(); r != "result panicking" {
						t.Errorf("recovered %v, want the callback's panic", r)
					}
				}()
				p.Stream(testContext(t), 100000,
					func(i int, dst []byte) []byte { return binary.AppendUvarint(dst, uint64(i)) },
					func(i int, out []byte, err error) error { panic("result panicking") })
			}()
			// The tasks left in flight are drained: the pool goes on.
			if _, err := p.Map(testContext(t), squares(1000)); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestStartInvalid(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tc := range []struct {
		name string
		ctx  context.Context
		cfg  runner.Config
		want string
	}{
		{"no handler", context.Background(), runner.Config{}, "Handler is empty"},
		{"negative workers", context.Background(), runner.Config{Handler: "echo", Workers: -1}, "Workers"},
		{"negative window", context.Background(), runner.Config{Handler: "echo", Window: -1}, "Window"},
		{"cancelled", cancelled, runner.Config{Handler: "echo", Workers: 1}, "context canceled"},
		{"no such program", context.Background(), runner.Config{Handler: "echo", Workers: 1, Command: []string{"/nonexistent/worker"}}, "no such file"},
		{"not a worker", context.Background(), runner.Config{Handler: "echo", Workers: 1, Command: []string{"true"}}, "exited before its input was closed"},
		// scale is given to Serve, in TestMain, and not registered.
		{"setup without a name", context.Background(), runner.Config{Setup: scale, Workers: 1}, "Handler is empty"},
		{"setup not served", context.Background(), runner.Config{Handler: "nope", Setup: scale, Init: uv(3), Workers: 1}, `setup "nope": no handler registered as "nope"`},
		{"served, not given", context.Background(), runner.Config{Handler: "scale", Init: uv(3), Workers: 1}, `no handler registered as "scale"`},
		{"served, not given, in process", context.Background(), runner.Config{Handler: "scale", Init: uv(3), Workers: 1, InProcess: true}, `no handler registered as "scale"`},
		{"setup error", context.Background(), runner.Config{Handler: "scale", Setup: scale, Workers: 1}, `scale: bad init ""`},
		{"setup error in process", context.Background(), runner.Config{Handler: "scale", Setup: scale, Workers: 1, InProcess: true}, `scale: bad init ""`},
	} {
		t.Run(tc.name, func(t *testing.T) { startFails(t, tc.ctx, tc.cfg, tc.want) })
	}
}

func TestHandlerGoexit(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			p := start(t, runner.Config{Handler: "goexit", Workers: 2, InProcess: m.inProcess})
			tasks := []string{"a", "b", "goexit", "c", "d", "e", "f"}
			var werr *runner.WorkerError
			err := p.Stream(testContext(t), len(tasks),
				func(i int, dst []byte) []byte { return append(dst, tasks[i]...) },
				func(i int, out []byte, err error) error {
					if tasks[i] == "goexit" && !errors.As(err, &werr) {
						t.Errorf("task %d: %v, want a *WorkerError", i, err)
					}
					return nil
				})
			if err != nil {
				t.Fatalf("Stream: %v; with a live worker left, it should finish", err)
			}
			if werr != nil && !strings.Contains(werr.Error()+werr.Stderr, "runtime.Goexit called") {
				t.Errorf("got %v (stderr %q), want it to name runtime.Goexit", werr, werr.Stderr)
			}
			if _, err := p.Map(testContext(t), [][]byte{[]byte("x")}); err != nil {
				t.Errorf("Map after a Goexit: %v", err)
			}
		})
	}
}

// TestStreamFlush: flush follows every group of results, so each result is
// flushed before Stream returns, and an error from flush stops the Stream.
func TestStreamFlush(t *testing.T) {
	for _, inProcess := range []bool{false, true} {
		p := start(t, runner.Config{Handler: "square", Workers: 2, InProcess: inProcess})
		const n = 5000
		reported, flushed, flushes := 0, 0, 0
		err := p.StreamFlush(testContext(t), n,
			func(i int, dst []byte) []byte { return binary.AppendUvarint(dst, uint64(i)) },
			func(i int, out []byte, err error) error { reported++; return err },
			func() error { flushes++; flushed = reported; return nil })
		if err != nil {
			t.Fatal(err)
		}
		if reported != n || flushed != n || flushes == 0 || flushes > n {
			t.Errorf("inProcess=%v: %d reported, %d flushed in %d flushes; want all %d flushed", inProcess, reported, flushed, flushes, n)
		}
		stop := errors.New("disk full")
		err = p.StreamFlush(testContext(t), n,
			func(i int, dst []byte) []byte { return binary.AppendUvarint(dst, uint64(i)) },
			func(i int, out []byte, err error) error { return err },
			func() error { return stop })
		if !errors.Is(err, stop) {
			t.Errorf("inProcess=%v: StreamFlush = %v, want the flush error", inProcess, err)
		}
	}
}
