package runner_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/simrun/simrun/runner"
)

func init() {
	// slowdown: pidtask, but a task takes 400 ms more in the worker whose
	// PID is in the file named by the init.
	runner.Register("slowdown", func(init []byte) (runner.Handler, error) {
		path, me := string(init), strconv.Itoa(os.Getpid())
		return runner.HandlerFunc(func(dst, task []byte) ([]byte, error) {
			if b, err := os.ReadFile(path); err == nil && string(b) == me {
				time.Sleep(400 * time.Millisecond)
			}
			ms, _ := binary.Uvarint(task)
			time.Sleep(time.Duration(ms) * time.Millisecond)
			dst = binary.AppendUvarint(dst, uint64(os.Getpid()))
			return append(dst, task...), nil
		}), nil
	})
}

// workerPIDs runs quick tasks on p until it has seen the PIDs of n workers.
func workerPIDs(t *testing.T, p *runner.Pool, n int) []int {
	t.Helper()
	seen := map[int]bool{}
	var pids []int
	for try := 0; len(pids) < n; try++ {
		if try == 10 {
			t.Fatalf("saw %d worker PIDs, want %d", len(pids), n)
		}
		err := p.Stream(testContext(t), 4*n, func(i int, dst []byte) []byte { return pidTask(dst, 5, i) },
			func(i int, out []byte, err error) error {
				if err != nil {
					return err
				}
				pid, _ := splitPID(t, out)
				if !seen[pid] {
					seen[pid] = true
					pids = append(pids, pid)
				}
				return nil
			})
		if err != nil {
			t.Fatal(err)
		}
	}
	return pids
}

// A report is what a test saw of one task.
type report struct {
	count int       // results and errors reported
	pid   int       // the worker that ran it
	err   error     // the last error
	at    time.Time // when it was last reported
}

// TestStallStoppedWorker stops a worker process with SIGSTOP in the middle
// of many short tasks, with no TaskTimeout. The tasks queued behind its
// current one must complete on the other workers, the call must wait for
// the current one, a warning must name the worker, its PID and the task,
// and Stalled must list it. Then the worker is either continued, and its
// current task's result is the one reported, or killed, and with Retries
// only its current task is sent again, not the tasks moved from it.
func TestStallStoppedWorker(t *testing.T) {
	for _, tc := range []struct {
		name    string
		submit  bool // run the tasks with Submit rather than Stream
		n, ms   int  // n tasks of ms milliseconds
		retries int
		signal  syscall.Signal // sent to the stopped worker at the end
	}{
		{name: "stream/continued", n: 400, ms: 1, signal: syscall.SIGCONT},
		{name: "stream/killed", n: 400, ms: 1, retries: 2, signal: syscall.SIGKILL},
		// Tiny tasks: large windows, many tasks queued behind the current one.
		{name: "stream/tiny/continued", n: 20000, signal: syscall.SIGCONT},
		{name: "stream/tiny/killed", n: 20000, retries: 2, signal: syscall.SIGKILL},
		{name: "submit/continued", submit: true, n: 400, ms: 1, signal: syscall.SIGCONT},
		{name: "submit/killed", submit: true, n: 400, ms: 1, retries: 2, signal: syscall.SIGKILL},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logs syncBuffer
			logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
			const workers = 3
			n, ms := tc.n, tc.ms
			p := start(t, runner.Config{Handler: "pidtask", Workers: workers, Retries: tc.retries, Logger: logger})
			victim := workerPIDs(t, p, workers)[1]
			t.Cleanup(func() { syscall.Kill(victim, syscall.SIGCONT) }) // before Close, if the test fails early

			var mu sync.Mutex
			reports := make([]report, n)
			got := 0
			onResult := func(i int, out []byte, err error) {
				mu.Lock()
				defer mu.Unlock()
				r := &reports[i]
				r.count++
				r.err = err
				r.at = time.Now()
				if err == nil {
					pid, task := binary.Uvarint(out)
					r.pid = int(pid)
					if want := pidTask(nil, ms, i); task <= 0 || !bytes.Equal(out[task:], want) {
						t.Errorf("task %d: result %q, want the PID then %q", i, out, want)
					}
				}
				if got++; got == n/10 {
					if err := syscall.Kill(victim, syscall.SIGSTOP); err != nil {
						t.Errorf("SIGSTOP %d: %v", victim, err)
					}
				}
			}
			ctx := testContext(t)
			done := make(chan error, 1)
			var built atomic.Int64
			go func() { done <- runTasks(ctx, p, tc.submit, n, ms, &built, onResult) }()

			// Wait until every task but the stopped worker's current one is
			// reported, and its queued tasks were moved.
			var st runner.Stall
			for begin := time.Now(); ; time.Sleep(10 * time.Millisecond) {
				var stalls []runner.Stall
				for _, s := range p.Stalled() {
					if s.PID == victim {
						stalls = append(stalls, s)
					}
				}
				mu.Lock()
				g := got
				mu.Unlock()
				if len(stalls) == 1 && stalls[0].Moved > 0 && g == n-1 {
					st = stalls[0]
					break
				}
				if time.Since(begin) > 15*time.Second {
					t.Fatalf("15s after stopping worker %d: %d of %d tasks reported, %d built; stalls %+v, stats %+v", victim, g, n, built.Load(), p.Stalled(), p.Stats())
				}
			}
			missing := -1
			mu.Lock()
			for i, r := range reports {
				if r.count == 0 {
					missing = i
				}
			}
			mu.Unlock()
			t.Logf("stall %+v; task %d not reported; log:\n%s", st, missing, logs.String())
			if st.Running < time.Second {
				t.Errorf("stalled after %v, want more than 1s", st.Running)
			}
			if !tc.submit && st.Task != missing {
				t.Errorf("Stalled names task %d; task %d is the one not reported", st.Task, missing)
			}
			select {
			case err := <-done:
				t.Fatalf("the call returned (%v) with task %d in flight on a stopped worker", err, missing)
			default:
			}
			task := fmt.Sprintf("task %d", st.Task)
			if tc.submit {
				task = "a submitted task"
			}
			for _, want := range []string{
				"level=WARN",
				fmt.Sprintf("runner: worker %d (pid %d) has run %s for ", st.Worker, victim, task),
				"; tasks took at most ",
				"queued task",
				"moved to idle workers",
				"(set a task time limit to kill it)",
			} {
				if !strings.Contains(logs.String(), want) {
					t.Errorf("log lacks %q:\n%s", want, logs.String())
				}
			}

			signalled := time.Now()
			if err := syscall.Kill(victim, tc.signal); err != nil {
				t.Fatalf("%v %d: %v", tc.signal, victim, err)
			}
			if err := <-done; err != nil {
				t.Fatalf("after %v: %v", tc.signal, err)
			}
			if tc.signal == syscall.SIGCONT {
				// The continued worker answers the copies of the moved
				// tasks too, and those results are dropped.
				for begin := time.Now(); p.Stats().Duplicates < st.Moved; time.Sleep(10 * time.Millisecond) {
					if time.Since(begin) > 10*time.Second {
						t.Fatalf("Stats = %+v, want %d duplicates dropped", p.Stats(), st.Moved)
					}
				}
			}
			if err := p.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
			for i, r := range reports {
				if r.count != 1 || r.err != nil {
					t.Errorf("task %d reported %d times, last error %v; want once, without error", i, r.count, r.err)
				}
			}
			r := reports[missing]
			if r.at.Before(signalled) {
				t.Errorf("task %d reported before the %v", missing, tc.signal)
			}
			stats := p.Stats()
			t.Logf("stats %+v", stats)
			if stats.Stalls < 1 || stats.Moved < st.Moved {
				t.Errorf("Stats = %+v, want a stall and %d tasks moved", stats, st.Moved)
			}
			if tc.signal == syscall.SIGCONT {
				// Its current task came from it; the results of the moved
				// ones came from the other workers first, and its own
				// were dropped.
				if r.pid != victim {
					t.Errorf("task %d ran on %d, want the stopped worker %d", missing, r.pid, victim)
				}
				if stats.Duplicates != stats.Moved || stats.Retried != 0 || stats.Died != 0 {
					t.Errorf("Stats = %+v, want a duplicate result for each task moved, and no death", stats)
				}
			} else {
				// Only the current task is sent again: the moved ones had
				// answered elsewhere.
				if r.pid == victim {
					t.Errorf("task %d ran on the killed worker", missing)
				}
				if stats.Retried != 1 || stats.Died != 1 || stats.Duplicates != 0 {
					t.Errorf("Stats = %+v, want 1 retry, 1 death, no duplicate", stats)
				}
			}
		})
	}
}

// runTasks runs n pidtask tasks of ms milliseconds on p with Stream, or
// with Submit, counting in built those built, and calls onResult for
// each, from any goroutine.
func runTasks(ctx context.Context, p *runner.Pool, submit bool, n, ms int, built *atomic.Int64, onResult func(i int, out []byte, err error)) error {
	if !submit {
		return p.Stream(ctx, n, func(i int, dst []byte) []byte { built.Add(1); return pidTask(dst, ms, i) },
			func(i int, out []byte, err error) error { onResult(i, out, err); return nil })
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	for i := range n {
		built.Add(1)
		f, err := p.Submit(ctx, pidTask(nil, ms, i))
		if err != nil {
			return err
		}
		wg.Go(func() {
			out, err := f.Wait(ctx)
			onResult(i, out, err)
		})
	}
	return nil
}

// TestStallNotBeforeFirstResult runs tasks longer than a second: until a
// result has arrived, there is nothing to compare with, and no worker is
// stalled.
func TestStallNotBeforeFirstResult(t *testing.T) {
	var logs syncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	p := start(t, runner.Config{Handler: "pidtask", Workers: 2, Logger: logger})
	err := p.Stream(testContext(t), 2, func(i int, dst []byte) []byte { return pidTask(dst, 1300, i) },
		func(i int, out []byte, err error) error { return err })
	if err != nil {
		t.Fatal(err)
	}
	if st := p.Stats(); st.Stalls != 0 || st.Moved != 0 || logs.String() != "" {
		t.Errorf("Stats = %+v, log %q; want no stall", st, logs.String())
	}
}

// TestStallCloseLeftovers: a worker that was stalled, and goes on after
// the call has returned with the copies of the tasks moved from it, which
// other workers answered, is interrupted by Close at once, and that is no
// error: nobody waits for what it runs.
func TestStallCloseLeftovers(t *testing.T) {
	slow := filepath.Join(t.TempDir(), "slow")
	p, err := runner.Start(testContext(t), runner.Config{Handler: "slowdown", Init: []byte(slow), Workers: 3, Stderr: t.Output(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	victim := workerPIDs(t, p, 3)[0]
	defer syscall.Kill(victim, syscall.SIGCONT)
	const n = 20000
	got := 0
	done := make(chan error, 1)
	var mu sync.Mutex
	go func() {
		done <- p.Stream(testContext(t), n, func(i int, dst []byte) []byte { return pidTask(dst, 0, i) },
			func(i int, out []byte, err error) error {
				mu.Lock()
				defer mu.Unlock()
				if got++; got == n/10 {
					syscall.Kill(victim, syscall.SIGSTOP)
				}
				return err
			})
	}()
	for begin := time.Now(); ; time.Sleep(10 * time.Millisecond) {
		mu.Lock()
		g := got
		mu.Unlock()
		if st := p.Stalled(); len(st) == 1 && st[0].PID == victim && st[0].Moved >= 10 && g == n-1 {
			break
		}
		if time.Since(begin) > 10*time.Second {
			t.Fatalf("no stall of worker %d with tasks moved: %d of %d tasks reported, stalls %+v", victim, g, n, p.Stalled())
		}
	}
	// From now on every task takes it 400 ms: its current one, then the
	// copies of those moved, which the others answered.
	if err := os.WriteFile(slow, []byte(strconv.Itoa(victim)), 0o666); err != nil {
		t.Fatal(err)
	}
	syscall.Kill(victim, syscall.SIGCONT)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	begin := time.Now()
	err = p.Close()
	t.Logf("Close took %v; stats %+v", time.Since(begin), p.Stats())
	if err != nil {
		t.Errorf("Close: %v, want nil", err)
	}
	if d := time.Since(begin); d > 900*time.Millisecond {
		t.Errorf("Close took %v, want it to interrupt the worker at once", d)
	}
	if err := syscall.Kill(victim, 0); err != syscall.ESRCH {
		t.Errorf("worker process %d after Close: kill 0: %v, want ESRCH", victim, err)
	}
}
