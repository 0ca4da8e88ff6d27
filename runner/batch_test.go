package runner_test

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/simrun/simrun/runner"
)

// forwarder is a Forwarder that forwards to itself: a task is a uvarint
// n, and its result n*n followed by the number of tasks forwarded with it.
// The task 0 is fatal (Result fails, ending the worker) the first time, if
// the file named by the init does not exist, which it then creates.
type forwarder struct {
	marker string
	queued chan [2]uint64 // n, batch size
	out    []byte
}

func (f *forwarder) Handle(dst, task []byte) ([]byte, error) {
	n, _ := binary.Uvarint(task)
	return binary.AppendUvarint(binary.AppendUvarint(dst, n*n), 1), nil
}

func (f *forwarder) Forward(tasks [][]byte) error {
	for _, t := range tasks {
		n, _ := binary.Uvarint(t)
		f.queued <- [2]uint64{n, uint64(len(tasks))}
	}
	return nil
}

func (f *forwarder) Result() ([]byte, error, error) {
	t := <-f.queued
	if t[0] == 0 && f.marker != "" {
		if _, err := os.Stat(f.marker); err != nil {
			os.WriteFile(f.marker, nil, 0o666)
			return nil, nil, errors.New("dying as asked")
		}
	}
	if t[0] == 7 {
		return nil, errors.New("seven fails"), nil
	}
	f.out = binary.AppendUvarint(binary.AppendUvarint(f.out[:0], t[0]*t[0]), t[1])
	return f.out, nil, nil
}

func (f *forwarder) Ready() bool { return len(f.queued) > 0 }

// closer is a handler that creates the file named by its init when it is
// closed.
type closer struct{ path string }

func (c closer) Handle(dst, task []byte) ([]byte, error) { return append(dst, task...), nil }
func (c closer) Close() error                            { return os.WriteFile(c.path, []byte("closed"), 0o666) }

func init() {
	runner.Register("forward", func(init []byte) (runner.Handler, error) {
		return &forwarder{marker: string(init), queued: make(chan [2]uint64, 1<<16)}, nil
	})
	runner.Register("closer", func(init []byte) (runner.Handler, error) { return closer{path: string(init)}, nil })
	// child: starts a shell that starts a sleep, and returns the pids of
	// both: a grandchild of the worker, which no Pdeathsig reaches.
	runner.Register("child", func([]byte) (runner.Handler, error) {
		return runner.HandlerFunc(func(dst, task []byte) ([]byte, error) {
			cmd := exec.Command("sh", "-c", "sleep 300 & echo $!; wait")
			out, err := cmd.StdoutPipe()
			if err != nil {
				return nil, err
			}
			if err := cmd.Start(); err != nil {
				return nil, err
			}
			line, err := bufio.NewReader(out).ReadString('\n')
			if err != nil {
				return nil, err
			}
			return fmt.Appendf(dst, "%d %s", cmd.Process.Pid, strings.TrimSpace(line)), nil
		}), nil
	})
}

func TestForwarder(t *testing.T) {
	p := start(t, runner.Config{Handler: "forward", Workers: 2})
	_, err := p.Map(testContext(t), squares(20000)[1:])
	var te *runner.TaskError
	if !errors.As(err, &te) || te.Msg != "seven fails" {
		t.Fatalf("Map: %v, want the error of task 7", err)
	}
	outs, err := p.Map(testContext(t), squares(20000)[8:])
	if err != nil {
		t.Fatal(err)
	}
	most := uint64(0)
	for i, out := range outs {
		sq, k := binary.Uvarint(out)
		batch, _ := binary.Uvarint(out[k:])
		if want := uint64((i + 8) * (i + 8)); sq != want {
			t.Fatalf("task %d: %d, want %d", i+8, sq, want)
		}
		most = max(most, batch)
	}
	if most < 2 {
		t.Errorf("Forward got at most %d tasks at once, want frames of several", most)
	}
}

// TestForwarderFails: a fatal error from Result ends its worker, and the
// tasks not answered go to another worker.
func TestForwarderFails(t *testing.T) {
	marker := filepath.Join(t.TempDir(), "died")
	out := new(syncBuffer)
	p := start(t, runner.Config{Handler: "forward", Init: []byte(marker), Workers: 1, Retries: 1, Stderr: out})
	tasks := squares(500)
	tasks[7] = uv(8) // no failing task here
	outs, err := p.Map(testContext(t), tasks)
	if err != nil {
		t.Fatal(err)
	}
	for i, o := range outs {
		n := uint64(i)
		if i == 7 {
			n = 8
		}
		if sq, _ := binary.Uvarint(o); sq != n*n {
			t.Fatalf("task %d: %d, want %d", i, sq, n*n)
		}
	}
	if s := p.Stats(); s.Died != 1 {
		t.Errorf("%d workers died, want 1", s.Died)
	}
	if !strings.Contains(out.String(), "dying as asked") {
		t.Errorf("the worker's stderr does not say why it died:\n%s", out)
	}
}

func TestHandlerClosed(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "closed")
			ctx := testContext(t)
			p, err := runner.Start(ctx, runner.Config{Handler: "closer", Init: []byte(path), Workers: 1, InProcess: m.inProcess, Stderr: t.Output(), Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := p.Map(ctx, squares(3)); err != nil {
				t.Fatal(err)
			}
			if err := p.Close(); err != nil {
				t.Fatal(err)
			}
			if b, err := os.ReadFile(path); err != nil || string(b) != "closed" {
				t.Errorf("after Close: %q, %v; want the handler closed", b, err)
			}
		})
	}
}

// childPids runs the child task and returns the pids of the shell and of
// the sleep it started.
func childPids(t *testing.T, p *runner.Pool) []int {
	t.Helper()
	outs, err := p.Map(testContext(t), [][]byte{nil})
	if err != nil {
		t.Fatal(err)
	}
	var pids []int
	for _, f := range strings.Fields(string(outs[0])) {
		pid, err := strconv.Atoi(f)
		if err != nil {
			t.Fatalf("child task: %q", outs[0])
		}
		pids = append(pids, pid)
	}
	return pids
}

// gone waits for the processes to end, and reports those that do not.
func gone(t *testing.T, pids []int, what string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for _, pid := range pids {
		for alive(pid) && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if alive(pid) {
			t.Errorf("process %d, started by a worker's handler, still runs %s", pid, what)
			syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

// alive reports whether process pid runs: it exists and, where /proc
// says, is not a zombie, which an init that does not reap leaves behind.
func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	// pid (comm) state ...: comm may hold spaces and parentheses.
	i := strings.LastIndexByte(string(b), ')')
	return i < 0 || i+2 >= len(b) || b[i+2] != 'Z'
}

// TestWorkerChildrenKilled: what a worker's handler started, even through
// a shell, dies with the worker when the pool kills it, and when the
// pool's process dies.
func TestWorkerChildrenKilled(t *testing.T) {
	t.Run("Kill", func(t *testing.T) {
		ctx := testContext(t)
		p, err := runner.Start(ctx, runner.Config{Handler: "child", Workers: 1, Stderr: t.Output(), Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		pids := childPids(t, p)
		p.Kill()
		gone(t, pids, "after Kill")
	})
	t.Run("Close", func(t *testing.T) {
		p := start(t, runner.Config{Handler: "child", Workers: 1})
		pids := childPids(t, p)
		p.Close()
		gone(t, pids, "after Close")
	})
	t.Run("pool process killed", func(t *testing.T) {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "RUNNER_TEST_PARENT=1")
		cmd.Stderr = t.Output()
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		defer cmd.Wait()
		line, err := bufio.NewReader(out).ReadString('\n')
		if err != nil {
			cmd.Process.Kill()
			t.Fatalf("the pool's process: %v", err)
		}
		var pids []int
		for _, f := range strings.Fields(line) {
			pid, _ := strconv.Atoi(f)
			pids = append(pids, pid)
		}
		cmd.Process.Kill()
		gone(t, pids, "after the pool's process was killed")
	})
}

// poolParent plays a program with a pool: it runs the child task and
// prints the pids of the worker, the shell and the sleep, then waits to
// be killed.
func poolParent() {
	ctx := context.Background()
	p, err := runner.Start(ctx, runner.Config{Handler: "child", Workers: 1})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	outs, err := p.Map(ctx, [][]byte{nil})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("%s\n", outs[0])
	time.Sleep(time.Minute)
	os.Exit(1)
}
