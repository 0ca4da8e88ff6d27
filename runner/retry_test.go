package runner_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/simrun/simrun/runner"
)

// pidTask is task i for the pidtask handler: sleep ms, then echo.
func pidTask(dst []byte, ms, i int) []byte {
	return binary.AppendUvarint(binary.AppendUvarint(dst, uint64(ms)), uint64(i))
}

// splitPID splits a pidtask result into the worker's PID and the task.
func splitPID(t *testing.T, out []byte) (int, []byte) {
	pid, k := binary.Uvarint(out)
	if k <= 0 {
		t.Fatalf("bad pidtask result %q", out)
	}
	return int(pid), out[k:]
}

// stderrPIDs returns the PIDs that pidtask workers wrote to stderr.
func stderrPIDs(t *testing.T, stderr string) []int {
	var pids []int
	for _, m := range regexp.MustCompile(`pid (\d+) (exiting|hanging)`).FindAllStringSubmatch(stderr, -1) {
		pid, err := strconv.Atoi(m[1])
		if err != nil {
			t.Fatal(err)
		}
		pids = append(pids, pid)
	}
	return pids
}

// streamBadTask streams n pidtask tasks of ms milliseconds on p, but for
// task bad, which is badTask and must fail with a *WorkerError. It returns
// the PIDs of the workers that ran the others, and that error, if it
// arrived; any other error fails the test.
func streamBadTask(t *testing.T, p *runner.Pool, n, bad int, badTask string, ms int) (pids map[int]bool, werr *runner.WorkerError) {
	t.Helper()
	pids = map[int]bool{}
	err := p.Stream(testContext(t), n,
		func(i int, dst []byte) []byte {
			if i == bad {
				return append(dst, badTask...)
			}
			return pidTask(dst, ms, i)
		},
		func(i int, out []byte, err error) error {
			switch {
			case i == bad:
				if !errors.As(err, &werr) {
					t.Errorf("task %d: %v, want a *WorkerError", i, err)
				}
			case err != nil:
				t.Errorf("task %d: %v", i, err)
			default:
				pid, _ := splitPID(t, out)
				pids[pid] = true
			}
			return nil
		})
	if err != nil {
		t.Fatalf("Stream: %v", err)
	}
	return pids, werr
}

// checkReaped closes p and checks that none of pids is left.
func checkReaped(t *testing.T, p *runner.Pool, pids map[int]bool) {
	t.Helper()
	if err := p.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	for pid := range pids {
		if err := syscall.Kill(pid, 0); err != syscall.ESRCH {
			t.Errorf("worker process %d after Close: kill 0: %v, want ESRCH", pid, err)
		}
	}
}

// TestRetryKilledWorkers kills worker processes at random during a Stream:
// every task must still be reported once, with its result.
func TestRetryKilledWorkers(t *testing.T) {
	const n, workers, kills = 2000, 3, 10
	p := start(t, runner.Config{Handler: "pidtask", Workers: workers, Retries: 3})
	seen := make([]int, n)
	pids := map[int]bool{}  // every worker PID seen
	alive := map[int]bool{} // those not killed
	killed, got := 0, 0
	err := p.Stream(testContext(t), n,
		func(i int, dst []byte) []byte { return pidTask(dst, 1, i) },
		func(i int, out []byte, err error) error {
			if err != nil {
				return err
			}
			seen[i]++
			pid, task := splitPID(t, out)
			if want := pidTask(nil, 1, i); !bytes.Equal(task, want) {
				t.Errorf("task %d: result %q, want %q", i, task, want)
			}
			if !pids[pid] {
				pids[pid], alive[pid] = true, true
			}
			got++
			if killed < kills && got >= (killed+1)*n/(kills+2) && len(alive) > 0 {
				keys := make([]int, 0, len(alive))
				for pid := range alive {
					keys = append(keys, pid)
				}
				victim := keys[rand.IntN(len(keys))]
				if err := syscall.Kill(victim, syscall.SIGKILL); err != nil {
					t.Errorf("kill %d: %v", victim, err)
				}
				delete(alive, victim)
				killed++
			}
			return nil
		})
	if err != nil {
		t.Fatalf("Stream: %v", err)
	}
	for i, c := range seen {
		if c != 1 {
			t.Errorf("task %d reported %d times", i, c)
		}
	}
	st := p.Stats()
	t.Logf("killed %d workers; stats %+v", killed, st)
	if killed != kills {
		t.Errorf("killed %d workers, want %d", killed, kills)
	}
	if st.Died < kills || st.Started < workers+kills || st.Retried == 0 {
		t.Errorf("Stats = %+v, want Died ≥ %d, Started ≥ %d, Retried > 0", st, kills, workers+kills)
	}
	checkReaped(t, p, pids)
}

// TestRetryCrashingTask runs a task that kills every worker it runs on: it
// fails once it has killed Retries+1 of them, and the others succeed.
func TestRetryCrashingTask(t *testing.T) {
	var stderr syncBuffer
	p := start(t, runner.Config{Handler: "pidtask", Workers: 2, Retries: 2, Stderr: &stderr})
	const n, bad = 40, 17
	pids, werr := streamBadTask(t, p, n, bad, "exit", 0)
	if werr != nil {
		if werr.Lost != 3 || werr.Task != bad || werr.Timeout || !strings.Contains(werr.Error(), "lost with 3 workers") {
			t.Errorf("got %v (%+v), want task %d lost with 3 workers", werr, werr, bad)
		}
		if !strings.Contains(werr.Error(), "exit status 3") {
			t.Errorf("got %v, want the exit status", werr)
		}
	}
	// The pool still serves.
	outs, err := p.Map(testContext(t), [][]byte{pidTask(nil, 0, 1)})
	if err != nil {
		t.Fatalf("Map after the crashes: %v", err)
	}
	pid, _ := splitPID(t, outs[0])
	pids[pid] = true
	st := p.Stats()
	// The first death may not be charged to the task: the worker may have
	// been holding results of earlier tasks. The replacement of the last
	// death may still be starting when Stats is read.
	if st.Died < 3 || st.Died > 4 || st.Started < 1+st.Died || st.Started > 2+st.Died {
		t.Errorf("Stats = %+v, want 3 or 4 deaths, each replaced", st)
	}
	for _, pid := range stderrPIDs(t, stderr.String()) {
		pids[pid] = true
	}
	checkReaped(t, p, pids)
}

// TestRetryTimeout runs a task that hangs: it is killed after TaskTimeout,
// sent again once, then fails as a timeout.
func TestRetryTimeout(t *testing.T) {
	var stderr syncBuffer
	const limit = 300 * time.Millisecond
	p := start(t, runner.Config{Handler: "pidtask", Workers: 2, Retries: 1, TaskTimeout: limit, Stderr: &stderr})
	const n, bad = 20, 5
	begin := time.Now()
	pids, werr := streamBadTask(t, p, n, bad, "hang", 1)
	t.Logf("Stream took %v", time.Since(begin))
	if werr != nil {
		if !werr.Timeout || werr.Lost != 2 || werr.Task != bad || !strings.Contains(werr.Error(), "task 5 exceeded the 300ms time limit") {
			t.Errorf("got %v (%+v), want a timeout of task %d after 2 attempts", werr, werr, bad)
		}
	}
	st := p.Stats()
	if st.TimedOut < 2 || st.TimedOut > 3 || st.Died != st.TimedOut {
		t.Errorf("Stats = %+v, want 2 or 3 timeouts and no other death", st)
	}
	hung := stderrPIDs(t, stderr.String())
	if len(hung) < 2 {
		t.Errorf("%d workers hung, want at least 2", len(hung))
	}
	for _, pid := range hung {
		pids[pid] = true
	}
	checkReaped(t, p, pids)
}

// TestRetryInProcessNoTimeout checks that in-process workers ignore
// TaskTimeout.
func TestRetryInProcessNoTimeout(t *testing.T) {
	p := start(t, runner.Config{Handler: "pidtask", Workers: 2, InProcess: true, Retries: 1, TaskTimeout: time.Millisecond})
	err := p.Stream(testContext(t), 10,
		func(i int, dst []byte) []byte { return pidTask(dst, 5, i) },
		func(i int, out []byte, err error) error { return err })
	if err != nil {
		t.Fatalf("Stream: %v", err)
	}
}

// TestRetryGiveUp checks that a pool stops replacing workers that die as
// they start, and then fails the work with the last *WorkerError.
func TestRetryGiveUp(t *testing.T) {
	poison := filepath.Join(t.TempDir(), "poison")
	p := start(t, runner.Config{Handler: "poison", Init: []byte(poison), Workers: 1, Retries: 1, Window: 2})
	if err := os.WriteFile(poison, nil, 0o666); err != nil {
		t.Fatal(err)
	}
	failed := 0
	err := p.Stream(testContext(t), 100,
		func(i int, dst []byte) []byte {
			if i == 0 {
				return append(dst, "exit"...)
			}
			return append(dst, "x"...)
		},
		func(i int, out []byte, err error) error {
			if err != nil {
				failed++
			}
			return nil
		})
	var werr *runner.WorkerError
	if !errors.As(err, &werr) || !strings.Contains(err.Error(), "no live workers") || !strings.Contains(err.Error(), "poisoned") {
		t.Fatalf("Stream: %v, want no live workers and a *WorkerError about the setup", err)
	}
	if failed == 0 {
		t.Errorf("no task failed")
	}
	if st := p.Stats(); st.Died != 5 || st.Started != 5 {
		t.Errorf("Stats = %+v, want 5 workers started and dead", st)
	}
	if _, err := p.Submit(testContext(t), []byte("x")); !errors.As(err, &werr) {
		t.Errorf("Submit: %v, want an error wrapping a *WorkerError", err)
	}
}

// TestKill stops a pool whose tasks would run for an hour: Stream returns
// at once with every unfinished task failed, and no worker is left.
func TestKill(t *testing.T) {
	p := start(t, runner.Config{Handler: "pidtask", Workers: 2, Retries: 3})
	// Learn the worker PIDs from two quick tasks, then start hanging ones.
	pids := map[int]bool{}
	if err := p.Stream(testContext(t), 4, func(i int, dst []byte) []byte { return pidTask(dst, 20, i) },
		func(i int, out []byte, err error) error {
			if err != nil {
				return err
			}
			pid, _ := binary.Uvarint(out)
			pids[int(pid)] = true
			return nil
		}); err != nil {
		t.Fatal(err)
	}
	time.AfterFunc(200*time.Millisecond, func() { p.Kill() })
	begin := time.Now()
	failed, sent := 0, 0
	serr := p.Stream(testContext(t), 6, func(i int, dst []byte) []byte { sent++; return append(dst, "hang"...) },
		func(i int, out []byte, err error) error {
			if err != nil {
				failed++
			}
			return nil
		})
	if serr == nil {
		t.Error("Stream returned nil after Kill")
	}
	if d := time.Since(begin); d > 20*time.Second {
		t.Errorf("Stream returned %v after Kill", d)
	}
	// Tasks never sent are never built (Stream is lazy); every sent one fails.
	if failed != sent || sent < 2 {
		t.Errorf("%d of %d sent hanging tasks failed after Kill, want all (and at least 2 sent)", failed, sent)
	}
	checkReaped(t, p, pids)
	if st := p.Stats(); st.Started != 2 {
		t.Errorf("Stats().Started = %d after Kill, want 2: no replacements", st.Started)
	}
}
