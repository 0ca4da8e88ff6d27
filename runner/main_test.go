package runner_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/simrun/simrun/runner"
)

// TestMain lets the test binary play the worker: a pool started by a test
// re-executes this binary, and runner.Serve serves instead of running the
// tests, the handlers registered in init functions and those in served.
func TestMain(m *testing.M) {
	if os.Getenv("RUNNER_TEST_STUBBORN") != "" {
		stubbornWorker()
	}
	runner.Serve(served)
	if os.Getenv("RUNNER_TEST_PARENT") != "" {
		poolParent()
	}
	os.Exit(m.Run())
}

// served are the handlers given as values, to runner.Serve and to pools as
// Config.Setup, as a program gives those it builds in main; none of them
// is registered.
var served = map[string]runner.Setup{"scale": scale}

// scale is a handler given as a value: its init is a uvarint k, its tasks
// uvarints n, and its results the uvarints k*n.
func scale(init []byte) (runner.Handler, error) {
	k, w := binary.Uvarint(init)
	if w <= 0 {
		return nil, fmt.Errorf("scale: bad init %q", init)
	}
	return runner.HandlerFunc(func(dst, task []byte) ([]byte, error) {
		n, w := binary.Uvarint(task)
		if w <= 0 {
			return nil, fmt.Errorf("scale: bad task %q", task)
		}
		return binary.AppendUvarint(dst, k*n), nil
	}), nil
}

// stubbornWorker speaks the protocol as far as saying it is ready, then
// ignores the end of its input and interrupts: the pool must kill it.
func stubbornWorker() {
	signal.Ignore(os.Interrupt)
	in, out := os.NewFile(3, "tasks"), os.NewFile(4, "results")
	var hdr [5]byte
	if _, err := io.ReadFull(in, hdr[:]); err != nil {
		os.Exit(1)
	}
	io.CopyN(io.Discard, in, int64(binary.LittleEndian.Uint32(hdr[:])))
	out.Write([]byte{1, 0, 0, 0, 3, 1}) // ready, protocol version 1
	io.Copy(io.Discard, in)
	time.Sleep(time.Minute)
	os.Exit(1)
}

// Moments is the result of the typed handler "moments".
type Moments struct {
	N    int
	Mean float64
	Max  float64
}

// moments is a function of values, run on a pool with RegisterFunc and
// MapFunc.
func moments(xs []float64) (Moments, error) {
	if len(xs) == 0 {
		return Moments{}, errors.New("moments of no values")
	}
	m := Moments{N: len(xs), Max: xs[0]}
	for _, x := range xs {
		m.Mean += x
		m.Max = max(m.Max, x)
	}
	m.Mean /= float64(len(xs))
	return m, nil
}

// The handlers the tests and examples use, registered in every process of
// the test binary, workers included.
func init() {
	runner.RegisterFunc("moments", moments)

	register := func(name string, f runner.HandlerFunc) {
		runner.Register(name, func([]byte) (runner.Handler, error) { return f, nil })
	}
	// square: uvarint n in, uvarint n*n out.
	register("square", func(dst, task []byte) ([]byte, error) {
		n, k := binary.Uvarint(task)
		if k <= 0 {
			return nil, fmt.Errorf("square: bad task %q", task)
		}
		return binary.AppendUvarint(dst, n*n), nil
	})
	register("echo", func(dst, task []byte) ([]byte, error) {
		return append(dst, task...), nil
	})
	register("noop", func(dst, task []byte) ([]byte, error) {
		return dst, nil
	})
	// fail: an error for the task "fail", echo otherwise.
	register("fail", func(dst, task []byte) ([]byte, error) {
		if string(task) == "fail" {
			return nil, errors.New("failing as asked")
		}
		return append(dst, task...), nil
	})
	// panic: a panic for the task "panic", echo otherwise.
	register("panic", func(dst, task []byte) ([]byte, error) {
		if string(task) == "panic" {
			panic("panicking as asked")
		}
		return append(dst, task...), nil
	})
	// crash: the worker dies on "exit", "kill" or "fatal", echo otherwise.
	register("crash", func(dst, task []byte) ([]byte, error) {
		switch string(task) {
		case "exit":
			fmt.Fprintln(os.Stderr, "exiting with status 3 as asked")
			os.Exit(3)
		case "kill":
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
			time.Sleep(time.Minute)
		case "fatal":
			// A panic on another goroutine cannot be recovered.
			go panic("fatal as asked")
			time.Sleep(time.Minute)
		}
		return append(dst, task...), nil
	})
	// goexit: runtime.Goexit for the task "goexit", as t.FailNow does.
	register("goexit", func(dst, task []byte) ([]byte, error) {
		if string(task) == "goexit" {
			runtime.Goexit()
		}
		return append(dst, task...), nil
	})
	// slow: sleeps for the uvarint number of milliseconds in the task.
	register("slow", func(dst, task []byte) ([]byte, error) {
		ms, _ := binary.Uvarint(task)
		time.Sleep(time.Duration(ms) * time.Millisecond)
		return append(dst, task...), nil
	})
	// print: writes the task to standard output and standard error.
	register("print", func(dst, task []byte) ([]byte, error) {
		fmt.Printf("stdout %s\n", task)
		fmt.Fprintf(os.Stderr, "stderr %s\n", task)
		return append(dst, task...), nil
	})
	// env: the worker's GOMAXPROCS and RUNNER_TEST variable.
	register("env", func(dst, task []byte) ([]byte, error) {
		return fmt.Appendf(dst, "%s,%s", os.Getenv("GOMAXPROCS"), os.Getenv("RUNNER_TEST")), nil
	})
	// setup: Setup fails for the init "bad" and panics for "panic";
	// the handler returns the init.
	runner.Register("setup", func(init []byte) (runner.Handler, error) {
		switch string(init) {
		case "bad":
			return nil, errors.New("bad init")
		case "panic":
			panic("setup panicking as asked")
		}
		return runner.HandlerFunc(func(dst, task []byte) ([]byte, error) {
			return append(dst, init...), nil
		}), nil
	})
	// pidtask: the worker's PID (uvarint) followed by the task, after
	// sleeping for the uvarint number of milliseconds the task starts
	// with; the worker exits with status 3 on "exit" and hangs on "hang",
	// having written its PID to standard error.
	register("pidtask", func(dst, task []byte) ([]byte, error) {
		switch string(task) {
		case "exit":
			fmt.Fprintf(os.Stderr, "pid %d exiting\n", os.Getpid())
			os.Exit(3)
		case "hang":
			fmt.Fprintf(os.Stderr, "pid %d hanging\n", os.Getpid())
			time.Sleep(time.Hour)
		}
		ms, _ := binary.Uvarint(task)
		time.Sleep(time.Duration(ms) * time.Millisecond)
		dst = binary.AppendUvarint(dst, uint64(os.Getpid()))
		return append(dst, task...), nil
	})
	// poison: Setup fails if the file named by the init exists; the
	// worker exits with status 3 on "exit", echo otherwise.
	runner.Register("poison", func(init []byte) (runner.Handler, error) {
		if _, err := os.Stat(string(init)); err == nil {
			return nil, errors.New("poisoned")
		}
		return runner.HandlerFunc(func(dst, task []byte) ([]byte, error) {
			if string(task) == "exit" {
				os.Exit(3)
			}
			return append(dst, task...), nil
		}), nil
	})
	// spin: busy-spins for the duration in the init, the cost of a task
	// that computes.
	runner.Register("spin", func(init []byte) (runner.Handler, error) {
		d, err := time.ParseDuration(string(init))
		if err != nil {
			return nil, err
		}
		return runner.HandlerFunc(func(dst, task []byte) ([]byte, error) {
			for start := time.Now(); time.Since(start) < d; {
			}
			return dst, nil
		}), nil
	})
}

// modes are the two kinds of pool, which must behave the same.
var modes = []struct {
	name      string
	inProcess bool
}{
	{"process", false},
	{"inprocess", true},
}

// start starts a pool that the test closes at its end.
func start(t testing.TB, cfg runner.Config) *runner.Pool {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Stderr == nil {
		cfg.Stderr = t.Output()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	p, err := runner.Start(ctx, cfg)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return p
}

// startFails checks that Start fails with an error that contains want.
func startFails(t *testing.T, ctx context.Context, cfg runner.Config, want string) {
	t.Helper()
	cfg.Stderr = t.Output()
	p, err := runner.Start(ctx, cfg)
	if err == nil {
		p.Close()
		t.Fatal("Start succeeded")
	}
	if !strings.Contains(err.Error(), want) {
		t.Errorf("Start: %v, want %q in it", err, want)
	}
}

// A syncBuffer collects workers' output for a test to read.
type syncBuffer struct {
	mu sync.Mutex
	sb strings.Builder
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.sb.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.sb.String()
}

// testContext bounds a test, so that a hang fails it instead of the run.
func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func uv(n uint64) []byte { return binary.AppendUvarint(nil, n) }

func squares(n int) [][]byte {
	tasks := make([][]byte, n)
	for i := range tasks {
		tasks[i] = uv(uint64(i))
	}
	return tasks
}
