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

// batcher is a BatchHandler: a task is a uvarint n, and its result n*n
// followed by the number of tasks in its batch. The task 0 kills the
// worker (HandleBatch fails) the first time, if the file named by the
// init does not exist, which it then creates.
type batcher struct{ marker string }

func (b batcher) Handle(dst, task []byte) ([]byte, error) {
	n, _ := binary.Uvarint(task)
	return binary.AppendUvarint(binary.AppendUvarint(dst, n*n), 1), nil
}

func (b batcher) HandleBatch(tasks [][]byte, result func([]byte, error) error) error {
	for _, t := range tasks {
		n, _ := binary.Uvarint(t)
		if n == 0 && b.marker != "" {
			if _, err := os.Stat(b.marker); err != nil {
				os.WriteFile(b.marker, nil, 0o666)
				return errors.New("dying as asked")
			}
		}
		if err := result(binary.AppendUvarint(binary.AppendUvarint(nil, n*n), uint64(len(tasks))), nil); err != nil {
			return err
		}
	}
	return nil
}

// closer is a handler that creates the file named by its init when it is
// closed.
type closer struct{ path string }

func (c closer) Handle(dst, task []byte) ([]byte, error) { return append(dst, task...), nil }
func (c closer) Close() error                            { return os.WriteFile(c.path, []byte("closed"), 0o666) }

func init() {
	runner.Register("batch", func(init []byte) (runner.Handler, error) { return batcher{marker: string(init)}, nil })
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

func TestBatchHandler(t *testing.T) {
	p := start(t, runner.Config{Handler: "batch", Workers: 2})
	outs, err := p.Map(testContext(t), squares(2000))
	if err != nil {
		t.Fatal(err)
	}
	most := uint64(0)
	for i, out := range outs {
		sq, k := binary.Uvarint(out)
		batch, _ := binary.Uvarint(out[k:])
		if sq != uint64(i*i) {
			t.Fatalf("task %d: %d, want %d", i, sq, i*i)
		}
		most = max(most, batch)
	}
	if most < 2 {
		t.Errorf("HandleBatch got at most %d tasks at once, want batches", most)
	}
}

// TestBatchHandlerFails: a HandleBatch that fails ends its worker, and the
// tasks it had not answered go to another worker.
func TestBatchHandlerFails(t *testing.T) {
	marker := filepath.Join(t.TempDir(), "died")
	out := new(syncBuffer)
	p := start(t, runner.Config{Handler: "batch", Init: []byte(marker), Workers: 1, Retries: 1, Stderr: out})
	outs, err := p.Map(testContext(t), squares(500))
	if err != nil {
		t.Fatal(err)
	}
	for i, o := range outs {
		if sq, _ := binary.Uvarint(o); sq != uint64(i*i) {
			t.Fatalf("task %d: %d, want %d", i, sq, i*i)
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
